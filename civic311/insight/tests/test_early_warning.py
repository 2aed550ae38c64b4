"""The daily early-warning run: a planted cluster becomes one alert with its requests as
evidence, seen by the department concerned; pure noise stays quiet; the next morning's
detection of the same cluster updates the alert; people acknowledge, comment and close it,
each step audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from django.test import Client
from shapely.geometry import box, mapping

from civic311.audit.models import AuditEvent
from civic311.cases.models import ServiceRequest, Status
from civic311.catalog.models import Department, ServiceType
from civic311.insight import early_warning, rollups, signals, troubled
from civic311.insight.alarm_rule import AlarmRule, new_episodes
from civic311.insight.models import Alert, AlertComment, EarlyWarningRun, ScanStatistic
from civic311.insight.scan_statistic import build_circles, project_lonlat, space_time_permutation_scan
from civic311.places.models import District
from civic311.places.profiles import load_profile
from civic311.places.services import AreaFeature, ensure_jurisdiction, load_layer
from civic311.staff.models import StaffProfile
from civic311.staff.tests.factories import logged_in, make_user

pytestmark = pytest.mark.django_db
DAY = date(2025, 6, 30)
HOT = 4  # the middle square of the 3 × 3 grid


@pytest.fixture(autouse=True)
def _few_replications(settings: Any) -> None:
    settings.CIVIC311_INSIGHT_REPLICATIONS = 99


def square_neighborhoods(side: int) -> list[District]:
    """side × side square neighborhoods of about 1.6 km."""
    ensure_jurisdiction(load_profile("boston"))
    features = []
    for i in range(side * side):
        west, south = -71.10 + 0.02 * (i % side), 42.30 + 0.015 * (i // side)
        features.append(AreaFeature(name=f"Square {i}", geometry=mapping(box(west, south, west + 0.02, south + 0.015))))
    layer, _, _ = load_layer(slug="neighborhoods", name="Neighborhoods", features=features, is_neighborhoods=True)
    return list(layer.districts.order_by("pk"))


@pytest.fixture
def grid(db: None) -> list[District]:
    return square_neighborhoods(3)


@pytest.fixture
def dumping(db: None) -> ServiceType:
    sanitation = Department.objects.create(code="SAN", name="Sanitation")
    return ServiceType.objects.create(code="dumping", name="Illegal dumping", department=sanitation,
                                      sla_hours=Decimal("72"))


def history(service_type: ServiceType, grid: list[District], *, planted: int, seed: int = 3, days: int = 365,
            hot: Sequence[int] = (HOT,)) -> list[int]:
    """A year of background (Poisson, about one request a day per square) ending on DAY, and
    `planted` extra requests in each `hot` square over DAY and the day before; their ids."""
    rng = np.random.default_rng(seed)
    status = Status.objects.get(code="new")
    rows = []
    for back in range(days):
        day = DAY - timedelta(days=back)
        for area, district in enumerate(grid):
            for _ in range(int(rng.poisson(1.0))):
                rows.append((day, area, district))
    extra = [(DAY - timedelta(days=k % 2), area, grid[area]) for area in hot for k in range(planted)]
    made = ServiceRequest.objects.bulk_create([
        ServiceRequest(public_id=f"EW-{service_type.code}-{i}", service_type=service_type, detailed_status=status,
                       status="open",
                       neighborhood=district, lat=district.centroid_lat, long=district.centroid_long,
                       requested_at=datetime(day.year, day.month, day.day, 16, tzinfo=UTC),
                       updated_at=datetime.now(UTC),
                       department=service_type.department)
        for i, (day, _area, district) in enumerate(rows + extra)
    ])
    rollups.rebuild()
    return [r.pk for r in made[len(rows):]]


def test_a_planted_cluster_becomes_an_alert_with_its_requests(grid: list[District], dumping: ServiceType) -> None:
    planted = history(dumping, grid, planted=24)
    raised: list[dict[str, Any]] = []

    def listen(**kwargs: Any) -> None:
        raised.append(kwargs)

    signals.alert_raised.connect(listen)
    try:
        run = early_warning.run_for_type(dumping, DAY)
    finally:
        signals.alert_raised.disconnect(listen)
    assert run.cases > 3000
    alert = Alert.objects.get(kind=Alert.Kind.CLUSTER)
    assert grid[HOT] in alert.districts.all()
    assert alert.observed >= 24 and alert.recurrence_interval_days is not None
    assert alert.recurrence_interval_days >= 100
    assert set(planted) <= set(alert.evidence.values_list("pk", flat=True))
    assert list(alert.departments.values_list("code", flat=True)) == ["SAN"]
    assert raised and raised[0]["alert_id"] == alert.pk and raised[0]["department_ids"] == [dumping.department_id]
    assert AuditEvent.objects.filter(action="alert.raised", object_id=str(alert.pk)).exists()

    # The next morning the cluster is still in the window: the same alert, not a new one.
    early_warning.run_for_type(dumping, DAY + timedelta(days=1))
    assert Alert.objects.filter(kind=Alert.Kind.CLUSTER).count() == 1
    alert.refresh_from_db()
    assert alert.last_detected_on == DAY + timedelta(days=1) and alert.first_detected_on == DAY
    assert EarlyWarningRun.objects.count() == 2


def test_pure_noise_stays_quiet(grid: list[District], dumping: ServiceType) -> None:
    history(dumping, grid, planted=0)
    run = early_warning.run_for_type(dumping, DAY)
    assert not Alert.objects.exists()
    assert run.summary["alerts"] == [] and "scan" in run.summary


def test_a_small_cluster_is_below_the_alarm_rule() -> None:
    rule = AlarmRule(historical_recurrence_days=0, min_cases=8, min_relative_risk=3.0)  # size limits only
    assert rule.alarms(recurrence_days=1000, observed=8, expected=2.0)
    assert not rule.alarms(recurrence_days=1000, observed=7, expected=1.0)  # too few requests
    assert not rule.alarms(recurrence_days=1000, observed=12, expected=5.0)  # RR 2.4
    assert not rule.alarms(recurrence_days=99, observed=30, expected=1.0)  # could be chance
    assert new_episodes([{1}, {1, 2}, set(), {3}, set(), set(), set(), set(), set(), set(), set(), {1}], 7) == [
        True, False, False, True, False, False, False, False, False, False, False, True]


def test_the_daily_job_runs_every_type_with_requests(grid: list[District], dumping: ServiceType,
                                                     settings: Any) -> None:
    history(dumping, grid, planted=0)
    ServiceType.objects.create(code="quiet", name="Quiet type")
    runs = early_warning.run_all(DAY)
    assert [r.service_type_id for r in runs] == [dumping.pk]
    # The counts it loads for all types at once are those a single type's run loads.
    alone = early_warning.run_for_type(dumping, DAY)
    assert alone.summary["scan"] == runs[0].summary["scan"] and alone.cases == runs[0].cases


@pytest.fixture
def alert(grid: list[District], dumping: ServiceType) -> Alert:
    history(dumping, grid, planted=24)
    early_warning.run_for_type(dumping, DAY)
    return Alert.objects.get(kind=Alert.Kind.CLUSTER)


def test_the_department_concerned_works_the_alert(alert: Alert, dumping: ServiceType) -> None:
    crew = make_user("crew", StaffProfile.Role.DEPARTMENT_STAFF, dumping.department)
    client = logged_in(crew)
    page = client.get(f"/insight/alerts/{alert.pk}/")
    assert page.status_code == 200 and "EW-" in page.content.decode()
    assert "a cluster this strong once in 365 days (the last 364 days' scans)" in page.content.decode()
    assert client.post(f"/insight/alerts/{alert.pk}/", {"action": "acknowledge", "text": "Crew on the way"}
                       ).status_code == 302
    assert client.post(f"/insight/alerts/{alert.pk}/", {"action": "comment", "text": "Two mattresses"}
                       ).status_code == 302
    assert client.post(f"/insight/alerts/{alert.pk}/", {"action": "close", "outcome": "acted"}).status_code == 302
    alert.refresh_from_db()
    assert (alert.state, alert.outcome) == ("closed", "acted")
    assert [c.action for c in AlertComment.objects.filter(alert=alert)] == ["acknowledged", "", "closed"]
    assert list(AuditEvent.objects.filter(object_id=str(alert.pk), object_type="insight.alert")
                .order_by("pk").values_list("action", flat=True)) == [
        "alert.raised", "alert.acknowledged", "alert.commented", "alert.closed"]
    listing = client.get("/insight/alerts/", {"state": "all"}).content.decode()
    assert f"/insight/alerts/{alert.pk}/" in listing


@pytest.mark.parametrize(("data", "message"), [
    ({"action": "comment", "text": "   "}, "Write a comment first."),
    ({"action": "close", "outcome": ""}, "Choose what came of the alert."),
    ({"action": "close", "outcome": "<script>"}, "Select a valid choice."),
    ({"action": "delete"}, "Select a valid choice."),
    ({"action": "comment", "text": "x" * 4001}, "at most 4000 characters"),
    ({}, "This field is required."),
])
def test_bad_actions_get_a_clear_error_and_change_nothing(alert: Alert, dumping: ServiceType,
                                                         data: dict[str, str], message: str) -> None:
    crew = make_user("crew", StaffProfile.Role.DEPARTMENT_STAFF, dumping.department)
    response = logged_in(crew).post(f"/insight/alerts/{alert.pk}/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    alert.refresh_from_db()
    assert alert.state == "open" and not alert.comments.exists()


def test_a_closed_alert_cannot_be_closed_twice(alert: Alert) -> None:
    admin = make_user("admin", StaffProfile.Role.ADMINISTRATOR)
    client = logged_in(admin)
    client.post(f"/insight/alerts/{alert.pk}/", {"action": "close", "outcome": "false_alarm"})
    response = client.post(f"/insight/alerts/{alert.pk}/", {"action": "close", "outcome": "acted"})
    assert response.status_code == 409 and "already closed" in response.content.decode()
    alert.refresh_from_db()
    assert alert.outcome == "false_alarm"


def test_other_departments_neither_see_nor_work_the_alert(alert: Alert) -> None:
    parks = Department.objects.create(code="PRK", name="Parks")
    gardener = make_user("gardener", StaffProfile.Role.DEPARTMENT_STAFF, parks)
    client = logged_in(gardener)
    assert client.get(f"/insight/alerts/{alert.pk}/").status_code == 404
    assert client.post(f"/insight/alerts/{alert.pk}/", {"action": "close", "outcome": "acted"}).status_code == 404
    assert f"/insight/alerts/{alert.pk}/" not in client.get("/insight/alerts/").content.decode()
    # Agents read every alert but do not work it.
    agent = logged_in(make_user("agent", StaffProfile.Role.AGENT))
    assert agent.get(f"/insight/alerts/{alert.pk}/").status_code == 200
    refused = agent.post(f"/insight/alerts/{alert.pk}/", {"action": "acknowledge"})
    assert refused.status_code == 403
    alert.refresh_from_db()
    assert alert.state == "open"
    assert Client().get("/insight/alerts/").status_code == 302


def test_neighborhoods_hot_for_several_types_are_listed_with_their_requests(db: None, dumping: ServiceType) -> None:
    grid = square_neighborhoods(5)
    block = (6, 7, 11, 12)  # four adjacent squares
    planted = history(dumping, grid, planted=30, days=84, hot=block)
    graffiti = ServiceType.objects.create(code="graffiti", name="Graffiti")
    history(graffiti, grid, planted=30, seed=5, days=84, hot=block)
    crew = logged_in(make_user("crew", StaffProfile.Role.DEPARTMENT_STAFF, dumping.department))

    response = crew.get("/insight/hotspots/", {"end": DAY.isoformat(), "weeks": "12"})
    assert response.status_code == 200
    areas = response.context["areas"]
    assert areas and {a.district.pk for a in areas} <= {grid[i].pk for i in block}
    assert all(a.category == "new hot spot" for a in areas)
    first = areas[0]
    assert {e.service_type for e in first.finding.evidence} == {"dumping", "graffiti"}
    assert all(r.neighborhood_id == first.district.pk for r in first.requests)
    html = response.content.decode()
    assert "Illegal dumping" in html and "EW-dumping-" in html
    assert set(planted) & {r.pk for a in areas for r in a.requests}


def test_a_quiet_city_has_no_troubled_neighborhoods(db: None, dumping: ServiceType) -> None:
    grid = square_neighborhoods(5)
    history(dumping, grid, planted=0, days=84)
    response = logged_in(make_user("admin", StaffProfile.Role.ADMINISTRATOR)).get(
        "/insight/hotspots/", {"end": DAY.isoformat(), "weeks": "12"})
    assert response.context["areas"] == []
    assert 'id="no-hotspots"' in response.content.decode()


@pytest.mark.parametrize("params", [{"weeks": "2"}, {"weeks": "1000"}, {"weeks": "x"}, {"end": "1800-01-01"},
                                    {"end": "2025-13-40"}])
def test_bad_hot_spot_choices_get_a_clear_error(db: None, params: dict[str, str]) -> None:
    admin = logged_in(make_user("admin", StaffProfile.Role.ADMINISTRATOR))
    response = admin.get("/insight/hotspots/", params)
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()


def test_the_alert_list_takes_the_same_queries_for_one_alert_or_many(grid: list[District],
                                                                     dumping: ServiceType) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_alert(n: int) -> Alert:
        now = datetime.now(UTC)
        alert = Alert.objects.create(kind=Alert.Kind.CLUSTER, service_type=dumping, first_detected_on=DAY,
                                     last_detected_on=DAY, window_start=DAY, observed=12 + n, expected=1.0,
                                     created_at=now, updated_at=now)
        alert.districts.set(grid[n % 3: n % 3 + 2])
        assert dumping.department is not None
        alert.departments.set([dumping.department])
        return alert

    client = logged_in(make_user("crew", StaffProfile.Role.DEPARTMENT_STAFF, dumping.department))
    first = add_alert(0)
    client.get("/insight/alerts/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/insight/alerts/").content.decode().count(f"/insight/alerts/{first.pk}/") == 1
    for n in range(1, 8):
        add_alert(n)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/insight/alerts/")
    assert len(response.context["alerts"]) == 8
    assert len(many) == len(one)


def bursts(service_type: ServiceType, grid: list[District], *, every: int, size: int = 24) -> None:
    """`size` extra requests over two days in one square after another, every `every` days of
    the year before DAY: bursts like today's are ordinary in this city."""
    status = Status.objects.get(code="new")
    rows = [(DAY - timedelta(days=back + k % 2), grid[(back // every) % len(grid)])
            for back in range(every, 350, every) for k in range(size)]
    ServiceRequest.objects.bulk_create([
        ServiceRequest(public_id=f"EW-burst-{i}", service_type=service_type, detailed_status=status, status="open",
                       neighborhood=square, lat=square.centroid_lat, long=square.centroid_long,
                       requested_at=datetime(day.year, day.month, day.day, 16, tzinfo=UTC),
                       updated_at=datetime.now(UTC), department=service_type.department)
        for i, (day, square) in enumerate(rows)])
    rollups.rebuild()


def test_a_burst_the_city_sees_every_few_weeks_is_no_alert(grid: list[District], dumping: ServiceType,
                                                          settings: Any) -> None:
    history(dumping, grid, planted=24)
    bursts(dumping, grid, every=10)
    run = early_warning.run_for_type(dumping, DAY)
    scan = run.summary["scan"]
    assert scan["recurrence_interval_days"] >= 100  # unusual for pure chance...
    assert scan["history_days"] == 364 and scan["historical_recurrence_interval_days"] < 40  # ...not for this city
    assert not Alert.objects.filter(kind=Alert.Kind.CLUSTER).exists()
    # The Monte Carlo interval alone (the history switched off) would have raised it.
    settings.CIVIC311_INSIGHT_ALARM_RULE = {"historical_recurrence_days": 0}
    early_warning.run_for_type(dumping, DAY)
    assert Alert.objects.filter(kind=Alert.Kind.CLUSTER).count() == 1


def test_the_history_is_computed_once_and_kept(grid: list[District], dumping: ServiceType) -> None:
    history(dumping, grid, planted=24)
    run = early_warning.run_for_type(dumping, DAY)
    assert run.summary["scan"]["historical_recurrence_interval_days"] == 365.0  # a record: (364 + 1) / 1
    stored = ScanStatistic.objects.filter(service_type=dumping)
    assert stored.filter(backfilled=True).count() == 365  # DAY − 365 … DAY − 1 (the first one without requests)
    today = stored.get(day=DAY)
    assert not today.backfilled and today.llr == run.summary["scan"]["llr"] and today.cases == run.cases
    early_warning.run_for_type(dumping, DAY + timedelta(days=1))
    assert stored.filter(backfilled=True).count() == 365 and stored.filter(backfilled=False).count() == 2
    # A past day's statistic is the scan of that day's own 365 days.
    past = DAY - timedelta(days=100)
    counts = early_warning.neighborhood_counts(service_type_id=dumping.pk, day=past, days=365, districts=grid)
    xy = project_lonlat([d.centroid_long for d in grid], [d.centroid_lat for d in grid])
    expected = space_time_permutation_scan(counts, build_circles(xy, max_radius_m=3000), replications=0).llr
    assert stored.get(day=past).llr == pytest.approx(expected)


def test_a_history_is_only_compared_with_itself(grid: list[District], dumping: ServiceType, settings: Any) -> None:
    history(dumping, grid, planted=24)
    early_warning.run_for_type(dumping, DAY)
    settings.CIVIC311_INSIGHT_MAX_RADIUS_KM = 1.0  # other circles: other statistics, a history of their own
    run = early_warning.run_for_type(dumping, DAY)
    assert run.summary["scan"]["history_days"] == 364
    assert ScanStatistic.objects.values("settings").distinct().count() == 2
    assert ScanStatistic.objects.filter(backfilled=True).count() == 2 * 365


def test_a_city_without_a_long_history_is_told_of_large_clusters_only(grid: list[District], dumping: ServiceType,
                                                                      settings: Any) -> None:
    # A month of requests: too short a history for a 40-day interval, so the size limits decide.
    settings.CIVIC311_INSIGHT_ALARM_RULE = {"large_min_cases": 12, "large_min_relative_risk": 3.0}
    history(dumping, grid, planted=4, days=30)
    run = early_warning.run_for_type(dumping, DAY)
    assert run.summary["scan"]["historical_recurrence_interval_days"] is None
    assert run.summary["scan"]["observed"] < 12 and not Alert.objects.exists()
    status, square = Status.objects.get(code="new"), grid[HOT]
    ServiceRequest.objects.bulk_create([  # a large burst on top
        ServiceRequest(public_id=f"EW-large-{i}", service_type=dumping, detailed_status=status, status="open",
                       neighborhood=square, lat=square.centroid_lat, long=square.centroid_long,
                       requested_at=datetime(DAY.year, DAY.month, DAY.day, 17, tzinfo=UTC),
                       updated_at=datetime.now(UTC), department=dumping.department) for i in range(20)])
    rollups.rebuild()
    run = early_warning.run_for_type(dumping, DAY)
    alert = Alert.objects.get(kind=Alert.Kind.CLUSTER)
    assert grid[HOT] in alert.districts.all()
    assert alert.observed >= 12 and alert.observed >= 3 * alert.expected


def test_ears_c1_to_c3_are_the_reference_next_to_the_ewma(grid: list[District], dumping: ServiceType,
                                                          settings: Any) -> None:
    history(dumping, grid, planted=24)
    run = early_warning.run_for_type(dumping, DAY)
    assert set(run.summary["series"]) == {"EWMA", "C1", "C2", "C3"}
    for method in ("EWMA", "C2", "C3"):
        assert grid[HOT].pk in run.summary["series"][method], method
    # C1's baseline ends yesterday, which holds half the burst: C1 misses it (the guard days' reason).
    assert grid[HOT].pk not in run.summary["series"]["C1"]
    assert [a["method"] for a in run.summary["alerts"] if a["kind"] == "series"] == ["EWMA"]
    settings.CIVIC311_INSIGHT_SERIES_ALERTS = ("C2",)
    Alert.objects.filter(kind=Alert.Kind.SERIES).delete()
    run = early_warning.run_for_type(dumping, DAY)
    assert [a["method"] for a in run.summary["alerts"] if a["kind"] == "series"] == ["C2"]
    assert Alert.objects.get(kind=Alert.Kind.SERIES).statistics["method"].startswith("EARS C2")


def test_the_weekly_run_keeps_troubled_neighborhoods_as_alerts(db: None, dumping: ServiceType) -> None:
    grid = square_neighborhoods(5)
    block = (6, 7, 11, 12)
    planted = history(dumping, grid, planted=30, days=84, hot=block)
    works = Department.objects.create(code="PWD", name="Public Works")
    graffiti = ServiceType.objects.create(code="graffiti", name="Graffiti", department=works)
    history(graffiti, grid, planted=30, seed=5, days=84, hot=block)
    raised: list[dict[str, Any]] = []

    def listen(**kwargs: Any) -> None:
        raised.append(kwargs)

    signals.alert_raised.connect(listen)
    try:
        stored = troubled.store_alerts(last_day=DAY)
    finally:
        signals.alert_raised.disconnect(listen)
    assert stored and all(created for _, created in stored)
    alerts = list(Alert.objects.filter(kind=Alert.Kind.TROUBLED))
    assert len(alerts) == len(stored) == len(raised)
    assert {d.pk for a in alerts for d in a.districts.all()} <= {grid[i].pk for i in block}
    first = alerts[0]
    assert first.service_type is None and set(first.statistics["service_type_codes"]) == {"dumping", "graffiti"}
    assert set(first.departments.values_list("code", flat=True)) == {"SAN", "PWD"}
    assert set(planted) & set(Alert.evidence.through.objects.values_list("servicerequest_id", flat=True))
    # The next week's run finds the same neighborhoods: the same alerts, updated.
    troubled.store_alerts(last_day=DAY + timedelta(days=7))
    assert Alert.objects.filter(kind=Alert.Kind.TROUBLED).count() == len(alerts)
    # Worked like any alert, by a department concerned.
    crew = logged_in(make_user("painter", StaffProfile.Role.DEPARTMENT_STAFF, works))
    page = crew.get(f"/insight/alerts/{first.pk}/").content.decode()
    assert "Troubled neighborhood" in page and "Graffiti" in page and "new hot spot" in page
    assert crew.post(f"/insight/alerts/{first.pk}/", {"action": "acknowledge"}).status_code == 302
    first.refresh_from_db()
    assert first.state == "acknowledged"
    assert "Graffiti" in crew.get("/insight/alerts/").content.decode()
    # The weekly view links each neighborhood to its alert.
    hotspots = crew.get("/insight/hotspots/", {"end": DAY.isoformat(), "weeks": "12"}).content.decode()
    assert f"/insight/alerts/{first.pk}/" in hotspots


def test_the_weekly_run_is_scheduled() -> None:
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="civic311.insight.tasks.weekly_troubled_neighborhoods")
    assert schedule.schedule_type == Schedule.WEEKLY
