"""Supervisors get one SLA digest per run and per person, listing their department's
requests that became at risk, breached or escalated; other departments' requests and
other staff roles are left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from civic311.cases.models import EscalationRule, ServiceRequest
from civic311.cases.sla import evaluate_sla
from civic311.cases.tests.factories import department, request_in, service_type
from civic311.catalog.models import Department, ServiceType
from civic311.notices.models import OutboxMessage
from civic311.notices.tasks import deliver_due
from civic311.notices.testing import Mailbox
from civic311.staff.models import StaffProfile

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 12, tzinfo=UTC)


def person(username: str, role: str, dept: Department | None, email: str = "") -> User:
    user = User.objects.create_user(username=username, email=email or f"{username}@city.example")
    StaffProfile.objects.create(user=user, role=role, department=dept)
    return user


def due(kind_code: str, hours_allowed: float) -> ServiceRequest:
    kind = ServiceType.objects.filter(code=kind_code).first() or service_type(
        kind_code, dept=department(kind_code + "-dept"))
    return request_in("new", kind=kind, requested_at=START, expected_at=START + timedelta(hours=hours_allowed),
                      sla_warn_at=START + timedelta(hours=hours_allowed * 0.75))


def test_one_digest_per_supervisor_per_run(mailbox: Mailbox) -> None:
    risky_a, late_a, late_b = due("pothole", 40), due("pothole", 10), due("pothole", 5)
    other = due("tree", 10)
    pwd = risky_a.department
    boss = person("boss", "supervisor", pwd)
    person("deputy", "supervisor", pwd)
    person("worker", "department_staff", pwd)
    person("silent", "supervisor", pwd, email="")
    User.objects.filter(username="silent").update(email="")
    person("parks-boss", "supervisor", other.department)

    evaluate_sla(START + timedelta(hours=31))
    deliver_due(seconds=5)

    by_person = {m["To"]: m.get_content() for m in mailbox.messages}
    assert sorted(by_person) == ["boss@city.example", "deputy@city.example", "parks-boss@city.example"]
    digest = by_person[boss.email]
    assert "At risk of missing the target date (1)" in digest and risky_a.public_id in digest
    assert "Past the target date (2)" in digest
    assert late_a.public_id in digest and late_b.public_id in digest
    assert other.public_id not in digest
    assert other.public_id in by_person["parks-boss@city.example"]
    assert OutboxMessage.objects.filter(kind="sla_digest").count() == 3


def test_escalations_join_the_digest_of_the_run() -> None:
    late = due("pothole", 10)
    pwd = late.department
    assert pwd is not None
    EscalationRule.objects.create(name="Two days late", breached_for_hours=Decimal("48"), department=pwd)
    person("boss", "supervisor", pwd)
    evaluate_sla(START + timedelta(hours=20))  # breached
    evaluate_sla(START + timedelta(hours=60))  # escalated, nothing else new

    first, second = OutboxMessage.objects.filter(kind="sla_digest").order_by("id")
    assert "Past the target date (1)" in first.body and "Escalated" not in first.body
    assert "Escalated (1)" in second.body and late.public_id in second.body
    assert "Past the target date" not in second.body


def test_a_quiet_run_sends_nothing() -> None:
    request = due("pothole", 40)
    person("boss", "supervisor", request.department)
    evaluate_sla(START + timedelta(hours=1))
    assert not OutboxMessage.objects.exists()
