"""Answers to a service definition's questions: `attribute[CODE]=value`, and repeated
`attribute[CODE][]=value` for multi-value lists, checked against the definition (required,
datatype, allowed values). Every problem is reported, not only the first.

Attributes the definition does not ask for are dropped, not refused: FixMyStreet sends its
own (fixmystreet_id, title, report_url, easting, ...) to every service, and what is not
asked for is not kept."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils.datastructures import MultiValueDict

from civic311.catalog.models import ServiceAttribute

from .params import clean

Answer = str | int | float | list[str]
MAX_ANSWER = 4000
# attribute[CODE], attribute[CODE][], and attribute[CODE][0] from clients that number them.
_KEY = re.compile(r"^attribute\[(?P<code>[^\[\]]+)\](?:\[\d*\])?$")
Datatype = ServiceAttribute.Datatype


def raw_answers(data: MultiValueDict[str, str]) -> dict[str, list[str]]:
    """Every attribute value sent, by code, blanks dropped."""
    answers: dict[str, list[str]] = {}
    for key in data:
        match = _KEY.match(key)
        if match is None:
            continue
        values = [clean(v).strip() for v in data.getlist(key)]
        answers.setdefault(match["code"].strip(), []).extend(v for v in values if v)
    return answers


def _number(value: str) -> int | float | None:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number) > Decimal("1e15"):
        return None
    if number == number.to_integral_value() and "." not in value and "e" not in value.lower():
        return int(number)
    result = float(number)
    return result if math.isfinite(result) else None


def _datetime(value: str) -> str | None:
    try:
        return datetime.fromisoformat(value.replace(" ", "T", 1) if "T" not in value else value).isoformat()
    except ValueError:
        return None


def _allowed(question: ServiceAttribute) -> dict[str, str]:
    values: Iterable[object] = question.values if isinstance(question.values, list) else []
    allowed: dict[str, str] = {}
    for value in values:
        if isinstance(value, dict) and "key" in value:
            allowed[str(value["key"])] = str(value.get("name", value["key"]))
    return allowed


def check_answers(
    questions: Sequence[ServiceAttribute], sent: dict[str, list[str]]
) -> tuple[dict[str, Answer], list[str]]:
    """(the answers to keep, by code; the problems found)."""
    answers: dict[str, Answer] = {}
    problems: list[str] = []
    for question in questions:
        if not question.variable:
            continue
        code = question.code
        given = sent.get(code, [])
        label = f"attribute[{code}]"
        if not given:
            if question.required:
                problems.append(f"{label} is required: {question.description[:200]}")
            continue
        if any(len(v) > MAX_ANSWER for v in given):
            problems.append(f"{label} is longer than {MAX_ANSWER} characters.")
            continue
        if question.datatype == Datatype.MULTIVALUELIST:
            allowed = _allowed(question)
            unknown = [v for v in given if v not in allowed]
            if unknown:
                problems.append(f"{label}: {', '.join(repr(v[:60]) for v in unknown)} not among {sorted(allowed)}.")
            else:
                answers[code] = list(dict.fromkeys(given))
            continue
        if len(given) > 1:
            problems.append(f"{label} takes one value, not {len(given)}.")
            continue
        value = given[0]
        if question.datatype == Datatype.SINGLEVALUELIST:
            allowed = _allowed(question)
            if value not in allowed:
                problems.append(f"{label}: {value[:60]!r} is not among {sorted(allowed)}.")
            else:
                answers[code] = value
        elif question.datatype == Datatype.NUMBER:
            number = _number(value)
            if number is None:
                problems.append(f"{label} must be a number: {value[:60]!r}")
            else:
                answers[code] = number
        elif question.datatype == Datatype.DATETIME:
            moment = _datetime(value)
            if moment is None:
                problems.append(f"{label} must be an ISO 8601 datetime: {value[:60]!r}")
            else:
                answers[code] = moment
        elif question.datatype == Datatype.STRING and ("\n" in value or "\r" in value):
            problems.append(f"{label} must be a single line.")
        else:
            answers[code] = value
    return answers, problems
