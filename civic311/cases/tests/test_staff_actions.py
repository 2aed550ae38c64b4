"""What staff do to a case through the services: assign it, transfer it (counted), write
notes, and act on many cases at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civic311.audit.models import AuditEvent
from civic311.cases.models import RequestUpdate, RoutingRule, Transfer
from civic311.cases.selectors import transfers_by_department
from civic311.cases.services import ActionRefused, add_note, assign, bulk_assign, bulk_transition, transfer
from civic311.catalog.models import Department, Queue, ServiceType

from .factories import department, queue, request_in, service_type, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def pothole() -> ServiceType:
    return service_type("pothole", dept=department("pwd", "Public Works", queues=("north", "south")))


def pwd() -> Department:
    return Department.objects.get(code="pwd")


def test_assigning_a_new_case_puts_it_in_the_queue_and_marks_it_assigned(pothole: ServiceType) -> None:
    worker, boss = staff("worker"), staff("boss")
    request = request_in("new")
    assign(request, queue=queue(pwd(), "south"), assignee=worker, actor=boss)
    assert (request.queue, request.assignee) == (queue(pwd(), "south"), worker)
    assert request.detailed_status.code == "assigned"
    update = RequestUpdate.objects.get(request=request)
    assert (update.status_from.code, update.status_to.code, update.is_public) == ("new", "assigned", True)  # type: ignore[union-attr]
    assert worker.username not in update.text  # staff names stay internal
    event = AuditEvent.objects.get(object_id=str(request.pk), action="request.assigned")
    assert event.changes["assignee_id"] == [None, worker.pk] and event.actor == boss


def test_reassigning_a_case_in_progress_keeps_its_status(pothole: ServiceType) -> None:
    request = request_in("in_progress")
    assign(request, assignee=staff("worker"), actor=staff("boss"))
    assert request.detailed_status.code == "in_progress" and request.assignee == staff("worker")
    assert not RequestUpdate.objects.filter(request=request).exists()
    assert AuditEvent.objects.filter(object_id=str(request.pk), action="request.assigned").count() == 1


def test_giving_a_case_what_it_has_records_nothing(pothole: ServiceType) -> None:
    request = request_in("in_progress", assignee=staff("worker"))
    assign(request, assignee=staff("worker"), actor=staff("boss"))
    assert not AuditEvent.objects.filter(object_id=str(request.pk)).exists()


@pytest.mark.parametrize(("arrange", "message"), [
    ("other-department queue", "belongs to Parks, not to this case's department; transfer"),
    ("closed case", "is closed; reopen it before assigning it"),
    ("nothing", "Choose a queue, an assignee or both"),
    ("inactive user", "can no longer sign in"),
])
def test_assignments_that_cannot_be_done_are_refused(pothole: ServiceType, arrange: str, message: str) -> None:
    parks = department("parks", "Parks")
    request = request_in("closed" if arrange == "closed case" else "new")
    worker = staff("worker")
    kwargs: dict[str, object] = {"assignee": worker}
    if arrange == "other-department queue":
        kwargs = {"queue": queue(parks)}
    elif arrange == "nothing":
        kwargs = {}
    elif arrange == "inactive user":
        worker.is_active = False
        worker.save()
    with pytest.raises(ActionRefused, match=message):
        assign(request, actor=staff("boss"), **kwargs)  # type: ignore[arg-type]
    request.refresh_from_db()
    assert request.assignee is None
    assert request.detailed_status.code == ("closed" if arrange == "closed case" else "new")


def test_a_transfer_moves_the_case_and_is_counted_with_its_reason(pothole: ServiceType) -> None:
    parks = department("parks", "Parks", queues=("trees",))
    routed_by = RoutingRule.objects.create(name="All potholes", department=pwd())
    request = request_in("in_progress", assignee=staff("worker"), routing_rule=routed_by)
    boss = staff("boss")
    transfer(request, department=parks, reason="A fallen tree, not a pothole", actor=boss, channel="phone")

    assert (request.department, request.queue, request.assignee) == (parks, queue(parks, "trees"), None)
    assert request.detailed_status.code == "transferred" and request.agency_responsible == "Parks"
    moved = Transfer.objects.get(request=request)
    assert (moved.from_department, moved.to_department, moved.reason, moved.actor, moved.routing_rule) == (
        pwd(), parks, "A fallen tree, not a pothole", boss, routed_by)
    update = RequestUpdate.objects.get(request=request)
    assert update.is_public and update.text == "Transferred to Parks." and update.status_to.code == "transferred"  # type: ignore[union-attr]
    event = AuditEvent.objects.get(object_id=str(request.pk), action="request.transferred")
    assert (event.reason, event.channel) == ("A fallen tree, not a pothole", "phone")
    assert event.changes["department_id"] == [pwd().pk, parks.pk]
    # The new department takes it from there.
    assign(request, assignee=staff("gardener"), actor=boss)
    assert request.detailed_status.code == "assigned"


def test_transfers_are_counted_per_department(pothole: ServiceType) -> None:
    parks, police = department("parks", "Parks"), department("police", "Police")
    for reason in ("tree", "tree again"):
        transfer(request_in("new"), department=parks, reason=reason, actor=None)
    ping_pong = request_in("new")
    transfer(ping_pong, department=parks, reason="tree", actor=None)
    transfer(ping_pong, department=police, reason="a car on it", actor=None)
    since = timezone.now() - timedelta(hours=1)
    counts = [(c.department, c.transfers_out) for c in transfers_by_department(since=since)]
    assert counts == [("Public Works", 3), ("Parks", 1)]
    assert transfers_by_department(since=timezone.now() + timedelta(hours=1)) == []


def test_a_department_with_several_queues_receives_without_a_queue(pothole: ServiceType) -> None:
    roads = department("roads", queues=("a", "b"))
    request = request_in("new")
    transfer(request, department=roads, reason="roads", actor=None)
    assert request.queue is None
    transfer(request, department=pwd(), queue=queue(pwd(), "south"), reason="back", actor=None)
    assert request.queue == queue(pwd(), "south")


@pytest.mark.parametrize(("status", "to", "reason", "message"), [
    ("new", "pwd", "wrong", "already with Public Works; use Assign"),
    ("new", "parks", "  ", "Give the reason"),
    ("resolved", "parks", "late", "is resolved; reopen it before transferring it"),
    ("new", "parks-queue-of-pwd", "wrong", "belongs to Public Works"),
])
def test_transfers_that_cannot_be_done_are_refused(
    pothole: ServiceType, status: str, to: str, reason: str, message: str
) -> None:
    parks = department("parks", "Parks")
    request = request_in(status)
    target = pwd() if to == "pwd" else parks
    chosen_queue = queue(pwd(), "north") if to == "parks-queue-of-pwd" else None
    with pytest.raises(ActionRefused, match=message):
        transfer(request, department=target, queue=chosen_queue, reason=reason, actor=None)
    assert not Transfer.objects.exists()


def test_notes_are_public_or_internal(pothole: ServiceType) -> None:
    request = request_in("in_progress")
    writer = staff("worker")
    public = add_note(request, text=" Crew booked for Tuesday. ", public=True, actor=writer)
    internal = add_note(request, text="Resident is a repeat caller", public=False, actor=writer)
    assert (public.text, public.is_public, public.author) == ("Crew booked for Tuesday.", True, writer)
    assert (internal.is_public, internal.status_to) == (False, None)
    assert request.updated_at > request.requested_at
    events = AuditEvent.objects.filter(object_id=str(request.pk), action="request.note_added")
    assert [e.changes["public"] for e in events] == [True, False]
    assert all("Resident" not in str(e.changes) for e in events)
    with pytest.raises(ActionRefused, match="Write the note first"):
        add_note(request, text="  ", public=True, actor=writer)


def test_bulk_assignment_is_all_or_nothing(pothole: ServiceType) -> None:
    worker = staff("worker")
    first, second = request_in("new"), request_in("acknowledged")
    assert bulk_assign([first, second], queue=queue(pwd(), "north"), assignee=worker, actor=staff("boss")) == 2
    first.refresh_from_db()
    assert (first.assignee, first.detailed_status.code) == (worker, "assigned")
    closed = request_in("closed")
    third = request_in("new")
    with pytest.raises(ActionRefused, match=rf"^{closed.public_id}: .* Nothing was assigned"):
        bulk_assign([third, closed], assignee=worker, actor=staff("boss"))
    third.refresh_from_db()
    assert third.assignee is None


def test_bulk_transition_reports_each_refusal(pothole: ServiceType) -> None:
    open_ones = [request_in("in_progress"), request_in("assigned")]
    done_already = request_in("closed")
    done, problems = bulk_transition([*open_ones, done_already], "closed", actor=staff("boss"), note="Cleared")
    assert done == 2
    assert problems == [
        f"{done_already.public_id}: A case that is Closed cannot become Closed. It can become: Reopened."]
    for request in open_ones:
        request.refresh_from_db()
        assert request.detailed_status.code == "closed"
        assert RequestUpdate.objects.get(request=request).text == "Cleared"


def test_a_queue_that_is_closed_takes_no_cases(pothole: ServiceType) -> None:
    Queue.objects.filter(code="south").update(active=False)
    with pytest.raises(ActionRefused, match="is closed; choose another queue"):
        assign(request_in("new"), queue=queue(pwd(), "south"), actor=None)
