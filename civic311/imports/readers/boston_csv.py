"""Boston's case export CSV, in its 2011, 2015 and 2025 column sets (column names differ
in case and a few names; dates differ in format)."""

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
    check_id,
    clip,
    coordinates,
    csv_records,
    has_columns,
    optional_datetime,
    required_datetime,
    slug_code,
)

REQUIRED = ("case_enquiry_id", "open_dt", "closed_dt", "case_status", "type", "latitude", "longitude")
DUPLICATE = re.compile(r"\bduplicate\b", re.IGNORECASE)


class BostonCsvReader:
    format: ClassVar[str] = "boston-csv"
    source_system: ClassVar[str] = "boston-case-export"

    @classmethod
    def sniff(cls, header: Sequence[str]) -> bool:
        return has_columns(header, REQUIRED)

    def read(self, path: Path, zone: tzinfo) -> Iterator[RequestRecord | Rejected]:
        return csv_records(path, REQUIRED, "case_enquiry_id", zone, self._record)

    def _record(self, line: int, source_id: str, row: dict[str, str], parse: DatetimeParser) -> RequestRecord:
        check_id("case_enquiry_id", source_id)
        type_name = row["type"].strip()
        if not type_name:
            raise BadValue("type", "missing type")
        closed = row["case_status"].strip().lower() == "closed"
        queue = clip(row.get("queue", ""), 80)
        notes = row.get("closure_reason", "").strip()
        if closed:
            status = "duplicate" if DUPLICATE.search(notes) else "closed"
        else:
            status = "assigned" if queue else "new"
        lat, long = coordinates(row, "latitude", "longitude")
        title = row.get("case_title", "").strip()
        department = clip(row.get("department", ""), 40)
        return RequestRecord(
            line=line,
            source_id=source_id,
            service_code=slug_code(type_name),
            service_name=clip(type_name, 200),
            service_group=clip(row.get("reason", ""), 200),
            department_code=department,
            department_name=row.get("subject", "").strip(),
            queue_code=queue,
            requested_at=required_datetime(row, "open_dt", parse),
            closed_at=optional_datetime(row, "closed_dt", parse) if closed else None,
            expected_at=optional_datetime(row, "target_dt", parse)
            if "target_dt" in row
            else optional_datetime(row, "sla_target_dt", parse),
            detailed_status=status,
            status_notes=notes,
            description=title if title and title != type_name else "",
            # Boston's export pads address parts with double spaces.
            address=clip(" ".join(row.get("location", "").split()), 300),
            zipcode=row.get("location_zipcode", "").strip().removesuffix(".0").zfill(5)[:10]
            if row.get("location_zipcode", "").strip()
            else "",
            lat=lat,
            long=long,
            channel_label=row.get("source", "").strip(),
            agency=department,
            source_neighborhood=row.get("neighborhood", "").strip(),
        )
