"""A service definition's questions as form fields, checked by the same rules as the
Open311 POST (required, datatype, allowed values, single-line strings, length), with
messages in the resident's language. Answers are keyed by attribute code."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import ServiceAttribute

MAX_ANSWER = 4000
Datatype = ServiceAttribute.Datatype
PREFIX = "attribute_"


def _choices(question: ServiceAttribute) -> list[tuple[str, str]]:
    values = question.values if isinstance(question.values, list) else []
    return [(str(v["key"]), str(v.get("name", v["key"]))) for v in values if isinstance(v, dict) and "key" in v]


class NumberField(forms.Field):
    """A number as Open311 takes it: an integer when written without a point, finite."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def to_python(self, value: Any) -> int | float | None:
        text = str(value).strip() if value is not None else ""
        if not text:
            return None
        if len(text) > 40:
            raise ValidationError(_("Enter a number."), code="invalid")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("Enter a number."), code="invalid") from None
        if not number.is_finite() or abs(number) > Decimal("1e15"):
            raise ValidationError(_("Enter a number."), code="invalid")
        if number == number.to_integral_value() and "." not in text and "e" not in text.lower():
            return int(number)
        result = float(number)
        if not math.isfinite(result):
            raise ValidationError(_("Enter a number."), code="invalid")
        return result


class SingleLineField(forms.CharField):
    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and ("\n" in value or "\r" in value):
            raise ValidationError(_("Answer on a single line."), code="single_line")


def field_for(question: ServiceAttribute) -> forms.Field:
    """The form field asking `question`."""
    common: dict[str, Any] = {"label": question.description, "required": question.required,
                              "help_text": question.datatype_description}
    kind = question.datatype
    if kind == Datatype.SINGLEVALUELIST:
        return forms.ChoiceField(choices=_choices(question), widget=forms.RadioSelect, **common)
    if kind == Datatype.MULTIVALUELIST:
        return forms.MultipleChoiceField(choices=_choices(question), widget=forms.CheckboxSelectMultiple, **common)
    if kind == Datatype.NUMBER:
        return NumberField(**common)
    if kind == Datatype.DATETIME:
        return forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    if kind == Datatype.TEXT:
        return forms.CharField(max_length=MAX_ANSWER, widget=forms.Textarea(attrs={"rows": 3}), **common)
    return SingleLineField(max_length=MAX_ANSWER, **common)


def add_question_fields(form: forms.Form, questions: Sequence[ServiceAttribute]) -> None:
    for question in questions:
        if question.variable:
            form.fields[PREFIX + question.code] = field_for(question)


def answers(cleaned: dict[str, Any], questions: Sequence[ServiceAttribute]) -> dict[str, Any]:
    """The answers to keep (blanks dropped), as Open311 stores them."""
    kept: dict[str, Any] = {}
    for question in questions:
        value = cleaned.get(PREFIX + question.code)
        if value in (None, "", []):
            continue
        if question.datatype == Datatype.DATETIME:
            value = value.isoformat()
        elif question.datatype == Datatype.MULTIVALUELIST:
            value = list(dict.fromkeys(value))
        kept[question.code] = value
    return kept
