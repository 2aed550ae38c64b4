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
from psycopg import abc as psycopg_abc
from psycopg.adapt import Transformer

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
    transformer: psycopg_abc.Transformer
    encoding: str
    names: set[str] = field(default_factory=set)
    # A query that prepared statements failed: which of them exist is unknown, so the next
    # query drops them all first.
    unsure: bool = False

    def literals(self, values: Sequence[Any]) -> str:
        """`values` as SQL literals, comma-separated (psycopg's quoting, the connection's types)."""
        literal, encoding = self.transformer.as_literal, self.encoding
        return ", ".join("NULL" if v is None else literal(v).decode(encoding) for v in values)


_sessions: WeakKeyDictionary[Any, _Session] = WeakKeyDictionary()


@lru_cache(maxsize=512)
def _statement(sql: str) -> tuple[str, str]:
    """The name of `sql` (from its text: equal statements share it) and its text with
    numbered parameters, as PREPARE wants it (`%%` stays: the query is interpolated)."""
    name = "c311_" + hashlib.blake2s(sql.encode(), digest_size=8).hexdigest()
    numbers = iter(range(1, sql.count("%s") + 1))
    return name, _PLACEHOLDER.sub(lambda m: m.group() if m.group() == "%%" else f"${next(numbers)}", sql)


def several_statements_per_query(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether one query may hold several statements: on PostgreSQL with parameters bound
    in the client (Django's default for psycopg) it goes as a simple query, which may;
    bound in the server, each statement needs its own."""
    wrapper = connections[alias]
    return wrapper.vendor == "postgresql" and not wrapper.settings_dict["OPTIONS"].get("server_side_binding")


def _enabled(alias: str) -> bool:
    # A statement is prepared in the query that first runs it: that needs several a query.
    return several_statements_per_query(alias) and bool(getattr(settings, "CIVIC311_DB_PREPARED_STATEMENTS", True))


def execute(cursor: Any, statements: Sequence[Statement], alias: str = DEFAULT_DB_ALIAS) -> None:
    """Run `statements` (`%s` placeholders, `%%` for a percent sign) in one query, leaving
    `cursor` on the first one's result (`cursor.nextset()` for the next). Several
    statements only where a query may hold several (`several_statements_per_query`)."""
    if not _enabled(alias):
        if len(statements) == 1:
            cursor.execute(statements[0][0], list(statements[0][1]))
        else:
            cursor.execute("; ".join(sql for sql, _ in statements), [p for _, params in statements for p in params])
        return
    wrapper = connections[alias]
    wrapper.ensure_connection()
    session = _sessions.get(wrapper.connection)
    if session is None:
        session = _sessions[wrapper.connection] = _Session(Transformer.from_context(wrapper.connection),
                                                            wrapper.connection.info.encoding)
    # PREPAREs (and a DEALLOCATE) go first; their results are skipped below, so the cursor
    # is left on the first statement's.
    head: list[str] = ["DEALLOCATE ALL"] if session.unsure else []
    if session.unsure:
        session.names.clear()
    body: list[tuple[bool, str, Sequence[Any]]] = []  # (prepared?, its name or the statement, values)
    new: list[str] = []
    for sql, values in statements:
        if len(values) > MAX_PARAMETERS:
            body.append((False, sql, values))
            continue
        name, text = _statement(sql)
        if name not in session.names and name not in new:
            if len(session.names) + len(new) >= MAX_PER_CONNECTION:
                body.append((False, sql, values))
                continue
            head.append(f"PREPARE {name} AS {text}")
            new.append(name)
            if len(_texts) < 10 * MAX_PER_CONNECTION:
                _texts[name] = sql
        body.append((True, name, values))
    try:
        if all(is_prepared for is_prepared, _, _ in body):
            # Only EXECUTEs: their values are written into the query here, quoted as psycopg's
            # client-side binding quotes them, without its parsing of the whole query for
            # placeholders (slow for many values, and this text is ours).
            executes = [f"EXECUTE {name}({session.literals(values)})" if values else f"EXECUTE {name}"
                        for _, name, values in body]
            cursor.execute("; ".join([text.replace("%%", "%") for text in head] + executes))
        else:
            parts = [(f"EXECUTE {part}({', '.join(['%s'] * len(values))})" if values else f"EXECUTE {part}")
                     if is_prepared else part for is_prepared, part, values in body]
            cursor.execute("; ".join(head + parts), [v for _, _, values in body for v in values])
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
