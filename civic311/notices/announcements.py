"""Announcements: who receives one, publishing it (now or when its time comes) through
the outbox, what the public page and the feeds show, and its iCalendar form."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civic311.audit.services import record_event
from civic311.places.models import District

from . import outbox, subscriptions
from .models import Announcement, OutboxMessage, Subscriber, Subscription, Topic

SMS_TEXT = 300


class AnnouncementRefused(ValueError):
    """The announcement cannot be published as it is (the message says why)."""


def audience(announcement: Announcement) -> QuerySet[Subscriber]:
    """Confirmed subscribers on the announcement's channels who follow its topic or one
    of its neighborhoods (any neighborhood, when it is city-wide); for an emergency,
    every confirmed subscriber on those channels."""
    active = Subscriber.objects.filter(
        confirmed_at__isnull=False, unsubscribed_at__isnull=True, channel__in=announcement.channels())
    if announcement.is_emergency:
        return active.order_by("id")
    follows = Subscription.objects.filter(subscriber=OuterRef("pk"), confirmed_at__isnull=False)
    district_ids = list(announcement.districts.values_list("pk", flat=True))
    places = follows.filter(district__in=district_ids) if district_ids else follows.filter(district__isnull=False)
    matches = Q(Exists(places))
    if announcement.topic_id is not None:
        matches |= Q(Exists(follows.filter(topic_id=announcement.topic_id)))
    return active.filter(matches).order_by("id")


def public_url(announcement: Announcement) -> str:
    return subscriptions.absolute(reverse("notices:announcement", kwargs={"pk": announcement.pk}))


def _messages(announcement: Announcement) -> Iterator[outbox.NewMessage]:
    link = public_url(announcement)
    neighborhoods = list(announcement.districts.values_list("name", flat=True))
    topic = announcement.topic.code if announcement.topic else ""
    reference = f"announcement:{announcement.pk}"
    for subscriber in audience(announcement).only("id", "channel", "address", "language").iterator(chunk_size=2000):
        language = subscriber.language
        token = subscriptions.manage_token(subscriber)
        title, body = announcement.title_in(language), announcement.body_in(language)
        with translation.override(language):
            if announcement.is_emergency:
                title = _("Emergency: %(title)s") % {"title": title}
            if subscriber.channel == OutboxMessage.ChannelName.SMS:
                text = f"{title}: {body}"
                if len(text) > SMS_TEXT:
                    text = text[: SMS_TEXT - 1].rstrip() + "…"
                text = f"{text}\n{link}\n{subscriptions.footer(subscriber, token)}"
            else:
                text = f"{body}\n\n{link}\n\n{subscriptions.footer(subscriber, token)}"
        yield outbox.NewMessage(
            channel=subscriber.channel, recipient=subscriber.address, subject=title, body=text,
            kind=OutboxMessage.Kind.ANNOUNCEMENT, language=language, reference=reference,
            headers=subscriptions.unsubscribe_headers(subscriber, token),
            payload={"type": "announcement", "announcement": announcement.pk, "title": title, "body": body,
                     "url": link, "topic": topic, "neighborhoods": neighborhoods,
                     "emergency": announcement.is_emergency, "language": language},
        )


def _check(announcement: Announcement) -> None:
    if not announcement.channels():
        raise AnnouncementRefused(_("Choose at least one channel."))
    if announcement.expires_at and announcement.publish_at and announcement.expires_at <= announcement.publish_at:
        raise AnnouncementRefused(_("The expiry must come after the publication time."))
    if announcement.recurrence:
        from dateutil.rrule import rrulestr

        try:
            rrulestr(announcement.recurrence, dtstart=announcement.event_starts_at)
        except (ValueError, TypeError) as error:
            raise AnnouncementRefused(_("The recurrence is not a valid iCalendar RRULE.")) from error


@transaction.atomic
def publish(announcement: Announcement, *, actor: AbstractBaseUser | AnonymousUser | None,
            now: datetime | None = None) -> Announcement:
    """Publish now (messages written to the outbox in this transaction), or schedule it
    when `publish_at` is still ahead. Publishing twice sends nothing twice."""
    now = now or timezone.now()
    locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if locked.state == Announcement.State.PUBLISHED:
        return locked
    _check(locked)
    if locked.publish_at and locked.publish_at > now:
        locked.state = Announcement.State.SCHEDULED
        locked.save(update_fields=["state"])
        record_event(action="announcement.scheduled", target=locked, actor=actor,
                     changes={"publish_at": locked.publish_at.isoformat()})
        return locked
    return _send(locked, now=now, actor=actor)


def _send(locked: Announcement, *, now: datetime, actor: AbstractBaseUser | AnonymousUser | None) -> Announcement:
    count = outbox.write(_messages(locked))
    locked.state, locked.published_at, locked.recipients = Announcement.State.PUBLISHED, now, count
    locked.save(update_fields=["state", "published_at", "recipients"])
    record_event(action="announcement.published", target=locked, actor=actor, actor_label="" if actor else "schedule",
                 changes={"recipients": count, "emergency": locked.is_emergency})
    return locked


def publish_due(now: datetime | None = None) -> int:
    """Publish the scheduled announcements whose time has come (the periodic job)."""
    now = now or timezone.now()
    done = 0
    for pk in Announcement.objects.filter(state=Announcement.State.SCHEDULED, publish_at__lte=now).values_list(
            "pk", flat=True):
        with transaction.atomic():
            locked = Announcement.objects.select_for_update().get(pk=pk)
            if locked.state == Announcement.State.SCHEDULED:
                _send(locked, now=now, actor=None)
                done += 1
    return done


def published(*, district: District | None = None, topic: Topic | None = None,
              now: datetime | None = None) -> QuerySet[Announcement]:
    """What the public page and feeds show: published, not expired, newest first; for a
    neighborhood, its own and the city-wide ones."""
    now = now or timezone.now()
    shown = Announcement.objects.filter(state=Announcement.State.PUBLISHED).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    if district is not None:
        shown = shown.filter(Q(districts=district) | Q(districts__isnull=True)).distinct()
    if topic is not None:
        shown = shown.filter(topic=topic)
    return shown.select_related("topic").prefetch_related("districts").order_by("-published_at", "-id")


def to_ical(announcements: QuerySet[Announcement] | list[Announcement], *, language: str) -> bytes:
    """An iCalendar file with one event (recurring when it has an RRULE) per announcement
    that has a start."""
    from icalendar import Calendar, Event, vRecur

    calendar = Calendar()
    calendar.add("prodid", "-//Civic311//announcements//EN")
    calendar.add("version", "2.0")
    for item in announcements:
        if item.event_starts_at is None:
            continue
        event = Event()
        event.add("uid", f"announcement-{item.pk}@{settings.NOTICES_MESSAGE_ID_DOMAIN}")
        event.add("summary", item.title_in(language))
        event.add("description", item.body_in(language))
        event.add("dtstart", item.event_starts_at)
        if item.event_ends_at:
            event.add("dtend", item.event_ends_at)
        event.add("dtstamp", item.published_at or item.created_at)
        if item.recurrence:
            event.add("rrule", vRecur.from_ical(item.recurrence))
        event.add("url", public_url(item))
        calendar.add_component(event)
    return bytes(calendar.to_ical())
