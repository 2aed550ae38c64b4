"""People and their interactions with the city. Personal data lives here and only here."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civic311.cases.models import ServiceRequest
from civic311.catalog.models import Channel


class Constituent(models.Model):
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=30, blank=True, db_index=True)
    # Identifiers a client application sends with a report (Open311 device_id, account_id).
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    preferred_language = models.CharField(max_length=10, default="en")
    consent_contact = models.BooleanField(
        default=False, help_text=_("May the city contact this person about their requests?")
    )
    consent_updates = models.BooleanField(
        default=False, help_text=_("May the city send news and announcements?")
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"Constituent {self.pk}"


class RequestParty(models.Model):
    """Who reported or follows a request."""

    class Role(models.TextChoices):
        REPORTER = "reporter", _("reporter")
        FOLLOWER = "follower", _("follower")

    constituent = models.ForeignKey(Constituent, on_delete=models.CASCADE, related_name="requests")
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.REPORTER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["constituent", "request", "role"], name="one_role_per_person_request"
            )
        ]


class Contact(models.Model):
    """One interaction on any channel, whether or not it created a request."""

    class Reason(models.TextChoices):
        QUESTION = "question", _("question")
        SERVICE_REQUEST = "service_request", _("service request")
        FOLLOW_UP = "follow_up", _("follow-up on a request")
        COMPLAINT = "complaint", _("complaint")
        COMPLIMENT = "compliment", _("compliment")
        EMERGENCY = "emergency", _("emergency")
        OTHER = "other", _("other")

    class Outcome(models.TextChoices):
        INFO_GIVEN = "info_given", _("information given")
        REQUEST_CREATED = "request_created", _("request created")
        TRANSFERRED = "transferred", _("transferred")
        REFERRED_911 = "referred_911", _("referred to 911")
        ABANDONED = "abandoned", _("abandoned")
        OPEN = "open", _("in progress")

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT)
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.QUESTION)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.OPEN)
    constituent = models.ForeignKey(
        Constituent, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    request = models.ForeignKey(
        ServiceRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    started_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["channel", "started_at"])]
