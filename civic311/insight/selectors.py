"""Reads of the daily counts for the trends page, its CSV export and the neighborhood
report: every figure is a sum over `DailyCount` rows (a fixed number of queries, whatever
the period or the number of districts), never a recount of requests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from django.db.models import QuerySet, Sum

from civic311.places.models import District, DistrictLayer

from .models import BUCKET_FIELDS, CLOSE_BUCKET_HOURS, DailyCount


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass
class Totals:
    """Sums over a set of daily counts."""

    opened: int = 0
    closed: int = 0
    close_seconds: int = 0
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKET_FIELDS))

    @property
    def median_close_hours(self) -> float | None:
        return median_hours(self.buckets)

    def add(self, other: Totals) -> None:
        self.opened += other.opened
        self.closed += other.closed
        self.close_seconds += other.close_seconds
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]


def median_hours(buckets: Sequence[int]) -> float | None:
    """The median time to close (hours) read from the histogram, interpolating linearly
    inside the bucket that holds it; the lower bound of the open-ended last bucket when the
    median falls there; None with nothing closed."""
    total = sum(buckets)
    if total == 0:
        return None
    half = total / 2
    running = 0
    for i, n in enumerate(buckets):
        if n and running + n >= half:
            lower = CLOSE_BUCKET_HOURS[i - 1] if i > 0 else 0.0
            if i >= len(CLOSE_BUCKET_HOURS):
                return float(lower)
            upper = CLOSE_BUCKET_HOURS[i]
            return lower + (upper - lower) * (half - running) / n
        running += n
    return None  # unreachable: the buckets sum to total


def change(current: int, earlier: int) -> float | None:
    """Relative change in percent (None when the earlier figure is zero)."""
    if earlier == 0:
        return None
    return 100.0 * (current - earlier) / earlier


def year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def period_start(day: date, granularity: Granularity) -> date:
    if granularity == Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity == Granularity.MONTH:
        return day.replace(day=1)
    return day


def periods(start: date, end: date, granularity: Granularity) -> list[date]:
    """The first day of every period touching [start, end]."""
    result: list[date] = []
    current = period_start(start, granularity)
    while current <= end:
        result.append(current)
        if granularity == Granularity.DAY:
            current += timedelta(days=1)
        elif granularity == Granularity.WEEK:
            current += timedelta(days=7)
        else:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return result


_SUMS = {"s_opened": Sum("opened"), "s_closed": Sum("closed"), "s_seconds": Sum("close_seconds"),
         **{f"s_{name}": Sum(name) for name in BUCKET_FIELDS}}


def _totals(values: Mapping[str, Any]) -> Totals:
    return Totals(opened=values["s_opened"] or 0, closed=values["s_closed"] or 0,
                  close_seconds=values["s_seconds"] or 0,
                  buckets=[values[f"s_{name}"] or 0 for name in BUCKET_FIELDS])


def _rows(*, start: date, end: date, type_ids: Sequence[int], district_ids: Sequence[int] | None,
          layer: DistrictLayer | None = None) -> QuerySet[DailyCount]:
    """Daily counts in [start, end] of the types (all when empty): of the districts, of a
    whole layer (every district of it), or city-wide (district_ids None and no layer)."""
    rows = DailyCount.objects.filter(day__gte=start, day__lte=end)
    if type_ids:
        rows = rows.filter(service_type_id__in=type_ids)
    if district_ids is not None:
        return rows.filter(district_id__in=district_ids)
    if layer is not None:
        return rows.filter(layer=layer)
    return rows.filter(district__isnull=True)


def totals(*, start: date, end: date, type_ids: Sequence[int] = (),
           district_ids: Sequence[int] | None = None) -> Totals:
    """One sum (one query) over the districts' (None: city-wide) counts."""
    return _totals(_rows(start=start, end=end, type_ids=type_ids, district_ids=district_ids).aggregate(**_SUMS))


def series(*, start: date, end: date, granularity: Granularity, type_ids: Sequence[int] = (),
           district_ids: Sequence[int] | None = None) -> list[tuple[date, Totals]]:
    """Totals per period (every period present, zeros included), in one query. The database
    sums per day; days are gathered into weeks or months here (a few hundred rows), which
    is faster and more portable than truncating dates in SQL."""
    rows = _rows(start=start, end=end, type_ids=type_ids, district_ids=district_ids)
    found: dict[date, Totals] = {}
    for values in rows.values("day").annotate(**_SUMS).order_by("day"):
        found.setdefault(period_start(values["day"], granularity), Totals()).add(_totals(values))
    return [(p, found.get(p, Totals())) for p in periods(start, end, granularity)]


def series_by_district(*, start: date, end: date, granularity: Granularity, district_ids: Sequence[int],
                       type_ids: Sequence[int] = ()) -> dict[int, list[tuple[date, Totals]]]:
    """`series` of each district, all in one query."""
    rows = _rows(start=start, end=end, type_ids=type_ids, district_ids=district_ids)
    found: dict[tuple[int, date], Totals] = {}
    for values in rows.values("district_id", "day").annotate(**_SUMS).order_by("district_id", "day"):
        key = (values["district_id"], period_start(values["day"], granularity))
        found.setdefault(key, Totals()).add(_totals(values))
    all_periods = periods(start, end, granularity)
    return {d: [(p, found.get((d, p), Totals())) for p in all_periods] for d in district_ids}


def by_district(*, layer: DistrictLayer, start: date, end: date, type_ids: Sequence[int] = ()) -> dict[int, Totals]:
    """Totals of every district of the layer that has counts, in one query."""
    rows = _rows(start=start, end=end, type_ids=type_ids, district_ids=None, layer=layer)
    return {values["district_id"]: _totals(values)
            for values in rows.values("district_id").annotate(**_SUMS).order_by("district_id")}


def by_type(*, start: date, end: date, district_ids: Sequence[int] | None) -> dict[int, Totals]:
    """Totals per service type of the districts (None: city-wide), in one query."""
    rows = _rows(start=start, end=end, type_ids=(), district_ids=district_ids)
    return {values["service_type_id"]: _totals(values)
            for values in rows.values("service_type_id").annotate(**_SUMS).order_by("service_type_id")}


def rate_per_thousand(count: int, population: int | None) -> float | None:
    if not population:
        return None
    return 1000.0 * count / population


def population_of(districts: Sequence[District]) -> int | None:
    """The districts' population; None unless every one of them has it configured."""
    if not districts or any(d.population is None for d in districts):
        return None
    return sum(d.population or 0 for d in districts)
