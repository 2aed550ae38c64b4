"""The cases rows intake reads on every request (statuses, routing rules, work calendars),
from the per-process reference cache (`civic311.config.reference_cache`). Shared objects:
read-only."""

from __future__ import annotations

from civic311.catalog.models import BusinessCalendar, Department, Holiday, Queue, WorkingHours
from civic311.config.reference_cache import ReferenceCache
from civic311.places.models import District, DistrictLayer, Jurisdiction

from .models import RoutingRule, Status
from .sla import WorkCalendar, load_calendar


def _load_status(code: str) -> Status:
    return Status.objects.get(code=code)


_statuses: ReferenceCache[str, Status] = ReferenceCache("statuses", _load_status, [Status])


_statuses_by_id: ReferenceCache[int, Status] = ReferenceCache(
    "statuses-by-id", lambda pk: Status.objects.get(pk=pk), [Status])


def status_by_id(pk: int) -> Status:
    return _statuses_by_id.get(pk)


def status_by_code(code: str) -> Status:
    """The status `code` (Status.DoesNotExist if there is none)."""
    return _statuses.get(code)


def _load_rules(key: tuple[int, str]) -> list[RoutingRule]:
    from .routing import load_candidate_rules

    return load_candidate_rules(*key)


_rules: ReferenceCache[tuple[int, str], list[RoutingRule]] = ReferenceCache(
    "routing-rules", _load_rules, [RoutingRule, Department, Queue, District, DistrictLayer])


def routing_rules(service_type_id: int, group: str) -> list[RoutingRule]:
    return _rules.get((service_type_id, group))


_calendars: ReferenceCache[int | None, WorkCalendar] = ReferenceCache(
    "work-calendars", load_calendar, [BusinessCalendar, WorkingHours, Holiday, Jurisdiction])


def work_calendar(calendar_id: int | None) -> WorkCalendar:
    """`sla.load_calendar(calendar_id)`, cached."""
    return _calendars.get(calendar_id)
