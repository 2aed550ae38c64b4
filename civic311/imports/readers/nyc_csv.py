"""NYC Open Data's "311 Service Requests" CSV export (Socrata), in its 41-column form and
with the extra computed-region columns some exports append (ignored).

Dates are local (America/New_York) in "%m/%d/%Y %I:%M:%S %p". Real exports hold closed
dates before the request was created (the 01/01/1900 placeholder, and month-shifted dates
such as a 02/28/2023 request "closed" on 01/01/2023): such a closed date is dropped and the
request is kept (closed_at None), since the rest of the record is sound."""

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
    has_columns,
    not_before,
    optional_datetime,
    required_datetime,
    unmangle,
    zip5,
)

REQUIRED = ("unique key", "created date", "closed date", "agency", "complaint type", "status")
STATUSES = {
    "closed": "closed",
    "in progress": "in_progress",
    "started": "in_progress",
    "assigned": "assigned",
    "open": "new",
    "pending": "on_hold",
    "unspecified": "new",
}


class NycCsvReader:
    format: ClassVar[str] = "nyc-csv"
    source_system: ClassVar[str] = "nyc-311-open-data"

    @classmethod
    def sniff(cls, header: Sequence[str]) -> bool:
        return has_columns(header, REQUIRED)

    def read(self, path: Path, zone: tzinfo) -> Iterator[RequestRecord | Rejected]:
        return csv_records(path, REQUIRED, "unique key", zone, self._record)

    def _record(self, line: int, source_id: str, row: dict[str, str], parse: DatetimeParser) -> RequestRecord:
        check_id("unique key", source_id)
        type_name = row["complaint type"].strip()
        if not type_name:
            raise BadValue("complaint type", "missing complaint type")
        status = STATUSES.get(row["status"].strip().lower(), "new")
        requested = required_datetime(row, "created date", parse)
        closed = optional_datetime(row, "closed date", parse) if status == "closed" else None
        descriptor = row.get("descriptor", "").strip()
        location_type = row.get("location type", "").strip()
        description = (
            f"{descriptor} ({location_type})" if descriptor and location_type else descriptor or location_type
        )
        address = row.get("incident address", "").strip()
        if not address:
            cross = [row.get(c, "").strip() for c in ("intersection street 1", "intersection street 2")]
            address = " & ".join(filter(None, cross)) or row.get("street name", "").strip()
        neighborhood = row.get("community board", "").strip()
        if not neighborhood or "unspecified" in neighborhood.lower():
            neighborhood = row.get("borough", "").strip()
            if neighborhood.lower() == "unspecified":
                neighborhood = ""
        agency = row["agency"].strip()
        agency_name = row.get("agency name", "").strip()
        lat, long = coordinates(row, "latitude", "longitude")
        return RequestRecord(
            line=line,
            source_id=source_id,
            service_code=cached_slug(type_name),
            service_name=clip(type_name, 200),
            department_code=agency[:40],
            department_name=clip(agency_name, 200),
            requested_at=requested,
            closed_at=not_before(closed, requested),
            updated_at=not_before(optional_datetime(row, "resolution action updated date", parse), requested),
            expected_at=not_before(optional_datetime(row, "due date", parse), requested),
            detailed_status=status,
            status_notes=unmangle(row.get("resolution description", "").strip()),
            description=description,
            address=clip(address, 300),
            zipcode=zip5(row.get("incident zip", "")),
            lat=lat,
            long=long,
            channel_label=row.get("open data channel type", "").strip(),
            agency=clip(agency_name or agency, 200),
            source_neighborhood=neighborhood,
        )
