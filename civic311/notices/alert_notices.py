"""Early-warning alerts reach the departments concerned: when insight raises an alert
(`alert_raised`, sent inside the transaction that stores it), each active supervisor of
each concerned department, and each staff member who follows one of its neighborhoods
(`alert_followers`, the staff neighborhood digest), gets one e-mail in the outbox, written
in the same transaction, so a rolled-back alert sends nothing. The message says what the alert is (service type,
neighborhoods, window, requests counted against expected) and links to the alert's staff
page; it names no resident and no request's reporter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from civic311.insight.models import Alert

from . import alert_followers, outbox
from .models import OutboxMessage, Subscriber
from .supervisor_digest import supervisors

SUBJECT_LIMIT = OutboxMessage._meta.get_field("subject").max_length or 300


@dataclass(frozen=True)
class AlertFacts:
    """What a message says about an alert (no personal data: names of places and types)."""

    alert_id: int
    kind: str
    service_type: str
    neighborhoods: list[str]
    window_start: str
    window_end: str
    observed: int
    expected: float


def reference(alert_id: int, user_id: int) -> str:
    """The stable key of one alert's message to one supervisor."""
    return f"alert:{alert_id}:user:{user_id}"


def alert_url(alert_id: int) -> str:
    return f"{settings.NOTICES_SITE_URL}{reverse('insight:alert', kwargs={'alert_id': alert_id})}"


def facts(alert_id: int, district_ids: Sequence[int]) -> AlertFacts | None:
    alert = Alert.objects.select_related("service_type").filter(pk=alert_id).first()
    if alert is None:
        return None
    names = sorted(alert.districts.filter(pk__in=list(district_ids)).values_list("name", flat=True)
                   if district_ids else alert.districts.values_list("name", flat=True))
    return AlertFacts(
        alert_id=alert.pk, kind=alert.kind, service_type=alert.subject, neighborhoods=list(names),
        window_start=alert.window_start.isoformat(), window_end=alert.last_detected_on.isoformat(),
        observed=alert.observed, expected=alert.expected,
    )


def languages_of(users: Sequence[User]) -> dict[str, str]:
    """The language each supervisor asked for, where known (their e-mail address is a
    confirmed subscriber of the city's notices), by lower-cased address."""
    known = dict(settings.LANGUAGES)
    addresses = {u.email.lower() for u in users}
    found: dict[str, str] = {}
    if not addresses:
        return found
    rows = (Subscriber.objects.annotate(lower_address=Lower("address"))
            .filter(channel=OutboxMessage.ChannelName.EMAIL, lower_address__in=addresses,
                    confirmed_at__isnull=False)
            .values_list("lower_address", "language"))
    for address, language in rows:
        if language in known:
            found[address] = language
    return found


def compose(f: AlertFacts, language: str, *, follower: bool = False) -> tuple[str, str]:
    """(subject, body) of the alert message in `language`; `follower`: sent because the
    person follows one of its neighborhoods rather than as a supervisor concerned."""
    with translation.override(language):
        kind = str(Alert.Kind(f.kind).label)
        places = ", ".join(f.neighborhoods) or _("the city")
        subject = _("Early warning: %(type)s in %(places)s") % {"type": f.service_type, "places": places}
        if len(subject) > SUBJECT_LIMIT:  # many neighborhoods: the body lists them all
            subject = subject[: SUBJECT_LIMIT - 1] + "…"
        lines = [
            _("Civic311 raised an early-warning alert in a neighborhood you follow.") if follower
            else _("Civic311 raised an early-warning alert for your department."),
            "",
            _("Alert: %(kind)s") % {"kind": kind},
            _("Service type: %(type)s") % {"type": f.service_type},
            _("Neighborhoods: %(places)s") % {"places": places},
            _("Window: %(start)s to %(end)s") % {"start": f.window_start, "end": f.window_end},
            _("Requests: %(observed)d, expected about %(expected).1f") % {"observed": f.observed,
                                                                          "expected": f.expected},
            "",
            _("See the alert, its requests, and acknowledge it: %(url)s") % {"url": alert_url(f.alert_id)},
        ]
    return subject, "\n".join(lines) + "\n"


def notify_supervisors(*, alert_id: int, department_ids: Sequence[int], district_ids: Sequence[int]) -> int:
    """Write one e-mail per active supervisor of each department in `department_ids` and per
    staff member following one of `district_ids` (inside the caller's transaction; a person
    already told of this alert is skipped, a supervisor who also follows gets one message).
    Returns how many messages were written."""
    people: dict[int, User] = {}
    for users in supervisors(set(department_ids)).values() if department_ids else []:
        for user in users:
            people.setdefault(user.pk, user)
    following = set()
    for user in alert_followers.followers(district_ids):
        if user.pk not in people:
            people[user.pk] = user
            following.add(user.pk)
    if not people:
        return 0
    about = facts(alert_id, district_ids)
    if about is None:
        return 0
    done = set(OutboxMessage.objects.filter(reference__in=[reference(alert_id, pk) for pk in people])
               .values_list("reference", flat=True))
    languages = languages_of(list(people.values()))
    messages = []
    for pk, user in sorted(people.items()):
        key = reference(alert_id, pk)
        if key in done:
            continue
        language = languages.get(user.email.lower(), settings.LANGUAGE_CODE)
        subject, body = compose(about, language, follower=pk in following)
        messages.append(outbox.NewMessage(channel=OutboxMessage.ChannelName.EMAIL, recipient=user.email,
                                          subject=subject, body=body, kind=OutboxMessage.Kind.OTHER,
                                          language=language, reference=key))
    return outbox.write(messages)
