"""New requests reach the department the routing rules say: by district (of any layer),
by time window, by priority, else the service type's default; the deciding rule is
recorded on the request."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from shapely.geometry import box, mapping

from civic311.audit.models import AuditEvent
from civic311.cases.models import RoutingRule
from civic311.cases.routing import in_time_window, route
from civic311.cases.services import submit_request
from civic311.catalog.models import Department, ServiceType
from civic311.places.models import District
from civic311.places.services import AreaFeature, load_layer
from civic311.portal.tests.factories import boston_with_squares

from .factories import department, queue, service_type

pytestmark = pytest.mark.django_db

BOSTON = ZoneInfo("America/New_York")
TUESDAY_NOON = datetime(2026, 3, 3, 12, tzinfo=BOSTON)
WEST_POINT = (42.35, -71.10)  # in Westside
EAST_POINT = (42.35, -71.02)  # in Eastside


@pytest.fixture
def city() -> dict[str, District]:
    east, west = boston_with_squares()
    # A second layer: one council district covering the north half of both neighborhoods.
    north = AreaFeature(name="District 1", geometry=mapping(box(-71.15, 42.34, -70.99, 42.38)))
    south = AreaFeature(name="District 2", geometry=mapping(box(-71.15, 42.30, -70.99, 42.34)))
    layer, _, _ = load_layer(slug="council", name="Council districts", features=[north, south])
    return {"east": east, "west": west, "d1": layer.districts.get(name="District 1"),
            "d2": layer.districts.get(name="District 2")}


@pytest.fixture
def pothole() -> ServiceType:
    return service_type("pothole", dept=department("pwd", "Public Works", queues=("central", "west", "night")),
                        group="Streets")


def rule(name: str, dept: Department, **fields: object) -> RoutingRule:
    return RoutingRule.objects.create(name=name, department=dept, **fields)


def test_without_rules_the_service_types_default_decides(city: dict[str, District], pothole: ServiceType) -> None:
    decision = route(pothole, when=TUESDAY_NOON, lat=WEST_POINT[0], long=WEST_POINT[1])
    assert (decision.department, decision.queue, decision.rule) == (pothole.department, pothole.queue, None)


def test_a_neighborhood_rule_routes_requests_inside_it_only(city: dict[str, District], pothole: ServiceType) -> None:
    pwd = pothole.department
    assert pwd is not None
    west_rule = rule("West potholes", pwd, service_type=pothole, district=city["west"], queue=queue(pwd, "west"))
    inside = route(pothole, when=TUESDAY_NOON, neighborhood_id=city["west"].pk)
    assert (inside.rule, inside.queue) == (west_rule, queue(pwd, "west"))
    assert route(pothole, when=TUESDAY_NOON, lat=WEST_POINT[0], long=WEST_POINT[1]).rule == west_rule
    assert route(pothole, when=TUESDAY_NOON, lat=EAST_POINT[0], long=EAST_POINT[1]).rule is None
    assert route(pothole, when=TUESDAY_NOON).rule is None  # not located: no district rule applies


def test_a_district_of_another_layer_is_found_from_the_point(city: dict[str, District], pothole: ServiceType) -> None:
    council = department("council", "Council office")
    north = rule("North of the city", council, district=city["d1"])
    assert route(pothole, when=TUESDAY_NOON, lat=42.36, long=-71.02).rule == north
    assert route(pothole, when=TUESDAY_NOON, lat=42.32, long=-71.02).rule is None


def test_a_time_window_routes_nights_and_weekends(city: dict[str, District], pothole: ServiceType) -> None:
    pwd = pothole.department
    assert pwd is not None
    night = rule("Night crew", pwd, service_type=pothole, starts_at=time(22), ends_at=time(6),
                 weekdays="0,1,2,3,4", queue=queue(pwd, "night"))
    weekend = rule("Weekend emergency", department("emergency"), service_type=pothole, weekdays="5,6")
    assert route(pothole, when=TUESDAY_NOON).rule is None
    assert route(pothole, when=datetime(2026, 3, 3, 23, tzinfo=BOSTON)).rule == night
    # Wednesday 03:00 belongs to Tuesday night's window; Saturday 03:00 to Friday's.
    assert route(pothole, when=datetime(2026, 3, 4, 3, tzinfo=BOSTON)).rule == night
    assert route(pothole, when=datetime(2026, 3, 7, 3, tzinfo=BOSTON)).rule == night
    # Saturday noon: the weekend rule; Saturday 23:00 is not a weekday night.
    assert route(pothole, when=datetime(2026, 3, 7, 12, tzinfo=BOSTON)).rule == weekend
    assert route(pothole, when=datetime(2026, 3, 7, 23, tzinfo=BOSTON)).rule == weekend
    # The window is read in the city's time: 23:00 in Boston is 04:00 UTC.
    assert route(pothole, when=datetime(2026, 3, 4, 4, tzinfo=ZoneInfo("UTC"))).rule == night


def test_a_date_range_bounds_a_rule(city: dict[str, District], pothole: ServiceType) -> None:
    snow = rule("Snow season", department("snow"), service_type_id=pothole.pk, valid_from=date(2026, 1, 1),
                valid_until=date(2026, 3, 3))
    assert route(pothole, when=TUESDAY_NOON).rule == snow  # the last day is included
    assert route(pothole, when=datetime(2026, 3, 4, 12, tzinfo=BOSTON)).rule is None
    assert route(pothole, when=datetime(2025, 12, 31, 12, tzinfo=BOSTON)).rule is None


def test_priority_decides_then_the_narrower_rule(city: dict[str, District], pothole: ServiceType) -> None:
    group = rule("All street requests", department("streets"), service_group="Streets", priority=100)
    anything = rule("Everything else", department("311"), priority=100)
    west = rule("West potholes", department("west"), service_type=pothole, district=city["west"], priority=100)
    west_id = city["west"].pk
    assert route(pothole, when=TUESDAY_NOON, neighborhood_id=west_id).rule == west  # equal priority: most specific
    assert route(pothole, neighborhood_id=city["east"].pk, when=TUESDAY_NOON).rule == group
    anything.priority = 10
    anything.save()
    assert route(pothole, when=TUESDAY_NOON, neighborhood_id=west_id).rule == anything  # lower number first
    anything.active = False
    anything.save()
    assert route(pothole, when=TUESDAY_NOON, neighborhood_id=west_id).rule == west


def test_a_rule_for_another_service_or_group_does_not_apply(city: dict[str, District], pothole: ServiceType) -> None:
    other = service_type("graffiti", dept=department("pwd"), group="Cleaning")
    rule("Graffiti", department("cleaning"), service_type=other)
    rule("Cleaning group", department("cleaning"), service_group="Cleaning")
    assert route(pothole, when=TUESDAY_NOON).rule is None


def test_a_rule_to_a_closed_department_is_skipped(city: dict[str, District], pothole: ServiceType) -> None:
    closed = department("old")
    closed.active = False
    closed.save()
    rule("Old route", closed, service_type=pothole)
    assert route(pothole, when=TUESDAY_NOON).rule is None


def test_intake_records_the_deciding_rule(city: dict[str, District], pothole: ServiceType) -> None:
    west_dept = department("west", "West district office")
    west = rule("West potholes", west_dept, service_type=pothole, district=city["west"], queue=queue(west_dept))
    request = submit_request(service_type=pothole, channel=None, lat=WEST_POINT[0], long=WEST_POINT[1],
                             requested_at=TUESDAY_NOON)
    assert (request.routing_rule, request.department, request.queue) == (west, west_dept, queue(west_dept))
    assert request.agency_responsible == "West district office"
    event = AuditEvent.objects.get(action="request.submitted", object_id=str(request.pk))
    assert event.changes["routing_rule_id"] == west.pk and event.changes["department"] == "west"
    default = submit_request(service_type=pothole, channel=None, lat=EAST_POINT[0], long=EAST_POINT[1])
    assert (default.routing_rule, default.department) == (None, pothole.department)


def test_the_admin_refuses_inconsistent_rules(pothole: ServiceType) -> None:
    pwd, other = pothole.department, department("other")
    assert pwd is not None
    bad = RoutingRule(name="x", department=other, queue=queue(pwd, "central"), starts_at=time(8), weekdays="1,9",
                      valid_from=date(2026, 2, 1), valid_until=date(2026, 1, 1), service_type=pothole,
                      service_group="Streets")
    with pytest.raises(ValidationError) as refused:
        bad.full_clean()
    assert set(refused.value.message_dict) == {"queue", "ends_at", "weekdays", "valid_until", "service_group"}


def test_window_edges() -> None:
    morning = RoutingRule(starts_at=time(8), ends_at=time(17), weekdays="")
    assert in_time_window(morning, datetime(2026, 3, 3, 8, tzinfo=BOSTON))
    assert not in_time_window(morning, datetime(2026, 3, 3, 17, tzinfo=BOSTON))
    assert in_time_window(RoutingRule(), datetime(2026, 3, 3, 17, tzinfo=BOSTON))
