"""Shared pieces of the readers: opening (gzip or not), CSV with a checked header, and
parsing values into the types records need, with errors that name the field."""

from __future__ import annotations

import csv
import gzip
import zlib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import IO, ClassVar, Protocol

from ..records import MalformedFile, Rejected, RequestRecord

csv.field_size_limit(10_000_000)


class BadValue(ValueError):
    """A field's value cannot be used; the row is rejected with this reason."""

    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


class RequestReader(Protocol):
    format: ClassVar[str]
    source_system: ClassVar[str]

    @classmethod
    def sniff(cls, header: Sequence[str]) -> bool: ...

    def read(self, path: Path, zone: tzinfo) -> Iterator[RequestRecord | Rejected]: ...


def open_binary(path: Path) -> IO[bytes]:
    """Open a file for reading, transparently gunzipping `.gz`."""
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def text_lines(path: Path) -> Iterator[str]:
    """The lines of a UTF-8 text file, decoded one by one so that undecodable bytes or a
    truncated file raise MalformedFile naming the exact line."""
    number = 0
    with open_binary(path) as raw:
        try:
            for number, data in enumerate(raw, start=1):
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise MalformedFile(
                        str(path), number, None, f"not UTF-8 text ({exc.reason} at column {exc.start + 1})"
                    ) from None
                yield text.removeprefix("\ufeff") if number == 1 else text
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise MalformedFile(str(path), number + 1, None, f"truncated or corrupt file ({exc})") from None


def read_header(path: Path) -> list[str]:
    """The first CSV row of a file, or [] if it is not readable as CSV text."""
    try:
        return next(csv.reader(text_lines(path)), [])
    except (MalformedFile, OSError, csv.Error):
        return []


def csv_rows(
    path: Path, required: Sequence[str], *, fold_case: bool = False
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) for each CSV record. A wrong header, undecodable bytes, a ragged record
    or a truncated file raise MalformedFile naming the line. `fold_case` lower-cases
    column names."""
    lines = text_lines(path)
    # strict: a quoted field still open at the end of the file is an error, not a value.
    reader = csv.reader(lines, strict=True)
    line = 1
    try:
        try:
            header = next(reader)
        except StopIteration:
            raise MalformedFile(str(path), 1, None, "the file is empty") from None
        if fold_case:
            header = [h.strip().lower() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            raise MalformedFile(
                str(path), 1, missing[0],
                f"missing column(s) {', '.join(missing)}; is this the right --format?",
            )
        width = len(header)
        for row in reader:
            if not row:
                line = reader.line_num
                continue
            if len(row) != width:
                raise MalformedFile(
                    str(path), line + 1, None,
                    f"expected {width} fields, found {len(row)} (truncated or wrong delimiter?)",
                )
            yield line + 1, dict(zip(header, row, strict=True))
            line = reader.line_num
    except csv.Error as exc:
        # Named by the line where the broken record starts.
        raise MalformedFile(str(path), line + 1, None, f"CSV error: {exc}") from None
    finally:
        lines.close()  # type: ignore[attr-defined]


DatetimeParser = Callable[[str], datetime]


def local_datetime_parser(formats: Sequence[str], zone: tzinfo) -> DatetimeParser:
    """A parser for naive local timestamps in one of `formats`, returning aware UTC.
    "iso" means datetime.fromisoformat (fast); an offset in the text is honoured."""

    def parse(text: str) -> datetime:
        for fmt in formats:
            try:
                value = datetime.fromisoformat(text) if fmt == "iso" else datetime.strptime(text, fmt)
            except ValueError:
                continue
            if value.tzinfo is None:
                value = value.replace(tzinfo=zone)
            return value.astimezone(UTC)
        raise ValueError(f"unrecognised date {text[:40]!r}")

    return parse


def optional_datetime(row: dict[str, str], column: str, parse: DatetimeParser) -> datetime | None:
    text = row.get(column, "").strip()
    if not text or text.upper() in {"NA", "NULL", "NONE", "NAN"}:
        return None
    try:
        return parse(text)
    except ValueError as exc:
        raise BadValue(column, str(exc)) from None


def required_datetime(row: dict[str, str], column: str, parse: DatetimeParser) -> datetime:
    value = optional_datetime(row, column, parse)
    if value is None:
        raise BadValue(column, "missing date")
    return value


def coordinates(row: dict[str, str], lat_column: str, long_column: str) -> tuple[float | None, float | None]:
    lat_text, long_text = row.get(lat_column, "").strip(), row.get(long_column, "").strip()
    if not lat_text or not long_text or lat_text.upper() == "NA" or long_text.upper() == "NA":
        return None, None
    try:
        lat, long = float(lat_text), float(long_text)
    except ValueError:
        raise BadValue(lat_column, f"not a coordinate: {lat_text[:30]!r}, {long_text[:30]!r}") from None
    if lat == 0 and long == 0:
        return None, None
    if not (-90 <= lat <= 90 and -180 <= long <= 180):
        raise BadValue(lat_column, f"coordinate out of range: {lat}, {long}")
    return lat, long


def clip(text: str, length: int) -> str:
    text = text.strip()
    return text if len(text) <= length else text[: length - 1] + "…"


def slug_code(name: str) -> str:
    """A stable service code from a source's type name (for sources without codes)."""
    out = []
    for ch in name.strip().lower():
        out.append(ch if ch.isalnum() else "-")
    return "-".join(filter(None, "".join(out).split("-")))[:100] or "unknown"


# Helpers shared by the city readers.

US_FORMAT = "%m/%d/%Y %I:%M:%S %p"
MAX_ID = 64  # ServiceRequest.public_id


def local_parser(zone: tzinfo) -> DatetimeParser:
    """Parse "02/28/2023 11:45:00 PM" (fast path, 4x quicker than strptime), ISO 8601
    ("2021-01-01T00:00:09.000", "2020-01-01 00:05:00") or, as a last resort, the US format
    via strptime; naive values are local to `zone`. Returns aware UTC."""

    def parse(text: str) -> datetime:
        value: datetime | None = None
        if len(text) == 22 and text[2] == "/" and text[5] == "/" and text[10] == " " and text[21] == "M":
            try:
                hour = int(text[11:13])
                if 1 <= hour <= 12 and text[20] in "AP":
                    hour = (0 if hour == 12 else hour) + (12 if text[20] == "P" else 0)
                    value = datetime(
                        int(text[6:10]), int(text[0:2]), int(text[3:5]),
                        hour, int(text[14:16]), int(text[17:19]),
                    )
            except ValueError:
                value = None
        if value is None:
            try:
                value = datetime.fromisoformat(text)
            except ValueError:
                try:
                    value = datetime.strptime(text, US_FORMAT)
                except ValueError:
                    raise ValueError(f"unrecognised date {text[:40]!r}") from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)

    return parse


# slug_code costs ~10 µs a call; sources repeat a few hundred type and agency names.
cached_slug = lru_cache(maxsize=4096)(slug_code)


def department_code(name: str) -> str:
    """A Department.code (40 characters) from a department's name."""
    return cached_slug(name)[:40].strip("-")


def not_before(value: datetime | None, start: datetime) -> datetime | None:
    """`value`, unless it lies before `start` (an impossible date for the request)."""
    return value if value is not None and value >= start else None


def zip5(text: str) -> str:
    """A US ZIP code (5 digits, or ZIP+4), else "" ("N/A", "0", "94107.0"...)."""
    text = text.strip().removesuffix(".0")
    if len(text) == 5 and text.isdigit():
        return text
    if len(text) == 10 and text[5] == "-" and text[:5].isdigit() and text[6:].isdigit():
        return text
    return ""


def unmangle(text: str) -> str:
    """Undo UTF-8 read as Latin-1 ("Transportationâ\\x80\\x99s" → "Transportation’s")."""
    if "â\x80" in text:
        try:
            return text.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return text
    return text


def check_id(column: str, source_id: str) -> None:
    if not source_id:
        raise BadValue(column, "missing request id")
    if len(source_id) > MAX_ID:
        raise BadValue(column, f"request id longer than {MAX_ID} characters")


RecordBuilder = Callable[[int, str, dict[str, str], DatetimeParser], RequestRecord]


def has_columns(header: Sequence[str], required: Sequence[str]) -> bool:
    """Whether a CSV header (any case) has all `required` (lower-case) columns."""
    folded = {h.strip().lower() for h in header}
    return all(c in folded for c in required)


def csv_records(
    path: Path, required: Sequence[str], id_column: str, zone: tzinfo, build: RecordBuilder
) -> Iterator[RequestRecord | Rejected]:
    """The records of a city's CSV export: `build` turns a row into a RequestRecord, and
    a row it refuses (BadValue) becomes a Rejected naming the field and the reason."""
    parse = local_parser(zone)
    for line, raw in csv_rows(path, required, fold_case=True):
        source_id = raw[id_column].strip()
        try:
            yield build(line, source_id, raw, parse)
        except BadValue as bad:
            yield Rejected(line, source_id, bad.field, bad.reason)
