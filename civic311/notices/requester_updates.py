"""Telling requesters what happened to their request: acknowledged, a new status, closed.
Reporters and followers of the request and of its duplicates (`update_audience`) who
agreed to be contacted get one message each, in their language, on e-mail (or SMS when
they left only a phone number). A message names only the request, never other people."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from civic311.cases.models import ServiceRequest, Status
from civic311.cases.selectors import update_audience
from civic311.contacts.models import RequestParty

from . import outbox, subscriptions
from .models import OutboxMessage, Subscription

# The seed statuses' names, so that they are translated in messages (a city's own
# statuses are shown as named).
STATUS_NAMES = [gettext_noop(name) for name in (
    "New", "Acknowledged", "Assigned", "In progress", "On hold", "Reopened", "Transferred", "Resolved",
    "Closed", "Duplicate", "Cancelled",
)]


@dataclass(frozen=True)
class Recipient:
    channel: str
    address: str
    language: str
    request_public_id: str  # the request this person reported or follows
    constituent_id: int | None = None  # a requester (None: a subscriber)


def recipients_for(request: ServiceRequest) -> list[Recipient]:
    """Everyone to tell about an update to `request`, once per person and address."""
    ids = update_audience(request)
    parties = (
        RequestParty.objects.filter(request_id__in=ids, constituent__consent_contact=True)
        .select_related("constituent", "request")
        .order_by("id")
    )
    seen: set[tuple[str, str]] = set()
    found: list[Recipient] = []
    for party in parties:
        person = party.constituent
        if person.email:
            channel, address = OutboxMessage.ChannelName.EMAIL, person.email.strip()
        elif person.phone:
            channel, address = OutboxMessage.ChannelName.SMS, person.phone.strip()
        else:
            continue
        if (channel, address.lower()) in seen:
            continue
        seen.add((channel, address.lower()))
        language = person.preferred_language if person.preferred_language in dict(settings.LANGUAGES) else "en"
        found.append(Recipient(channel, address, language, party.request.public_id, person.pk))
    return found


def track_url(public_id: str) -> str:
    """The public tracking page of a request (the portal's, when it offers one)."""
    try:
        path = reverse("portal:track", kwargs={"public_id": public_id})
    except NoReverseMatch:
        path = f"/requests/{public_id}/"
    return f"{settings.NOTICES_SITE_URL}{path}"


def compose(request: ServiceRequest, status: Status, recipient: Recipient, note: str) -> tuple[str, str]:
    """(subject, body) of the update in the recipient's language."""
    with translation.override(recipient.language):
        kind = request.service_type.name if request.service_type_id else _("service request")
        if status.code == "duplicate":
            what = _("The problem you reported had already been reported; it is followed there.")
        elif status.open311_status == Status.Open311.CLOSED:
            what = _("Your request has been closed.")
        elif status.code == "acknowledged":
            what = _("Your request has been received and acknowledged by the city.")
        else:
            what = _("The status of your request is now: %(status)s.") % {"status": _(status.name)}
        subject = _("Request %(id)s: %(status)s") % {"id": recipient.request_public_id, "status": _(status.name)}
        lines = [what, "", _("Request: %(id)s (%(kind)s)") % {"id": recipient.request_public_id, "kind": kind}]
        if recipient.request_public_id != request.public_id:
            lines.append(_("Your report was combined with request %(id)s; you hear about its progress.")
                         % {"id": request.public_id})
        if note:
            lines += ["", _("Note from the city:"), note]
        lines += ["", _("Follow your request: %(url)s") % {"url": track_url(recipient.request_public_id)}]
        if recipient.constituent_id is not None:
            lines += ["", _("You receive this message because you asked to be kept informed about this request."),
                      _("Stop these updates with one click: %(url)s") % {"url": stop_updates_url(recipient)}]
        return subject, "\n".join(lines)


def stop_updates_url(recipient: Recipient) -> str:
    token = subscriptions.requester_token(recipient.constituent_id or 0, recipient.address)
    return subscriptions.token_url("notices:stop-updates", token)


def notify_status_change(*, request_id: int, to_status: str, public: bool) -> int:
    """Write the messages for a status change into the outbox (inside the caller's
    transaction). Internal changes (`public=False`) tell nobody. Returns the count."""
    if not public:
        return 0
    request = ServiceRequest.objects.select_related("service_type").get(pk=request_id)
    status = Status.objects.get(code=to_status)
    note = (
        request.updates.filter(is_public=True, status_to=status).order_by("-created_at", "-id")
        .values_list("text", flat=True).first()
        or ""
    )
    messages = []
    reference = f"request:{request.pk}:{to_status}"
    requesters = recipients_for(request)
    for recipient in requesters:
        subject, body = compose(request, status, recipient, note)
        messages.append(outbox.NewMessage(
            channel=recipient.channel, recipient=recipient.address, subject=subject, body=body,
            kind=OutboxMessage.Kind.REQUEST_UPDATE, language=recipient.language, reference=reference,
            headers=({"List-Unsubscribe": f"<{stop_updates_url(recipient)}>",
                      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
                     if recipient.channel == OutboxMessage.ChannelName.EMAIL else {}),
        ))
    # Residents who subscribed to the request (or to one of its duplicates).
    told = {(r.channel, r.address.lower()) for r in requesters}
    followers = Subscription.objects.filter(
        request_id__in=update_audience(request), confirmed_at__isnull=False,
        subscriber__confirmed_at__isnull=False, subscriber__unsubscribed_at__isnull=True,
    ).select_related("subscriber", "request").order_by("id")
    for subscription in followers:
        subscriber = subscription.subscriber
        if (subscriber.channel, subscriber.address.lower()) in told or subscription.request is None:
            continue
        told.add((subscriber.channel, subscriber.address.lower()))
        recipient = Recipient(subscriber.channel, subscriber.address, subscriber.language,
                              subscription.request.public_id)
        subject, body = compose(request, status, recipient, note)
        messages.append(outbox.NewMessage(
            channel=subscriber.channel, recipient=subscriber.address, subject=subject,
            body=f"{body}\n\n{subscriptions.footer(subscriber)}", kind=OutboxMessage.Kind.REQUEST_UPDATE,
            language=subscriber.language, reference=reference, headers=subscriptions.unsubscribe_headers(subscriber),
            payload={"type": "request.status_changed", "request": recipient.request_public_id,
                     "status": status.code, "text": body},
        ))
    return outbox.write(messages)
