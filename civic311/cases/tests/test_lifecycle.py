"""A request moves only between statuses its lifecycle allows; every move is an update and
an audit event, and an invalid move is a clear error that changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from civic311.audit.models import AuditEvent
from civic311.cases import lifecycle, signals
from civic311.cases.lifecycle import ALLOWED, InvalidTransition, allowed_targets, transition
from civic311.cases.models import RequestUpdate, ServiceRequest, Status, StatusTransition
from civic311.cases.seeds import STATUSES
from civic311.cases.services import mark_duplicate

from .factories import WHEN, request_in, service_type, staff

pytestmark = pytest.mark.django_db

PAIRS = sorted((a, b) for a, targets in ALLOWED.items() for b in targets)
CLOSED = {code for code, _, open311 in STATUSES if open311 == "closed"}


def test_the_lifecycle_covers_every_seeded_status() -> None:
    seeded = {code for code, _, _ in STATUSES}
    assert set(ALLOWED) == seeded
    assert all(targets <= seeded for targets in ALLOWED.values())
    assert all(code not in targets for code, targets in ALLOWED.items())
    # Every closed status can be reopened, and every open one can be closed.
    assert all("reopened" in ALLOWED[c] for c in CLOSED)
    assert all("closed" in ALLOWED[c] for c in seeded - CLOSED)


@pytest.mark.parametrize(("from_code", "to_code"), PAIRS)
def test_every_allowed_transition_changes_the_status_and_leaves_a_trace(from_code: str, to_code: str) -> None:
    service_type()
    user = staff()
    request = request_in(from_code)
    transition(request, to_code, actor=user, channel="phone", note="Checked on site.", public=False)

    request.refresh_from_db()
    target = Status.objects.get(code=to_code)
    assert request.detailed_status == target
    assert request.status == target.open311_status
    assert request.updated_at > WHEN
    if to_code in CLOSED:
        assert request.closed_at is not None
        if from_code in CLOSED:
            assert request.closed_at == WHEN  # resolved → closed keeps the moment it closed
    else:
        assert request.closed_at is None
    update = RequestUpdate.objects.get(request=request)
    assert (update.status_from.code, update.status_to.code) == (from_code, to_code)  # type: ignore[union-attr]
    assert (update.text, update.is_public, update.author, update.channel.code) == (  # type: ignore[union-attr]
        "Checked on site.", False, user, "phone")
    event = AuditEvent.objects.get(object_id=str(request.pk), action="request.status_changed")
    assert event.changes["status"] == [from_code, to_code]
    assert (event.actor, event.channel) == (user, "phone")


@pytest.mark.parametrize(("from_code", "to_code", "message"), [
    ("closed", "in_progress", "cannot become In progress. It can become: Reopened"),
    ("new", "reopened", "A case that is New cannot become Reopened"),
    ("resolved", "assigned", "It can become: Closed, Reopened"),
    ("duplicate", "closed", "cannot become Closed"),
    ("cancelled", "resolved", "cannot become Resolved"),
    ("new", "transferred", "Use Transfer"),
    ("assigned", "duplicate", "Use Mark as duplicate"),
    ("new", "new", "cannot become New"),
    ("new", "solved", "There is no status 'solved'"),
])
def test_a_refused_transition_says_why_and_changes_nothing(from_code: str, to_code: str, message: str) -> None:
    service_type()
    request = request_in(from_code)
    with pytest.raises(InvalidTransition, match=message):
        transition(request, to_code, actor=staff())
    request.refresh_from_db()
    assert request.detailed_status.code == from_code
    assert not RequestUpdate.objects.filter(request=request).exists()
    assert not AuditEvent.objects.filter(object_id=str(request.pk)).exists()


def test_an_invalid_transition_is_a_value_error_for_callers_that_catch_those() -> None:
    assert issubclass(InvalidTransition, ValueError)


def test_reopening_clears_the_closing_time() -> None:
    service_type()
    request = request_in("closed")
    transition(request, "reopened", actor=staff())
    assert request.closed_at is None and request.status == "open"


def test_the_callers_instance_is_brought_up_to_date() -> None:
    service_type()
    request = request_in("new")
    returned = transition(request, "in_progress", actor=staff())
    assert returned is request and request.detailed_status.code == "in_progress"


def test_a_city_status_moves_only_where_the_admin_allows() -> None:
    service_type()
    waiting = Status.objects.create(code="awaiting_contractor", name="Awaiting contractor", open311_status="open")
    request = request_in("in_progress")
    with pytest.raises(InvalidTransition, match="cannot become Awaiting contractor"):
        transition(request, "awaiting_contractor", actor=staff())
    StatusTransition.objects.create(from_status=Status.objects.get(code="in_progress"), to_status=waiting)
    transition(request, "awaiting_contractor", actor=staff())
    assert request.detailed_status == waiting
    with pytest.raises(InvalidTransition, match="administrator can allow"):
        transition(request, "resolved", actor=staff())
    StatusTransition.objects.create(from_status=waiting, to_status=Status.objects.get(code="in_progress"))
    assert allowed_targets("awaiting_contractor") == {"in_progress"}
    transition(request, "in_progress", actor=staff())


def test_reopening_a_duplicate_detaches_it_from_its_parent() -> None:
    service_type()
    parent, copy = request_in("new"), request_in("new")
    mark_duplicate(copy, parent=parent, actor=staff())
    parent.refresh_from_db()
    assert parent.duplicate_count == 1
    transition(copy, "reopened", actor=staff(username="supervisor"))
    parent.refresh_from_db()
    assert copy.duplicate_of is None and parent.duplicate_count == 0
    event = AuditEvent.objects.get(object_id=str(copy.pk), action="request.status_changed")
    assert event.changes["duplicate_of"] == [parent.pk, None]


def test_a_status_change_is_announced_inside_its_transaction() -> None:
    service_type()
    request = request_in("assigned")
    heard: list[dict[str, Any]] = []

    def listener(sender: type[ServiceRequest], **kwargs: Any) -> None:
        heard.append(kwargs)

    signals.status_changed.connect(listener)
    try:
        transition(request, "resolved", actor=staff(), note="Filled.")
    finally:
        signals.status_changed.disconnect(listener)
    assert heard == [{"signal": signals.status_changed, "request_id": request.pk, "from_status": "assigned",
                      "to_status": "resolved", "public": True}]


def test_a_failing_receiver_undoes_the_status_change() -> None:
    # What the outbox relies on: a message is written with the change or not at all.
    service_type()
    request = request_in("assigned")

    def broken(sender: type[ServiceRequest], **kwargs: Any) -> None:
        raise RuntimeError("outbox unavailable")

    signals.status_changed.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            transition(request, "resolved", actor=staff(), note="Filled.")
    finally:
        signals.status_changed.disconnect(broken)
    request.refresh_from_db()
    assert request.detailed_status.code == "assigned"
    assert not RequestUpdate.objects.filter(request=request).exists()


def test_system_actors_are_named_in_the_audit_event() -> None:
    service_type()
    request = request_in("new")
    transition(request, "acknowledged", actor=None)
    event = AuditEvent.objects.get(object_id=str(request.pk))
    assert event.actor is None and event.actor_label == "system"
    assert RequestUpdate.objects.get(request=request).author is None


def test_lock_reads_the_row_afresh() -> None:
    service_type()
    request = request_in("new")
    ServiceRequest.objects.filter(pk=request.pk).update(detailed_status=Status.objects.get(code="on_hold"))
    assert lifecycle.lock(request).detailed_status.code == "on_hold"
