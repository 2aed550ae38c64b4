"""The SLA clock: when a request is expected to be done, when it becomes at risk, and the
periodic evaluation that marks open cases at risk or breached and escalates them.

Two kinds of target, set per service type (`catalog.ServiceType.sla_kind`):

- calendar hours: whole days keep the time of day on the city's clock (a 720-hour target
  is 30 days later at the same local time, across a daylight-saving change, as Boston's
  targets are); the hours left over are elapsed hours;
- business hours: only the working hours of the service's business calendar count,
  holidays skipped. A request filed outside working hours starts its clock at the next
  opening, and a deadline that falls exactly on a closing time is the next opening
  instead (no work happens in between; Boston's targets read "next day 08:30", not
  "today 17:00").

The arithmetic is pure (`WorkCalendar`, `add_business_hours`, `business_time_between`,
`add_calendar_hours`) and works in UTC internally, so it is easy to test by hand."""

from __future__ import annotations

import logging
import math
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from civic311.audit.services import record_event
from civic311.catalog.models import DEFAULT_WORKING_HOURS, MIDNIGHT, BusinessCalendar, ServiceType
from civic311.places.middleware import jurisdiction_zone

from . import signals
from .models import Escalation, EscalationRule, ServiceRequest, Status

logger = logging.getLogger(__name__)

DEFAULT_WARNING_PERCENT = 75
# Business-hours arithmetic gives up past this many days without enough working time.
MAX_DAYS = 3660
CHUNK = 2000


@dataclass(frozen=True)
class WorkCalendar:
    """Working periods per weekday (Monday = 0; local opening and closing times, closing
    00:00 meaning midnight), holidays, and the zone they are read in."""

    zone: zoneinfo.ZoneInfo
    week: Mapping[int, Sequence[tuple[time, time]]]
    holidays: frozenset[date] = frozenset()
    _days: dict[date, list[tuple[datetime, datetime]]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    @property
    def has_working_time(self) -> bool:
        return any(self.week.get(day) for day in range(7))

    def periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of a local day, as (start, end) in UTC, in order."""
        cached = self._days.get(day)
        if cached is not None:
            return cached
        periods: list[tuple[datetime, datetime]] = []
        if day not in self.holidays:
            for opens, closes in sorted(self.week.get(day.weekday(), ())):
                end_day = day + timedelta(days=1) if closes == MIDNIGHT else day
                start = datetime.combine(day, opens, tzinfo=self.zone).astimezone(UTC)
                end = datetime.combine(end_day, closes, tzinfo=self.zone).astimezone(UTC)
                if end > start:
                    periods.append((start, end))
        self._days[day] = periods
        return periods


def _hours(value: float | Decimal) -> timedelta:
    return timedelta(seconds=round(float(value) * 3600, 6))


def add_business_hours(start: datetime, hours: float | Decimal, calendar: WorkCalendar) -> datetime:
    """The moment `hours` of working time after `start` (UTC)."""
    remaining = _hours(hours)
    current = start.astimezone(UTC)
    day = start.astimezone(calendar.zone).date() - timedelta(days=1)  # a period may run past midnight
    spent = False
    for _ in range(MAX_DAYS):
        for period_start, period_end in calendar.periods(day):
            if period_end <= current:
                continue
            if spent:
                return period_start
            begin = max(period_start, current)
            available = period_end - begin
            if remaining < available:
                return begin + remaining
            remaining -= available
            current = period_end
            spent = remaining == timedelta(0)
        day += timedelta(days=1)
    raise ValueError(f"The business calendar has no working time for {hours} hours after {start:%Y-%m-%d}.")


def business_time_between(start: datetime, end: datetime, calendar: WorkCalendar) -> timedelta:
    """Working time from `start` to `end` (negative if `end` is earlier)."""
    if end < start:
        return -business_time_between(end, start, calendar)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    total = timedelta(0)
    day = start.astimezone(calendar.zone).date() - timedelta(days=1)
    last = end.astimezone(calendar.zone).date()
    while day <= last:
        for period_start, period_end in calendar.periods(day):
            overlap = min(period_end, end) - max(period_start, start)
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total


def add_calendar_hours(start: datetime, hours: float | Decimal, zone: zoneinfo.ZoneInfo) -> datetime:
    """`hours` later: whole days on the local clock (same time of day), the rest elapsed."""
    days = math.floor(float(hours) / 24)
    rest = _hours(hours) - timedelta(days=days)
    local = start.astimezone(zone)
    # A wall time that does not exist (the spring-forward hour) resolves forward, one that
    # exists twice to its first occurrence.
    moved = (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=zone)
    return moved.astimezone(UTC) + rest


# ---------------------------------------------------------------- calendars from the database


def city_zone() -> zoneinfo.ZoneInfo:
    return jurisdiction_zone() or zoneinfo.ZoneInfo(settings.TIME_ZONE)


def default_week() -> dict[int, list[tuple[time, time]]]:
    week: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens, closes in DEFAULT_WORKING_HOURS:
        week.setdefault(weekday, []).append((time.fromisoformat(opens), time.fromisoformat(closes)))
    return week


def load_calendar(calendar_id: int | None = None) -> WorkCalendar:
    """The business calendar `calendar_id`, or the default one; with none configured, the
    seeded standard week (Monday–Friday 08:30–17:00, no holidays) in the city's zone."""
    calendars = BusinessCalendar.objects.all()
    row = (calendars.filter(pk=calendar_id) if calendar_id is not None else calendars.filter(is_default=True)).first()
    if row is None:
        return WorkCalendar(zone=city_zone(), week=default_week())
    week: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens, closes in row.working_hours.values_list("weekday", "opens", "closes"):
        week.setdefault(weekday, []).append((opens, closes))
    holidays = frozenset(row.holidays.values_list("date", flat=True))
    zone = zoneinfo.ZoneInfo(row.time_zone) if row.time_zone else city_zone()
    return WorkCalendar(zone=zone, week=week, holidays=holidays)


class CalendarCache:
    """Calendars loaded once for a run over many requests."""

    def __init__(self) -> None:
        self._calendars: dict[int | None, WorkCalendar] = {}

    def __call__(self, service_type: ServiceType) -> WorkCalendar:
        key = service_type.sla_calendar_id
        if key not in self._calendars:
            self._calendars[key] = load_calendar(key)
        return self._calendars[key]


def expected_at(
    service_type: ServiceType, requested_at: datetime, *, calendar: WorkCalendar | None = None
) -> datetime | None:
    """When a request of `service_type` filed at `requested_at` is due (None: no target).
    `calendar` replaces the service type's business calendar (loaded from the database)."""
    if service_type.sla_hours is None:
        return None
    if service_type.sla_kind == ServiceType.SlaKind.BUSINESS:
        calendar = calendar or load_calendar(service_type.sla_calendar_id)
        if not calendar.has_working_time:
            logger.warning("business calendar without working hours: no expected date for %s", service_type.code)
            return None
        return add_business_hours(requested_at, service_type.sla_hours, calendar)
    return add_calendar_hours(requested_at, service_type.sla_hours, calendar.zone if calendar else city_zone())


def warning_share(service_type: ServiceType) -> float:
    percent: int = service_type.sla_warning_percent or int(
        getattr(settings, "CIVIC311_SLA_WARNING_PERCENT", DEFAULT_WARNING_PERCENT)
    )
    return percent / 100


def warn_at(
    service_type: ServiceType, requested_at: datetime, expected: datetime | None,
    *, calendar: WorkCalendar | None = None,
) -> datetime | None:
    """When the request becomes at risk: the warning share of its allowed time used,
    counted the way its service type counts (business or calendar time)."""
    if expected is None:
        return None
    share = warning_share(service_type)
    if service_type.sla_kind == ServiceType.SlaKind.BUSINESS:
        calendar = calendar or load_calendar(service_type.sla_calendar_id)
        if calendar.has_working_time:
            allowed = business_time_between(requested_at, expected, calendar)
            return add_business_hours(requested_at, allowed.total_seconds() * share / 3600, calendar)
    return requested_at + (expected - requested_at) * share


# ---------------------------------------------------------------- pausing the clock


@dataclass(frozen=True)
class Resumed:
    """The dates of a request whose clock restarts, and how much paused time counted."""

    expected_at: datetime | None
    warn_at: datetime | None
    paused: timedelta


def _move(moment: datetime | None, by: timedelta, calendar: WorkCalendar | None) -> datetime | None:
    if moment is None or by <= timedelta(0):
        return moment
    if calendar is None:
        return moment + by
    return add_business_hours(moment, by.total_seconds() / 3600, calendar)


def resume_dates(
    *, paused_at: datetime, resumed_at: datetime, expected: datetime | None, warn: datetime | None,
    calendar: WorkCalendar | None,
) -> Resumed:
    """The expected date and at-risk moment after a pause from `paused_at` to `resumed_at`:
    both move later by the paused time, counted in working time of `calendar` (a
    business-hours target) or elapsed (`calendar` None: a calendar-hours target). A
    request already past its expected date when paused stays late: its pause counts
    nothing (stopping the clock does not forgive a breach)."""
    if resumed_at <= paused_at or (expected is not None and paused_at >= expected):
        return Resumed(expected, warn, timedelta(0))
    paused = business_time_between(paused_at, resumed_at, calendar) if calendar is not None else resumed_at - paused_at
    return Resumed(_move(expected, paused, calendar), _move(warn, paused, calendar), paused)


def clock_calendar(service_type: ServiceType) -> WorkCalendar | None:
    """The calendar a service type's clock counts in; None: elapsed time."""
    if service_type.sla_kind != ServiceType.SlaKind.BUSINESS:
        return None
    calendar = load_calendar(service_type.sla_calendar_id)
    return calendar if calendar.has_working_time else None


def pause_or_resume(
    request: ServiceRequest, *, pausing_before: bool, pausing_after: bool, now: datetime
) -> tuple[dict[str, object], dict[str, object]]:
    """What a status change does to the SLA clock of `request` (not saved): the fields to
    set and the changes to record, both empty when the clock keeps running or stays
    stopped. Entering a pausing status stops it; leaving one (to any status, closing
    included) restarts it with the dates moved by the paused time (`resume_dates`). The
    SLA state is left to the periodic job, which skips requests whose clock is stopped."""
    if pausing_after and not pausing_before:
        if request.sla_paused_at is not None:
            return {}, {}
        return {"sla_paused_at": now}, {"sla_paused_at": now.isoformat()}
    if pausing_before and not pausing_after and request.sla_paused_at is not None:
        resumed = resume_dates(
            paused_at=request.sla_paused_at, resumed_at=now, expected=request.expected_at,
            warn=request.sla_warn_at, calendar=clock_calendar(request.service_type),
        )
        seconds = int(resumed.paused.total_seconds())
        fields: dict[str, object] = {
            "sla_paused_at": None, "expected_at": resumed.expected_at, "sla_warn_at": resumed.warn_at,
            "sla_paused_seconds": request.sla_paused_seconds + seconds,
        }
        changes: dict[str, object] = {
            "sla_paused_at": request.sla_paused_at.isoformat(), "sla_resumed_at": now.isoformat(),
            "paused_seconds": seconds,
            "expected_at": [_iso(request.expected_at), _iso(resumed.expected_at)],
        }
        return fields, changes
    return {}, {}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# ---------------------------------------------------------------- the periodic evaluation


@dataclass(frozen=True)
class SlaCounts:
    """What one evaluation changed."""

    warn_dates_set: int = 0
    at_risk: int = 0
    breached: int = 0
    escalated: int = 0


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _set_missing_warn_dates() -> int:
    """Open requests written without the services (imports) get their at-risk moment."""
    calendars = CalendarCache()
    missing = (
        ServiceRequest.objects.filter(status=Status.Open311.OPEN, expected_at__isnull=False, sla_warn_at__isnull=True)
        .select_related("service_type")
        .only("id", "requested_at", "expected_at", "sla_warn_at", "service_type")
    )
    count = 0
    batch: list[ServiceRequest] = []
    for request in missing.iterator(chunk_size=CHUNK):
        calendar = calendars(request.service_type)
        request.sla_warn_at = warn_at(request.service_type, request.requested_at, request.expected_at,
                                      calendar=calendar)
        batch.append(request)
        if len(batch) >= CHUNK:
            ServiceRequest.objects.bulk_update(batch, ["sla_warn_at"])
            count, batch = count + len(batch), []
    ServiceRequest.objects.bulk_update(batch, ["sla_warn_at"])
    return count + len(batch)


def _mark(ids: list[int], state: str, *, action: str, now: datetime) -> None:
    for chunk in _chunks(ids):
        ServiceRequest.objects.filter(pk__in=chunk).update(sla_state=state)
    for pk in ids:
        record_event(action=action, target=(ServiceRequest._meta.label_lower, str(pk)), actor_label="sla",
                     changes={"sla_state": state, "evaluated_at": now.isoformat()})


def _escalation_notice(
    ids: list[int], department_id: int | None, rule: EscalationRule, now: datetime
) -> Callable[[], object]:
    def send() -> object:
        return signals.sla_escalated.send(sender=ServiceRequest, request_ids=ids, department_id=department_id,
                                          rule_id=rule.pk, role=rule.notify_role, now=now)

    return send


def _escalate(now: datetime) -> int:
    total = 0
    for rule in EscalationRule.objects.filter(active=True):
        due = ServiceRequest.objects.filter(
            status=Status.Open311.OPEN, sla_state=ServiceRequest.SlaState.BREACHED,
            expected_at__lte=now - _hours(rule.breached_for_hours),
        ).exclude(escalations__rule=rule)
        if rule.department_id is not None:
            due = due.filter(department_id=rule.department_id)
        if rule.service_type_id is not None:
            due = due.filter(service_type_id=rule.service_type_id)
        rows = list(due.values_list("pk", "department_id"))
        if not rows:
            continue
        Escalation.objects.bulk_create(
            [Escalation(request_id=pk, rule=rule, created_at=now) for pk, _ in rows], ignore_conflicts=True
        )
        for pk, _ in rows:
            record_event(action="request.sla_escalated", target=(ServiceRequest._meta.label_lower, str(pk)),
                         actor_label="sla", changes={"rule": rule.name, "rule_id": rule.pk,
                                                     "notify_role": rule.notify_role})
        by_department: dict[int | None, list[int]] = {}
        for pk, department in rows:
            by_department.setdefault(department, []).append(pk)
        for department_id, ids in by_department.items():
            _escalation_notice(ids, department_id, rule, now)()
        total += len(rows)
    return total


@transaction.atomic
def evaluate_sla(now: datetime | None = None) -> SlaCounts:
    """Mark open requests at risk (their warning moment passed) or breached (their
    expected date passed), fire escalation rules, and — inside the same transaction — send
    `cases.signals.sla_at_risk`, `sla_breached` and `sla_escalated` with the request ids,
    for the notices to tell supervisors. Safe to run as often as wanted: a request is
    marked, and a rule fires for it, once."""
    now = now or timezone.now()
    warn_dates = _set_missing_warn_dates()
    # A request on hold has its clock stopped: it is evaluated again once it resumes.
    open_requests = ServiceRequest.objects.filter(status=Status.Open311.OPEN, sla_paused_at__isnull=True)
    breached = list(
        open_requests.filter(expected_at__lt=now).exclude(sla_state=ServiceRequest.SlaState.BREACHED)
        .values_list("pk", flat=True)
    )
    _mark(breached, ServiceRequest.SlaState.BREACHED, action="request.sla_breached", now=now)
    at_risk = list(
        open_requests.filter(sla_warn_at__lte=now, expected_at__gte=now, sla_state=ServiceRequest.SlaState.ON_TRACK)
        .values_list("pk", flat=True)
    )
    _mark(at_risk, ServiceRequest.SlaState.AT_RISK, action="request.sla_at_risk", now=now)
    escalated = _escalate(now)
    if at_risk:
        signals.sla_at_risk.send(sender=ServiceRequest, request_ids=at_risk, now=now)
    if breached:
        signals.sla_breached.send(sender=ServiceRequest, request_ids=breached, now=now)
    return SlaCounts(warn_dates_set=warn_dates, at_risk=len(at_risk), breached=len(breached), escalated=escalated)


@transaction.atomic
def settle_imported(*, source_system: str, now: datetime | None = None) -> SlaCounts:
    """Give the open requests an import wrote (`source_system`) their at-risk moment and
    their SLA state from their dates, so that an imported backlog is never shown "on
    track" until the periodic job runs. Called at the end of an import, in its
    transaction. Quiet: no signals (the source system already dealt with its cases; the
    job will not announce them again since they are marked) and one audit event for the
    lot rather than one per request."""
    now = now or timezone.now()
    warn_dates = _set_missing_warn_dates()
    imported = ServiceRequest.objects.filter(
        source_system=source_system, status=Status.Open311.OPEN, sla_paused_at__isnull=True
    )
    states = ServiceRequest.SlaState
    breached = imported.filter(expected_at__lt=now).exclude(sla_state=states.BREACHED).update(
        sla_state=states.BREACHED)
    at_risk = imported.filter(sla_warn_at__lte=now, expected_at__gte=now).exclude(sla_state=states.AT_RISK).update(
        sla_state=states.AT_RISK)
    # A re-import may have moved an expected date later (or removed it).
    on_track = imported.filter(
        models.Q(expected_at__isnull=True) | models.Q(expected_at__gte=now, sla_warn_at__gt=now)
    ).exclude(sla_state=states.ON_TRACK).update(sla_state=states.ON_TRACK)
    counts = SlaCounts(warn_dates_set=warn_dates, at_risk=at_risk, breached=breached)
    record_event(action="sla.imported_settled", target=("imports.source", source_system), actor_label="sla",
                 changes={"evaluated_at": now.isoformat(), "warn_dates_set": warn_dates, "at_risk": at_risk,
                          "breached": breached, "on_track_again": on_track})
    return counts
