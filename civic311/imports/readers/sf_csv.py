"""San Francisco's SF311 "Cases" CSV export (DataSF), in its two column sets: the plain one
(location only in Point, "(37.774007256355, -122.395680023339)") and the enriched one (with
Lat/Long, Zip and census columns, ISO dates in Opened/Closed). "NA" means empty.

Dates are local (America/Los_Angeles), "%m/%d/%Y %I:%M:%S %p" or ISO. Real exports hold
closed dates hours before the case was opened (1.3 % of the 2008–2016 sample): such a
closed date is dropped and the case kept (closed_at None)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import ClassVar

from ..records import Rejected, RequestRecord
from .base import (
    BadValue,
    DatetimeParser,
    cached_slug,
    check_id,
    clip,
    coordinates,
    csv_records,
    department_code,
    has_columns,
    not_before,
    optional_datetime,
    required_datetime,
    zip5,
)

REQUIRED = ("caseid", "opened", "status", "category", "request.type", "responsible.agency")
MISSING = frozenset({"", "NA", "N/A", "NULL", "NONE"})
DUPLICATE = re.compile(r"\bduplicate\b", re.IGNORECASE)
# What an open case's status notes say about its progress.
OPEN_NOTES = {
    "accepted": "acknowledged",
    "scheduled": "assigned",
    "in progress": "in_progress",
    "on hold": "on_hold",
}


def text(row: dict[str, str], column: str) -> str:
    value = row.get(column, "").strip()
    return "" if value.upper() in MISSING else value


def point(row: dict[str, str]) -> tuple[float | None, float | None]:
    """Lat/Long columns where the export has them, else the "(lat, long)" Point."""
    if "lat" in row:
        return coordinates(row, "lat", "long")
    value = text(row, "point")
    if not value:
        return None, None
    lat, sep, long = value.strip("()").partition(",")
    if not sep:
        raise BadValue("point", f"not a (lat, long) point: {value[:40]!r}")
    return coordinates({"lat": lat, "long": long}, "lat", "long")


class SfCsvReader:
    format: ClassVar[str] = "sf-csv"
    source_system: ClassVar[str] = "sf311-cases"

    @classmethod
    def sniff(cls, header: Sequence[str]) -> bool:
        return has_columns(header, REQUIRED)

    def read(self, path: Path, zone: tzinfo) -> Iterator[RequestRecord | Rejected]:
        return csv_records(path, REQUIRED, "caseid", zone, self._record)

    def _record(self, line: int, source_id: str, row: dict[str, str], parse: DatetimeParser) -> RequestRecord:
        check_id("caseid", source_id)
        # 0.5 % of real cases have no request type but a category ("Abandoned Vehicle").
        category = text(row, "category")
        type_name = text(row, "request.type") or category
        if not type_name:
            raise BadValue("request.type", "missing request type and category")
        notes = text(row, "status.notes")
        if row["status"].strip().lower() == "closed":
            status = "duplicate" if DUPLICATE.search(notes) else "closed"
        else:
            status = OPEN_NOTES.get(notes.lower(), "new")
        requested = required_datetime(row, "opened", parse)
        closed = optional_datetime(row, "closed", parse) if status in ("closed", "duplicate") else None
        details = text(row, "request.details")
        address = text(row, "address")
        zipcode = zip5(text(row, "zip")) if "zip" in row else zip5(address.rpartition(",")[2])
        agency = text(row, "responsible.agency")
        media = text(row, "media.url")
        lat, long = point(row)
        return RequestRecord(
            line=line,
            source_id=source_id,
            service_code=cached_slug(type_name),
            service_name=clip(type_name, 200),
            service_group=clip(category, 200),
            department_code=department_code(agency) if agency else "",
            department_name=clip(agency, 200),
            requested_at=requested,
            closed_at=not_before(closed, requested),
            updated_at=not_before(optional_datetime(row, "updated", parse), requested),
            detailed_status=status,
            status_notes=notes,
            description=details if details != type_name else "",
            address=clip(address, 300),
            zipcode=zipcode,
            lat=lat,
            long=long,
            channel_label=text(row, "source"),
            agency=clip(agency, 200),
            media_url=media if media.startswith(("http://", "https://")) and len(media) <= 500 else "",
            source_neighborhood=text(row, "neighborhood"),
        )
