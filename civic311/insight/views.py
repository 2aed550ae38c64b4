"""The staff trends page and its CSV export. Thin: parse the choice (`forms`), build the
figures from the daily counts (`trends`), render."""

from __future__ import annotations

import csv
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civic311.staff.views import page, staff_required

from . import selectors, trends
from .forms import TrendsForm

CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (names come from data)."""
    return "'" + text if text.startswith(CSV_FORMULA_STARTS) else text


def _choice(form: TrendsForm) -> trends.Choice:
    data = form.cleaned_data
    return trends.Choice(start=data["start"], end=data["end"], granularity=data["granularity"], layer=data["layer"],
                         districts=data["districts"], types=data["types"])


def _map_features(figures: trends.Trends) -> dict[str, Any]:
    features = []
    for area in figures.areas:
        value = "—" if area.value is None else (f"{area.value:,.1f}" if figures.per_thousand else f"{area.value:,.0f}")
        features.append({"type": "Feature", "geometry": area.district.geometry,
                         "properties": {"name": area.district.name, "color": area.color, "value": value}})
    return {"type": "FeatureCollection", "features": features}


@require_GET
@staff_required
def trends_page(request: HttpRequest) -> HttpResponse:
    form = TrendsForm(request.GET)
    if not form.is_valid():
        return page(request, "insight/trends.html", {"form": form}, status=400)
    figures = trends.build(_choice(form))
    return page(request, "insight/trends.html", {
        "form": form, "trends": figures, "map_data": _map_features(figures),
        "csv_query": request.GET.urlencode(),
    })


@require_GET
@staff_required
def trends_csv(request: HttpRequest) -> HttpResponse:
    form = TrendsForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(str(e) for field_errors in form.errors.values() for e in field_errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    choice = _choice(form)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="trends-{choice.start}-{choice.end}.csv"'
    writer = csv.writer(response)
    types = "; ".join(t.name for t in choice.types) or _("all")
    writer.writerow(["period_start", "area", "service_types", "opened", "closed", "median_hours_to_close",
                     "opened_per_1000_residents"])
    named = {d.pk: d for d in choice.districts}
    per_district = selectors.series_by_district(start=choice.start, end=choice.end, granularity=choice.granularity,
                                                district_ids=list(named), type_ids=choice.type_ids)
    rows: list[tuple[str, int | None, list[tuple[Any, selectors.Totals]]]] = [
        (named[pk].name, named[pk].population, series) for pk, series in per_district.items()]
    city = selectors.series(start=choice.start, end=choice.end, granularity=choice.granularity,
                            type_ids=choice.type_ids)
    rows.append((_("City-wide"), None, city))
    for name, population, series in rows:
        for period, totals in series:
            median = totals.median_close_hours
            rate = selectors.rate_per_thousand(totals.opened, population)
            writer.writerow([period.isoformat(), csv_safe(name), csv_safe(types), totals.opened, totals.closed,
                             "" if median is None else f"{median:.1f}", "" if rate is None else f"{rate:.3f}"])
    return response
