"""The weekly cross-department view: neighborhoods that are hot spots of several service
types together (Emerging Hot Spot Analysis of a combined index, `hotspots`), built from the
daily counts, each with its evidence (the types that drive it and the requests of the
final week). The weekly run (`store_alerts`) keeps each finding as an alert that the
departments concerned acknowledge, comment and close like the scan's alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic311.cases.models import ServiceRequest
from civic311.catalog.models import ServiceType
from civic311.places.models import District, DistrictLayer

from .alarm_rule import AlarmRule
from .early_warning import record_alarm
from .hotspots import TroubledNeighborhood, knn_weights, troubled_neighborhoods
from .models import Alert, DailyCount
from .rollups import city_zone
from .scan_statistic import project_lonlat

NEIGHBORS = 5
CATEGORY_LABELS = {
    "new hot spot": _("new hot spot"),
    "consecutive hot spot": _("consecutive hot spot"),
    "intensifying hot spot": _("intensifying hot spot"),
    "persistent hot spot": _("persistent hot spot"),
    "diminishing hot spot": _("diminishing hot spot"),
    "sporadic hot spot": _("sporadic hot spot"),
    "oscillating hot spot": _("oscillating hot spot"),
    "historical hot spot": _("historical hot spot"),
}
EVIDENCE_PER_AREA = 30
ALERT_EVIDENCE_PER_AREA = 500
WEEKS = 12


@dataclass(frozen=True)
class TroubledArea:
    district: District
    finding: TroubledNeighborhood
    type_names: dict[str, str]  # code → name
    requests: list[ServiceRequest]

    @property
    def category(self) -> str:
        category = self.finding.hot_spot.category
        return str(CATEGORY_LABELS.get(category, category))


def weekly_counts(districts: list[District], last_day: date, weeks: int) -> dict[str, np.ndarray]:
    """counts[week, area] per service type code, the final week ending on `last_day` (one query)."""
    first = last_day - timedelta(days=7 * weeks - 1)
    column = {d.pk: i for i, d in enumerate(districts)}
    codes = dict(ServiceType.objects.values_list("pk", "code"))
    out: dict[str, np.ndarray] = {}
    rows = DailyCount.objects.filter(district_id__in=list(column), day__gte=first, day__lte=last_day,
                                     opened__gt=0).values_list("district_id", "service_type_id", "day", "opened")
    for district_id, type_id, day, opened in rows:
        table = out.setdefault(codes[type_id], np.zeros((weeks, len(districts))))
        table[(day - first).days // 7, column[district_id]] += opened
    return out


def troubled_areas(*, last_day: date, weeks: int = WEEKS, alpha: float = 0.05,
                   evidence_per_area: int = EVIDENCE_PER_AREA) -> list[TroubledArea]:
    """The troubled neighborhoods for the `weeks` weeks ending on `last_day`, worst first,
    each with up to `evidence_per_area` requests of its driving types in the final week."""
    layer = DistrictLayer.objects.filter(is_neighborhoods=True).first()
    districts = list(District.objects.filter(layer=layer).order_by("pk")) if layer else []
    if len(districts) < 3:
        return []
    counts = weekly_counts(districts, last_day, weeks)
    if not counts:
        return []
    xy = project_lonlat([d.centroid_long for d in districts], [d.centroid_lat for d in districts])
    findings = troubled_neighborhoods(counts, knn_weights(xy, min(NEIGHBORS, len(districts) - 1)), alpha=alpha)
    if not findings:
        return []
    names = dict(ServiceType.objects.filter(code__in=list(counts)).values_list("code", "name"))
    zone = city_zone()
    week_start = last_day - timedelta(days=6)
    start = datetime_at(week_start, zone)
    end = datetime_at(last_day + timedelta(days=1), zone)
    area_ids = [districts[f.area].pk for f in findings]
    by_area: dict[int, list[ServiceRequest]] = {pk: [] for pk in area_ids}
    driving = {districts[f.area].pk: {e.service_type for e in f.evidence if e.last_week > e.usual} for f in findings}
    for request in (ServiceRequest.objects.filter(neighborhood_id__in=area_ids, requested_at__gte=start,
                                                  requested_at__lt=end)
                    .select_related("service_type").order_by("requested_at")):
        bucket = by_area[request.neighborhood_id or 0] if request.neighborhood_id in by_area else None
        if bucket is not None and request.service_type.code in driving[request.neighborhood_id or 0] \
                and len(bucket) < evidence_per_area:
            bucket.append(request)
    return [TroubledArea(district=districts[f.area], finding=f, type_names=names,
                         requests=by_area[districts[f.area].pk]) for f in findings]


def datetime_at(day: date, zone: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def driving_types(area: TroubledArea) -> list[str]:
    """The codes of the types above their usual level in the final week, strongest first."""
    return [e.service_type for e in area.finding.evidence if e.last_week > e.usual]


def store_alerts(*, last_day: date | None = None, weeks: int = WEEKS) -> list[tuple[Alert, bool]]:
    """The weekly run: each troubled neighborhood of the `weeks` weeks ending on `last_day`
    (default: yesterday, the city's last complete day) becomes an alert of kind "troubled"
    with its requests as evidence, seen by the departments of the types that drive it; a
    neighborhood still troubled a week later updates its alert. [(alert, created)]"""
    if last_day is None:
        last_day = timezone.now().astimezone(city_zone()).date() - timedelta(days=1)
    areas = troubled_areas(last_day=last_day, weeks=weeks, evidence_per_area=ALERT_EVIDENCE_PER_AREA)
    departments = dict(ServiceType.objects.filter(department__isnull=False).values_list("code", "department_id"))
    rule = AlarmRule(episode_gap_days=7)
    stored = []
    with transaction.atomic():
        for area in areas:
            codes = driving_types(area) or [area.finding.evidence[0].service_type]
            chosen = [e for e in area.finding.evidence if e.service_type in codes]
            spot = area.finding.hot_spot
            stored.append(record_alarm(
                kind=Alert.Kind.TROUBLED, service_type=None, district_ids=[area.district.pk], day=last_day,
                window_start=last_day - timedelta(days=6), observed=int(sum(e.last_week for e in chosen)),
                expected=float(sum(e.usual for e in chosen)), recurrence=None, p_value=None,
                statistics={"method": "Emerging Hot Spot Analysis (Getis-Ord Gi*, Mann-Kendall)",
                            "category": spot.category, "weeks": weeks, "last_z": spot.last_z,
                            "hot_weeks": spot.hot_weeks, "trend_tau": spot.trend_tau, "trend_p": spot.trend_p,
                            "service_type_codes": codes,
                            "service_type_names": [area.type_names.get(c, c) for c in codes]},
                rule=rule, evidence=[r.pk for r in area.requests],
                department_ids=[departments[c] for c in codes if c in departments]))
    return stored
