"""What every reader produces: one normalised record per source row, or a rejection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class MalformedFile(Exception):
    """The file cannot be read as the format it claims to be; nothing of it is imported."""

    def __init__(self, path: str, line: int | None, field: str | None, message: str) -> None:
        self.path, self.line, self.field, self.message = path, line, field, message
        where = path + (f", line {line}" if line else "") + (f", field {field!r}" if field else "")
        super().__init__(f"{where}: {message}")


@dataclass(slots=True)
class Rejected:
    """A row that cannot be imported; the rest of the file still is."""

    line: int
    source_id: str
    field: str
    reason: str


@dataclass(slots=True)
class RequestRecord:
    line: int
    source_id: str
    service_code: str
    service_name: str
    requested_at: datetime
    detailed_status: str  # a Status code: new, assigned, closed, ...
    service_group: str = ""
    department_code: str = ""
    department_name: str = ""
    queue_code: str = ""
    status_notes: str = ""
    description: str = ""
    address: str = ""
    address_id: str = ""
    zipcode: str = ""
    lat: float | None = None
    long: float | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    expected_at: datetime | None = None
    channel_label: str = ""
    agency: str = ""
    media_url: str = ""
    source_neighborhood: str = ""
