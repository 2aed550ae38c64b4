"""Statements sent on every intake, parsed and planned once per database connection.

PostgreSQL parses, analyses and plans every statement it is sent. For the statements an
intake makes that was about a third of the server's CPU for the request (measured with
`perf` under the Open311 POST benchmark), more than running them. `execute()` sends a
statement as an `EXECUTE` of a statement prepared on the connection, and prepares it, in
the same query, the first time the connection sends it. Parameters are still bound in the
client, so several statements still go in one query (`config.append_rows`).

A prepared statement belongs to a server session, which is why this is a setting
(`CIVIC311_DB_PREPARED_STATEMENTS`, on by default): behind a pooler in transaction mode
(PgBouncer's default) a session is not the application's, and it must be off. Elsewhere
than on PostgreSQL, or with parameters bound in the server, statements go as they are.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

Statement = tuple[str, Sequence[Any]]

# A connection stops preparing beyond this many statements, so that a statement of many
# shapes (a bulk append's row counts) cannot fill the server's memory.
MAX_PER_CONNECTION = 100
# Statements with more parameters than this are bulk writes: sent as they are.
MAX_PARAMETERS = 250

_PLACEHOLDER = re.compile(r"%[s%]")
_EXECUTE = re.compile(r"EXECUTE (c311_[0-9a-f]{16})(?:\([^;]*\))?")
# Each prepared statement's text by name, for reading a query back (`original_sql`).
_texts: dict[str, str] = {}


@dataclass
class _Session:
    names: set[str] = field(default_factory=set)
    # A query that prepared statements failed: which of them exist is unknown, so the next
    # query drops them all first.
    unsure: bool = False


_sessions: WeakKeyDictionary[Any, _Session] = WeakKeyDictionary()


@lru_cache(maxsize=512)
def _statement(sql: str) -> tuple[str, str]:
    """The name of `sql` (from its text: equal statements share it) and its text with
    numbered parameters, as PREPARE wants it (`%%` stays: the query is interpolated)."""
    name = "c311_" + hashlib.blake2s(sql.encode(), digest_size=8).hexdigest()
    numbers = iter(range(1, sql.count("%s") + 1))
    return name, _PLACEHOLDER.sub(lambda m: m.group() if m.group() == "%%" else f"${next(numbers)}", sql)


def enabled(alias: str = DEFAULT_DB_ALIAS) -> bool:
    return _enabled(connections[alias])


def _enabled(wrapper: Any) -> bool:
    return (wrapper.vendor == "postgresql" and not wrapper.settings_dict["OPTIONS"].get("server_side_binding")
            and bool(getattr(settings, "CIVIC311_DB_PREPARED_STATEMENTS", True)))


def execute(cursor: Any, statements: Sequence[Statement], alias: str = DEFAULT_DB_ALIAS) -> None:
    """Run `statements` (`%s` placeholders, `%%` for a percent sign) in one query, leaving
    `cursor` on the first one's result (`cursor.nextset()` for the next). Several
    statements only where a query may hold several (`append_rows.several_statements_per_query`)."""
    wrapper = connections[alias]
    if not _enabled(wrapper):
        if len(statements) == 1:
            cursor.execute(statements[0][0], list(statements[0][1]))
        else:
            cursor.execute("; ".join(sql for sql, _ in statements), [p for _, params in statements for p in params])
        return
    wrapper.ensure_connection()
    session = _sessions.setdefault(wrapper.connection, _Session())
    # PREPAREs (and a DEALLOCATE) go first and hold no placeholders; their results are
    # skipped below, so the cursor is left on the first statement's.
    head: list[str] = []
    body: list[str] = []
    params: list[Any] = []
    new: list[str] = []
    if session.unsure:
        head.append("DEALLOCATE ALL")
        session.names.clear()
    for sql, values in statements:
        params += values
        if len(values) > MAX_PARAMETERS:
            body.append(sql)
            continue
        name, text = _statement(sql)
        if name not in session.names and name not in new:
            if len(session.names) + len(new) >= MAX_PER_CONNECTION:
                body.append(sql)
                continue
            head.append(f"PREPARE {name} AS {text}")
            new.append(name)
            if len(_texts) < 10 * MAX_PER_CONNECTION:
                _texts[name] = sql
        body.append(f"EXECUTE {name}({', '.join(['%s'] * len(values))})" if values else f"EXECUTE {name}")
    try:
        cursor.execute("; ".join(head + body), params)
    except BaseException:
        if new or session.unsure:
            session.unsure = True
        raise
    session.unsure = False
    session.names.update(new)
    for _ in head:
        cursor.nextset()


def forget_prepared(alias: str = DEFAULT_DB_ALIAS) -> None:
    """Drop the connection's prepared statements (after a migration: a statement whose
    result columns changed could not be run again)."""
    wrapper = connections[alias]
    if wrapper.vendor != "postgresql" or wrapper.connection is None:
        return
    if _sessions.pop(wrapper.connection, None) is not None:
        with wrapper.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")


def original_sql(query: str) -> str:
    """`query` with each EXECUTE of a statement prepared here replaced by the statement
    (its placeholders, not its values): what was run, for a reader or a log."""
    return _EXECUTE.sub(lambda m: _texts.get(m.group(1), m.group()), query)
