"""The caller's alert subscriptions on the agent desk's caller history.

Registered with `contacts.history` in `NoticesConfig.ready` (contacts sits below notices
and cannot import it). A subscriber is matched on the constituent's e-mail address (as the
subscription form stores it: trimmed, lower case) or mobile number (E.164, as the form
normalises it); an address that has unsubscribed is not listed."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from civic311.contacts.history import HistoryLine
from civic311.contacts.models import Constituent

from .forms import normalise_phone
from .models import OutboxMessage, Subscription

MAX_LINES = 20


def _addresses(constituent: Constituent) -> Q | None:
    match = Q()
    email = constituent.email.strip().lower()
    if email:
        match |= Q(subscriber__channel=OutboxMessage.ChannelName.EMAIL, subscriber__address=email)
    if constituent.phone.strip():
        try:
            phone = normalise_phone(constituent.phone)
        except forms.ValidationError:
            phone = ""
        if phone:
            match |= Q(subscriber__channel=OutboxMessage.ChannelName.SMS, subscriber__address=phone)
    return match or None


def _followed(subscription: Subscription, language: str) -> str:
    if subscription.district is not None:
        return _("Neighborhood: %(name)s") % {"name": subscription.district.name}
    if subscription.topic is not None:
        return _("Topic: %(name)s") % {"name": subscription.topic.label(language)}
    if subscription.request is not None:
        return _("Request %(id)s") % {"id": subscription.request.public_id}
    return ""


def subscriptions_of(constituent: Constituent) -> list[HistoryLine]:
    """The constituent's confirmed and pending alert subscriptions, newest first: what
    they follow, the channel, since when, and whether it is confirmed (one query, or none
    when the constituent has neither an e-mail address nor a phone number)."""
    match = _addresses(constituent)
    if match is None:
        return []
    language = get_language() or "en"
    rows = (Subscription.objects.filter(match, subscriber__unsubscribed_at__isnull=True)
            .select_related("subscriber", "district", "topic", "request")
            .order_by("-created_at", "-id")[:MAX_LINES])
    section = _("Alert subscriptions")
    lines = []
    for row in rows:
        confirmed = row.confirmed_at is not None and row.subscriber.confirmed_at is not None
        lines.append(HistoryLine(
            section=section,
            text=f"{_followed(row, language)} · {row.subscriber.get_channel_display()}",
            since=row.confirmed_at if confirmed else row.created_at,
            state=_("confirmed") if confirmed else _("pending confirmation"),
        ))
    return lines
