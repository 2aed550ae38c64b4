"""The staff neighborhood digest of alerts: a staff member chooses neighborhoods on a staff
page, and each new alert touching one reaches their e-mail through the outbox (one message,
even for a supervisor who also follows), and they may read it; others hear nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from civic311.audit.models import AuditEvent
from civic311.catalog.models import Department
from civic311.insight import early_warning
from civic311.insight.models import Alert
from civic311.insight.tests.test_early_warning import DAY, HOT
from civic311.notices import alert_followers
from civic311.notices.models import NeighborhoodAlertFollower, OutboxMessage
from civic311.notices.tests.test_alert_notices import person, planted  # noqa: F401 (fixture)
from civic311.staff.tests.factories import logged_in

pytestmark = pytest.mark.django_db


def test_a_staff_member_picks_neighborhoods_on_the_staff_page(planted: dict[str, Any]) -> None:  # noqa: F811
    parks_clerk = person("clerk", "department_staff", planted["parks"])
    client = logged_in(parks_clerk)
    page = client.get("/notices/staff/alert-neighborhoods/")
    assert page.status_code == 200 and "Square 4" in page.content.decode()
    hot, other = planted["grid"][HOT], planted["grid"][0]
    response = client.post("/notices/staff/alert-neighborhoods/", {"districts": [hot.pk, other.pk]})
    assert response.status_code == 302
    assert alert_followers.followed_districts(parks_clerk) == sorted([hot.pk, other.pk])
    assert AuditEvent.objects.filter(action="alert_follow.changed").count() == 1
    client.post("/notices/staff/alert-neighborhoods/", {"districts": [hot.pk]})
    assert alert_followers.followed_districts(parks_clerk) == [hot.pk]
    bad = client.post("/notices/staff/alert-neighborhoods/", {"districts": ["999999"]})
    assert bad.status_code == 400 and "Choose neighborhoods from the list." in bad.content.decode()
    assert alert_followers.followed_districts(parks_clerk) == [hot.pk]


def test_only_staff_follow_neighborhood_alerts(planted: dict[str, Any]) -> None:  # noqa: F811
    resident = User.objects.create_user(username="resident", email="resident@home.example", password="x")
    with pytest.raises(alert_followers.FollowRefused):
        alert_followers.set_followed(user=resident, district_ids=[planted["grid"][HOT].pk])
    assert not NeighborhoodAlertFollower.objects.exists()
    assert logged_in(resident).get("/notices/staff/alert-neighborhoods/").status_code in (302, 403)


def test_a_staff_member_without_an_e_mail_address_is_told_and_follows_nothing(
    planted: dict[str, Any],  # noqa: F811
) -> None:
    clerk = person("clerk", "department_staff", planted["parks"])
    User.objects.filter(pk=clerk.pk).update(email="")
    client = logged_in(clerk)
    assert "has no e-mail address" in client.get("/notices/staff/alert-neighborhoods/").content.decode()
    refused = client.post("/notices/staff/alert-neighborhoods/", {"districts": [planted["grid"][HOT].pk]})
    assert refused.status_code == 400 and refused.content.decode().count("has no e-mail address") == 1
    assert not NeighborhoodAlertFollower.objects.exists()


def test_followers_of_the_neighborhood_get_the_alert_once_and_may_read_it(planted: dict[str, Any]) -> None:  # noqa: F811
    san_boss = person("san-boss", "supervisor", planted["sanitation"])
    parks_clerk = person("clerk", "department_staff", planted["parks"])
    elsewhere = person("elsewhere", "department_staff", planted["parks"])
    hot, other = planted["grid"][HOT], planted["grid"][0]
    alert_followers.set_followed(user=parks_clerk, district_ids=[hot.pk])
    alert_followers.set_followed(user=san_boss, district_ids=[hot.pk])  # told as supervisor already
    alert_followers.set_followed(user=elsewhere, district_ids=[other.pk])
    Department.objects.create(code="X", name="Unrelated")

    early_warning.run_for_type(planted["dumping"], DAY)

    alert = Alert.objects.get(kind=Alert.Kind.CLUSTER)
    messages = {m.recipient: m for m in OutboxMessage.objects.filter(reference__startswith=f"alert:{alert.pk}:")}
    assert sorted(messages) == sorted([san_boss.email, parks_clerk.email])
    assert "a neighborhood you follow" in messages[parks_clerk.email].body
    assert "for your department" in messages[san_boss.email].body
    assert "Illegal dumping" in messages[parks_clerk.email].subject
    # The follower reads the alert (not works it); a Parks colleague following elsewhere does not see it.
    clerk = logged_in(parks_clerk)
    assert clerk.get(f"/insight/alerts/{alert.pk}/").status_code == 200
    assert clerk.post(f"/insight/alerts/{alert.pk}/", {"action": "acknowledge"}).status_code == 403
    assert f"/insight/alerts/{alert.pk}/" in clerk.get("/insight/alerts/").content.decode()
    assert logged_in(elsewhere).get(f"/insight/alerts/{alert.pk}/").status_code == 404


def test_a_troubled_neighborhood_alert_names_its_types(db: None) -> None:
    from decimal import Decimal

    from civic311.catalog.models import ServiceType
    from civic311.insight import troubled
    from civic311.insight.tests.test_early_warning import history, square_neighborhoods

    grid = square_neighborhoods(5)
    block = (6, 7, 11, 12)
    sanitation = Department.objects.create(code="SAN", name="Sanitation")
    dumping = ServiceType.objects.create(code="dumping", name="Illegal dumping", department=sanitation,
                                         sla_hours=Decimal("72"))
    graffiti = ServiceType.objects.create(code="graffiti", name="Graffiti", department=sanitation)
    history(dumping, grid, planted=30, days=84, hot=block)
    history(graffiti, grid, planted=30, seed=5, days=84, hot=block)
    boss = person("san-boss", "supervisor", sanitation)

    stored = troubled.store_alerts(last_day=DAY)

    alert = stored[0][0]
    message = OutboxMessage.objects.get(reference=f"alert:{alert.pk}:user:{boss.pk}")
    assert "Troubled neighborhood" in message.body
    assert "Illegal dumping" in message.subject and "Graffiti" in message.subject
