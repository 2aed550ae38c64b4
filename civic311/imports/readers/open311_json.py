"""Open311 GeoReport v2 service requests as JSON: an array (a saved GET requests.json), an
object wrapping one, or JSON Lines (one request object a line), optionally gzipped."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, ClassVar

from ..records import MalformedFile, Rejected, RequestRecord
from .base import BadValue, clip, open_binary, slug_code, text_lines

STATUS = {"open": "new", "closed": "closed"}
WRAPPER_KEYS = ("service_requests", "requests", "body", "data", "results")


def _datetime(value: Any, field: str, zone: tzinfo, required: bool = False) -> datetime | None:
    if value in (None, ""):
        if required:
            raise BadValue(field, "missing date")
        return None
    if not isinstance(value, str):
        raise BadValue(field, f"not a date: {str(value)[:40]!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadValue(field, f"not an ISO 8601 date: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def _coordinate(value: Any, field: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadValue(field, f"not a coordinate: {str(value)[:30]!r}") from None
    return number


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    # NUL cannot be stored in PostgreSQL text and never means anything in a 311 record.
    return "" if value is None else str(value).replace("\x00", "").strip()


def _unwrap(document: Any) -> list[Any]:
    if isinstance(document, str):  # a JSON document stored as a string (Lambda responses)
        document = json.loads(document)
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in WRAPPER_KEYS:
            if key in document:
                return _unwrap(document[key])
        if "service_request_id" in document:
            return [document]
    raise ValueError("no list of service requests found")


class Open311JsonReader:
    format: ClassVar[str] = "open311-json"
    source_system: ClassVar[str] = "open311"

    @classmethod
    def sniff(cls, header: Sequence[str]) -> bool:
        return False  # chosen by file name (.json / .jsonl), see detect_format

    def _objects(self, path: Path) -> Iterator[tuple[int, Any]]:
        name = path.name.removesuffix(".gz")
        if name.endswith((".jsonl", ".ndjson")):
            for line_no, line in enumerate(text_lines(path), start=1):
                if not line.strip():
                    continue
                try:
                    yield line_no, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise MalformedFile(str(path), line_no, None, f"invalid JSON: {exc.msg}") from None
            return
        try:
            with open_binary(path) as raw:
                data = raw.read()
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise MalformedFile(str(path), None, None, f"truncated or corrupt file ({exc})") from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            bad_line = data.count(b"\n", 0, exc.start) + 1
            raise MalformedFile(str(path), bad_line, None, f"not UTF-8 text ({exc.reason})") from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MalformedFile(str(path), exc.lineno, None, f"invalid or truncated JSON: {exc.msg}") from None
        try:
            items = _unwrap(document)
        except (ValueError, json.JSONDecodeError) as exc:
            raise MalformedFile(str(path), 1, None, str(exc)) from None
        yield from enumerate(items, start=1)

    def read(self, path: Path, zone: tzinfo) -> Iterator[RequestRecord | Rejected]:
        for line, obj in self._objects(path):
            if not isinstance(obj, dict):
                raise MalformedFile(str(path), line, None, "expected a service request object")
            source_id = _text(obj, "service_request_id")
            try:
                yield self._record(line, source_id, obj, zone)
            except BadValue as bad:
                yield Rejected(line, source_id, bad.field, bad.reason)

    def _record(self, line: int, source_id: str, obj: dict[str, Any], zone: tzinfo) -> RequestRecord:
        if not source_id:
            raise BadValue("service_request_id", "missing id")
        name = _text(obj, "service_name")
        code = _text(obj, "service_code") or slug_code(name)
        if not code:
            raise BadValue("service_code", "missing service code and name")
        status = _text(obj, "status").lower()
        if status not in STATUS:
            raise BadValue("status", f"not open or closed: {status[:20]!r}")
        lat, long = _coordinate(obj.get("lat"), "lat"), _coordinate(obj.get("long"), "long")
        if (lat is None) != (long is None):
            lat = long = None
        updated = _datetime(obj.get("updated_datetime"), "updated_datetime", zone)
        media = _text(obj, "media_url")
        return RequestRecord(
            line=line,
            source_id=clip(source_id, 64),
            service_code=clip(code, 100),
            service_name=clip(name or code, 200),
            requested_at=_datetime(obj.get("requested_datetime"), "requested_datetime", zone, True),  # type: ignore[arg-type]
            updated_at=updated,
            closed_at=updated if status == "closed" else None,
            expected_at=_datetime(obj.get("expected_datetime"), "expected_datetime", zone),
            detailed_status=STATUS[status],
            status_notes=_text(obj, "status_notes"),
            description=_text(obj, "description"),
            address=clip(_text(obj, "address"), 300),
            address_id=clip(_text(obj, "address_id"), 100),
            zipcode=clip(_text(obj, "zipcode"), 10),
            lat=lat,
            long=long,
            agency=clip(_text(obj, "agency_responsible"), 200),
            media_url=media if media.startswith(("http://", "https://")) and len(media) <= 500 else "",
        )
