"""The periodic SLA job: open cases are marked at risk, then breached, once each; the
escalation rules fire once; supervisors are told through signals sent after commit; the
job is scheduled with the task worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.dispatch import Signal
from django_q.models import Schedule

from civic311.audit.models import AuditEvent
from civic311.cases import signals
from civic311.cases.jobs import JOBS
from civic311.cases.models import Escalation, EscalationRule, ServiceRequest
from civic311.cases.sla import SlaCounts, evaluate_sla
from civic311.cases.tasks import evaluate_sla_task
from civic311.catalog.models import ServiceType

from .factories import department, request_in, service_type

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 12, tzinfo=UTC)


@pytest.fixture
def pothole() -> ServiceType:
    return service_type("pothole", sla_hours="40")


def due_request(status: str = "new", *, hours_allowed: float = 40, **fields: Any) -> ServiceRequest:
    """Filed at START, due `hours_allowed` later, at risk at 75 % of that."""
    return request_in(status, requested_at=START, expected_at=START + timedelta(hours=hours_allowed),
                      sla_warn_at=START + timedelta(hours=hours_allowed * 0.75), **fields)


class Heard:
    def __init__(self, signal: Signal) -> None:
        self.signal = signal
        self.calls: list[dict[str, Any]] = []

    def __call__(self, sender: Any, **kwargs: Any) -> None:
        self.calls.append(kwargs)

    def __enter__(self) -> Heard:
        self.signal.connect(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.signal.disconnect(self)


def states() -> dict[int, str]:
    return dict(ServiceRequest.objects.values_list("pk", "sla_state"))


def test_cases_turn_at_risk_then_breached(pothole: ServiceType) -> None:
    request = due_request()
    assert evaluate_sla(START + timedelta(hours=29)) == SlaCounts()
    assert evaluate_sla(START + timedelta(hours=30)) == SlaCounts(at_risk=1)
    assert states()[request.pk] == "at_risk"
    assert evaluate_sla(START + timedelta(hours=35)) == SlaCounts()  # once
    assert evaluate_sla(START + timedelta(hours=40)) == SlaCounts()  # due now is not late yet
    assert evaluate_sla(START + timedelta(hours=40, seconds=1)) == SlaCounts(breached=1)
    assert states()[request.pk] == "breached"
    assert evaluate_sla(START + timedelta(hours=60)) == SlaCounts()
    actions = list(AuditEvent.objects.filter(object_id=str(request.pk)).values_list("action", flat=True))
    assert actions == ["request.sla_at_risk", "request.sla_breached"]


def test_a_case_found_late_is_breached_without_passing_at_risk(pothole: ServiceType) -> None:
    request = due_request()
    assert evaluate_sla(START + timedelta(days=3)) == SlaCounts(breached=1)
    assert states()[request.pk] == "breached"


def test_closed_cases_and_cases_without_a_target_are_left_alone(pothole: ServiceType) -> None:
    closed = due_request("resolved")
    no_target = request_in("new", requested_at=START)
    assert evaluate_sla(START + timedelta(days=3)) == SlaCounts()
    assert states() == {closed.pk: "on_track", no_target.pk: "on_track"}


def test_supervisors_are_told_inside_the_evaluation(pothole: ServiceType) -> None:
    risky, late = due_request(), due_request(hours_allowed=10)
    with Heard(signals.sla_at_risk) as at_risk, Heard(signals.sla_breached) as breached:
        evaluate_sla(START + timedelta(hours=31))
    now = START + timedelta(hours=31)
    assert at_risk.calls == [{"signal": signals.sla_at_risk, "request_ids": [risky.pk], "now": now}]
    assert breached.calls == [{"signal": signals.sla_breached, "request_ids": [late.pk], "now": now}]


def test_an_escalation_rule_fires_once_for_long_breaches(pothole: ServiceType) -> None:
    pwd = pothole.department
    assert pwd is not None
    two_days = EscalationRule.objects.create(name="Two days late", breached_for_hours=Decimal("48"), department=pwd)
    EscalationRule.objects.create(name="Parks only", breached_for_hours=Decimal("1"), department=department("parks"))
    late = due_request(hours_allowed=10)
    with Heard(signals.sla_escalated) as escalated:
        assert evaluate_sla(START + timedelta(hours=20)).escalated == 0  # breached for 10 h
        assert evaluate_sla(START + timedelta(hours=58)).escalated == 1
        assert evaluate_sla(START + timedelta(hours=90)).escalated == 0
    assert Escalation.objects.get().request == late and Escalation.objects.get().rule == two_days
    assert escalated.calls == [{"signal": signals.sla_escalated, "request_ids": [late.pk], "department_id": pwd.pk,
                                "rule_id": two_days.pk, "role": "department_head",
                                "now": START + timedelta(hours=58)}]
    event = AuditEvent.objects.get(object_id=str(late.pk), action="request.sla_escalated")
    assert event.changes["notify_role"] == "department_head"


def test_imported_open_cases_get_their_at_risk_moment(pothole: ServiceType) -> None:
    # Written by the bulk importer: an expected date from the source, no at-risk moment.
    imported = request_in("new", requested_at=START, expected_at=START + timedelta(hours=100))
    counts = evaluate_sla(START + timedelta(hours=80))
    assert counts == SlaCounts(warn_dates_set=1, at_risk=1)
    imported.refresh_from_db()
    assert imported.sla_warn_at == START + timedelta(hours=75)


def test_the_task_returns_the_counts(pothole: ServiceType) -> None:
    due_request(hours_allowed=-1)
    assert evaluate_sla_task() == {"warn_dates_set": 0, "at_risk": 0, "breached": 1, "escalated": 0}


def test_the_sla_job_is_scheduled_once() -> None:
    # The data migration schedules it; the command restores it if deleted, and never twice.
    job = JOBS[0]
    call_command("schedule_jobs", stdout=StringIO())
    assert Schedule.objects.filter(name=job.name, func=job.func).count() == 1
    Schedule.objects.filter(name=job.name).delete()
    out = StringIO()
    call_command("schedule_jobs", stdout=out)
    call_command("schedule_jobs", stdout=out)
    assert out.getvalue().splitlines() == [f"{job.name}: scheduled", f"{job.name}: already scheduled"]
    schedule = Schedule.objects.get(name=job.name)
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "civic311.cases.tasks.evaluate_sla_task", Schedule.MINUTES, 5, -1)
