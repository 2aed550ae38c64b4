"""The daily counts follow requests as they arrive and change, and always equal a recount."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command

from civic311.cases import lifecycle
from civic311.cases import services as case_services
from civic311.cases.models import ServiceRequest
from civic311.catalog.models import ServiceType
from civic311.insight import rollups
from civic311.insight.models import DailyCount, RequestContribution
from civic311.places.models import District
from civic311.staff.tests.factories import City

pytestmark = pytest.mark.django_db

# 16:00 UTC is noon in Boston (EDT); 03:00 UTC on 2 June is still 1 June there.
NOON = datetime(2025, 6, 1, 16, tzinfo=UTC)
LATE_EVENING = datetime(2025, 6, 2, 3, tzinfo=UTC)
WEST_NORTH = (42.36, -71.10)  # Westside, Ward 1
EAST_SOUTH = (42.32, -71.00)  # Eastside, Ward 2


def submit(service_type: ServiceType, where: tuple[float, float], when: datetime) -> ServiceRequest:
    return case_services.submit_request(service_type=service_type, channel=None, lat=where[0], long=where[1],
                                        requested_at=when)


def row(district: District | None, service_type: ServiceType, day: date) -> DailyCount | None:
    return DailyCount.objects.filter(district=district, service_type=service_type, day=day).first()


def test_a_new_request_counts_in_its_neighborhood_its_ward_and_city_wide(city: City, wards: list[District]) -> None:
    submit(city.pothole, WEST_NORTH, NOON)
    submit(city.pothole, WEST_NORTH, LATE_EVENING)
    submit(city.pothole, EAST_SOUTH, NOON)
    june_1 = date(2025, 6, 1)
    west, ward_1, ward_2 = row(city.west, city.pothole, june_1), row(wards[0], city.pothole, june_1), \
        row(wards[1], city.pothole, june_1)
    assert west is not None and west.opened == 2  # the late evening is still 1 June locally
    assert ward_1 is not None and ward_1.opened == 2 and ward_1.layer_id == wards[0].layer_id
    assert ward_2 is not None and ward_2.opened == 1
    city_row = row(None, city.pothole, june_1)
    assert city_row is not None and city_row.opened == 3 and city_row.closed == 0
    assert not DailyCount.objects.filter(day=date(2025, 6, 2)).exists()


def test_closing_counts_on_the_closing_day_with_its_time_to_close(city: City) -> None:
    request = submit(city.pothole, WEST_NORTH, NOON)
    lifecycle.transition(request, "closed", actor=city.worker)
    request.refresh_from_db()
    assert request.closed_at is not None
    closing_day = request.closed_at.astimezone(rollups.city_zone()).date()
    closed = row(city.west, city.pothole, closing_day)
    assert closed is not None and closed.closed == 1
    assert closed.close_seconds == int((request.closed_at - NOON).total_seconds())
    # More than 120 days since June 2025: the open-ended last bucket.
    assert closed.close_h11 == 1

    lifecycle.transition(request, "reopened", actor=city.worker)
    closed.refresh_from_db()
    assert (closed.closed, closed.close_seconds, closed.close_h11) == (0, 0, 0)
    opened = row(city.west, city.pothole, date(2025, 6, 1))
    assert opened is not None and opened.opened == 1


def test_the_histogram_buckets_times_to_close() -> None:
    assert rollups.close_bucket(0) == 0
    assert rollups.close_bucket(3600) == 0  # up to 1 hour inclusive
    assert rollups.close_bucket(3601) == 1
    assert rollups.close_bucket(25 * 3600) == 4  # between 24 and 48 hours
    assert rollups.close_bucket(10**9) == 11


def test_saves_that_change_nothing_counted_do_not_touch_the_counts(city: City, django_assert_num_queries: Any) -> None:
    request = submit(city.pothole, WEST_NORTH, NOON)
    with django_assert_num_queries(1):
        request.save(update_fields=["sla_warn_at"])


def test_deleting_a_request_takes_its_counts_back(city: City) -> None:
    request = submit(city.graffiti, EAST_SOUTH, NOON)
    request.delete()
    assert rollups.stored_counts() == {}
    assert not RequestContribution.objects.exists()


def test_the_counts_equal_a_recount_after_a_random_sequence_of_changes(city: City, wards: list[District]) -> None:
    chooser = random.Random(7)
    types = [city.pothole, city.graffiti, city.mold]
    requests: list[ServiceRequest] = []
    for step in range(60):
        action = chooser.random()
        if action < 0.45 or not requests:
            where = (chooser.uniform(42.31, 42.37), chooser.uniform(-71.14, -71.0))
            when = NOON - timedelta(hours=chooser.randint(0, 24 * 30))
            requests.append(submit(chooser.choice(types), where, when))
        elif action < 0.75:
            request = chooser.choice(requests)
            request.refresh_from_db()
            targets = sorted(lifecycle.allowed_targets(request.detailed_status.code) - {"transferred", "duplicate"})
            if targets:
                lifecycle.transition(request, chooser.choice(targets), actor=city.admin)
        elif action < 0.85:
            # An edit through the admin: another type, another place.
            request = chooser.choice(requests)
            request.refresh_from_db()
            request.service_type = chooser.choice(types)
            request.lat, request.long = EAST_SOUTH if request.lat and request.lat > 42.34 else WEST_NORTH
            request.neighborhood = city.east if request.long > -71.05 else city.west
            request.save()
        elif action < 0.9:
            victim = requests.pop(chooser.randrange(len(requests)))
            victim.delete()
        else:
            request = chooser.choice(requests)
            case_services.add_external_update(
                request=request, external_id=f"ext-{step}", text="Done", status=lifecycle.Status.objects.get(
                    code="closed" if request.status == "open" else "reopened"),
                occurred_at=NOON + timedelta(days=step), channel=None, actor_label="crew app")
        assert rollups.stored_counts() == rollups.recount(), f"after step {step}"
    assert DailyCount.objects.filter(district__isnull=True).exists()
    assert DailyCount.objects.filter(district__in=wards).exists()


def test_the_rebuild_counts_requests_written_in_bulk(city: City, wards: list[District]) -> None:
    submit(city.pothole, WEST_NORTH, NOON)
    status = lifecycle.Status.objects.get(code="closed")
    ServiceRequest.objects.bulk_create([
        ServiceRequest(public_id=f"B-{i}", service_type=city.graffiti, detailed_status=status, status="closed",
                       neighborhood=city.east, lat=EAST_SOUTH[0], long=EAST_SOUTH[1], requested_at=NOON,
                       updated_at=NOON, closed_at=NOON + timedelta(hours=3))
        for i in range(5)
    ])
    assert rollups.stored_counts() != rollups.recount()
    out = io.StringIO()
    call_command("rebuild_insight_rollups", stdout=out)
    assert "Counted 6 requests" in out.getvalue()
    assert rollups.stored_counts() == rollups.recount()
    east = row(city.east, city.graffiti, date(2025, 6, 1))
    assert east is not None and (east.opened, east.closed, east.close_seconds, east.close_h1) == (5, 5, 5 * 3 * 3600, 5)
    ward = row(wards[1], city.graffiti, date(2025, 6, 1))
    assert ward is not None and ward.opened == 5
