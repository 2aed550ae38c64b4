"""The staff trends page and its CSV export. Thin: parse the choice (`forms`), build the
figures from the daily counts (`trends`), render."""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from civic311.cases.models import ServiceRequest
from civic311.staff.views import page, staff_required

from . import alerts, map_shapes, pdf, report, rollups, selectors, trends, troubled
from .forms import AlertActionForm, AlertFilterForm, HotSpotForm, ReportForm, TrendsForm
from .models import Alert

ALERTS_PER_PAGE = 100

CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (names come from data)."""
    return "'" + text if text.startswith(CSV_FORMULA_STARTS) else text


def _choice(form: TrendsForm) -> trends.Choice:
    data = form.cleaned_data
    return trends.Choice(start=data["start"], end=data["end"], granularity=data["granularity"], layer=data["layer"],
                         districts=data["districts"], types=data["types"])


def _map_features(figures: trends.Trends) -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    if figures.choice.layer is None:
        return {"type": "FeatureCollection", "features": features}
    shapes = map_shapes.layer_shapes(figures.choice.layer)
    for area in figures.areas:
        value = "—" if area.value is None else (f"{area.value:,.1f}" if figures.per_thousand else f"{area.value:,.0f}")
        features.append({"type": "Feature", "geometry": shapes.get(area.district.pk),
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


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_GET
@staff_required
def alert_list(request: HttpRequest) -> HttpResponse:
    form = AlertFilterForm(request.GET)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    shown = alerts.visible_alerts(_user(request)).prefetch_related("districts")
    if state == "":
        shown = shown.exclude(state=Alert.State.CLOSED)
    elif state != "all":
        shown = shown.filter(state=state)
    return page(request, "insight/alerts.html", {"form": form, "alerts": list(shown[:ALERTS_PER_PAGE])})


@require_http_methods(["GET", "POST"])
@staff_required
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponseBase:
    user = _user(request)
    alert = alerts.visible_alerts(user).filter(pk=alert_id).prefetch_related("districts", "departments").first()
    if alert is None:
        raise Http404("No such alert")
    form = AlertActionForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["action"] == "acknowledge":
                    alerts.acknowledge(alert, user=user, text=data["text"])
                    messages.success(request, _("Alert acknowledged."))
                elif data["action"] == "comment":
                    alerts.comment(alert, user=user, text=data["text"])
                    messages.success(request, _("Comment added."))
                else:
                    alerts.close(alert, user=user, outcome=data["outcome"], text=data["text"])
                    messages.success(request, _("Alert closed."))
                return redirect("insight:alert", alert_id=alert.pk)
            except alerts.AlertRefused as refused:
                form.add_error(None, str(refused))
                status = 403 if not alerts.can_work(user, alert) else 409
        else:
            status = 400
    evidence = (ServiceRequest.objects.filter(pk__in=alert.evidence.values("pk"))
                .select_related("neighborhood", "detailed_status").order_by("requested_at"))
    return page(request, "insight/alert.html", {
        "alert": alert, "form": form, "can_work": alerts.can_work(user, alert), "evidence": list(evidence),
        "comments": list(alert.comments.select_related("author")),
    }, status=status)


@require_GET
@staff_required
def hotspots_page(request: HttpRequest) -> HttpResponse:
    """The weekly cross-department view of troubled neighborhoods (last complete days)."""
    form = HotSpotForm(request.GET)
    if not form.is_valid():
        return page(request, "insight/hotspots.html", {"form": form}, status=400)
    last_day = form.cleaned_data["end"] or timezone.now().astimezone(rollups.city_zone()).date() - timedelta(days=1)
    weeks = form.cleaned_data["weeks"] or 12
    areas = troubled.troubled_areas(last_day=last_day, weeks=weeks)
    first_day = last_day - timedelta(days=7 * weeks - 1)
    # The weekly run's alert for each neighborhood shown, where the user can see it.
    stored = (alerts.visible_alerts(_user(request))
              .filter(kind=Alert.Kind.TROUBLED, districts__in=[a.district.pk for a in areas],
                      last_detected_on__gte=last_day - timedelta(days=7), first_detected_on__lte=last_day)
              .values_list("districts", "pk"))
    alert_of = {district: pk for district, pk in stored}
    shown = [(area, alert_of.get(area.district.pk)) for area in areas]
    return page(request, "insight/hotspots.html", {"form": form, "areas": areas, "shown": shown,
                                                   "last_day": last_day, "weeks": weeks, "first_day": first_day})


def _report_context(request: HttpRequest, form: ReportForm) -> dict[str, Any]:
    data = form.cleaned_data
    contact = dict(getattr(settings, "CIVIC311_INSIGHT_REPORT_CONTACT", {}))
    contact.setdefault("website", request.build_absolute_uri("/"))
    return {"report": report.build(data["neighborhood"], data["start"], data["end"]), "contact": contact,
            "query": request.GET.urlencode(), "pdf_problem": pdf.unavailable_reason()}


@require_GET
@staff_required
def report_page(request: HttpRequest) -> HttpResponse:
    """The printable neighborhood report (and the form to choose one)."""
    if not request.GET:
        return page(request, "insight/report_form.html", {"form": ReportForm()})
    form = ReportForm(request.GET)
    if not form.is_valid():
        return page(request, "insight/report_form.html", {"form": form}, status=400)
    with translation.override(form.cleaned_data["language"]):
        return render(request, "insight/report.html", {**_report_context(request, form), "for_pdf": False})


@require_GET
@staff_required
def report_pdf(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(str(e) for field_errors in form.errors.values() for e in field_errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    with translation.override(form.cleaned_data["language"]):
        context = {**_report_context(request, form), "for_pdf": True}
        html = render_to_string("insight/report.html", context, request=request)
    try:
        document = pdf.html_to_pdf(html)
    except pdf.PdfUnavailable as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    district = form.cleaned_data["neighborhood"]
    response = HttpResponse(document, content_type="application/pdf")
    slug = slugify(district.name) or "neighborhood"
    response["Content-Disposition"] = f'attachment; filename="{slug}-{form.cleaned_data["end"]}.pdf"'
    return response
