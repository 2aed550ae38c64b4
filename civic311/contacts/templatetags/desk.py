"""Small filters for the desk's question forms (answers saved as lists by code)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def first_answer(answers: dict[str, Any], code: str) -> str:
    values = answers.get(code) if isinstance(answers, dict) else None
    return str(values[0]) if isinstance(values, list) and values else ""


@register.filter
def answered(key: str, answers: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return (key, answers)


@register.filter
def chosen_for(pair: tuple[str, dict[str, Any]], code: str) -> bool:
    """Whether the value `key` was chosen for question `code`: `key|answered:answers|get_item:code`."""
    key, answers = pair
    values = answers.get(code) if isinstance(answers, dict) else None
    return isinstance(values, list) and key in values


@register.filter
def percent(share: float | None) -> str:
    """0.456 → "46 %"; no share (nothing closed) → "—"."""
    return "—" if share is None else f"{round(share * 100)} %"


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as minutes:seconds (h:mm:ss past an hour); none → "—"."""
    if seconds is None:
        return "—"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
