"""Linked work: several departments work one problem, each its own work item under a shared
parent; and duplicates: closed against the request that stays open, counted on it."""

from __future__ import annotations

import pytest

from civic311.audit.models import AuditEvent
from civic311.cases.lifecycle import transition
from civic311.cases.models import RequestUpdate, ServiceRequest
from civic311.cases.selectors import update_audience, work_family
from civic311.cases.services import ActionRefused, link_work_item, mark_duplicate
from civic311.catalog.models import ServiceType

from .factories import department, queue, request_in, service_type, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def vacant_lot() -> ServiceType:
    return service_type("vacant-lot", dept=department("sanitation", "Sanitation"), sla_hours="72")


def test_each_department_gets_its_own_work_item_under_the_shared_parent(vacant_lot: ServiceType) -> None:
    lot = request_in("in_progress", address="12 Elm St", description="Overgrown, dumped tyres")
    inspections = department("isd", "Inspections", queues=("housing",))
    police = department("police", "Police", queues=("district-4",))
    inspector = service_type("unsafe-building", dept=inspections, sla_hours="120")
    boss = staff("boss")

    item = link_work_item(lot, department=inspections, service_type=inspector, description="Check the fence",
                          actor=boss)
    second = link_work_item(item, department=police, actor=boss)  # linked from a work item: same family

    assert (item.parent, second.parent) == (lot, lot)
    assert (item.department, item.queue, item.service_type) == (inspections, queue(inspections, "housing"), inspector)
    assert (second.service_type, second.description) == (vacant_lot, "Overgrown, dumped tyres")
    assert (item.lat, item.long, item.address) == (lot.lat, lot.long, "12 Elm St")
    assert item.detailed_status.code == "new" and item.duplicate_of is None
    assert item.expected_at is not None and (item.expected_at - item.requested_at).days == 5
    assert item.public_id.startswith("311-") and item.channel is not None and item.channel.code == "employee"
    assert [r.pk for r in work_family(second)] == [lot.pk, item.pk, second.pk]
    assert [r.pk for r in work_family(lot)] == [lot.pk, item.pk, second.pk]
    # Each item is worked and closed on its own.
    transition(item, "resolved", actor=boss)
    lot.refresh_from_db()
    assert lot.detailed_status.code == "in_progress"
    assert RequestUpdate.objects.filter(request=lot, is_public=False).count() == 2
    assert AuditEvent.objects.filter(object_id=str(lot.pk), action="request.work_item_linked").count() == 2
    event = AuditEvent.objects.get(object_id=str(item.pk), action="request.work_item_created")
    assert event.changes["parent"] == lot.public_id and event.actor == boss


def test_linked_work_is_not_a_duplicate(vacant_lot: ServiceType) -> None:
    lot = request_in("new")
    link_work_item(lot, department=department("police"), actor=None)
    lot.refresh_from_db()
    assert lot.duplicate_count == 0 and update_audience(lot) == [lot.pk]


def test_work_cannot_hang_on_a_duplicate_or_go_to_a_closed_department(vacant_lot: ServiceType) -> None:
    original, copy = request_in("new"), request_in("new")
    mark_duplicate(copy, parent=original, actor=None)
    with pytest.raises(ActionRefused, match="is a duplicate; link the work to the case it duplicates"):
        link_work_item(copy, department=department("police"), actor=None)
    closed = department("old")
    closed.active = False
    closed.save()
    with pytest.raises(ActionRefused, match="no longer takes cases"):
        link_work_item(original, department=closed, actor=None)


def test_a_duplicate_is_closed_against_its_parent_and_counted(vacant_lot: ServiceType) -> None:
    parent, copy, third = request_in("in_progress"), request_in("new"), request_in("assigned")
    clerk = staff("clerk")
    mark_duplicate(copy, parent=parent, actor=clerk)
    mark_duplicate(third, parent=parent, actor=clerk)

    parent.refresh_from_db()
    assert parent.duplicate_count == 2 and parent.status == "open"
    assert (copy.duplicate_of, copy.detailed_status.code, copy.status) == (parent, "duplicate", "closed")
    assert copy.closed_at is not None
    public = RequestUpdate.objects.get(request=copy)
    assert public.is_public and parent.public_id in public.text
    assert sorted(update_audience(parent)) == sorted([parent.pk, copy.pk, third.pk])
    event = AuditEvent.objects.get(object_id=str(copy.pk), action="request.marked_duplicate")
    assert event.changes["duplicate_of"] == parent.public_id and event.actor == clerk
    assert AuditEvent.objects.filter(object_id=str(parent.pk), action="request.duplicate_added").count() == 2


def test_duplicates_roll_up_to_the_first_request(vacant_lot: ServiceType) -> None:
    first, second, third, fourth = (request_in("new") for _ in range(4))
    mark_duplicate(third, parent=second, actor=None)  # second has one duplicate...
    mark_duplicate(second, parent=first, actor=None)  # ...and becomes a duplicate of first
    mark_duplicate(fourth, parent=second, actor=None)  # pointing at a duplicate means its parent
    counts = dict(ServiceRequest.objects.values_list("pk", "duplicate_count"))
    assert (counts[first.pk], counts[second.pk]) == (3, 0)
    assert set(ServiceRequest.objects.filter(duplicate_of=first).values_list("pk", flat=True)) == {
        second.pk, third.pk, fourth.pk}


@pytest.mark.parametrize(("arrange", "message"), [
    ("self", "cannot be a duplicate of itself"),
    ("cycle", "is itself a duplicate of"),
    ("closed", "is closed; reopen it before marking it as a duplicate"),
    ("has work items", "has linked work items"),
])
def test_duplicates_that_make_no_sense_are_refused(vacant_lot: ServiceType, arrange: str, message: str) -> None:
    request = request_in("closed" if arrange == "closed" else "new")
    parent = request_in("new")
    if arrange == "self":
        parent = request
    elif arrange == "cycle":
        mark_duplicate(parent, parent=request, actor=None)
    elif arrange == "has work items":
        link_work_item(request, department=department("police"), actor=None)
    with pytest.raises(ActionRefused, match=message):
        mark_duplicate(request, parent=parent, actor=None)
    request.refresh_from_db()
    assert request.duplicate_of is None


def test_a_closed_parent_still_collects_duplicates(vacant_lot: ServiceType) -> None:
    fixed_yesterday, again = request_in("resolved"), request_in("new")
    mark_duplicate(again, parent=fixed_yesterday, actor=None)
    fixed_yesterday.refresh_from_db()
    assert fixed_yesterday.duplicate_count == 1
