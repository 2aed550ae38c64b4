"""Writing new rows that nothing reads back, in one INSERT: records written on every intake
(audit events, suggested duplicates, a request's contribution to the daily counts, its
first update), where the ORM's per-object save or bulk_create cost more than the write itself.

The values are prepared as the ORM prepares them (each field's `pre_save` with `add=True`
and `get_db_prep_save`), so defaults, `auto_now_add` and JSON columns behave as in a save;
what is skipped is reading the new ids back and the save signals, so this is only for
models without receivers on their save, or rows their receivers have nothing to do for.

Inside `write_behind()` such writes (these INSERTs, and any statement given to
`write_later`) are held and sent together as the block ends: on PostgreSQL as one query of
several statements, one round trip instead of one each. A round trip costs more CPU, in
the application and in PostgreSQL, than writing a small row (about 0.15 ms against 0.03 ms
measured on loopback), and intake makes several such writes per request."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import AutoField, Field, Model

from .prepared import execute, several_statements_per_query

Check = Callable[[list[tuple[Any, ...]]], None]


@dataclass
class _Held:
    # Savepoints open when the block began: a write made inside a newer one could be rolled
    # back with it, so it is not held.
    savepoints: int
    statements: list[tuple[str, list[Any]]] = field(default_factory=list)
    # Writes whose returned rows are checked (`check_later`), sent first.
    checked: list[tuple[str, list[Any], Check]] = field(default_factory=list)


_held: ContextVar[_Held | None] = ContextVar("config_write_behind", default=None)


def _open_savepoints() -> int:
    return sum(1 for sid in connections[DEFAULT_DB_ALIAS].savepoint_ids if sid)


@contextmanager
def write_behind() -> Iterator[None]:
    """Hold the writes given to `write_later` (and `append_rows`, and `check_later`) in the
    block and send them, in order, when it ends without an error; on an error they are
    dropped. Only for writes nothing in the block reads back, inside a transaction (they
    commit or roll back with it). Nested blocks: the outermost sends."""
    if _held.get() is not None:
        yield
        return
    held = _Held(savepoints=_open_savepoints())
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    _send(held.statements, held.checked)


def _holding() -> _Held | None:
    held = _held.get()
    return None if held is None or _open_savepoints() > held.savepoints else held


def write_later(sql: str, params: Sequence[Any]) -> None:
    """Run a statement that returns nothing now, or as the enclosing `write_behind()`
    block ends."""
    held = _holding()
    if held is None:
        _send([(sql, list(params))])
    else:
        held.statements.append((sql, list(params)))


def check_later(sql: str, params: Sequence[Any], check: Check) -> None:
    """Run a write now, or before the others as the enclosing `write_behind()` block ends,
    and give the rows it returns to `check`, which raises to refuse them: the transaction
    then rolls back. For a condition that needs a row lock only for the end of a
    transaction (an API key's rate limit)."""
    held = _holding()
    if held is None:
        _send([], [(sql, list(params), check)])
    else:
        held.checked.append((sql, list(params), check))


def send_held() -> None:
    """Send what the enclosing `write_behind()` block holds now: for a read, in the block,
    of rows that may be among its writes."""
    held = _held.get()
    if held is not None:
        statements, held.statements = held.statements, []
        checked, held.checked = held.checked, []
        _send(statements, checked)


def _send(statements: list[tuple[str, list[Any]]], checked: Sequence[tuple[str, list[Any], Check]] = ()) -> None:
    if not statements and not checked:
        return
    with connection.cursor() as cursor:
        if several_statements_per_query():
            execute(cursor, [(sql, params) for sql, params, _ in checked] + statements)
            for n, (_, _, check) in enumerate(checked):
                if n:
                    cursor.nextset()
                check(list(cursor.fetchall()))
        else:
            for sql, params, check in checked:
                execute(cursor, [(sql, params)])
                check(list(cursor.fetchall()))
            for statement in statements:
                execute(cursor, [statement])


@lru_cache(maxsize=256)
def insert_fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    """The columns an INSERT of `model` writes: its concrete fields but an automatic id and
    generated columns (the database makes those)."""
    automatic = isinstance(model._meta.pk, AutoField)
    return tuple(f for f in model._meta.concrete_fields
                 if not (automatic and f.primary_key) and not getattr(f, "generated", False))


@lru_cache(maxsize=256)
def _insert_sql(model: type[Model], rows: int, vendor: str) -> str:
    """The INSERT of `rows` new rows of `model` (the text is the same every time: made once)."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    fields = insert_fields(model)
    row = f"({', '.join(['%s'] * len(fields))})"
    return (f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(str(f.column)) for f in fields)}) VALUES {', '.join([row] * rows)}")


def saved_values(obj: Model, fields: Sequence[Field[Any, Any]]) -> list[Any]:
    """What a save of the new `obj` writes to `fields`: each field's `pre_save` (defaults,
    `auto_now_add`) then `get_db_prep_save`, for the hand-written INSERTs that stand in for it."""
    # The connection itself, not the `connection` proxy: each field reads it several times.
    wrapper = connections[DEFAULT_DB_ALIAS]
    return [f.get_db_prep_save(f.pre_save(obj, True), wrapper) for f in fields]


def append_rows(objs: Sequence[Model]) -> None:
    """INSERT the unsaved `objs`, all of one model, in one statement (an automatic `pk`
    stays None); inside `write_behind()`, as the block ends."""
    if not objs:
        return
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise TypeError("append_rows writes rows of one model at a time")
    # An automatic id comes from the database; a primary key of another kind is written.
    automatic = isinstance(model._meta.pk, AutoField)
    if automatic and any(obj.pk is not None for obj in objs):
        raise ValueError("append_rows writes new rows only")
    fields = insert_fields(model)
    params: list[Any] = []
    for obj in objs:
        params += saved_values(obj, fields)
    write_later(_insert_sql(model, len(objs), connections[DEFAULT_DB_ALIAS].vendor), params)
