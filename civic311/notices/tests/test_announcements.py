"""Announcements reach the matching confirmed subscribers through the outbox (subscribe →
confirm → announce → message at the SMTP server), emergencies reach everyone, schedules
and expiry are kept, and the public page, feeds and iCalendar show what is published."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from civic311.notices import announcements, subscriptions
from civic311.notices.models import Announcement, OutboxMessage, Subscriber, Topic
from civic311.notices.tasks import deliver_due
from civic311.notices.testing import Mailbox
from civic311.places.models import District
from civic311.portal.tests.factories import boston_with_squares

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/notices/confirm/\S+/)")


@pytest.fixture(autouse=True)
def site(settings: Any) -> None:
    settings.NOTICES_SITE_URL = "http://testserver"


@pytest.fixture
def districts() -> list[District]:
    return boston_with_squares()


def topic(code: str) -> Topic:
    return Topic.objects.get(code=code)


def resident(address: str, *, districts: Sequence[District] = (), topics: Sequence[str] = (),
             language: str = "en", channel: str = "email", confirmed: bool = True) -> Subscriber:
    subscriber = subscriptions.subscribe(
        channel=channel, address=address, language=language,
        choice=subscriptions.Choice(districts=list(districts), topics=[topic(t) for t in topics]))
    if confirmed:
        subscriptions.confirm(subscriptions.confirm_token(subscriber))
    return subscriber


def announce(title: str = "Trash pick-up moves to Tuesday", *, districts: Sequence[District] = (),
             **fields: Any) -> Announcement:
    item = Announcement.objects.create(title=title, body="Because of the holiday.", **fields)
    item.districts.set(districts)
    return item


def test_subscribe_confirm_announce_and_the_message_arrives(client: Client, mailbox: Mailbox,
                                                            districts: list[District]) -> None:
    west = districts[1]
    client.post(reverse("notices:subscribe"), {"channel": "email", "email": "luis@example.org", "language": "es",
                                               "neighborhoods": [west.pk]})
    deliver_due(seconds=5)
    [confirm_link] = LINK.findall(mailbox.messages[-1].get_content())
    client.post(confirm_link)

    item = announce("Trash pick-up moves to Tuesday", districts=[west], topic=topic("trash-recycling"),
                    title_es="La recolección de basura pasa al martes", body_es="Por el feriado.")
    announcements.publish(item, actor=None)
    deliver_due(seconds=5)

    mail = mailbox.messages[-1]
    assert mail["To"] == "luis@example.org"
    assert mail["Subject"] == "La recolección de basura pasa al martes"
    text = mail.get_content()
    assert "Por el feriado." in text and f"/notices/announcements/{item.pk}/" in text
    assert "Cancele la suscripción con un clic" in text
    assert "/notices/unsubscribe/" in mail["List-Unsubscribe"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    item.refresh_from_db()
    assert (item.state, item.recipients) == ("published", 1)


def test_only_matching_confirmed_subscribers_on_the_chosen_channels_receive_it(districts: list[District]) -> None:
    east, west = districts
    resident("west@example.org", districts=[west])
    resident("east@example.org", districts=[east])
    resident("parking@example.org", topics=["parking"])
    resident("trash@example.org", topics=["trash-recycling"])
    resident("unconfirmed@example.org", districts=[west], confirmed=False)
    gone = resident("gone@example.org", districts=[west])
    subscriptions.unsubscribe(gone)
    resident("+16175550100", districts=[west], channel="sms")
    OutboxMessage.objects.all().delete()

    item = announce(districts=[west], topic=topic("trash-recycling"), by_sms=False)
    announcements.publish(item, actor=None)
    assert sorted(OutboxMessage.objects.values_list("recipient", flat=True)) == [
        "trash@example.org", "west@example.org"]

    OutboxMessage.objects.all().delete()
    city_wide = announce("Parking rules change", topic=topic("parking"))
    announcements.publish(city_wide, actor=None)
    assert sorted(OutboxMessage.objects.values_list("recipient", flat=True)) == [
        "east@example.org", "parking@example.org", "west@example.org"]


def test_an_emergency_broadcast_reaches_every_confirmed_subscriber(districts: list[District]) -> None:
    resident("west@example.org", districts=[districts[1]])
    resident("parking@example.org", topics=["parking"])
    resident("+16175550100", topics=["snow"], channel="sms")
    resident("unconfirmed@example.org", topics=["snow"], confirmed=False)
    OutboxMessage.objects.all().delete()

    item = announce("Shelter at the high school", topic=topic("storms"), is_emergency=True, by_sms=True)
    announcements.publish(item, actor=None)
    messages = {m.recipient: m for m in OutboxMessage.objects.all()}
    assert sorted(messages) == ["+16175550100", "parking@example.org", "west@example.org"]
    assert messages["west@example.org"].subject == "Emergency: Shelter at the high school"
    assert len(messages["+16175550100"].body) < 600


def test_publishing_twice_sends_nothing_twice_and_a_schedule_waits_for_its_time(districts: list[District]) -> None:
    resident("west@example.org", districts=[districts[1]])
    OutboxMessage.objects.all().delete()
    now = timezone.now()
    later = announce("Street sweeping starts", publish_at=now + timedelta(hours=2))
    assert announcements.publish(later, actor=None, now=now).state == "scheduled"
    assert not OutboxMessage.objects.exists()
    assert announcements.publish_due(now + timedelta(hours=1)) == 0
    assert announcements.publish_due(now + timedelta(hours=2, seconds=1)) == 1
    assert OutboxMessage.objects.count() == 1
    announcements.publish(later, actor=None)
    assert announcements.publish_due(now + timedelta(hours=3)) == 0
    assert OutboxMessage.objects.count() == 1


@pytest.mark.parametrize(("fields", "message"), [
    ({"by_email": False, "by_webhook": False}, "at least one channel"),
    ({"recurrence": "FREQ=SOMETIMES", "event_starts_at": datetime(2026, 5, 5, 7, tzinfo=UTC)}, "RRULE"),
    ({"publish_at": datetime(2026, 5, 5, tzinfo=UTC), "expires_at": datetime(2026, 5, 4, tzinfo=UTC)}, "expiry"),
])
def test_an_announcement_that_cannot_go_out_is_refused(fields: dict[str, Any], message: str) -> None:
    item = announce(**fields)
    with pytest.raises(announcements.AnnouncementRefused, match=message):
        announcements.publish(item, actor=None)
    item.refresh_from_db()
    assert item.state == "draft" and not OutboxMessage.objects.exists()


def published(title: str, **fields: Any) -> Announcement:
    item = announce(title, **{k: v for k, v in fields.items() if k != "districts"},
                    districts=fields.get("districts", []))
    return announcements.publish(item, actor=None)


def test_the_public_page_shows_current_announcements_in_few_queries(client: Client, districts: list[District]) -> None:
    east, west = districts
    published("City-wide news")
    published("West news", districts=[west])
    published("East news", districts=[east], topic=topic("parking"))
    published("Old news", expires_at=timezone.now() + timedelta(seconds=1)).__class__.objects.filter(
        title="Old news").update(expires_at=timezone.now() - timedelta(minutes=1))
    announce("Draft news")

    page = client.get(reverse("notices:announcements")).content.decode()
    assert "City-wide news" in page and "West news" in page and "East news" in page
    assert "Old news" not in page and "Draft news" not in page
    west_page = client.get(reverse("notices:announcements"), {"neighborhood": west.pk}).content.decode()
    assert "West news" in west_page and "City-wide news" in west_page and "East news" not in west_page
    parking = client.get(reverse("notices:announcements"), {"topic": "parking"}).content.decode()
    assert "East news" in parking and "West news" not in parking

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notices:announcements"))
    for n in range(10):
        published(f"More news {n}", districts=[east, west])
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("notices:announcements")).status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize("query", [{"neighborhood": "999999"}, {"neighborhood": "1 OR 1=1"}, {"topic": "x" * 500}])
def test_a_wrong_filter_is_a_clear_400(client: Client, query: dict[str, str]) -> None:
    answer = client.get(reverse("notices:announcements"), query)
    assert answer.status_code == 400
    assert "There is no such" in answer.content.decode()


def test_feeds_per_neighborhood_and_topic(client: Client, districts: list[District]) -> None:
    west = districts[1]
    published("West news", districts=[west])
    published("Parking news", topic=topic("parking"), title_es="Noticias de estacionamiento")

    rss = ET.fromstring(  # noqa: S314 (our own feed)
        client.get(reverse("notices:feed-neighborhood-rss", args=[west.pk])).content)
    assert [t.text for t in rss.iter("item") for t in t.iter("title")] == ["Parking news", "West news"]
    atom = ET.fromstring(  # noqa: S314 (our own feed)
        client.get(reverse("notices:feed-topic-atom", args=["parking"])).content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert [e.findtext("a:title", namespaces=ns) for e in atom.findall("a:entry", ns)] == ["Parking news"]
    spanish = client.get(reverse("notices:feed-topic-rss", args=["parking"]), HTTP_ACCEPT_LANGUAGE="es")
    assert "Noticias de estacionamiento" in spanish.content.decode()
    assert client.get(reverse("notices:feed-topic-rss", args=["no-such-topic"])).status_code == 404
    assert client.get(reverse("notices:feed-neighborhood-rss", args=[999999])).status_code == 404


def test_a_recurring_schedule_is_published_as_icalendar(client: Client) -> None:
    item = published("Revised trash pick-up", event_starts_at=datetime(2026, 5, 5, 11, tzinfo=UTC),
                     event_ends_at=datetime(2026, 5, 5, 15, tzinfo=UTC), recurrence="FREQ=WEEKLY;BYDAY=TU")
    answer = client.get(reverse("notices:announcement-ical", args=[item.pk]))
    assert answer["Content-Type"].startswith("text/calendar")
    [event] = Calendar.from_ical(answer.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Revised trash pick-up"
    rule = event.decoded("RRULE")
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["TU"]
    assert event.decoded("DTSTART") == datetime(2026, 5, 5, 11, tzinfo=UTC)
    whole = Calendar.from_ical(client.get(reverse("notices:calendar")).content)
    assert [str(e["SUMMARY"]) for e in whole.walk("VEVENT")] == ["Revised trash pick-up"]


def test_staff_publish_from_the_admin(client: Client, districts: list[District]) -> None:
    resident("west@example.org", districts=[districts[1]])
    OutboxMessage.objects.all().delete()
    admin = User.objects.create_superuser("boss", "boss@city.example", "pw")
    client.force_login(admin)
    item = announce(districts=[districts[1]])
    answer = client.post(reverse("admin:notices_announcement_changelist"),
                         {"action": "publish_selected", "_selected_action": [item.pk]}, follow=True)
    assert answer.status_code == 200
    item.refresh_from_db()
    assert item.state == "published" and item.recipients == 1
    assert list(OutboxMessage.objects.values_list("recipient", flat=True)) == ["west@example.org"]


def test_the_announcement_page_speaks_spanish(client: Client) -> None:
    item = published("Parking news", title_es="Noticias de estacionamiento", body_es="Texto en español.")
    page = client.get(reverse("notices:announcement", args=[item.pk]), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Noticias de estacionamiento" in page and "Texto en español." in page and "Toda la ciudad" in page
