"""Reading Open311 parameters: empty means absent, comma lists, W3C datetimes, the 90-day
window of GET requests, and page numbers. Every bad value becomes a 400 with a message
naming the parameter; nothing here touches the database."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from django.utils.datastructures import MultiValueDict

from .errors import bad_request

MAX_SPAN = timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_IDS = 1000

# C0 controls (but tab, newline and carriage return), DEL and lone surrogates: never valid
# in XML 1.0, and PostgreSQL refuses NUL in text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# "+02:00" sent unescaped in a query string arrives as " 02:00".
_SPACE_OFFSET = re.compile(r"(T\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:?\d\d)$")


def clean(value: str) -> str:
    """`value` without the characters no output format can carry."""
    return _CONTROL.sub("", value) if _CONTROL.search(value) else value


def first(data: Mapping[str, str] | MultiValueDict[str, str], name: str) -> str | None:
    """The parameter's value, cleaned and stripped; None when absent or empty."""
    value = data.get(name)
    if value is None:
        return None
    value = clean(str(value)).strip()
    return value or None


def comma_list(value: str | None) -> list[str]:
    """"a, b,,c" → ["a", "b", "c"] (order kept, repeats dropped)."""
    if value is None:
        return []
    seen: dict[str, None] = {}
    for part in value.split(","):
        part = part.strip()
        if part:
            seen[part] = None
    return list(seen)


def parse_datetime(value: str, name: str, zone: tzinfo) -> datetime:
    """A W3C/ISO 8601 datetime; without an offset it is read in the jurisdiction's zone."""
    text = _SPACE_OFFSET.sub(r"\1+\2", value.strip())
    try:
        if len(text) > 40 or not text[:4].isdigit():
            raise ValueError(text)
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        parsed.utcoffset()
        # Far-off years overflow once shifted by an offset or a window: refuse them here.
        parsed - MAX_SPAN - timedelta(days=2)
        parsed + MAX_SPAN + timedelta(days=2)
        # In UTC: PostgreSQL refuses offsets Python accepts (e.g. -16:23).
        parsed = parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise bad_request(
            f"{name} is not a W3C datetime such as 2010-01-01T00:00:00Z: {value[:60]!r}"
        ) from None
    return parsed


def optional_datetime(data: Mapping[str, str] | MultiValueDict[str, str], name: str, zone: tzinfo) -> datetime | None:
    value = first(data, name)
    return None if value is None else parse_datetime(value, name, zone)


@dataclass(frozen=True)
class Window:
    """Inclusive bounds on a datetime; None is unbounded."""

    start: datetime | None
    end: datetime | None


def window(start: datetime | None, end: datetime | None, start_name: str, end_name: str) -> Window:
    """The spec's window: both ends given (at most 90 days apart, end not before start), or
    one end and 90 days from it."""
    if start is not None and end is not None:
        if end < start:
            raise bad_request(f"{end_name} is before {start_name}.")
        if end - start > MAX_SPAN:
            raise bad_request(
                f"{start_name} and {end_name} may not be more than 90 days apart; "
                f"ask for several windows of at most 90 days."
            )
        return Window(start, end)
    if start is not None:
        return Window(start, start + MAX_SPAN)
    if end is not None:
        return Window(end - MAX_SPAN, end)
    return Window(None, None)


def positive_int(data: Mapping[str, str] | MultiValueDict[str, str], name: str, default: int, maximum: int) -> int:
    value = first(data, name)
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or len(value) > 9 or not 1 <= int(value) <= maximum:
        raise bad_request(f"{name} must be a whole number from 1 to {maximum}: {value[:20]!r}")
    return int(value)


def boolean(data: Mapping[str, str] | MultiValueDict[str, str], name: str) -> bool:
    value = first(data, name)
    if value is None:
        return False
    if value.lower() in {"true", "1", "yes"}:
        return True
    if value.lower() in {"false", "0", "no"}:
        return False
    raise bad_request(f"{name} must be true or false: {value[:20]!r}")
