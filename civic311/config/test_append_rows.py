"""append_rows: new rows written in one INSERT hold what a save would have written; inside
write_behind they are held and sent together as the block ends."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civic311.audit.models import AuditEvent
from civic311.config.append_rows import append_rows, write_behind, write_later
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


def _texts() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def test_held_writes_are_sent_in_order_as_the_block_ends_in_one_query_on_postgresql() -> None:
    from django.db import transaction

    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        with write_behind():
            append_rows([_event(1)])
            # A percent sign and a semicolon in a value are data, not SQL.
            write_later(f"UPDATE {table} SET {connection.ops.quote_name('reason')} = %s", ["50 %; done"])
            append_rows([_event(2), _event(3)])
            assert not AuditEvent.objects.exists() and len(queries) == 1  # only that read
        sent = queries.captured_queries[1:]
    assert _texts() == ["test.1", "test.2", "test.3"]
    assert AuditEvent.objects.get(action="test.1").reason == "50 %; done"
    assert AuditEvent.objects.get(action="test.3").reason == ""
    assert len(sent) == (1 if connection.vendor == "postgresql" else 3)


def test_held_writes_are_dropped_when_the_block_fails() -> None:
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic(), write_behind():
        append_rows([_event(1)])
        raise RuntimeError("intake failed")
    assert not AuditEvent.objects.exists()


def test_a_write_inside_a_newer_savepoint_is_not_held() -> None:
    """It could be rolled back with the savepoint; held, it would be sent after it."""
    from django.db import transaction

    with transaction.atomic(), write_behind():
        append_rows([_event(1)])
        try:
            with transaction.atomic():
                append_rows([_event(2)])
                raise ValueError("the inner step failed")
        except ValueError:
            pass
        append_rows([_event(3)])
    assert _texts() == ["test.1", "test.3"]


def test_outside_a_block_a_write_is_made_at_once() -> None:
    append_rows([_event(1)])
    assert _texts() == ["test.1"]


def test_a_checked_write_goes_first_with_the_held_ones_and_can_refuse_them_all() -> None:
    from django.db import transaction

    from civic311.config.append_rows import check_later

    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    seen: list[list[tuple[object, ...]]] = []
    with transaction.atomic(), CaptureQueriesContext(connection) as queries, write_behind():
        append_rows([_event(1)])
        # Counts the rows before the held INSERT: it runs first.
        check_later(f"SELECT count(*) FROM {table}", [], seen.append)
    assert seen == [[(0,)]] and _texts() == ["test.1"]
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)

    def refuse(rows: list[tuple[object, ...]]) -> None:
        raise PermissionError(f"refused after {rows}")

    with pytest.raises(PermissionError), transaction.atomic(), write_behind():
        append_rows([_event(2)])
        check_later(f"SELECT count(*) FROM {table}", [], refuse)
    assert _texts() == ["test.1"]
    check_later(f"SELECT count(*) FROM {table}", [], seen.append)  # outside a block: at once
    assert seen[-1] == [(1,)]
