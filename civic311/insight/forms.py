"""The trends page's choices (GET): district layer, districts, service types, period."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import ServiceType
from civic311.places.models import District, DistrictLayer

from .models import Alert, DailyCount
from .selectors import Granularity

MAX_DISTRICTS = 60
MAX_TYPES = 60
MAX_DAYS = 3 * 366 + 1
MAX_DAYS_BY_DAY = 366
EARLIEST = date(1990, 1, 1)


def default_end() -> date:
    """Today, or the last day any request was counted when the data stop earlier (a city
    loaded from an archive sees its last months, not an empty chart)."""
    today = timezone.localdate()
    last = DailyCount.objects.filter(district__isnull=True).order_by("-day").values_list("day", flat=True).first()
    return min(today, last) if last is not None else today


class TrendsForm(forms.Form):
    layer = forms.ModelChoiceField(label=_("Areas"), required=False, empty_label=None,
                                   queryset=DistrictLayer.objects.order_by("-is_neighborhoods", "name"))
    districts = forms.ModelMultipleChoiceField(
        label=_("Areas to compare"),
        queryset=District.objects.select_related("layer").defer("geometry").order_by("layer", "name"),
        required=False, help_text=_("None chosen: the whole city."))
    types = forms.ModelMultipleChoiceField(
        label=_("Service types"), queryset=ServiceType.objects.order_by("name"), required=False,
        help_text=_("None chosen: every type."))
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    granularity = forms.ChoiceField(label=_("Per"), required=False, initial=Granularity.WEEK.value, choices=[
        (Granularity.DAY.value, _("day")), (Granularity.WEEK.value, _("week")), (Granularity.MONTH.value, _("month"))])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("end") or default_end()
        start = data.get("start") or end - timedelta(days=89)
        if start < EARLIEST or end < EARLIEST:
            raise forms.ValidationError(_("Choose dates after 1 January 1990."))
        if end < start:
            raise forms.ValidationError(_("The end date is before the start date."))
        granularity = Granularity(data.get("granularity") or Granularity.WEEK)
        days = (end - start).days + 1
        if days > MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most three years."))
        if granularity == Granularity.DAY and days > MAX_DAYS_BY_DAY:
            raise forms.ValidationError(_("Per day, choose a period of at most one year (or show it per week)."))
        layer = data.get("layer") or DistrictLayer.objects.order_by("-is_neighborhoods", "name").first()
        districts = list(data.get("districts") or [])
        if len(districts) > MAX_DISTRICTS:
            self.add_error("districts", _("Choose at most %(n)d areas.") % {"n": MAX_DISTRICTS})
        if layer is not None and any(d.layer_id != layer.pk for d in districts):
            self.add_error("districts", _("Choose areas of the layer you picked."))
        types = list(data.get("types") or [])
        if len(types) > MAX_TYPES:
            self.add_error("types", _("Choose at most %(n)d service types.") % {"n": MAX_TYPES})
        data.update(start=start, end=end, granularity=granularity, layer=layer, districts=districts, types=types)
        return data


class AlertActionForm(forms.Form):
    """Acknowledge, comment or close an alert (POST)."""

    action = forms.ChoiceField(choices=[("acknowledge", "acknowledge"), ("comment", "comment"), ("close", "close")])
    text = forms.CharField(label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=[("", "—"), *Alert.Outcome.choices])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "comment" and not (data.get("text") or "").strip():
            self.add_error("text", _("Write a comment first."))
        if data.get("action") == "close" and not data.get("outcome"):
            self.add_error("outcome", _("Choose what came of the alert."))
        return data


class AlertFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("New and acknowledged")), *Alert.State.choices, ("all", _("All"))])


class HotSpotForm(forms.Form):
    end = forms.DateField(label=_("Weeks ending on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    weeks = forms.IntegerField(label=_("Weeks"), required=False, min_value=4, max_value=52)

    def clean_end(self) -> date | None:
        end: date | None = self.cleaned_data.get("end")
        if end is not None and end < EARLIEST:
            raise forms.ValidationError(_("Choose dates after 1 January 1990."))
        return end


class ReportForm(forms.Form):
    """The neighborhood report's choices (GET)."""

    neighborhood = forms.ModelChoiceField(
        label=_("Neighborhood"),
        queryset=District.objects.filter(layer__is_neighborhoods=True).defer("geometry").order_by("name"))
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    language = forms.ChoiceField(label=_("Language of the report"), required=False,
                                 choices=[("en", "English"), ("es", "Español")])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("end") or default_end()
        start = data.get("start") or end - timedelta(days=89)
        if start < EARLIEST or end < EARLIEST:
            raise forms.ValidationError(_("Choose dates after 1 January 1990."))
        if end < start:
            raise forms.ValidationError(_("The end date is before the start date."))
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most three years."))
        data.update(start=start, end=end, language=data.get("language") or "en")
        return data
