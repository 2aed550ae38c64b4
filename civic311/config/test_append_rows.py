"""append_rows: new rows written in one INSERT hold what a save would have written."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civic311.audit.models import AuditEvent
from civic311.config.append_rows import append_rows
from civic311.insight.models import RequestContribution

pytestmark = pytest.mark.django_db

COMPARED = ("actor_id", "actor_label", "channel", "action", "object_type", "object_id", "changes", "reason")


def _event(n: int, **extra: object) -> AuditEvent:
    return AuditEvent(action=f"test.{n}", object_type="t", object_id=str(n), actor_label="tester",
                      changes={"n": n, "text": "Señal rota — 'quoted' \"twice\"", "nested": [1, {"a": None}]},
                      **extra)


def test_rows_hold_what_a_save_writes() -> None:
    user = get_user_model().objects.create_user("agent7")
    saved = _event(1, actor=user)
    saved.save()
    append_rows([_event(1, actor=user)])
    first, second = AuditEvent.objects.filter(action="test.1").order_by("id")
    assert first.pk == saved.pk
    assert [getattr(second, f) for f in COMPARED] == [getattr(first, f) for f in COMPARED]
    # auto_now_add was applied, as a save applies it.
    assert second.occurred_at is not None and second.occurred_at >= first.occurred_at


def test_many_rows_are_one_statement_in_order() -> None:
    with CaptureQueriesContext(connection) as queries:
        append_rows([_event(n) for n in range(5)])
    assert len(queries.captured_queries) == 1
    assert list(AuditEvent.objects.order_by("id").values_list("object_id", flat=True)) == ["0", "1", "2", "3", "4"]


def test_nothing_to_write_costs_no_statement() -> None:
    with CaptureQueriesContext(connection) as queries:
        append_rows([])
    assert queries.captured_queries == []


def test_a_primary_key_that_is_not_automatic_is_written() -> None:
    append_rows([RequestContribution(request_id=987, service_type_id=3, opened_day=date(2026, 1, 2),
                                     district_ids=[[4, 1]])])
    stored = RequestContribution.objects.get(pk=987)
    assert (stored.service_type_id, stored.opened_day, stored.district_ids) == (3, date(2026, 1, 2), [[4, 1]])
    assert stored.closed_day is None


def test_saved_rows_and_mixed_models_are_refused() -> None:
    saved = _event(9)
    saved.save()
    with pytest.raises(ValueError):
        append_rows([saved])
    with pytest.raises(TypeError):
        append_rows([_event(10), RequestContribution(request_id=1, service_type_id=1, opened_day=date(2026, 1, 1))])
    assert AuditEvent.objects.count() == 1
