"""Migration operations the apps share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import migrations


def on_postgresql_only(statements: Sequence[str], reverse: Sequence[str]) -> migrations.RunPython:
    """Run `statements` (undone by `reverse`) on PostgreSQL and nothing elsewhere: for what
    only PostgreSQL has, such as trigram indexes (SQLite's LIKE cannot use an index for a
    leading wildcard)."""

    def run(sql: Sequence[str]) -> Any:
        def apply(apps: Any, schema_editor: Any) -> None:
            if schema_editor.connection.vendor != "postgresql":
                return
            for statement in sql:
                schema_editor.execute(statement)

        return apply

    return migrations.RunPython(run(statements), run(reverse))
