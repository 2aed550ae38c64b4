"""The audit trail only grows: events can be recorded, never edited or deleted."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from civic311.audit.models import AuditEvent
from civic311.audit.services import record_event
from civic311.catalog.models import Department

pytestmark = pytest.mark.django_db


def test_record_event_names_the_actor_and_the_target() -> None:
    user = get_user_model().objects.create_user("agent1")
    department = Department.objects.create(code="PWD", name="Public Works")
    event = record_event(action="department.renamed", target=department, actor=user,
                         changes={"name": ["Works", "Public Works"]}, channel="admin")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_label, stored.object_type) == ("agent1", "catalog.department")
    assert stored.object_id == str(department.pk)
    assert stored.changes == {"name": ["Works", "Public Works"]}


def test_system_actions_are_labelled() -> None:
    event = record_event(action="import.completed", target=("imports.importrun", "7"), actor_label="import")
    assert event.actor is None and event.actor_label == "import"


def test_an_event_cannot_be_changed_or_deleted() -> None:
    event = record_event(action="x", target=("t", "1"))
    event.reason = "rewritten"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_batched_events_are_written_together_when_the_block_ends() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from civic311.audit.services import batched_events

    with CaptureQueriesContext(connection) as queries, batched_events():
        record_event(action="a", target=("t", "1"))
        with batched_events():  # nested: the outer block writes
            record_event(action="b", target=("t", "2"))
        assert AuditEvent.objects.count() == 0
        before_end = len(queries.captured_queries)
    assert len(queries.captured_queries) == before_end + 1
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == ["a", "b"]


def test_batched_events_are_dropped_when_the_block_fails() -> None:
    from civic311.audit.services import batched_events

    with pytest.raises(RuntimeError), batched_events():
        record_event(action="a", target=("t", "1"))
        raise RuntimeError("the intake failed")
    assert not AuditEvent.objects.exists()
