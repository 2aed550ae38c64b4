"""The daily early-warning run: for each service type, the space-time permutation scan over
the neighborhoods' daily counts (from the rollups, no recount) and the ESSENCE EWMA of each
neighborhood's series with Benjamini–Hochberg; what passes the alarm rule (`alarm_rule`)
becomes an alert with its evidence (the requests), seen by the departments concerned."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civic311.audit.services import record_event
from civic311.cases.models import ServiceRequest
from civic311.catalog.models import ServiceType
from civic311.places.models import District, DistrictLayer

from . import signals
from .alarm_rule import AlarmRule
from .models import Alert, DailyCount, EarlyWarningRun
from .rollups import city_zone
from .scan_statistic import build_circles, project_lonlat, space_time_permutation_scan
from .series_alarms import benjamini_hochberg, essence_ewma

logger = logging.getLogger(__name__)

STUDY_DAYS = 365
MAX_WINDOW_DAYS = 14
SERIES_DAYS = 60  # the EWMA needs 28 baseline days + 2 guard days before the day studied
SERIES_Q = 0.01
EVIDENCE_LIMIT = 500
RUN_LABEL = "early warning"


@dataclass(frozen=True)
class Settings:
    rule: AlarmRule
    replications: int
    max_radius_km: float
    workers: int


def configured(service_type: ServiceType | None = None) -> Settings:
    """The run's settings (`CIVIC311_INSIGHT_*`), with the per-type overrides of the alarm rule."""
    base: dict[str, Any] = dict(getattr(settings, "CIVIC311_INSIGHT_ALARM_RULE", {}))
    overrides = getattr(settings, "CIVIC311_INSIGHT_ALARM_RULE_BY_TYPE", {})
    if service_type is not None:
        base.update(overrides.get(service_type.code, {}))
    return Settings(
        rule=AlarmRule(**base),
        replications=int(getattr(settings, "CIVIC311_INSIGHT_REPLICATIONS", 999)),
        max_radius_km=float(getattr(settings, "CIVIC311_INSIGHT_MAX_RADIUS_KM", 3.0)),
        workers=int(getattr(settings, "CIVIC311_INSIGHT_WORKERS", 1)),
    )


def neighborhood_counts(*, service_type_id: int, day: date, days: int,
                        districts: Sequence[District]) -> np.ndarray:
    """counts[day, area] of one type, requests opened, for the `days` days ending on `day`
    (areas in the order of `districts`), from the daily counts."""
    column = {d.pk: i for i, d in enumerate(districts)}
    first = day - timedelta(days=days - 1)
    counts = np.zeros((days, len(districts)), dtype=np.int64)
    rows = DailyCount.objects.filter(service_type_id=service_type_id, district_id__in=list(column),
                                     day__gte=first, day__lte=day).values_list("district_id", "day", "opened")
    for district_id, when, opened in rows:
        counts[(when - first).days, column[district_id]] += opened
    return counts


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=city_zone())


def _evidence(service_type: ServiceType, district_ids: Sequence[int], first: date, last: date) -> list[int]:
    return list(
        ServiceRequest.objects.filter(
            service_type=service_type, neighborhood_id__in=district_ids,
            requested_at__gte=_local_midnight(first), requested_at__lt=_local_midnight(last + timedelta(days=1)),
        ).order_by("requested_at").values_list("pk", flat=True)[:EVIDENCE_LIMIT]
    )


def _record(*, kind: str, service_type: ServiceType, district_ids: list[int], day: date, window_start: date,
            observed: int, expected: float, recurrence: float | None, p_value: float | None,
            statistics: dict[str, Any], rule: AlarmRule) -> tuple[Alert, bool]:
    """Store an alarm: a new alert, or the same episode's alert updated. (alert, created)"""
    now = timezone.now()
    evidence = _evidence(service_type, district_ids, window_start, day)
    departments = set(ServiceRequest.objects.filter(pk__in=evidence, department__isnull=False)
                      .values_list("department_id", flat=True).distinct())
    if service_type.department_id is not None:
        departments.add(service_type.department_id)
    ongoing = (Alert.objects.filter(kind=kind, service_type=service_type, districts__in=district_ids,
                                    last_detected_on__gte=day - timedelta(days=rule.episode_gap_days),
                                    last_detected_on__lte=day)
               .order_by("-last_detected_on", "-pk").first())
    figures = {"observed": observed, "expected": expected, "recurrence_interval_days": recurrence,
               "p_value": p_value, "statistics": statistics, "window_start": window_start}
    if ongoing is not None:
        for name, value in figures.items():
            setattr(ongoing, name, value)
        ongoing.last_detected_on = max(ongoing.last_detected_on, day)
        ongoing.updated_at = now
        ongoing.save()
        ongoing.districts.add(*district_ids)
        ongoing.evidence.add(*evidence)
        ongoing.departments.add(*departments)
        record_event(action="alert.detected_again", target=ongoing, actor_label=RUN_LABEL,
                     changes={"day": day.isoformat(), "districts": district_ids, "observed": observed})
        return ongoing, False
    alert = Alert.objects.create(kind=kind, service_type=service_type, first_detected_on=day, last_detected_on=day,
                                 created_at=now, updated_at=now, **figures)
    alert.districts.set(district_ids)
    alert.evidence.set(evidence)
    alert.departments.set(departments)
    record_event(action="alert.raised", target=alert, actor_label=RUN_LABEL,
                 changes={"kind": kind, "service_type": service_type.code, "day": day.isoformat(),
                          "districts": district_ids, "observed": observed, "expected": round(expected, 3),
                          "requests": len(evidence)})
    signals.alert_raised.send(sender=Alert, alert_id=alert.pk, department_ids=sorted(departments),
                              district_ids=district_ids)
    return alert, True


def _neighborhoods() -> list[District]:
    layer = DistrictLayer.objects.filter(is_neighborhoods=True).first()
    return list(District.objects.filter(layer=layer).defer("geometry").order_by("pk")) if layer else []


def run_for_type(service_type: ServiceType, day: date, *, seed: int | None = None,
                 districts: list[District] | None = None, counts: np.ndarray | None = None) -> EarlyWarningRun:
    """One morning's analysis of one type for `day` (idempotent: a rerun updates the same
    run and the same alerts). `districts` (the neighborhoods by id) and `counts` (their
    365 days of counts of this type) are loaded when not given."""
    started, clock = timezone.now(), time.perf_counter()
    config = configured(service_type)
    districts = _neighborhoods() if districts is None else districts
    summary: dict[str, Any] = {"alerts": []}
    cases = 0
    with transaction.atomic():
        if len(districts) >= 2:
            if counts is None:
                counts = neighborhood_counts(service_type_id=service_type.pk, day=day, days=STUDY_DAYS,
                                             districts=districts)
            cases = int(counts.sum())
            ids = [d.pk for d in districts]
            if cases:
                xy = project_lonlat([d.centroid_long for d in districts], [d.centroid_lat for d in districts])
                circles = build_circles(xy, max_radius_m=config.max_radius_km * 1000)
                scan = space_time_permutation_scan(
                    counts, circles, max_window_days=MAX_WINDOW_DAYS, replications=config.replications,
                    seed=seed if seed is not None else day.toordinal() * 1000 + service_type.pk,
                    alarm_recurrence_days=config.rule.recurrence_days, sequential=True, workers=config.workers)
                summary["scan"] = {"llr": scan.llr, "observed": scan.observed, "expected": scan.expected,
                                   "recurrence_interval_days": scan.recurrence_interval_days,
                                   "areas": [ids[a] for a in scan.areas], "window_days": scan.window_days}
                if scan.areas and config.rule.alarms(recurrence_days=scan.recurrence_interval_days,
                                                     observed=scan.observed, expected=scan.expected):
                    alert, created = _record(
                        kind=Alert.Kind.CLUSTER, service_type=service_type, district_ids=[ids[a] for a in scan.areas],
                        day=day, window_start=day - timedelta(days=scan.window_days - 1), observed=scan.observed,
                        expected=scan.expected, recurrence=scan.recurrence_interval_days, p_value=scan.p_value,
                        statistics={"method": scan.method, "llr": scan.llr, "window_days": scan.window_days,
                                    "radius_m": scan.radius_m, "replications": scan.replications,
                                    "stopped_early": scan.stopped_early},
                        rule=config.rule)
                    summary["alerts"].append({"id": alert.pk, "kind": "cluster", "new": created})
                summary["alerts"] += _series_alarms(service_type, day, counts[-SERIES_DAYS:], ids, config.rule)
        run, _ = EarlyWarningRun.objects.update_or_create(
            day=day, service_type=service_type,
            defaults={"started_at": started, "seconds": time.perf_counter() - clock, "cases": cases,
                      "summary": summary})
    return run


def _series_alarms(service_type: ServiceType, day: date, recent: np.ndarray, ids: list[int],
                   rule: AlarmRule) -> list[dict[str, Any]]:
    """EWMA on each neighborhood's series, Benjamini–Hochberg across them; the flagged
    neighborhoods whose count today also passes the rule's size and relative-risk limits."""
    result = essence_ewma(recent.T)
    p_today = np.nan_to_num(result.p_value[:, -1], nan=1.0)
    rejected = benjamini_hochberg(p_today, SERIES_Q)
    baseline = recent[-30:-2].mean(axis=0)  # the EWMA's 28-day baseline before its 2 guard days
    today = recent[-1]
    flagged = [a for a in np.flatnonzero(rejected)
               if rule.alarms(recurrence_days=float("inf"), observed=int(today[a]), expected=float(baseline[a]))]
    if not flagged:
        return []
    alert, created = _record(
        kind=Alert.Kind.SERIES, service_type=service_type, district_ids=[ids[a] for a in flagged], day=day,
        window_start=day, observed=int(today[flagged].sum()), expected=float(baseline[flagged].sum()),
        recurrence=None, p_value=float(p_today[flagged].min()),
        statistics={"method": "ESSENCE EWMA, Benjamini-Hochberg q=0.01",
                    "p_values": {str(ids[a]): float(p_today[a]) for a in flagged}}, rule=rule)
    return [{"id": alert.pk, "kind": "series", "new": created}]


def run_all(day: date | None = None) -> list[EarlyWarningRun]:
    """The morning run for every active service type with requests in the study period;
    `day` defaults to yesterday in the city's time zone (the last complete day). A type that
    fails is logged and skipped; the others still run."""
    if day is None:
        day = timezone.now().astimezone(city_zone()).date() - timedelta(days=1)
    first = day - timedelta(days=STUDY_DAYS - 1)
    districts = _neighborhoods()
    column = {d.pk: i for i, d in enumerate(districts)}
    # Every type's neighborhood counts in one query.
    tables: dict[int, np.ndarray] = {}
    rows = DailyCount.objects.filter(district_id__in=list(column), day__gte=first, day__lte=day, opened__gt=0)
    for type_id, district_id, when, opened in rows.values_list("service_type_id", "district_id", "day", "opened"):
        table = tables.setdefault(type_id, np.zeros((STUDY_DAYS, len(districts)), dtype=np.int64))
        table[(when - first).days, column[district_id]] += opened
    type_ids = set(tables) | set(DailyCount.objects.filter(district__isnull=True, day__gte=first, day__lte=day)
                                 .values_list("service_type_id", flat=True).distinct())
    runs = []
    for service_type in ServiceType.objects.filter(pk__in=type_ids, active=True).order_by("pk"):
        try:
            runs.append(run_for_type(service_type, day, districts=districts,
                                     counts=tables.get(service_type.pk,
                                                       np.zeros((STUDY_DAYS, len(districts)), dtype=np.int64))))
        except Exception:
            logger.exception("early warning failed for service type %s on %s", service_type.code, day)
    return runs
