"""The outbox: every outbound message is a row written in the same transaction as the
change that causes it, then delivered by the worker (see `outbox.py`)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One message to one recipient on one channel. `key` is its idempotency key: the
    e-mail Message-ID and the key sent to HTTP providers are derived from it, so a resend
    after a crash carries the same identity as the first attempt."""

    class ChannelName(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")
        WEBHOOK = "webhook", _("webhook")

    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed permanently")
        BOUNCED = "bounced", _("bounced")

    class Kind(models.TextChoices):
        REQUEST_UPDATE = "request_update", _("update on a service request")
        SLA_DIGEST = "sla_digest", _("SLA digest for supervisors")
        ANNOUNCEMENT = "announcement", _("announcement")
        CONFIRMATION = "confirmation", _("subscription confirmation")
        OTHER = "other", _("other")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(max_length=10, choices=ChannelName.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    # An e-mail address, a phone number or a webhook URL: personal data, never shown publicly.
    recipient = models.CharField(max_length=500)
    language = models.CharField(max_length=10, default="en")
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    # Extra e-mail headers (List-Unsubscribe, ...) or a webhook's JSON payload.
    headers = models.JSONField(default=dict, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # What caused the message, for people reading the outbox (e.g. "request:42").
    reference = models.CharField(max_length=100, blank=True, db_index=True)

    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # While `state` is SENDING, the worker holding `lease_token` owns the message until
    # `lease_until`; after that any worker may take it again (a killed worker's batch).
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.UUIDField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # What the workers claim: pending messages in order, and leases that ran out.
            models.Index(fields=["channel", "id"], condition=models.Q(state="pending"), name="outbox_pending"),
            models.Index(fields=["channel", "lease_until"], condition=models.Q(state="sending"),
                         name="outbox_leased"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.kind} #{self.pk} ({self.state})"

    @property
    def message_id(self) -> str:
        """The RFC 5322 Message-ID of the e-mail (stable across attempts)."""
        return f"<{self.key}@{settings.NOTICES_MESSAGE_ID_DOMAIN}>"


class DeliveryWindow(models.Model):
    """How many messages of a channel the workers have taken in one second: the shared
    counter behind the per-channel rate limits (several workers, several machines)."""

    channel = models.CharField(max_length=10)
    second = models.BigIntegerField()
    taken = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "second"], name="one_window_per_channel_second")]

    def __str__(self) -> str:
        return f"{self.channel}@{self.second}: {self.taken}"


class Topic(models.Model):
    """A subject residents can follow (trash & recycling, parking, storms...): data a
    city edits in the admin, with its name in each language."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    name_es = models.CharField(max_length=120, blank=True, help_text=_("Spanish name (empty: the English one)"))
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        return self.name_es if language == "es" and self.name_es else self.name


class Subscriber(models.Model):
    """One address (e-mail, phone or webhook URL) that asked for news. Nothing is sent
    but the confirmation until `confirmed_at` is set (double opt-in); unsubscribing
    sets `unsubscribed_at` and stops everything."""

    channel = models.CharField(max_length=10, choices=OutboxMessage.ChannelName.choices)
    address = models.CharField(max_length=500)
    language = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "address"], name="one_subscriber_per_address")]
        indexes = [models.Index(fields=["confirmed_at", "unsubscribed_at"], name="subscriber_active")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} subscriber #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class Subscription(models.Model):
    """What a subscriber follows: exactly one of a neighborhood, a topic or a request."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    district = models.ForeignKey("places.District", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions")
    request = models.ForeignKey("cases.ServiceRequest", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the subscriber confirmed this subscription (the link sent to the address,
    # or a change made on their preference page, which only the address's owner can open).
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(district__isnull=False, topic__isnull=True, request__isnull=True)
                    | models.Q(district__isnull=True, topic__isnull=False, request__isnull=True)
                    | models.Q(district__isnull=True, topic__isnull=True, request__isnull=False)
                ),
                name="subscription_follows_one_thing",
            ),
            models.UniqueConstraint(fields=["subscriber", "district"], condition=models.Q(district__isnull=False),
                                    name="one_subscription_per_district"),
            models.UniqueConstraint(fields=["subscriber", "topic"], condition=models.Q(topic__isnull=False),
                                    name="one_subscription_per_topic"),
            models.UniqueConstraint(fields=["subscriber", "request"], condition=models.Q(request__isnull=False),
                                    name="one_subscription_per_request"),
        ]

    def __str__(self) -> str:
        return f"subscription #{self.pk}"


class Announcement(models.Model):
    """News from the city: to matching confirmed subscribers through the outbox, on the
    public announcements page and in the feeds. Without target neighborhoods it is
    city-wide; an emergency announcement goes to every subscriber whatever they follow."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SCHEDULED = "scheduled", _("scheduled")
        PUBLISHED = "published", _("published")

    title = models.CharField(max_length=200)
    body = models.TextField()
    title_es = models.CharField(_("title in Spanish"), max_length=200, blank=True)
    body_es = models.TextField(_("text in Spanish"), blank=True)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="announcements")
    districts = models.ManyToManyField("places.District", blank=True, related_name="+",
                                       help_text=_("Empty: the whole city"))
    by_email = models.BooleanField(_("send by e-mail"), default=True)
    by_sms = models.BooleanField(_("send by SMS"), default=False)
    by_webhook = models.BooleanField(_("send to webhooks"), default=True)
    is_emergency = models.BooleanField(
        default=False, help_text=_("Emergency broadcast: to every subscriber, whatever they follow"))
    publish_at = models.DateTimeField(null=True, blank=True, help_text=_("Empty: as soon as it is published"))
    expires_at = models.DateTimeField(null=True, blank=True, help_text=_("Taken off the page and feeds after this"))
    # A recurring schedule (e.g. the revised trash pick-up), published as iCalendar.
    event_starts_at = models.DateTimeField(null=True, blank=True)
    event_ends_at = models.DateTimeField(null=True, blank=True)
    recurrence = models.CharField(
        max_length=300, blank=True,
        help_text=_("An iCalendar RRULE, e.g. FREQ=WEEKLY;BYDAY=TU (needs a start)"),
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    recipients = models.PositiveIntegerField(default=0, help_text=_("Messages written when it went out"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["state", "publish_at"], name="announcement_due")]
        constraints = [
            models.CheckConstraint(condition=models.Q(recurrence="") | models.Q(event_starts_at__isnull=False),
                                   name="recurrence_needs_a_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def title_in(self, language: str) -> str:
        return self.title_es if language == "es" and self.title_es else self.title

    def body_in(self, language: str) -> str:
        return self.body_es if language == "es" and self.body_es else self.body

    def channels(self) -> list[str]:
        chosen = [(self.by_email, OutboxMessage.ChannelName.EMAIL), (self.by_sms, OutboxMessage.ChannelName.SMS),
                  (self.by_webhook, OutboxMessage.ChannelName.WEBHOOK)]
        return [str(name) for on, name in chosen if on]


class NeighborhoodAlertFollower(models.Model):
    """A staff member follows a neighborhood's early-warning alerts (the staff neighborhood
    digest): every new alert that touches it is e-mailed to the account's address through
    the outbox, whichever department it concerns."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey("places.District", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "district"], name="one_follow_per_user_district")]
        indexes = [models.Index(fields=["district"], name="alert_follower_district")]

    def __str__(self) -> str:
        return f"user {self.user_id} follows district {self.district_id}"
