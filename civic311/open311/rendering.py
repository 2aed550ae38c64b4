"""One document, two formats. Views build plain Python data following the spec's JSON
(the Spark convention: XML with the root dropped, lists as arrays); this module writes it
as JSON, or as the XML it was mapped from, where each list's items are elements named by
LIST_ITEMS (services → service, service_requests → request, ...)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Literal

from django.http import HttpResponse

from .errors import ErrorItem

Format = Literal["json", "xml"]
CONTENT_TYPES: dict[str, str] = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# The element name of one item of each list (its parent's name in the spec's XML).
LIST_ITEMS: dict[str, str] = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
    "endpoints": "endpoint",
    "formats": "format",
    "service_request_updates": "request_update",
    "groups": "group",
}

Value = None | bool | int | float | str | Sequence["Value"] | Mapping[str, "Value"]

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def w3c_datetime(moment: datetime | None, zone: tzinfo) -> str | None:
    """`moment` in the jurisdiction's zone, to the second, with its offset ("Z" for UTC)."""
    if moment is None:
        return None
    text = moment.astimezone(zone).replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _text(value: str) -> str:
    if _INVALID_XML.search(value):
        value = _INVALID_XML.sub("", value)
    return value.translate(_ESCAPES)


def _element(out: list[str], name: str, value: Value) -> None:
    if value is None or value == "":
        out.append(f"<{name}/>")
    elif isinstance(value, bool):
        out.append(f"<{name}>{'true' if value else 'false'}</{name}>")
    elif isinstance(value, int | float):
        out.append(f"<{name}>{value!r}</{name}>")
    elif isinstance(value, str):
        out.append(f"<{name}>{_text(value)}</{name}>")
    elif isinstance(value, Mapping):
        out.append(f"<{name}>")
        for key, item in value.items():
            _element(out, key, item)
        out.append(f"</{name}>")
    else:
        item_name = LIST_ITEMS[name]
        out.append(f"<{name}>")
        for item in value:
            _element(out, item_name, item)
        out.append(f"</{name}>")


def to_xml(root: str, payload: Value) -> bytes:
    out = [XML_DECLARATION]
    _element(out, root, payload)
    return "".join(out).encode("utf-8", "replace")


def to_json(payload: Value) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")


def render(fmt: Format, root: str, payload: Value, status: int = 200) -> HttpResponse:
    """The response for `payload`: a list under its plural `root`, or an object as `root`."""
    body = to_json(payload) if fmt == "json" else to_xml(root, payload)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(
    fmt: Format, status: int, errors: Sequence[ErrorItem], headers: Mapping[str, str] | None = None
) -> HttpResponse:
    payload: list[Value] = [{"code": e.code, "description": e.description} for e in errors]
    response = render(fmt, "errors", payload, status=status)
    for header, value in (headers or {}).items():
        response[header] = value
    return response
