"""The SLA clock stops while a case is on hold and restarts when it leaves: the expected
date and the at-risk moment move later by the paused time (working time for business-hours
targets), checked by hand; the SLA job leaves paused cases alone; both moves are audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from civic311.audit.models import AuditEvent
from civic311.cases.lifecycle import transition
from civic311.cases.models import ServiceRequest, Status
from civic311.cases.services import add_external_update, mark_duplicate, transfer
from civic311.cases.sla import WorkCalendar, evaluate_sla, resume_dates
from civic311.catalog.models import BusinessCalendar, ServiceType, WorkingHours, ensure_default_calendar
from civic311.places.profiles import load_profile
from civic311.places.services import ensure_jurisdiction

from .factories import department, request_in, service_type, staff

BOSTON = ZoneInfo("America/New_York")
WEEK = WorkCalendar(zone=BOSTON, week={day: [(time(8, 30), time(17))] for day in range(5)})
MLK = WorkCalendar(zone=BOSTON, week=WEEK.week, holidays=frozenset({date(2026, 1, 19)}))


def boston(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BOSTON)


# ---------------------------------------------------------------- the arithmetic


@pytest.mark.parametrize(("paused", "resumed", "calendar", "expected", "moved_to", "paused_for"), [
    # Tuesday 15:00 → Wednesday 10:00: 2 h on Tuesday + 1.5 h on Wednesday.
    (boston(3, 3, 15), boston(3, 4, 10), WEEK, boston(3, 5, 12), boston(3, 5, 15, 30), timedelta(hours=3.5)),
    # Friday 16:00 → Monday 09:00: 1 h + 0.5 h; Monday 16:30 + 1.5 h runs past the close
    # (0.5 h) into Tuesday (1 h).
    (boston(3, 6, 16), boston(3, 9, 9), WEEK, boston(3, 9, 16, 30), boston(3, 10, 9, 30), timedelta(hours=1.5)),
    # On hold over a weekend only: no working time passed, nothing moves.
    (boston(3, 7, 10), boston(3, 8, 18), WEEK, boston(3, 9, 12), boston(3, 9, 12), timedelta(0)),
    # Across Martin Luther King Day: Friday 16:00 → Tuesday 09:30 is 1 h + 1 h.
    (boston(1, 16, 16), boston(1, 20, 9, 30), MLK, boston(1, 21, 10), boston(1, 21, 12), timedelta(hours=2)),
    # A calendar-hours target moves by the elapsed time (49 h 30 min).
    (boston(3, 3, 15), boston(3, 5, 16, 30), None, boston(3, 20, 9), boston(3, 22, 10, 30),
     timedelta(hours=49, minutes=30)),
])
def test_the_expected_date_moves_by_the_paused_time(
    paused: datetime, resumed: datetime, calendar: WorkCalendar | None, expected: datetime,
    moved_to: datetime, paused_for: timedelta,
) -> None:
    result = resume_dates(paused_at=paused, resumed_at=resumed, expected=expected, warn=None, calendar=calendar)
    assert result.expected_at == moved_to
    assert result.paused == paused_for
    assert result.warn_at is None


def test_the_at_risk_moment_moves_too() -> None:
    result = resume_dates(paused_at=boston(3, 3, 15), resumed_at=boston(3, 4, 10), expected=boston(3, 5, 12),
                          warn=boston(3, 5, 9), calendar=WEEK)
    assert result.warn_at == boston(3, 5, 12, 30)


def test_a_case_already_late_when_put_on_hold_stays_late() -> None:
    result = resume_dates(paused_at=boston(3, 5, 13), resumed_at=boston(3, 6, 13), expected=boston(3, 5, 12),
                          warn=boston(3, 5, 9), calendar=WEEK)
    assert (result.expected_at, result.warn_at, result.paused) == (boston(3, 5, 12), boston(3, 5, 9), timedelta(0))


# ---------------------------------------------------------------- through the lifecycle

pytestmark = pytest.mark.django_db


class Clock:
    """timezone.now() under the test's control."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: datetime) -> None:
        self.now = start.astimezone(UTC)
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, moment: datetime) -> None:
        self.now = moment.astimezone(UTC)


@pytest.fixture
def boston_calendar(db: None) -> None:
    ensure_jurisdiction(load_profile("boston"))
    ensure_default_calendar(BusinessCalendar, WorkingHours)


@pytest.fixture
def streetlight(boston_calendar: None) -> ServiceType:
    return service_type("streetlight", sla_hours="17", sla_kind=ServiceType.SlaKind.BUSINESS)


def in_progress(kind: ServiceType) -> ServiceRequest:
    # Filed Monday 2 March 08:30, 17 working hours: due Wednesday 4 March 08:30, at risk
    # (75 %) at 12.75 h: Tuesday 12:45.
    return request_in("in_progress", kind=kind, requested_at=boston(3, 2, 8, 30), expected_at=boston(3, 4, 8, 30),
                      sla_warn_at=boston(3, 3, 12, 45))


def test_on_hold_stops_the_clock_and_leaving_it_moves_the_dates(
    streetlight: ServiceType, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch, boston(3, 2, 15))
    case = in_progress(streetlight)
    user = staff("worker")
    transition(case, "on_hold", actor=user, note="Waiting for the resident to confirm the pole number.")
    assert case.sla_paused_at == boston(3, 2, 15)
    # Monday 15:00 → Tuesday 11:00: 2 h + 2.5 h of working time.
    clock.set(boston(3, 3, 11))
    transition(case, "in_progress", actor=user)
    assert case.sla_paused_at is None
    assert case.expected_at == boston(3, 4, 13)
    # Tuesday 12:45 + 4.5 h: 4.25 h to Tuesday's close, 0.25 h on Wednesday.
    assert case.sla_warn_at == boston(3, 4, 8, 45)
    assert case.sla_paused_seconds == 4.5 * 3600
    paused, resumed = AuditEvent.objects.filter(action__in=["request.sla_paused", "request.sla_resumed"]).order_by("id")
    assert paused.action == "request.sla_paused"
    assert resumed.action == "request.sla_resumed"
    assert resumed.changes["paused_seconds"] == 4.5 * 3600
    assert resumed.changes["expected_at"] == [boston(3, 4, 8, 30).astimezone(UTC).isoformat(),
                                              boston(3, 4, 13).astimezone(UTC).isoformat()]
    assert resumed.actor_id == user.pk


def test_pauses_add_up(streetlight: ServiceType, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch, boston(3, 2, 9))
    case = in_progress(streetlight)
    user = staff("worker")
    for start, end in ((boston(3, 2, 9), boston(3, 2, 10)), (boston(3, 2, 14), boston(3, 2, 16))):
        clock.set(start)
        transition(case, "on_hold", actor=user)
        clock.set(end)
        transition(case, "in_progress", actor=user)
    assert case.sla_paused_seconds == 3 * 3600
    assert case.expected_at == boston(3, 4, 11, 30)


def test_closing_a_case_on_hold_restarts_the_clock_for_the_on_time_check(
    streetlight: ServiceType, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch, boston(3, 3, 16))
    case = in_progress(streetlight)
    transition(case, "on_hold", actor=staff())
    clock.set(boston(3, 4, 10))  # 1 h Tuesday + 1.5 h Wednesday
    transition(case, "resolved", actor=staff())
    assert case.expected_at == boston(3, 4, 11)
    assert case.closed_at is not None and case.closed_at <= case.expected_at


def test_a_transfer_or_a_duplicate_out_of_hold_restarts_the_clock(
    streetlight: ServiceType, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch, boston(3, 2, 15))
    moved, dup = in_progress(streetlight), in_progress(streetlight)
    parent = in_progress(streetlight)
    for case in (moved, dup):
        transition(case, "on_hold", actor=staff())
    clock.set(boston(3, 2, 16))
    transfer(moved, department=department("bwsc", "Water and Sewer"), reason="A water valve, not a light.",
             actor=staff())
    mark_duplicate(dup, parent=parent, actor=staff())
    for case in (moved, dup):
        assert case.sla_paused_at is None
        assert case.expected_at == boston(3, 4, 9, 30)


def test_an_open311_update_can_put_on_hold_and_resume(
    streetlight: ServiceType, monkeypatch: pytest.MonkeyPatch
) -> None:
    Clock(monkeypatch, boston(3, 5, 12))
    case = in_progress(streetlight)
    on_hold, in_work = Status.objects.get(code="on_hold"), Status.objects.get(code="in_progress")
    add_external_update(request=case, external_id="u-1", text="Waiting for parts.", status=on_hold,
                        occurred_at=boston(3, 2, 16), channel=None, actor_label="Works system")
    case.refresh_from_db()
    assert case.sla_paused_at == boston(3, 2, 16)
    add_external_update(request=case, external_id="u-2", text="Parts arrived.", status=in_work,
                        occurred_at=boston(3, 3, 9), channel=None, actor_label="Works system")
    case.refresh_from_db()
    assert case.sla_paused_at is None
    assert case.expected_at == boston(3, 4, 10)  # 1 h Monday + 0.5 h Tuesday
    assert AuditEvent.objects.filter(action="request.sla_resumed", actor_label="Works system").count() == 1


def test_the_sla_job_leaves_cases_on_hold_alone(streetlight: ServiceType, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch, boston(3, 3, 9))
    case = in_progress(streetlight)
    transition(case, "on_hold", actor=staff())
    counts = evaluate_sla(now=boston(3, 10, 9))
    case.refresh_from_db()
    assert (counts.at_risk, counts.breached, case.sla_state) == (0, 0, ServiceRequest.SlaState.ON_TRACK)
    # Back to work on Tuesday 10 March 09:00 after 8 + 3 × 8.5 + 8.5 + 0.5 = 42.5 working
    # hours on hold: the due date, Wednesday 4 March 08:30, + 42.5 h fills five working
    # days exactly, so it is the next opening, Wednesday 11 March 08:30.
    clock.set(boston(3, 10, 9))
    transition(case, "in_progress", actor=staff())
    assert case.expected_at == boston(3, 11, 8, 30)
    assert evaluate_sla(now=boston(3, 10, 9, 1)).breached == 0


def test_a_case_at_risk_stays_at_risk_after_a_hold(
    streetlight: ServiceType, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch, boston(3, 3, 13))
    case = in_progress(streetlight)
    evaluate_sla(now=boston(3, 3, 13))
    transition(case, "on_hold", actor=staff())
    clock.set(boston(3, 3, 16))
    transition(case, "in_progress", actor=staff())
    # Both moments moved by 3 h: at risk since 15:45, due Wednesday 11:30.
    assert (case.sla_warn_at, case.expected_at) == (boston(3, 3, 15, 45), boston(3, 4, 11, 30))
    assert case.sla_state == ServiceRequest.SlaState.AT_RISK


def test_a_status_a_city_marks_as_pausing_stops_the_clock(
    streetlight: ServiceType, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civic311.cases.models import StatusTransition

    Clock(monkeypatch, boston(3, 2, 15))
    waiting = Status.objects.create(code="awaiting_permit", name="Awaiting permit", open311_status="open",
                                    pauses_sla=True)
    StatusTransition.objects.create(from_status=Status.objects.get(code="in_progress"), to_status=waiting)
    case = in_progress(streetlight)
    transition(case, "awaiting_permit", actor=staff())
    assert case.sla_paused_at == boston(3, 2, 15)
