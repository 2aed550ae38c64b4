"""Input of the desk pages, strict: every error becomes a message for the agent."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import Channel, ServiceType

from .models import Contact

# The channels an agent takes contacts on; a city changes them with CIVIC311_DESK["channels"].
DESK_CHANNELS = ("phone", "walk_in", "email", "chat", "social", "mobile_unit")
MAX_NOTES = 10_000
MAX_DESCRIPTION = 4_000
MAX_PERIOD_DAYS = 366


def desk_channels() -> list[str]:
    configured = getattr(settings, "CIVIC311_DESK", {}) or {}
    return list(configured.get("channels", DESK_CHANNELS))


class StartForm(forms.Form):
    channel = forms.ModelChoiceField(queryset=Channel.objects.none(), label=_("Channel"), empty_label=None,
                                     to_field_name="code")
    reason = forms.ChoiceField(label=_("Reason"), choices=[
        (value, label) for value, label in Contact.Reason.choices if value != Contact.Reason.EMERGENCY])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = desk_channels()
        field = self.fields["channel"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Channel.objects.filter(code__in=codes, active=True).order_by("name")
        field.initial = codes[0] if codes else None  # most contacts are calls


class ConstituentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    consent_contact = forms.BooleanField(label=_("May the city contact them about their requests"), required=False)
    consent_updates = forms.BooleanField(label=_("May the city send them news and announcements"), required=False)

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"].strip()
        if phone and not all(ch.isdigit() or ch in " +-().ext" for ch in phone.lower()):
            raise forms.ValidationError(_("A phone number has digits, spaces and + - ( ) only."))
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not any(str(data.get(k, "")).strip() for k in ("name", "phone", "email")):
            raise forms.ValidationError(_("Give at least a name, a phone number or an e-mail address."))
        return data


class NotesForm(forms.Form):
    notes = forms.CharField(label=_("Notes"), max_length=MAX_NOTES, required=False)
    reason = forms.ChoiceField(label=_("Reason"), choices=Contact.Reason.choices, required=False)


class RequestForm(forms.Form):
    """The request being taken, apart from the service definition's answers."""

    service_type = forms.ModelChoiceField(queryset=ServiceType.objects.filter(active=True), required=False,
                                          label=_("Service type"))
    description = forms.CharField(label=_("Description"), max_length=MAX_DESCRIPTION, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90, required=False)
    long = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lat") is None) != (data.get("long") is None) and not self.errors:
            raise forms.ValidationError(_("Give both latitude and longitude, or neither."))
        return data


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[
        (value, label) for value, label in Contact.Outcome.choices if value != Contact.Outcome.OPEN])
    notes = forms.CharField(label=_("Wrap-up notes"), max_length=MAX_NOTES, required=False)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("start")
        end: date | None = data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date is before the start date."))
            if end - start > timedelta(days=MAX_PERIOD_DAYS):
                raise forms.ValidationError(_("Choose a period of at most %(days)s days.") % {"days": MAX_PERIOD_DAYS})
        return data
