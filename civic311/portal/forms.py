"""The report form: what the resident sees and every check on what they send. Works as a
plain HTML form; the map and address autocomplete only fill its fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import ServiceAttribute
from civic311.places.models import Jurisdiction

from .questions import add_question_fields

MAX_DESCRIPTION = 4000


class ReportForm(forms.Form):
    description = forms.CharField(
        label=_("Describe the problem"), max_length=MAX_DESCRIPTION, required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Please do not include names, phone numbers or licence plates: descriptions are public."),
    )
    address = forms.CharField(
        label=_("Address or intersection"), max_length=300, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "list": "address-suggestions"}),
        help_text=_("Type a street address, or place the pin on the map."),
    )
    lat = forms.FloatField(label=_("Latitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"}))
    long = forms.FloatField(label=_("Longitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"}))
    photo = forms.FileField(
        label=_("Photo (optional)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPEG, PNG or WebP, at most 8 MB. Location data inside the photo is removed."),
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.RegexField(
        label=_("Phone"), max_length=30, required=False, regex=r"^\+?[0-9 ().-]{7,30}$",
        error_messages={"invalid": _("Enter a phone number: digits, spaces, brackets, dots or dashes.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    consent = forms.BooleanField(
        label=_("The city may contact me about this request (updates and questions)."), required=False,
    )
    # Left empty by people; bots that fill every field are refused.
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    # The no-JavaScript duplicate step: the photo already checked is kept by this token.
    pending_photo = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    confirm_new = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, questions: Sequence[ServiceAttribute] = (),
                 jurisdiction: Jurisdiction | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.jurisdiction = jurisdiction
        add_question_fields(self, self.questions)

    def question_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("attribute_")]

    def clean_website(self) -> str:
        value: str = self.cleaned_data.get("website", "")
        if value:
            raise forms.ValidationError(_("Leave this field empty."))
        return value

    def clean_description(self) -> str:
        text: str = self.cleaned_data.get("description", "")
        return text.replace("\x00", "").strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, long = data.get("lat"), data.get("long")
        if (lat is None) != (long is None) and not self.has_error("lat") and not self.has_error("long"):
            self.add_error("long" if long is None else "lat", _("Give both latitude and longitude, or neither."))
        elif lat is not None and long is not None:
            if not (-90 <= lat <= 90 and -180 <= long <= 180):
                self.add_error("lat", _("These coordinates are not on Earth."))
            elif self.jurisdiction is not None and not self.jurisdiction.contains(lat, long):
                self.add_error("lat", _("This place is outside %(city)s.") % {"city": self.jurisdiction.name})
        located = (lat is not None and long is not None) or data.get("address", "").strip()
        if not located and not any(self.has_error(f) for f in ("lat", "long", "address")):
            self.add_error("address", _("Tell us where: type an address or place the pin on the map."))
        details = [data.get(f) for f in ("name", "email", "phone")]
        if any(details) and not data.get("consent"):
            self.add_error("consent", _("Tick this box so that we may keep your contact details, or clear them."))
        if data.get("consent") and not any(details[1:]):
            self.add_error("email", _("Give an e-mail address or a phone number so that we can contact you."))
        return data
