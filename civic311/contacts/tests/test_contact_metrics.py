"""The supervisors' contact metrics: hand-checked figures for a small day of contacts,
the period form, who may see the page, and a constant number of queries."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civic311.contacts.models import Contact
from civic311.contacts.selectors import contact_metrics

from .factories import City, add_contact, caller, logged_in

pytestmark = pytest.mark.django_db
BOSTON = zoneinfo.ZoneInfo("America/New_York")
DAY = datetime(2026, 3, 2, tzinfo=BOSTON)
Outcome = Contact.Outcome


def at(hour: int, minute: int, day: datetime = DAY) -> datetime:
    return day.replace(hour=hour, minute=minute)


@pytest.fixture
def day_of_contacts(city: City) -> City:
    rosa = caller()
    add_contact(city.agent, started_at=at(10, 5), seconds=100, outcome=Outcome.INFO_GIVEN, constituent=rosa)
    add_contact(city.agent, started_at=at(10, 40), seconds=300, outcome=Outcome.REQUEST_CREATED, constituent=rosa,
                reason=Contact.Reason.SERVICE_REQUEST)
    add_contact(city.agent, channel="email", started_at=at(14, 10), seconds=20, outcome=Outcome.ABANDONED)
    add_contact(city.supervisor, channel="walk_in", started_at=at(14, 30), seconds=200, outcome=Outcome.INFO_GIVEN,
                reason=Contact.Reason.FOLLOW_UP)
    add_contact(city.supervisor, started_at=at(14, 50), outcome=Outcome.OPEN)
    add_contact(city.agent, started_at=at(23, 0, DAY - timedelta(days=1)), seconds=50, outcome=Outcome.INFO_GIVEN)
    return city


def test_the_figures_of_a_day(day_of_contacts: City) -> None:
    metrics = contact_metrics(start=DAY, end=DAY + timedelta(days=1))
    totals = metrics.totals
    assert (totals.contacts, totals.closed, totals.resolved_first, totals.info_only) == (5, 4, 1, 2)
    # Rosa's first call does not count as resolved: she called again 35 minutes later.
    assert totals.first_contact_resolution == 0.25 and totals.info_only_share == 0.5
    assert totals.avg_handle_seconds == pytest.approx(155)
    assert metrics.by_channel == [("Phone", 3), ("E-mail", 1), ("Walk-in", 1)]
    assert dict(metrics.by_reason) == {"question": 3, "service request": 1, "follow-up on a request": 1}
    agents = {row.agent_name: row.rates for row in metrics.by_agent}
    assert agents["Ana Agent"].contacts == 3 and agents["Ana Agent"].avg_handle_seconds == pytest.approx(140)
    assert agents["Ana Agent"].first_contact_resolution == pytest.approx(1 / 3)
    assert (agents["Sam Supervisor"].contacts, agents["Sam Supervisor"].closed) == (2, 1)
    assert agents["Sam Supervisor"].info_only_share == 1.0
    assert [(hour, rates.contacts) for hour, rates in metrics.by_hour] == [(10, 2), (14, 3)]


def test_the_page_shows_them_to_a_supervisor(day_of_contacts: City) -> None:
    body = logged_in(day_of_contacts.supervisor).get(
        reverse("contacts:metrics"), {"start": "2026-03-02", "end": "2026-03-02"}).content.decode()
    assert '<strong id="total-contacts">5</strong>' in body
    assert '<strong id="fcr">25 %</strong>' in body and '<strong id="info-only">50 %</strong>' in body
    assert '<strong id="aht">2:35</strong>' in body
    assert "<th scope=\"row\">Ana Agent</th>" in body and "14:00" in body


def test_a_period_of_two_days_includes_the_evening_before(day_of_contacts: City) -> None:
    body = logged_in(day_of_contacts.admin).get(
        reverse("contacts:metrics"), {"start": "2026-03-01", "end": "2026-03-02"}).content.decode()
    assert '<strong id="total-contacts">6</strong>' in body


def test_today_is_the_default(city: City) -> None:
    from django.utils import timezone

    from civic311.cases.sla import city_zone

    # Halfway between the city's midnight and now: today there, whatever the hour.
    now = timezone.now()
    midnight = timezone.localtime(now, city_zone()).replace(hour=0, minute=0, second=0, microsecond=0)
    add_contact(city.agent, seconds=1, started_at=midnight + (now - midnight) / 2)
    body = logged_in(city.supervisor).get(reverse("contacts:metrics")).content.decode()
    assert '<strong id="total-contacts">1</strong>' in body


@pytest.mark.parametrize("query, message", [
    ({"start": "2026-03-05", "end": "2026-03-01"}, "before the start"),
    ({"start": "2024-01-01", "end": "2026-03-01"}, "at most 366 days"),
    ({"start": "yesterday"}, "Enter a valid date"),
    ({"start": "<script>"}, "Enter a valid date"),
])
def test_a_wrong_period_is_refused(city: City, query: dict[str, str], message: str) -> None:
    response = logged_in(city.supervisor).get(reverse("contacts:metrics"), query)
    assert response.status_code == 400 and message in response.content.decode()
    assert "<script>" not in response.content.decode()


def test_agents_do_not_see_the_metrics(city: City) -> None:
    assert logged_in(city.agent).get(reverse("contacts:metrics")).status_code == 403


def test_the_number_of_queries_does_not_grow_with_contacts_or_agents(city: City) -> None:
    client = logged_in(city.supervisor)
    query = {"start": "2026-03-02", "end": "2026-03-02"}
    add_contact(city.agent, started_at=at(9, 0))
    client.get(reverse("contacts:metrics"), query)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("contacts:metrics"), query)
    for i in range(30):
        add_contact(city.admin if i % 2 else city.supervisor, started_at=at(8 + i % 10, i), constituent=caller(
            f"C{i}", phone=f"555{i:04d}", email=f"c{i}@example.org"))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("contacts:metrics"), query)
    assert len(many) == len(few)
