"""The neighborhood report (the mobile unit's handout): for one neighborhood and period,
the top issues and how they changed, what is open and for how long, response times versus
the city, active alerts and how to reach 311. Counts come from the daily counts; only the
open requests are read from the requests themselves (one query)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone

from civic311.cases.models import ServiceRequest
from civic311.catalog.models import ServiceType
from civic311.places.models import District

from . import map_shapes, selectors
from .models import Alert
from .outline_map import OutlineMap, outline_map
from .selectors import Totals

TOP_ISSUES = 8


@dataclass(frozen=True)
class Issue:
    service_type: ServiceType
    now: Totals
    earlier: Totals
    city: Totals

    @property
    def change(self) -> float | None:
        return selectors.change(self.now.opened, self.earlier.opened)


@dataclass(frozen=True)
class OpenIssue:
    service_type: ServiceType
    count: int
    median_days: float
    oldest_days: float


@dataclass(frozen=True)
class NeighborhoodReport:
    district: District
    start: date
    end: date
    generated_at: datetime
    total: Totals
    total_earlier: Totals
    city: Totals
    issues: list[Issue]
    open_issues: list[OpenIssue]
    open_total: int
    alerts: list[Alert]
    map: OutlineMap

    @property
    def change(self) -> float | None:
        return selectors.change(self.total.opened, self.total_earlier.opened)


def build(district: District, start: date, end: date) -> NeighborhoodReport:
    """The report's figures for `district` between `start` and `end` (inclusive)."""
    earlier_start, earlier_end = selectors.year_earlier(start), selectors.year_earlier(end)
    mine = selectors.by_type(start=start, end=end, district_ids=[district.pk])
    before = selectors.by_type(start=earlier_start, end=earlier_end, district_ids=[district.pk])
    city = selectors.by_type(start=start, end=end, district_ids=None)
    top = sorted(mine.items(), key=lambda item: -item[1].opened)[:TOP_ISSUES]
    types = ServiceType.objects.in_bulk([pk for pk, _ in top])
    issues = [Issue(service_type=types[pk], now=totals, earlier=before.get(pk, Totals()), city=city.get(pk, Totals()))
              for pk, totals in top if pk in types]

    def summed(values: dict[int, Totals]) -> Totals:
        total = Totals()
        for totals in values.values():
            total.add(totals)
        return total

    now = timezone.now()
    ages: dict[int, list[float]] = {}
    open_rows = ServiceRequest.objects.filter(neighborhood=district, status="open").values_list(
        "service_type_id", "requested_at")
    for type_id, requested_at in open_rows:
        ages.setdefault(type_id, []).append((now - requested_at).total_seconds() / 86400)
    open_types = ServiceType.objects.in_bulk(list(ages))
    open_issues = sorted(
        (OpenIssue(service_type=open_types[pk], count=len(days), median_days=statistics.median(days),
                   oldest_days=max(days)) for pk, days in ages.items() if pk in open_types),
        key=lambda o: -o.count)[:TOP_ISSUES]
    alerts = list(Alert.objects.filter(Q(state=Alert.State.OPEN) | Q(state=Alert.State.ACKNOWLEDGED),
                                       districts=district).select_related("service_type").order_by("-last_detected_on"))
    geometries = map_shapes.layer_shapes(district.layer)
    names = District.objects.filter(layer_id=district.layer_id).values_list("pk", "name")
    shapes = outline_map([(name, geometries[pk], pk == district.pk) for pk, name in names if pk in geometries])
    return NeighborhoodReport(
        district=district, start=start, end=end, generated_at=now, total=summed(mine), total_earlier=summed(before),
        city=summed(city), issues=issues, open_issues=open_issues, open_total=sum(len(d) for d in ages.values()),
        alerts=alerts, map=shapes)
