"""JSONP (`callback=`, as Chicago's Open311 server offers it): a JSON answer wrapped in a
call of the named function, for pages that load it with a <script> tag.

Only a plain JavaScript identifier path (`handle`, `app.on_requests`, `$jq_1`) is accepted,
so that the name cannot carry script of its own; the body starts with an empty comment
(against content-sniffing tricks that read a response beginning with the caller's bytes as
another file type) and is served as application/javascript with nosniff.
"""

from __future__ import annotations

import re

from django.http import HttpResponse

from .errors import bad_request

CONTENT_TYPE = "application/javascript; charset=utf-8"
MAX_LENGTH = 64
_PATH = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*", re.ASCII)
# Reserved words of ECMAScript (and literals): never a function's name.
_RESERVED = frozenset({
    "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else",
    "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof",
    "new", "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void",
    "while", "with", "yield", "let", "static", "implements", "interface", "package", "private", "protected",
    "public", "await", "arguments", "eval", "undefined", "NaN", "Infinity",
})


def callback_name(value: str) -> str:
    """`value` if it is a safe JavaScript function path, else a 400."""
    if len(value) > MAX_LENGTH or not _PATH.fullmatch(value) or any(p in _RESERVED for p in value.split(".")):
        raise bad_request(
            f"callback must be a JavaScript function name of at most {MAX_LENGTH} letters, digits, _ and $ "
            "(dots between names allowed), such as handleRequests."
        )
    return value


def wrap(response: HttpResponse, name: str) -> HttpResponse:
    """The JSON `response` as a call of `name`, with the same status."""
    # U+2028 and U+2029 are valid in JSON but end a line in older JavaScript parsers.
    body = response.content.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")
    wrapped = HttpResponse(b"/**/" + name.encode("ascii") + b"(" + body + b");", status=response.status_code,
                           content_type=CONTENT_TYPE)
    for header, value in response.items():
        if header.lower() not in {"content-type", "content-length"}:
            wrapped[header] = value
    wrapped["X-Content-Type-Options"] = "nosniff"
    return wrapped
