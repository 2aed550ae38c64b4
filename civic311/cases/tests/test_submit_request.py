"""A new request is located, routed and given its expected date at intake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from civic311.audit.models import AuditEvent
from civic311.cases.services import RequestRefused, submit_request
from civic311.catalog.models import Channel, Department, Queue, ServiceType
from civic311.portal.tests.factories import boston_with_squares

pytestmark = pytest.mark.django_db


@pytest.fixture
def pothole() -> ServiceType:
    department = Department.objects.create(code="PWD", name="Public Works")
    queue = Queue.objects.create(department=department, code="north", name="North crew")
    return ServiceType.objects.create(code="pothole", name="Pothole", department=department,
                                      queue=queue, sla_hours=Decimal("48"))


def test_a_new_request_is_filed_under_the_neighborhood_of_its_point(pothole: ServiceType) -> None:
    _east, west = boston_with_squares()
    request = submit_request(service_type=pothole, channel=Channel.objects.get(code="web"),
                             description="Deep hole", lat=42.35, long=-71.10)
    assert request.neighborhood == west
    assert request.public_id == f"311-{request.pk}"
    assert request.status == "open" and request.detailed_status.code == "new"


def test_a_new_request_is_routed_and_gets_its_expected_date(pothole: ServiceType) -> None:
    boston_with_squares()
    when = datetime(2026, 3, 2, 15, tzinfo=UTC)
    request = submit_request(service_type=pothole, channel=None, lat=42.35, long=-71.0, requested_at=when)
    assert (request.department_id, request.queue_id) == (pothole.department_id, pothole.queue_id)
    assert request.expected_at == when + timedelta(hours=48)
    assert request.agency_responsible == "Public Works"


def test_submission_writes_a_public_update_and_an_audit_event(pothole: ServiceType) -> None:
    boston_with_squares()
    request = submit_request(service_type=pothole, channel=None, address="1 City Hall Sq")
    assert list(request.updates.values_list("is_public", "status_to__code")) == [(True, "new")]
    assert AuditEvent.objects.filter(action="request.submitted", object_id=str(request.pk)).count() == 1


def test_a_request_without_any_location_is_refused(pothole: ServiceType) -> None:
    with pytest.raises(RequestRefused, match="location"):
        submit_request(service_type=pothole, channel=None)
    with pytest.raises(RequestRefused, match="both"):
        submit_request(service_type=pothole, channel=None, lat=42.3)


def test_batch_services_get_a_token(pothole: ServiceType) -> None:
    pothole.kind = ServiceType.Kind.BATCH
    pothole.save()
    request = submit_request(service_type=pothole, channel=None, address="x")
    assert request.token


def test_inactive_services_refuse_requests(pothole: ServiceType) -> None:
    pothole.active = False
    pothole.save()
    with pytest.raises(RequestRefused, match="not accepting"):
        submit_request(service_type=pothole, channel=None, address="x")


def test_the_new_request_in_memory_is_the_row_written(pothole: ServiceType) -> None:
    """On PostgreSQL the request is written by one hand-made INSERT (its id from the
    sequence): what the caller holds must be what a read gives, field by field, and the
    save receivers must have run (the daily counts)."""
    from civic311.cases.models import ServiceRequest
    from civic311.insight.models import DailyCount, RequestContribution

    boston_with_squares()
    request = submit_request(service_type=pothole, channel=Channel.objects.get(code="web"), description="Deep hole",
                             address="1 City Hall Sq", lat=42.35, long=-71.10, attributes={"depth": ["deep"]})
    stored = ServiceRequest.objects.get(pk=request.pk)
    assert {f.attname: getattr(request, f.attname) for f in ServiceRequest._meta.concrete_fields} == {
        f.attname: getattr(stored, f.attname) for f in ServiceRequest._meta.concrete_fields}
    assert stored.public_id == f"311-{stored.pk}" and not request._state.adding
    following = submit_request(service_type=pothole, channel=None, address="2 City Hall Sq")
    assert following.pk > request.pk and following.public_id == f"311-{following.pk}"
    assert RequestContribution.objects.filter(request_id__in=[request.pk, following.pk]).count() == 2
    assert DailyCount.objects.filter(district__isnull=True, service_type=pothole).get().opened == 2
