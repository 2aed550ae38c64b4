"""Chicago's "311 Service Requests" CSV export (data.cityofchicago.org, 2018– schema).

Dates are local (America/Chicago) ISO 8601 ("2021-01-01T00:00:09.000"). The short code
(sr_short_code, e.g. "SFD") is the service code. A request flagged duplicate="True" is
stored as a duplicate once the city closed it; `parent_sr_number` (the request it
duplicates) is not kept yet: the record has no field for it."""

from __future__ import annotations

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

REQUIRED = ("sr_number", "sr_type", "sr_short_code", "owner_department", "status", "created_date")
STATUSES = {
    "completed": "closed",
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "open": "new",
    # Statuses of the pre-2018 exports.
    "completed - dup": "duplicate",
    "open - dup": "new",
}
CLOSED = frozenset({"closed", "cancelled", "duplicate"})


class ChicagoCsvReader:
    format: ClassVar[str] = "chicago-csv"
    source_system: ClassVar[str] = "chicago-311-open-data"

    @classmethod
    def sniff(cls, header: Sequence[str]) -> bool:
        return has_columns(header, REQUIRED)

    def read(self, path: Path, zone: tzinfo) -> Iterator[RequestRecord | Rejected]:
        return csv_records(path, REQUIRED, "sr_number", zone, self._record)

    def _record(self, line: int, source_id: str, row: dict[str, str], parse: DatetimeParser) -> RequestRecord:
        check_id("sr_number", source_id)
        type_name = row["sr_type"].strip()
        if not type_name:
            raise BadValue("sr_type", "missing request type")
        status = STATUSES.get(row["status"].strip().lower(), "new")
        if status in CLOSED and row.get("duplicate", "").strip().lower() == "true":
            status = "duplicate"
        requested = required_datetime(row, "created_date", parse)
        closed = optional_datetime(row, "closed_date", parse) if status in CLOSED else None
        department = row["owner_department"].strip()
        lat, long = coordinates(row, "latitude", "longitude")
        return RequestRecord(
            line=line,
            source_id=source_id,
            service_code=row["sr_short_code"].strip()[:100] or cached_slug(type_name),
            service_name=clip(type_name, 200),
            department_code=department_code(department) if department else "",
            department_name=clip(department, 200),
            requested_at=requested,
            closed_at=not_before(closed, requested),
            updated_at=not_before(optional_datetime(row, "last_modified_date", parse), requested),
            detailed_status=status,
            address=clip(row.get("street_address", ""), 300),
            zipcode=zip5(row.get("zip_code", "")),
            lat=lat,
            long=long,
            channel_label=row.get("origin", "").strip(),
            agency=clip(department, 200),
            source_neighborhood=row.get("community_area", "").strip(),
        )
