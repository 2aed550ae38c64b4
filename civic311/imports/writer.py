"""Writing normalised records into service requests, fast: one SELECT per batch to find
what exists (and whether it changed, by a content hash), then COPY (PostgreSQL) or
executemany (SQLite) for new rows and executemany for changed ones. The caller wraps the
whole file in one transaction, so a failure leaves nothing half imported."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from django.db import connection

from civic311.cases.models import ServiceRequest

COLUMNS = (
    "public_id", "service_type_id", "status", "detailed_status_id", "status_notes",
    "description", "address", "address_id", "zipcode", "lat", "long", "neighborhood_id",
    "channel_id", "department_id", "queue_id", "agency_responsible", "requested_at",
    "updated_at", "expected_at", "closed_at", "media_url", "attributes", "source_system",
    "source_id", "source_neighborhood", "source_channel", "source_hash",
)
DATETIME_COLUMNS = tuple(i for i, c in enumerate(COLUMNS) if c.endswith("_at"))
LOOKUP_CHUNK = 500


def row_hash(row: Sequence[Any]) -> str:
    """Fingerprint of a row's content (all columns but the hash itself)."""
    return hashlib.md5(repr(row).encode("utf-8"), usedforsecurity=False).hexdigest()


class RequestWriter:
    def __init__(self) -> None:
        self.table = connection.ops.quote_name(ServiceRequest._meta.db_table)
        self.vendor = connection.vendor
        self.columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)

    def existing(self, public_ids: Sequence[str]) -> dict[str, tuple[int, str]]:
        """public_id → (pk, source_hash) for the ids that are already stored."""
        found: dict[str, tuple[int, str]] = {}
        with connection.cursor() as cursor:
            for start in range(0, len(public_ids), LOOKUP_CHUNK):
                chunk = public_ids[start : start + LOOKUP_CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT public_id, id, source_hash FROM {self.table} WHERE public_id IN ({marks})",
                    list(chunk),
                )
                for public_id, pk, digest in cursor.fetchall():
                    found[public_id] = (pk, digest)
        return found

    def _adapt(self, row: Sequence[Any]) -> tuple[Any, ...]:
        if self.vendor != "sqlite":
            return tuple(row)
        # Django keeps SQLite datetimes as naive UTC text; only those columns change.
        adapted = list(row)
        for i in DATETIME_COLUMNS:
            value = adapted[i]
            if value is not None:
                adapted[i] = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        return tuple(adapted)

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(COLUMNS))
                cursor.executemany(
                    f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})",
                    [self._adapt(r) for r in rows],
                )

    def update(self, rows: Sequence[tuple[int, Sequence[Any]]]) -> None:
        if not rows:
            return
        assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in COLUMNS)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {self.table} SET {assignments} WHERE id = %s",
                [(*self._adapt(row), pk) for pk, row in rows],
            )
