"""The daily early-warning run: for each service type, the space-time permutation scan over
the neighborhoods' daily counts (from the rollups, no recount) and the ESSENCE EWMA of each
neighborhood's series with Benjamini–Hochberg (EARS C1–C3 computed alongside as the simple
reference); what passes the alarm rule (`alarm_rule`) becomes an alert with its evidence (the
requests), seen by the departments concerned. The scan's observed statistic of every day is
kept (`ScanStatistic`): the rule compares today's cluster with the city's own past days."""

from __future__ import annotations

import hashlib
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
from .models import Alert, DailyCount, EarlyWarningRun, ScanStatistic
from .rollups import city_zone
from .scan_statistic import Circles, build_circles, project_lonlat, space_time_permutation_scan
from .series_alarms import SeriesAlarms, benjamini_hochberg, ears, essence_ewma

logger = logging.getLogger(__name__)

STUDY_DAYS = 365
MAX_WINDOW_DAYS = 14
SERIES_DAYS = 60  # the EWMA needs 28 baseline days + 2 guard days before the day studied
SERIES_Q = 0.01
# Per-series detectors: the EWMA raises alerts by default; EARS C1–C3 are the reference, their
# flags kept in the run's summary (`CIVIC311_INSIGHT_SERIES_ALERTS` picks which ones alert).
SERIES_DETECTORS = ("EWMA", "C1", "C2", "C3")
EVIDENCE_LIMIT = 500
RUN_LABEL = "early warning"


@dataclass(frozen=True)
class Settings:
    rule: AlarmRule
    replications: int
    max_radius_km: float
    workers: int
    series_alerts: tuple[str, ...] = ("EWMA",)


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
        series_alerts=tuple(m.upper() for m in getattr(settings, "CIVIC311_INSIGHT_SERIES_ALERTS", ("EWMA",))),
    )


def scan_settings_key(district_ids: Sequence[int], max_radius_km: float) -> str:
    """Names what a scan's statistic depends on besides the counts: a history is only
    compared with statistics computed the same way (same areas, radius, windows, period)."""
    areas = hashlib.sha256(",".join(map(str, district_ids)).encode()).hexdigest()[:10]
    return f"stp {len(district_ids)} areas {areas} r{max_radius_km:g}km w{MAX_WINDOW_DAYS} s{STUDY_DAYS}"


def scan_history(*, service_type: ServiceType, day: date, rule: AlarmRule, key: str, circles: Circles,
                 districts: Sequence[District]) -> list[float]:
    """The observed LLRs of the scans of the `rule.history_days` days before `day`, oldest
    first, skipping days with no request in their study period. Days the run has not stored
    (a new installation, a new type, changed settings) are computed now from the daily counts
    — the observed statistic only, no Monte Carlo — and stored as backfilled."""
    first = day - timedelta(days=rule.history_days)
    stored = dict(ScanStatistic.objects.filter(service_type=service_type, settings=key, day__gte=first,
                                               day__lt=day).values_list("day", "cases"))
    missing = [first + timedelta(days=k) for k in range(rule.history_days)
               if first + timedelta(days=k) not in stored]
    if missing:
        # One query: the counts of every missing day's study period.
        span = (day - missing[0]).days + STUDY_DAYS - 1
        counts = neighborhood_counts(service_type_id=service_type.pk, day=day - timedelta(days=1), days=span,
                                     districts=districts)
        end_of = {d: span - (day - d).days + 1 for d in missing}  # exclusive row index after day d
        now = timezone.now()
        rows = []
        for d in missing:
            table = counts[max(0, end_of[d] - STUDY_DAYS): end_of[d]]
            cases = int(table.sum())
            llr = space_time_permutation_scan(table, circles, max_window_days=MAX_WINDOW_DAYS,
                                              replications=0).llr if cases else 0.0
            rows.append(ScanStatistic(service_type=service_type, day=d, settings=key, llr=llr, cases=cases,
                                      backfilled=True, computed_at=now))
        ScanStatistic.objects.bulk_create(rows, ignore_conflicts=True)
    return list(ScanStatistic.objects.filter(service_type=service_type, settings=key, day__gte=first, day__lt=day,
                                             cases__gt=0).order_by("day").values_list("llr", flat=True))


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


def record_alarm(*, kind: str, service_type: ServiceType | None, district_ids: list[int], day: date,
            window_start: date, observed: int, expected: float, recurrence: float | None, p_value: float | None,
            statistics: dict[str, Any], rule: AlarmRule, evidence: list[int] | None = None,
            department_ids: Sequence[int] = ()) -> tuple[Alert, bool]:
    """Store an alarm: a new alert, or the same episode's alert updated. (alert, created)
    `evidence` defaults to the type's requests in the areas over the window; the departments
    are those of the evidence, of the type and `department_ids`."""
    now = timezone.now()
    if evidence is None:
        assert service_type is not None
        evidence = _evidence(service_type, district_ids, window_start, day)
    departments = set(ServiceRequest.objects.filter(pk__in=evidence, department__isnull=False)
                      .values_list("department_id", flat=True).distinct()) | set(department_ids)
    if service_type is not None and service_type.department_id is not None:
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
                 changes={"kind": kind, "service_type": service_type.code if service_type else None,
                          "day": day.isoformat(), "districts": district_ids, "observed": observed,
                          "expected": round(expected, 3), "requests": len(evidence)})
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
                monte_carlo = config.rule.recurrence_days > 1  # 0: the rule asks the history only
                scan = space_time_permutation_scan(
                    counts, circles, max_window_days=MAX_WINDOW_DAYS,
                    replications=config.replications if monte_carlo else 0,
                    seed=seed if seed is not None else day.toordinal() * 1000 + service_type.pk,
                    alarm_recurrence_days=max(1.0, config.rule.recurrence_days), sequential=True,
                    workers=config.workers)
                key = scan_settings_key(ids, config.max_radius_km)
                historical: float | None = None
                history: list[float] = []
                if config.rule.uses_history:
                    history = scan_history(service_type=service_type, day=day, rule=config.rule, key=key,
                                           circles=circles, districts=districts)
                    historical = config.rule.historical_interval(scan.llr, history)
                ScanStatistic.objects.update_or_create(
                    service_type=service_type, day=day, settings=key,
                    defaults={"llr": scan.llr, "cases": cases, "backfilled": False, "computed_at": timezone.now()})
                summary["scan"] = {"llr": scan.llr, "observed": scan.observed, "expected": scan.expected,
                                   "recurrence_interval_days": scan.recurrence_interval_days,
                                   "historical_recurrence_interval_days": historical,
                                   "history_days": len(history),
                                   "areas": [ids[a] for a in scan.areas], "window_days": scan.window_days}
                if scan.areas and config.rule.alarms(recurrence_days=scan.recurrence_interval_days,
                                                     observed=scan.observed, expected=scan.expected,
                                                     historical_recurrence_days=historical):
                    alert, created = record_alarm(
                        kind=Alert.Kind.CLUSTER, service_type=service_type, district_ids=[ids[a] for a in scan.areas],
                        day=day, window_start=day - timedelta(days=scan.window_days - 1), observed=scan.observed,
                        expected=scan.expected, recurrence=scan.recurrence_interval_days, p_value=scan.p_value,
                        statistics={"method": scan.method, "llr": scan.llr, "window_days": scan.window_days,
                                    "radius_m": scan.radius_m, "replications": scan.replications,
                                    "stopped_early": scan.stopped_early,
                                    "historical_recurrence_interval_days": historical,
                                    "history_days": len(history)},
                        rule=config.rule)
                    summary["alerts"].append({"id": alert.pk, "kind": "cluster", "new": created})
                flags = series_flags(counts[-SERIES_DAYS:])
                summary["series"] = {name: [ids[a] for a in flagged] for name, (flagged, _) in flags.items()}
                for name in config.series_alerts:
                    if name in flags:
                        summary["alerts"] += _series_alarms(service_type, day, counts[-SERIES_DAYS:], ids,
                                                            config.rule, name, *flags[name])
        run, _ = EarlyWarningRun.objects.update_or_create(
            day=day, service_type=service_type,
            defaults={"started_at": started, "seconds": time.perf_counter() - clock, "cases": cases,
                      "summary": summary})
    return run


def series_flags(recent: np.ndarray) -> dict[str, tuple[list[int], np.ndarray]]:
    """Per detector (EWMA, EARS C1, C2, C3) on each area's series of `recent` [day, area]:
    the areas flagged on the last day, and the p-values used (or, for C3, which has no
    reference distribution, the C3 statistics). The EWMA, C1 and C2 flag with
    Benjamini–Hochberg across the areas at q = `SERIES_Q`; C3 flags above its threshold 2."""
    series = recent.T
    results: dict[str, SeriesAlarms] = {"EWMA": essence_ewma(series), "C1": ears(series, "C1"),
                                        "C2": ears(series, "C2"), "C3": ears(series, "C3")}
    out: dict[str, tuple[list[int], np.ndarray]] = {}
    for name, result in results.items():
        if name == "C3":
            statistic = np.nan_to_num(result.statistic[:, -1], nan=0.0)
            out[name] = ([int(a) for a in np.flatnonzero(result.alarm[:, -1])], statistic)
            continue
        p_today = np.nan_to_num(result.p_value[:, -1], nan=1.0)
        out[name] = ([int(a) for a in np.flatnonzero(benjamini_hochberg(p_today, SERIES_Q))], p_today)
    return out


def _series_alarms(service_type: ServiceType, day: date, recent: np.ndarray, ids: list[int], rule: AlarmRule,
                   method: str, flagged_areas: list[int], values: np.ndarray) -> list[dict[str, Any]]:
    """The areas a per-series detector flagged whose count today also passes the rule's
    series size and relative-risk limits (against the 28-day baseline before the 2 guard days)
    become one alert of the day."""
    baseline = recent[-30:-2].mean(axis=0)
    today = recent[-1]
    flagged = [a for a in flagged_areas if rule.series_alarms(observed=int(today[a]), expected=float(baseline[a]))]
    if not flagged:
        return []
    label = "ESSENCE EWMA, Benjamini-Hochberg q=0.01" if method == "EWMA" else (
        "EARS C3 > 2" if method == "C3" else f"EARS {method}, Benjamini-Hochberg q=0.01")
    key = "statistics" if method == "C3" else "p_values"
    alert, created = record_alarm(
        kind=Alert.Kind.SERIES, service_type=service_type, district_ids=[ids[a] for a in flagged], day=day,
        window_start=day, observed=int(today[flagged].sum()), expected=float(baseline[flagged].sum()),
        recurrence=None, p_value=None if method == "C3" else float(values[flagged].min()),
        statistics={"method": label, key: {str(ids[a]): float(values[a]) for a in flagged}}, rule=rule)
    return [{"id": alert.pk, "kind": "series", "method": method, "new": created}]


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
