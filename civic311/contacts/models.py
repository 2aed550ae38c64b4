"""People and their interactions with the city. Personal data lives here and only here."""

import re
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from civic311.cases.models import ServiceRequest
from civic311.catalog.models import Channel

_NOT_DIGIT = re.compile(r"\D")


def phone_key(phone: str) -> str:
    """The digits of a phone number, without the North American country code "1": what a
    number is searched by, however it was typed. "+1 (617) 555-0142" → "6175550142"."""
    digits = _NOT_DIGIT.sub("", phone)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits[:15]


class Constituent(models.Model):
    # Open311 sends first_name and last_name, up to 100 characters each: the full name is
    # both with a space between.
    name = models.CharField(max_length=201, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=30, blank=True, db_index=True)
    # phone_key(phone), kept by save(): an indexed exact lookup for a number typed in full.
    phone_key = models.CharField(max_length=15, blank=True, db_index=True, editable=False)
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

    class Meta:
        # Every Open311 POST and desk search looks a person up by e-mail in any case
        # (email__iexact: UPPER(email) on PostgreSQL); without it that is a full scan.
        indexes = [models.Index(Upper("email"), name="constituent_email_upper")]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"Constituent {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_key = phone_key(self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_key"}
        super().save(*args, **kwargs)


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
    # Set when the contact is closed: ended_at - started_at, kept so that averages are one
    # aggregate on every database.
    handle_seconds = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    # The knowledge-base article the information came from (the article lives in the
    # knowledge app; its id and title are kept so the contact log survives its edits).
    article_id = models.PositiveIntegerField(null=True, blank=True)
    article_title = models.CharField(max_length=300, blank=True)
    # The request being taken, saved as the agent types (service type id, description,
    # address, point, answers), so that a closed browser loses nothing.
    draft = models.JSONField(default=dict, blank=True)
    # Emergency words seen in what the agent typed, and whether the prompt was answered.
    emergency_terms = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["channel", "started_at"]),
            models.Index(fields=["agent", "outcome"]),
            models.Index(fields=["constituent", "started_at"]),
        ]

    def __str__(self) -> str:
        return f"Contact {self.pk} ({self.get_outcome_display()})"

    @property
    def is_open(self) -> bool:
        return self.outcome == self.Outcome.OPEN


class EmergencyTerm(models.Model):
    """A word or phrase that, typed during a contact, prompts the agent to transfer the
    caller to 911. Cities edit the list in the admin."""

    phrase = models.CharField(max_length=100, help_text=_("Matched as whole words, ignoring case and accents"))
    language = models.CharField(max_length=10, default="en")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["language", "phrase"]
        constraints = [models.UniqueConstraint(fields=["phrase", "language"], name="one_emergency_phrase_per_language")]

    def __str__(self) -> str:
        return f"{self.phrase} ({self.language})"
