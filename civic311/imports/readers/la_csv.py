"""Los Angeles MyLA311 CSV exports, in three column sets:

- the MyLA311 open-data export (SRNumber, CreatedDate "%m/%d/%Y %I:%M:%S %p", RequestType,
  Status, RequestSource, Owner, AssignTo, ServiceDate, NCName...);
- the same in lower case with ISO-like dates ("2020-01-01 00:05:00");
- Hack for LA's 311-data API export (srnumber, typeName, agencyName, sourceName,
  createdDate ISO, closedDate, councilName), which has no status column (a closed date
  means closed) and renamed the request types: they are mapped back to the MyLA311 names
  so that one catalog serves every export.

Dates are local (America/Los_Angeles). Closed dates before the request (date-only closed
dates at midnight of the same day) are dropped, the request kept."""

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
    not_before,
    optional_datetime,
    read_header,
    required_datetime,
    zip5,
)

COMMON = ("srnumber", "createddate", "closeddate", "address", "latitude", "longitude")
MYLA311 = (*COMMON, "requesttype", "status", "requestsource", "owner")
API = (*COMMON, "typename", "agencyname", "sourcename")

STATUSES = {
    "closed": "closed",
    "cancelled": "cancelled",
    "referred out": "transferred",
    "open": "new",
    "pending": "on_hold",
}
CLOSED = frozenset({"closed", "cancelled"})
# MyLA311 owner codes → department names.
OWNERS = {
    "BOS": "Bureau of Sanitation",
    "LASAN": "LA Sanitation",
    "OCB": "Office of Community Beautification",
    "ITA": "Information Technology Agency",
    "BSL": "Bureau of Street Lighting",
    "LADWP": "Department of Water and Power",
    "BSS": "Bureau of Street Services",
}
# The API export's agency names → MyLA311 owner codes.
API_AGENCIES = {
    "Sanitation Bureau": "BOS",
    "Office of Community Beautification": "OCB",
    "Information Technology Agency": "ITA",
    "Street Lighting Bureau": "BSL",
    "Department of Water & Power": "LADWP",
    "Bureau of Street Services": "BSS",
}
# The API export's request type names → MyLA311 request types.
API_TYPES = {
    "Graffiti": "Graffiti Removal",
    "Illegal Dumping": "Illegal Dumping Pickup",
    "Metal/Appliances": "Metal/Household Appliances",
    "Animal Remains": "Dead Animal Removal",
    "Single Streetlight": "Single Streetlight Issue",
    "Multiple Streetlights": "Multiple Streetlight Issue",
    "Water Waste": "Report Water Waste",
}


def _folded(header: Sequence[str]) -> set[str]:
    return {h.strip().lower() for h in header}


class LaCsvReader:
    format: ClassVar[str] = "la-csv"
    source_system: ClassVar[str] = "myla311"

    @classmethod
    def sniff(cls, header: Sequence[str]) -> bool:
        folded = _folded(header)
        return all(c in folded for c in MYLA311) or all(c in folded for c in API)

    def read(self, path: Path, zone: tzinfo) -> Iterator[RequestRecord | Rejected]:
        api = all(c in _folded(read_header(path)) for c in API)
        build = self._api_record if api else self._myla311_record
        return csv_records(path, API if api else MYLA311, "srnumber", zone, build)

    def _myla311_record(
        self, line: int, source_id: str, row: dict[str, str], parse: DatetimeParser
    ) -> RequestRecord:
        check_id("srnumber", source_id)
        type_name = row["requesttype"].strip()
        if not type_name:
            raise BadValue("requesttype", "missing request type")
        status = STATUSES.get(row["status"].strip().lower(), "new")
        requested = required_datetime(row, "createddate", parse)
        closed = optional_datetime(row, "closeddate", parse) if status in CLOSED else None
        owner = row["owner"].strip()
        lat, long = coordinates(row, "latitude", "longitude")
        return RequestRecord(
            line=line,
            source_id=source_id,
            service_code=cached_slug(type_name),
            service_name=clip(type_name, 200),
            department_code=owner[:40],
            department_name=OWNERS.get(owner, owner),
            queue_code=row.get("assignto", "").strip()[:80] if owner else "",
            requested_at=requested,
            closed_at=not_before(closed, requested),
            updated_at=not_before(optional_datetime(row, "updateddate", parse), requested),
            expected_at=not_before(optional_datetime(row, "servicedate", parse), requested),
            detailed_status=status,
            address=clip(row["address"], 300),
            zipcode=zip5(row.get("zipcode", "")),
            lat=lat,
            long=long,
            channel_label=row["requestsource"].strip(),
            agency=clip(OWNERS.get(owner, owner), 200),
            source_neighborhood=row.get("ncname", "").strip(),
        )

    def _api_record(
        self, line: int, source_id: str, row: dict[str, str], parse: DatetimeParser
    ) -> RequestRecord:
        check_id("srnumber", source_id)
        type_name = row["typename"].strip()
        if not type_name:
            raise BadValue("typename", "missing request type")
        type_name = API_TYPES.get(type_name, type_name)
        requested = required_datetime(row, "createddate", parse)
        closed = optional_datetime(row, "closeddate", parse)
        agency = row["agencyname"].strip()
        code = (API_AGENCIES.get(agency) or department_code(agency)) if agency else ""
        address = row["address"].strip()
        lat, long = coordinates(row, "latitude", "longitude")
        return RequestRecord(
            line=line,
            source_id=source_id,
            service_code=cached_slug(type_name),
            service_name=clip(type_name, 200),
            department_code=code,
            department_name=clip(OWNERS.get(code, agency), 200),
            requested_at=requested,
            closed_at=not_before(closed, requested),
            detailed_status="closed" if closed is not None else "new",
            address=clip(address, 300),
            zipcode=zip5(address.rpartition(",")[2]),
            lat=lat,
            long=long,
            channel_label=row["sourcename"].strip(),
            agency=clip(agency, 200),
            source_neighborhood=row.get("councilname", "").strip(),
        )
