"""Template helpers of the staff pages, for speed on long lists: `{% select field %}`
writes a form field's <select> in one pass (Django's widget templates cost a template
include per option, which shows on pages offering the whole catalog: a city has hundreds
of queues and service types), and `|case_url` links a case without resolving the URL
pattern again for each row."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote

from django import template
from django.forms import BoundField
from django.urls import get_script_prefix, reverse
from django.utils.html import conditional_escape as escape
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def select(field: BoundField, invalid: bool = False) -> SafeString:
    """The field's <select> with its choices (grouped choices as <optgroup>), the current
    value selected. `invalid` marks it for assistive technology (aria-invalid and the
    error's id)."""
    value = field.value()
    current = {str(v) for v in value} if isinstance(value, list | tuple) else {"" if value is None else str(value)}
    parts: list[str] = []

    def add_options(choices: Iterable[tuple[object, object]]) -> None:
        for key, label in choices:
            value = str(key)
            selected = " selected" if value in current else ""
            parts.append(f'<option value="{escape(value)}"{selected}>{escape(str(label))}</option>')

    for key, label in field.field.choices:  # type: ignore[attr-defined]
        if isinstance(label, list | tuple):  # a group: (its label, its choices)
            parts.append(f'<optgroup label="{escape(str(key))}">')
            add_options(label)
            parts.append("</optgroup>")
        else:
            add_options([(key, label)])
    body = SafeString("".join(parts))
    extra = format_html(' aria-invalid="true" aria-describedby="{}_error"', field.id_for_label) if invalid else ""
    required = " required" if field.field.required else ""
    return format_html('<select name="{}" id="{}"{}{}>{}</select>', field.html_name, field.id_for_label,
                       SafeString(required), extra, body)


@lru_cache(maxsize=8)
def _case_url_prefix(script_prefix: str) -> str:
    return reverse("staff:request", args=["-"]).removesuffix("-/")


@register.filter
def case_url(public_id: str) -> str:
    """The case page of `public_id`: `{% url %}` without resolving the pattern again for
    each of a list's fifty rows."""
    return f"{_case_url_prefix(get_script_prefix())}{quote(str(public_id), safe='')}/"


@register.filter
def div3600(seconds: int) -> str:
    """Seconds as hours with at most one decimal (the SLA time spent on hold)."""
    return f"{seconds / 3600:.1f}".removesuffix(".0")
