"""Descriptions are plain text (the spec: "may contain line breaks, but not html or code").
Markup a client sends is stripped, not refused, so a resident's report is never lost over a
stray tag: tags go, their text stays, and script/style elements go whole. nh3 (the Ammonia
sanitiser) does the parsing; a regex cannot parse HTML."""

from __future__ import annotations

import html

import nh3


def strip_html(text: str) -> str:
    """`text` with any HTML markup removed and entities decoded; other text unchanged."""
    for _ in range(3):  # "&lt;b&gt;" decodes to markup once more: strip again
        if not nh3.is_html(text):
            return text
        text = html.unescape(nh3.clean(text, tags=set(), attributes={}, strip_comments=True))
    return text
