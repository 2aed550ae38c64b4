"""An early-warning alert reaches the supervisors of the departments concerned: one
e-mail each, written with the alert, in their language when the city knows it, linking to
the alert's staff page and naming no resident; other departments hear nothing, and an
alert rolled back sends nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from civic311.cases.models import ServiceRequest
from civic311.catalog.models import Department, ServiceType
from civic311.contacts.models import Constituent, RequestParty
from civic311.insight import early_warning
from civic311.insight.models import Alert
from civic311.insight.tests.test_early_warning import DAY, history, square_neighborhoods
from civic311.notices import alert_notices
from civic311.notices.models import OutboxMessage, Subscriber
from civic311.notices.tasks import deliver_due
from civic311.notices.testing import Mailbox
from civic311.places.models import District
from civic311.staff.models import StaffProfile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _few_replications(settings: Any) -> None:
    settings.CIVIC311_INSIGHT_REPLICATIONS = 99
    settings.NOTICES_SITE_URL = "https://311.city.example"


def person(username: str, role: str, dept: Department | None) -> User:
    user = User.objects.create_user(username=username, email=f"{username}@city.example")
    StaffProfile.objects.create(user=user, role=role, department=dept)
    return user


@pytest.fixture
def planted(db: None) -> dict[str, Any]:
    """A dumping cluster in one square; a third of its planted requests belong to Public
    Works (so the alert concerns Sanitation and Public Works, not Parks). One planted
    request was reported by a resident."""
    grid = square_neighborhoods(3)
    sanitation = Department.objects.create(code="SAN", name="Sanitation")
    works = Department.objects.create(code="PWD", name="Public Works")
    parks = Department.objects.create(code="PARKS", name="Parks")
    dumping = ServiceType.objects.create(code="dumping", name="Illegal dumping", department=sanitation,
                                         sla_hours=Decimal("24"))
    planted_ids = history(dumping, grid, planted=24)
    ServiceRequest.objects.filter(pk__in=planted_ids[::3]).update(department=works)
    resident = Constituent.objects.create(name="Rosa Resident", email="rosa@home.example", phone="617-555-0101")
    RequestParty.objects.create(constituent=resident, request_id=planted_ids[0])
    return {"grid": grid, "dumping": dumping, "sanitation": sanitation, "works": works, "parks": parks}


def test_each_supervisor_of_each_concerned_department_gets_one_message(planted: dict[str, Any],
                                                                       mailbox: Mailbox) -> None:
    san_boss = person("san-boss", "supervisor", planted["sanitation"])
    san_deputy = person("san-deputy", "supervisor", planted["sanitation"])
    pwd_boss = person("pwd-boss", "supervisor", planted["works"])
    person("san-worker", "department_staff", planted["sanitation"])
    person("parks-boss", "supervisor", planted["parks"])
    person("agent", "agent", None)
    Subscriber.objects.create(channel="email", address="PWD-Boss@City.example", language="es",
                              confirmed_at=timezone.now())
    # Anyone can type an address into the subscription form: unconfirmed, it says nothing.
    Subscriber.objects.create(channel="email", address=san_deputy.email, language="es")

    early_warning.run_for_type(planted["dumping"], DAY)

    alert = Alert.objects.get(kind=Alert.Kind.CLUSTER)
    assert set(alert.departments.values_list("code", flat=True)) == {"SAN", "PWD"}
    messages = list(OutboxMessage.objects.filter(reference__startswith=f"alert:{alert.pk}:"))
    assert sorted(m.recipient for m in messages) == sorted([san_boss.email, san_deputy.email, pwd_boss.email])
    assert {m.reference for m in messages} == {
        f"alert:{alert.pk}:user:{u.pk}" for u in (san_boss, san_deputy, pwd_boss)}
    by_recipient = {m.recipient: m for m in messages}
    assert by_recipient[pwd_boss.email].language == "es"
    assert by_recipient[san_boss.email].language == by_recipient[san_deputy.email].language == "en"

    deliver_due(seconds=5)
    link = f"https://311.city.example{reverse('insight:alert', kwargs={'alert_id': alert.pk})}"
    mails = {m["To"]: m for m in mailbox.messages if link in m.get_content()}
    assert sorted(mails) == sorted([san_boss.email, san_deputy.email, pwd_boss.email])
    english = mails[san_boss.email].get_content()
    hot = District.objects.get(pk=planted["grid"][4].pk)
    assert "Illegal dumping" in mails[san_boss.email]["Subject"] and hot.name in mails[san_boss.email]["Subject"]
    assert "Illegal dumping" in english and hot.name in english
    assert f"{alert.window_start.isoformat()} to {alert.last_detected_on.isoformat()}" in english
    assert f"Requests: {alert.observed}, expected about {alert.expected:.1f}" in english
    spanish = mails[pwd_boss.email].get_content()
    assert "Alerta temprana" in mails[pwd_boss.email]["Subject"]
    assert "Solicitudes:" in spanish and hot.name in spanish
    for mail in mailbox.messages:
        text = mail.get_content() + str(mail["Subject"])
        assert "Rosa" not in text and "rosa@home.example" not in text and "555-0101" not in text


def test_the_same_alert_is_never_announced_twice(planted: dict[str, Any]) -> None:
    person("san-boss", "supervisor", planted["sanitation"])
    early_warning.run_for_type(planted["dumping"], DAY)
    alert = Alert.objects.get(kind=Alert.Kind.CLUSTER)
    assert OutboxMessage.objects.filter(reference__startswith=f"alert:{alert.pk}:").count() == 1

    # Detected again the next morning: the same alert, no new message; a repeated signal neither.
    early_warning.run_for_type(planted["dumping"], DAY + timedelta(days=1))
    written = alert_notices.notify_supervisors(alert_id=alert.pk, department_ids=[planted["sanitation"].pk],
                                               district_ids=[])
    assert written == 0
    assert OutboxMessage.objects.filter(reference__startswith=f"alert:{alert.pk}:").count() == 1


def test_a_rolled_back_alert_leaves_no_message(planted: dict[str, Any]) -> None:
    person("san-boss", "supervisor", planted["sanitation"])
    person("pwd-boss", "supervisor", planted["works"])

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        early_warning.run_for_type(planted["dumping"], DAY)
        alert = Alert.objects.get(kind=Alert.Kind.CLUSTER)
        assert OutboxMessage.objects.filter(reference__startswith=f"alert:{alert.pk}:").count() == 2  # with it
        raise Abandon

    assert not Alert.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_no_department_or_no_supervisor_means_no_message(planted: dict[str, Any]) -> None:
    person("parks-boss", "supervisor", planted["parks"])
    early_warning.run_for_type(planted["dumping"], DAY)
    alert = Alert.objects.get(kind=Alert.Kind.CLUSTER)
    assert not OutboxMessage.objects.exists()
    assert alert_notices.notify_supervisors(alert_id=alert.pk, department_ids=[], district_ids=[]) == 0
    assert alert_notices.notify_supervisors(alert_id=alert.pk + 999, department_ids=[planted["parks"].pk],
                                            district_ids=[]) == 0
    assert not OutboxMessage.objects.exists()


def test_a_subject_naming_many_neighborhoods_fits_the_outbox() -> None:
    names = [f"Neighborhood with a rather long official name number {i}" for i in range(40)]
    about = alert_notices.AlertFacts(alert_id=7, kind=Alert.Kind.SERIES, service_type="Illegal dumping",
                                     neighborhoods=names, window_start="2025-06-20", window_end="2025-06-30",
                                     observed=90, expected=20.0)
    for language in ("en", "es"):
        subject, body = alert_notices.compose(about, language)
        assert len(subject) == OutboxMessage._meta.get_field("subject").max_length
        assert subject.endswith("…") and "Illegal dumping" in subject
        assert all(name in body for name in names)
