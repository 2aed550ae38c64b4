"""The daily counts at intake: written at the end of the intake's transaction (so the hot
city-wide row is locked briefly), still atomic with the request, and exact under
concurrent intakes of the same type on the same day."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from civic311.cases import services as case_services
from civic311.cases.deferred import deferred_writes
from civic311.cases.models import ServiceRequest
from civic311.insight.models import DailyCount, RequestContribution
from civic311.staff.tests.factories import City

NOON = datetime(2025, 6, 1, 16, tzinfo=UTC)
WEST = (42.36, -71.10)


def opened_city_wide() -> int:
    return DailyCount.objects.filter(district__isnull=True).aggregate(n=Sum("opened"))["n"] or 0


@pytest.mark.django_db
def test_intake_counts_the_request_as_its_block_ends(city: City) -> None:
    with transaction.atomic(), deferred_writes():
        request = case_services.submit_request(service_type=city.pothole, channel=None, lat=WEST[0], long=WEST[1],
                                               requested_at=NOON)
        assert opened_city_wide() == 0
        assert not RequestContribution.objects.filter(request_id=request.pk).exists()
    assert opened_city_wide() == 1
    assert RequestContribution.objects.filter(request_id=request.pk).exists()


@pytest.mark.django_db
def test_a_request_changed_again_in_its_intake_is_counted_once(city: City) -> None:
    """Its contribution is still held (config.append_rows) when the second save's refresh
    reads it: the held writes are sent first, so it is found, not counted twice."""
    with transaction.atomic(), deferred_writes():
        request = case_services.submit_request(service_type=city.pothole, channel=None, lat=WEST[0], long=WEST[1],
                                               requested_at=NOON)
        request.closed_at, request.status = NOON.replace(hour=18), "closed"
        request.save(update_fields=["closed_at", "status"])
    assert opened_city_wide() == 1
    closed = DailyCount.objects.filter(district__isnull=True).aggregate(n=Sum("closed"))["n"]
    assert closed == 1 and RequestContribution.objects.filter(request_id=request.pk).count() == 1


@pytest.mark.django_db
def test_a_failed_intake_counts_nothing(city: City) -> None:
    with pytest.raises(RuntimeError), transaction.atomic(), deferred_writes():
        case_services.submit_request(service_type=city.pothole, channel=None, lat=WEST[0], long=WEST[1],
                                     requested_at=NOON)
        raise RuntimeError("the reporter's details could not be saved")
    assert not ServiceRequest.objects.exists()
    assert opened_city_wide() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks (and deadlocks) are PostgreSQL's; SQLite "
                    "has one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_of_one_type_count_every_request(reference_data: Any, city: City) -> None:
    writers, each = 6, 8
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def writer() -> None:
        start.wait()
        try:
            for _ in range(each):
                with transaction.atomic(), deferred_writes():
                    case_services.submit_request(service_type=city.pothole, channel=None, lat=WEST[0],
                                                 long=WEST[1], requested_at=NOON)
        except BaseException as error:  # reported by the assertion below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert ServiceRequest.objects.count() == writers * each
    assert opened_city_wide() == writers * each
    neighborhood_rows = DailyCount.objects.filter(district=city.west, day=NOON.date())
    assert neighborhood_rows.aggregate(n=Sum("opened"))["n"] == writers * each
