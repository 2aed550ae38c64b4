"""Subscriptions: residents follow neighborhoods, topics or one request, by e-mail, SMS or
webhook. Double opt-in: a subscription counts only once the link sent to the address is
used. Every message to a subscriber carries signed links to its preference page and to
a one-click unsubscribe (also as `List-Unsubscribe` / `List-Unsubscribe-Post` headers)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civic311.audit.services import record_event
from civic311.cases.models import ServiceRequest
from civic311.contacts.models import Constituent
from civic311.places.models import District

from . import outbox
from .models import OutboxMessage, Subscriber, Subscription, Topic

CONFIRM_SALT = "civic311.notices.confirm"
MANAGE_SALT = "civic311.notices.manage"
REQUESTER_SALT = "civic311.notices.requester"
CONFIRM_DAYS = 7
CONFIRM_RESEND_MINUTES = 10


class SubscriptionRefused(ValueError):
    """The subscription cannot be made (the message says why, for the person)."""


class BadLink(ValueError):
    """A confirmation, preference or unsubscribe link that is forged, expired or stale."""


def _fingerprint(subscriber: Subscriber) -> str:
    # Ties a link to the address it was sent to: a row id reused later gets no old links.
    return hashlib.sha256(f"{subscriber.channel}:{subscriber.address}".encode()).hexdigest()[:16]


def confirm_token(subscriber: Subscriber) -> str:
    return signing.dumps({"s": subscriber.pk, "f": _fingerprint(subscriber)}, salt=CONFIRM_SALT)


def manage_token(subscriber: Subscriber) -> str:
    """The token of the preference page and of one-click unsubscribe (does not expire:
    it is in every message)."""
    return signing.dumps({"s": subscriber.pk, "f": _fingerprint(subscriber)}, salt=MANAGE_SALT)


def _subscriber_from(token: str, *, salt: str, max_age: int | None) -> Subscriber:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as error:
        raise BadLink(_("This link has expired. Please subscribe again.")) from error
    except signing.BadSignature as error:
        raise BadLink(_("This link is not valid.")) from error
    pk = data.get("s") if isinstance(data, dict) else None
    subscriber = Subscriber.objects.filter(pk=pk).first() if isinstance(pk, int) else None
    if subscriber is None or _fingerprint(subscriber) != data.get("f"):
        raise BadLink(_("This link is not valid."))
    return subscriber


def _address_fingerprint(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]


def requester_token(constituent_id: int, address: str) -> str:
    """The token of the "stop these updates" link in messages to a requester."""
    return signing.dumps({"c": constituent_id, "f": _address_fingerprint(address)}, salt=REQUESTER_SALT)


@transaction.atomic
def stop_requester_updates(token: str) -> Constituent:
    """Withdraw a requester's consent to be contacted about their requests (one click
    from any update), with an audit event. Idempotent."""
    try:
        data = signing.loads(token, salt=REQUESTER_SALT)
    except signing.BadSignature as error:
        raise BadLink(_("This link is not valid.")) from error
    pk = data.get("c") if isinstance(data, dict) else None
    person = Constituent.objects.select_for_update().filter(pk=pk).first() if isinstance(pk, int) else None
    if person is None or data.get("f") not in {_address_fingerprint(person.email), _address_fingerprint(person.phone)}:
        raise BadLink(_("This link is not valid."))
    if person.consent_contact:
        person.consent_contact = False
        person.consent_recorded_at = timezone.now()
        person.save(update_fields=["consent_contact", "consent_recorded_at"])
        record_event(action="constituent.consent_withdrawn", target=person, actor_label="resident",
                     channel="web", changes={"consent_contact": False, "via": "one-click link in an update"})
    return person


def subscriber_for_manage_token(token: str) -> Subscriber:
    return _subscriber_from(token, salt=MANAGE_SALT, max_age=None)


def absolute(path: str) -> str:
    return f"{settings.NOTICES_SITE_URL}{path}"


_PLACEHOLDER = "--token--"


@lru_cache(maxsize=32)
def _token_path(name: str, urlconf: str | None) -> str:
    return reverse(name, kwargs={"token": _PLACEHOLDER}, urlconf=urlconf)


def token_url(name: str, token: str) -> str:
    """The absolute URL of a page taking a signed token (reversed once per URL name: a
    broadcast writes hundreds of thousands of these)."""
    return absolute(_token_path(name, get_urlconf()).replace(_PLACEHOLDER, token))


def manage_url(subscriber: Subscriber, token: str = "") -> str:
    return token_url("notices:preferences", token or manage_token(subscriber))


def unsubscribe_url(subscriber: Subscriber, token: str = "") -> str:
    return token_url("notices:unsubscribe", token or manage_token(subscriber))


def confirm_url(subscriber: Subscriber) -> str:
    return token_url("notices:confirm", confirm_token(subscriber))


def unsubscribe_headers(subscriber: Subscriber, token: str = "") -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: mail clients show an unsubscribe button that POSTs."""
    if subscriber.channel != OutboxMessage.ChannelName.EMAIL:
        return {}
    return {"List-Unsubscribe": f"<{unsubscribe_url(subscriber, token)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def footer(subscriber: Subscriber, token: str = "") -> str:
    """The lines that end every message to a subscriber, in their language."""
    token = token or manage_token(subscriber)
    with translation.override(subscriber.language):
        if subscriber.channel == OutboxMessage.ChannelName.SMS:
            return _("Stop: %(url)s") % {"url": unsubscribe_url(subscriber, token)}
        return "\n".join([
            "--",
            _("Change what you receive: %(url)s") % {"url": manage_url(subscriber, token)},
            _("Unsubscribe with one click: %(url)s") % {"url": unsubscribe_url(subscriber, token)},
        ])


@dataclass(frozen=True)
class Choice:
    """What a resident asks to follow."""

    districts: Sequence[District] = ()
    topics: Sequence[Topic] = ()
    request: ServiceRequest | None = None

    def is_empty(self) -> bool:
        return not self.districts and not self.topics and self.request is None


def _add(subscriber: Subscriber, choice: Choice, *, confirmed: bool) -> int:
    now = timezone.now()
    rows = [Subscription(subscriber=subscriber, district=d) for d in choice.districts]
    rows += [Subscription(subscriber=subscriber, topic=t) for t in choice.topics]
    if choice.request is not None:
        rows.append(Subscription(subscriber=subscriber, request=choice.request))
    for row in rows:
        row.created_at = now
        row.confirmed_at = now if confirmed else None
    created = Subscription.objects.bulk_create(rows, ignore_conflicts=True)
    if confirmed:
        # Rows that existed unconfirmed are confirmed now (the owner asked for them again).
        subscriber.subscriptions.filter(confirmed_at__isnull=True).update(confirmed_at=now)
    return len(created)


@transaction.atomic
def subscribe(*, channel: str, address: str, language: str, choice: Choice) -> Subscriber:
    """Record the wish and send the confirmation link to the address (through the
    outbox). Nothing else is sent to the address until the link is used. Asking again
    (a lost message) sends a new link; an address that had unsubscribed starts over."""
    if choice.is_empty():
        raise SubscriptionRefused(_("Choose at least one neighborhood, topic or request to follow."))
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    subscriber, _created = Subscriber.objects.select_for_update().get_or_create(
        channel=channel, address=address, defaults={"language": language})
    if subscriber.unsubscribed_at is not None:
        subscriber.unsubscribed_at = None
        subscriber.confirmed_at = None
        subscriber.subscriptions.all().delete()
    subscriber.language = language
    subscriber.save()
    _add(subscriber, choice, confirmed=False)
    recently = OutboxMessage.objects.filter(
        reference=f"subscriber:{subscriber.pk}", kind=OutboxMessage.Kind.CONFIRMATION,
        created_at__gte=timezone.now() - timedelta(minutes=CONFIRM_RESEND_MINUTES),
    )
    # Repeated requests (a lost message, or someone trying to flood an address) send at
    # most one confirmation per address every few minutes.
    if not recently.exists():
        send_confirmation(subscriber)
    return subscriber


def send_confirmation(subscriber: Subscriber) -> None:
    with translation.override(subscriber.language):
        subject = _("Please confirm your subscription")
        link = confirm_url(subscriber)
        if subscriber.channel == OutboxMessage.ChannelName.SMS:
            body = _("311: confirm your alerts: %(url)s") % {"url": link}
        else:
            body = "\n".join([
                _("Someone (we hope you) asked to receive news from the city at this address."),
                _("To confirm, open this link within %(days)s days:") % {"days": CONFIRM_DAYS}, link, "",
                _("If it was not you, ignore this message: nothing more will be sent."),
            ])
    outbox.write([outbox.NewMessage(
        channel=subscriber.channel, recipient=subscriber.address, subject=subject, body=body,
        kind=OutboxMessage.Kind.CONFIRMATION, language=subscriber.language, reference=f"subscriber:{subscriber.pk}",
        payload={"type": "subscription.confirm", "confirm_url": link},
    )])


@transaction.atomic
def confirm(token: str) -> Subscriber:
    """Use a confirmation link: the address and its pending subscriptions become active."""
    subscriber = _subscriber_from(token, salt=CONFIRM_SALT, max_age=CONFIRM_DAYS * 24 * 3600)
    if subscriber.unsubscribed_at is not None:
        raise BadLink(_("This address has unsubscribed since; please subscribe again."))
    now = timezone.now()
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = now
        subscriber.save(update_fields=["confirmed_at"])
    subscriber.subscriptions.filter(confirmed_at__isnull=True).update(confirmed_at=now)
    return subscriber


@transaction.atomic
def unsubscribe(subscriber: Subscriber) -> None:
    """Stop everything to this address (one click; idempotent)."""
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["unsubscribed_at"])
    subscriber.subscriptions.all().delete()


@transaction.atomic
def set_preferences(subscriber: Subscriber, *, language: str, districts: Iterable[District],
                    topics: Iterable[Topic]) -> None:
    """The preference page's changes (its link proves the address's owner): the followed
    neighborhoods and topics become exactly these; followed requests are kept."""
    if language in dict(settings.LANGUAGES):
        subscriber.language = language
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = timezone.now()
    subscriber.unsubscribed_at = None
    subscriber.save(update_fields=["language", "confirmed_at", "unsubscribed_at"])
    districts, topics = list(districts), list(topics)
    subscriber.subscriptions.filter(district__isnull=False).exclude(district__in=districts).delete()
    subscriber.subscriptions.filter(topic__isnull=False).exclude(topic__in=topics).delete()
    _add(subscriber, Choice(districts=districts, topics=topics), confirmed=True)
