"""Statements prepared once per connection on PostgreSQL: prepared in the query that first
sends them, executed by name afterwards, with values bound as before; recovered after a
failed query; sent as they are where statements are not prepared."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from civic311.config import prepared
from civic311.config.prepared import execute, forget_prepared, original_sql

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")


def _unique(sql: str) -> str:
    """`sql` under a text this test alone sends: a statement new to the connection."""
    return f"{sql} /* {uuid.uuid4().hex} */"


def _run(statements: list[tuple[str, list[object]]]) -> tuple[list[list[tuple[object, ...]]], list[str]]:
    """Each statement's rows, and the queries sent."""
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        execute(cursor, statements)
        results = [list(cursor.fetchall())]
        while len(statements) > 1 and cursor.nextset():
            results.append(list(cursor.fetchall()))
    return results, [q["sql"] for q in queries.captured_queries]


@on_postgresql
def test_a_statement_is_prepared_once_then_executed_by_name() -> None:
    sql = _unique("SELECT %s::int + 1")
    first, sent_first = _run([(sql, [41])])
    second, sent_second = _run([(sql, [1])])
    assert first == [[(42,)]] and second == [[(2,)]]
    assert len(sent_first) == len(sent_second) == 1  # preparing costs no round trip
    assert sent_first[0].startswith("PREPARE c311_") and "EXECUTE c311_" in sent_first[0]
    assert sent_second[0].startswith("EXECUTE c311_") and "PREPARE" not in sent_second[0]
    assert original_sql(sent_second[0]) == sql


@on_postgresql
def test_several_statements_go_in_one_query_each_prepared_once() -> None:
    twice = _unique("SELECT %s::text")
    other = _unique("SELECT %s::int * 2")
    results, sent = _run([(twice, ["a"]), (other, [21]), (twice, ["b"])])
    # The cursor starts on the first statement's rows, whatever was prepared before it.
    assert results == [[("a",)], [(42,)], [("b",)]]
    assert len(sent) == 1 and sent[0].count("PREPARE ") == 2 and sent[0].count("EXECUTE ") == 3


@on_postgresql
def test_values_are_data_and_a_percent_sign_in_the_statement_stays_one() -> None:
    sql = _unique("SELECT %s::text || ' 100%%'")
    hostile = "'; DROP TABLE audit_auditevent; -- %s %(x)s $1 $$ \\"
    for _ in range(2):  # prepared, then executed by name
        results, _sent = _run([(sql, [hostile])])
        assert results == [[(hostile + " 100%",)]]
    assert connection.introspection.table_names().count("audit_auditevent") == 1


@on_postgresql
def test_after_a_failed_query_the_statements_are_prepared_afresh() -> None:
    good = _unique("SELECT %s::int")
    failing = _unique("SELECT 1 / %s")
    with pytest.raises(DataError), transaction.atomic():
        # `good` is prepared and run in the query that then fails.
        _run([(good, [1]), (failing, [0])])
    results, sent = _run([(good, [7])])
    assert results == [[(7,)]]
    assert sent[0].startswith("DEALLOCATE ALL") and f"PREPARE {prepared._statement(good)[0]}" in sent[0]
    results, sent = _run([(failing, [1])])
    assert results == [[(1,)]] and not sent[0].startswith("DEALLOCATE")


@on_postgresql
def test_forgetting_drops_the_statements_so_they_are_prepared_again() -> None:
    sql = _unique("SELECT %s::int")
    _run([(sql, [1])])
    forget_prepared()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone() == (0,)
    results, sent = _run([(sql, [2])])
    assert results == [[(2,)]] and sent[0].startswith("PREPARE ")


@on_postgresql
def test_bulk_statements_and_a_full_connection_are_sent_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    many = _unique("SELECT " + " + ".join(["%s::int"] * (prepared.MAX_PARAMETERS + 1)))
    results, sent = _run([(many, [1] * (prepared.MAX_PARAMETERS + 1))])
    assert results == [[(prepared.MAX_PARAMETERS + 1,)]] and sent[0].startswith("SELECT ")
    monkeypatch.setattr(prepared, "MAX_PER_CONNECTION", 0)
    sql = _unique("SELECT %s::int")
    results, sent = _run([(sql, [3])])
    assert results == [[(3,)]] and sent[0].startswith("SELECT ") and "PREPARE" not in sent[0]


def test_statements_go_as_they_are_where_not_prepared(settings: object) -> None:
    settings.CIVIC311_DB_PREPARED_STATEMENTS = False  # type: ignore[attr-defined]
    sql = _unique("SELECT %s")
    results, sent = _run([(sql, ["x"])])
    assert results == [[("x",)]]
    assert "EXECUTE" not in sent[0] and "PREPARE" not in sent[0]


@on_postgresql
def test_a_migration_drops_the_statements_planned_for_the_tables_before_it() -> None:
    from django.apps import apps
    from django.db.models.signals import post_migrate

    _run([(_unique("SELECT %s::int"), [1])])
    post_migrate.send(sender=apps.get_app_config("cases"), app_config=apps.get_app_config("cases"),
                      verbosity=0, interactive=False, using=connection.alias, apps=apps, plan=[])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone() == (0,)


@on_postgresql
def test_values_of_every_kind_the_intake_sends_come_back_equal() -> None:
    from datetime import UTC, date, datetime, timedelta, timezone
    from decimal import Decimal

    from psycopg.types.json import Jsonb

    sql = _unique("SELECT %s::timestamptz, %s::date, %s::numeric, %s::boolean, %s::jsonb, %s::text, %s::int[], "
                  "%s::float8, %s::text IS NULL")
    moment = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-5)))
    values = [moment, date(2026, 2, 28), Decimal("48.50"), True, Jsonb({"a": ["ñ", None, 1.5]}),
              "Calle O'Higgins \\ 100% ; -- ñ", [4, 1], 42.358894, None]
    for _ in range(2):  # prepared, then executed by name
        results, _sent = _run([(sql, values)])
        (row,) = results[0]
        # Django reads jsonb as text (JSONField parses it).
        assert (*row[:4], json.loads(str(row[4])), *row[5:]) == (
            moment.astimezone(UTC), date(2026, 2, 28), Decimal("48.50"), True, {"a": ["ñ", None, 1.5]},
            "Calle O'Higgins \\ 100% ; -- ñ", [4, 1], 42.358894, True)


@on_postgresql
def test_a_bulk_statement_and_prepared_ones_go_in_one_query() -> None:
    small = _unique("SELECT %s::text || '%%'")
    many = _unique("SELECT " + " + ".join(["%s::int"] * (prepared.MAX_PARAMETERS + 1)))
    for _ in range(2):
        results, sent = _run([(small, ["a"]), (many, [1] * (prepared.MAX_PARAMETERS + 1)), (small, ["b"])])
        assert results == [[("a%",)], [(prepared.MAX_PARAMETERS + 1,)], [("b%",)]] and len(sent) == 1


@on_postgresql
def test_prepared_statements_are_planned_once() -> None:
    sql = _unique("SELECT count(*) FROM cases_servicerequest WHERE requested_at >= %s AND service_type_id = %s")
    from django.utils import timezone

    for _ in range(7):
        _run([(sql, [timezone.now(), 1])])
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
                       [prepared._statement(sql)[0]])
        assert cursor.fetchone() == (7, 0)
