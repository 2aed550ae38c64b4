"""Forms of the public subscription pages: strict input, every error a sentence the
resident can act on."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from civic311.cases.models import ServiceRequest
from civic311.places.models import District

from .channels import webhook_target_allowed
from .models import OutboxMessage, Topic

PHONE_CHARS = re.compile(r"[\s().-]")
PHONE = re.compile(r"^\+[1-9][0-9]{7,14}$")


def neighborhoods() -> QuerySet[District]:
    return District.objects.filter(layer__is_neighborhoods=True).order_by("name")


class TopicChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        from django.utils.translation import get_language

        return str(obj.label(get_language() or "en"))


def normalise_phone(value: str) -> str:
    """E.164 (+ and 8 to 15 digits); ten digits are taken as a North American number."""
    digits = PHONE_CHARS.sub("", value)
    if re.fullmatch(r"[2-9][0-9]{9}", digits):
        digits = "+1" + digits
    if not PHONE.fullmatch(digits):
        raise forms.ValidationError(_("Enter the mobile number with its country code, for example +1 617 555 0100."))
    return digits


class FollowForm(forms.Form):
    """The neighborhoods and topics part, shared by the subscribe and preference pages."""

    neighborhoods = forms.ModelMultipleChoiceField(
        queryset=District.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Neighborhoods"),
    )
    topics = TopicChoice(queryset=Topic.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
                         label=_("Topics"))
    language = forms.ChoiceField(choices=settings.LANGUAGES, widget=forms.RadioSelect,
                                 label=_("Language of the messages"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["neighborhoods"].queryset = neighborhoods()  # type: ignore[attr-defined]
        self.fields["topics"].queryset = Topic.objects.filter(active=True)  # type: ignore[attr-defined]


class SubscribeForm(FollowForm):
    channel = forms.ChoiceField(choices=OutboxMessage.ChannelName.choices, widget=forms.RadioSelect,
                                label=_("How should we reach you?"), initial=OutboxMessage.ChannelName.EMAIL)
    email = forms.EmailField(required=False, max_length=254, label=_("E-mail address"))
    phone = forms.CharField(required=False, max_length=30, label=_("Mobile number (for SMS)"))
    webhook_url = forms.URLField(required=False, max_length=500, assume_scheme="https",
                                 label=_("Webhook URL (for programs)"))
    request_id = forms.CharField(required=False, max_length=64, label=_("A request number to follow"),
                                 help_text=_("Optional, for example 311-1234."))

    field_order = ["channel", "email", "phone", "webhook_url", "neighborhoods", "topics", "request_id", "language"]

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "").strip()
        return normalise_phone(value) if value else ""

    def clean_webhook_url(self) -> str:
        value = self.cleaned_data.get("webhook_url", "").strip()
        if value and not webhook_target_allowed(value):
            raise forms.ValidationError(_("The webhook URL must be a public http(s) address."))
        return value

    def clean_request_id(self) -> ServiceRequest | None:
        value = self.cleaned_data.get("request_id", "").strip()
        if not value:
            return None
        request = ServiceRequest.objects.filter(public_id=value).first()
        if request is None:
            raise forms.ValidationError(_("There is no request with this number."))
        return request

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        channel = data.get("channel")
        field = {"email": "email", "sms": "phone", "webhook": "webhook_url"}.get(channel or "")
        if field and not data.get(field) and field not in self.errors:
            self.add_error(field, _("This is needed to reach you by the way you chose."))
        if not data.get("neighborhoods") and not data.get("topics") and not data.get("request_id") \
                and not self.errors.get("request_id"):
            raise forms.ValidationError(_("Choose at least one neighborhood, topic or request to follow."))
        return data

    def address(self) -> str:
        channel = self.cleaned_data["channel"]
        if channel == OutboxMessage.ChannelName.EMAIL:
            return str(self.cleaned_data["email"]).strip().lower()
        if channel == OutboxMessage.ChannelName.SMS:
            return str(self.cleaned_data["phone"])
        return str(self.cleaned_data["webhook_url"])


class FollowNeighborhoodsForm(forms.Form):
    """The neighborhoods whose early-warning alerts a staff member wants by e-mail."""

    districts = forms.ModelMultipleChoiceField(
        queryset=District.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Neighborhoods"), error_messages={"invalid_choice": _("Choose neighborhoods from the list."),
                                                  "invalid_pk_value": _("Choose neighborhoods from the list.")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["districts"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = neighborhoods()
