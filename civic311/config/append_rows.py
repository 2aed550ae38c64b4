"""Writing new rows that nothing reads back, in one INSERT: records written on every intake
(audit events, suggested duplicates, a request's contribution to the daily counts, its
first update), where the ORM's per-object save or bulk_create cost more than the write itself.

The values are prepared as the ORM prepares them (each field's `pre_save` with `add=True`
and `get_db_prep_save`), so defaults, `auto_now_add` and JSON columns behave as in a save;
what is skipped is reading the new ids back and the save signals, so this is only for
models without receivers on their save, or rows their receivers have nothing to do for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import AutoField, Model


def append_rows(objs: Sequence[Model]) -> None:
    """INSERT the unsaved `objs`, all of one model, in one statement (an automatic `pk`
    stays None)."""
    if not objs:
        return
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise TypeError("append_rows writes rows of one model at a time")
    # An automatic id comes from the database; a primary key of another kind is written.
    automatic = isinstance(model._meta.pk, AutoField)
    if automatic and any(obj.pk is not None for obj in objs):
        raise ValueError("append_rows writes new rows only")
    fields = [f for f in model._meta.concrete_fields
              if not (automatic and f.primary_key) and not getattr(f, "generated", False)]
    ops = connection.ops
    params: list[Any] = []
    for obj in objs:
        params += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = (f"INSERT INTO {ops.quote_name(model._meta.db_table)} "
           f"({', '.join(ops.quote_name(str(f.column)) for f in fields)}) VALUES {', '.join([row] * len(objs))}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
