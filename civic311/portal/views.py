"""Residents' pages. Everything here is public: built only from cases, catalog and places,
which hold no personal data, with resident-written text redacted. Views parse input, call
a service or selector, and render."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Count, Max, Min, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from civic311.cases.duplicates import suggest_duplicates
from civic311.cases.models import ServiceRequest
from civic311.cases.selectors import counts_by_neighborhood, top_service_types
from civic311.cases.services import NewAttachment, RequestRefused
from civic311.catalog.models import ServiceType
from civic311.places.addresses import locate_address
from civic311.places.models import District, Jurisdiction
from civic311.privacy.redaction import redact_text

from . import pending
from .forms import ReportForm
from .photos import PhotoRefused, clean_photo
from .questions import answers
from .ratelimit import allow_report
from .selectors import recent_requests, service_groups, tracked_request
from .services import Reporter, submit_report

PUBLIC_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    counts = counts_by_neighborhood()
    districts = District.objects.filter(layer__is_neighborhoods=True).only("id", "name")
    ranked = sorted(districts, key=lambda d: -(counts[d.pk].total if d.pk in counts else 0))
    neighborhoods = [{"id": d.pk, "name": d.name, "counts": counts.get(d.pk)} for d in ranked]
    totals = ServiceRequest.objects.aggregate(
        total=Count("id"), open=Count("id", filter=Q(status="open")),
        first=Min("requested_at"), last=Max("requested_at"),
    )
    return render(
        request,
        "portal/home.html",
        {"neighborhoods": neighborhoods, "totals": totals, "top_types": top_service_types(8)},
    )


@require_GET
@cache_control(max_age=300, public=True)
def neighborhoods_geojson(request: HttpRequest) -> JsonResponse:
    """The neighborhood polygons with request counts, for the map."""
    counts = counts_by_neighborhood()
    features = []
    for district in District.objects.filter(layer__is_neighborhoods=True):
        area = counts.get(district.pk)
        features.append(
            {
                "type": "Feature",
                "id": district.pk,
                "geometry": district.geometry,
                "properties": {
                    "name": district.name,
                    "requests": area.total if area else 0,
                    "open": area.open if area else 0,
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


# ------------------------------------------------------------------ report a problem


@require_GET
def report_choose(request: HttpRequest) -> HttpResponse:
    """Step 1: choose a service type, by group or by searching."""
    query = request.GET.get("q", "")[:100].strip()
    return render(request, "portal/report_choose.html", {"query": query, "groups": service_groups(query)})


def _client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def _photo_from(request: HttpRequest, form: ReportForm) -> NewAttachment | None:
    """The uploaded photo, cleaned; or the one kept from the duplicate step; or None.
    Problems are added to the form."""
    upload = form.cleaned_data.get("photo")
    if upload:
        try:
            return clean_photo(upload.read(8 * 1024 * 1024 + 1))
        except PhotoRefused as refused:
            form.add_error("photo", str(refused))
            return None
    token = form.cleaned_data.get("pending_photo") or ""
    return pending.take(token) if token else None


@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest, code: str) -> HttpResponse:
    """Step 2: answer the questions, say where, add a photo and (optionally) contact details.
    A first submission with likely duplicates shows them and asks to confirm."""
    service = get_object_or_404(ServiceType, code=code, active=True)
    # Answers a reporting system supplies itself (FixMyStreet's "automated") are not asked.
    questions = list(service.attributes.filter(automated="").order_by("order", "code"))
    jurisdiction = Jurisdiction.objects.first()
    context: dict[str, Any] = {"service": service, "information": [q for q in questions if not q.variable]}
    if request.method != "POST":
        form = ReportForm(questions=questions, jurisdiction=jurisdiction)
        return render(request, "portal/report_form.html", {**context, "form": form})

    form = ReportForm(request.POST, request.FILES, questions=questions, jurisdiction=jurisdiction)
    photo = _photo_from(request, form) if form.is_valid() else None
    if not form.is_valid():
        return render(request, "portal/report_form.html", {**context, "form": form}, status=400)
    data = form.cleaned_data
    lat, long, address = data.get("lat"), data.get("long"), data.get("address", "").strip()
    if lat is None and address:
        found = locate_address(address)
        if found is not None:
            lat, long = found.lat, found.long
    if not data.get("confirm_new"):
        suggestions = suggest_duplicates(service_type=service, lat=lat, long=long, requested_at=timezone.now(),
                                         description=data.get("description", ""), limit=3)
        if suggestions:
            values = request.POST.copy()
            values["confirm_new"] = "True"
            values["pending_photo"] = pending.keep(photo) if photo is not None else data.get("pending_photo", "")
            again = ReportForm(values, questions=questions, jurisdiction=jurisdiction)
            duplicates = [{"public_id": s.request.public_id, "service": s.request.service_type.name,
                           "status": s.request.detailed_status.name, "requested_at": s.request.requested_at,
                           "description": redact_text(s.request.description)[:200]} for s in suggestions]
            return render(request, "portal/report_form.html",
                          {**context, "form": again, "duplicates": duplicates, "has_photo": bool(photo)})
    if not allow_report(_client_address(request)):
        return render(request, "portal/report_form.html",
                      {**context, "form": form, "rate_limited": True}, status=429)
    details = any(data.get(f) for f in ("name", "email", "phone"))
    reporter = Reporter(name=data.get("name", "").strip(), email=data.get("email", ""),
                        phone=data.get("phone", "").strip(), language=(get_language() or "en")[:10]) \
        if details and data.get("consent") else None
    try:
        created = submit_report(
            service_type=service, description=data.get("description", ""), lat=lat, long=long,
            address=address, attributes=answers(data, questions), photo=photo, reporter=reporter,
        )
    except RequestRefused:
        form.add_error(None, _("We could not accept this report. Please check the location and try again."))
        return render(request, "portal/report_form.html", {**context, "form": form}, status=400)
    return redirect(reverse("portal:track", args=[created.public_id]) + "?new=1")


# ------------------------------------------------------------------ track a request


@require_GET
def track_lookup(request: HttpRequest) -> HttpResponse:
    """The "track a request" form; a known id goes to its page."""
    public_id = request.GET.get("id", "").strip()
    error = ""
    if public_id:
        if PUBLIC_ID.match(public_id) and ServiceRequest.objects.filter(public_id=public_id).exists():
            return redirect("portal:track", public_id=public_id)
        error = _("No request has this number. Check it and try again.")
    return render(request, "portal/track_lookup.html", {"public_id": public_id[:64], "error": error},
                  status=404 if error else 200)


@require_GET
def track(request: HttpRequest, public_id: str) -> HttpResponse:
    """A request's public page: status, expected date, public timeline; a duplicate points
    to the request that stays open for the problem."""
    found = tracked_request(public_id) if PUBLIC_ID.match(public_id) else None
    if found is None:
        return render(request, "portal/track_lookup.html",
                      {"public_id": public_id[:64], "error": _("No request has this number. Check it and try again.")},
                      status=404)
    link = request.build_absolute_uri(reverse("portal:track", args=[found.public_id]))
    return render(request, "portal/track.html",
                  {"item": found, "is_new": request.GET.get("new") == "1", "tracking_link": link})


# ------------------------------------------------------------------ recent requests near me


def _point(request: HttpRequest) -> tuple[float | None, float | None, str]:
    """(lat, long, problem) from ?lat=&long= or ?address=; a problem message when given badly."""
    raw_lat, raw_long = request.GET.get("lat", ""), request.GET.get("long", "")
    address = request.GET.get("address", "")[:200].strip()
    if raw_lat or raw_long:
        try:
            lat, long = float(raw_lat), float(raw_long)
        except ValueError:
            return None, None, _("Latitude and longitude must be numbers.")
        if not (-90 <= lat <= 90 and -180 <= long <= 180):
            return None, None, _("These coordinates are not on Earth.")
        return lat, long, ""
    if address:
        found = locate_address(address)
        if found is None:
            return None, None, _("We do not know this address. Try another spelling or use the map.")
        return found.lat, found.long, ""
    return None, None, ""


@require_GET
def nearby(request: HttpRequest) -> HttpResponse:
    """Recent requests around a point (or in the whole city), as a list and a map."""
    lat, long, problem = _point(request)
    items = recent_requests(lat=lat, long=long)
    return render(request, "portal/nearby.html", {
        "items": items, "lat": lat, "long": long, "problem": problem,
        "address": request.GET.get("address", "")[:200],
    }, status=400 if problem else 200)


@require_GET
def nearby_geojson(request: HttpRequest) -> JsonResponse:
    """The same requests as points for the map (redacted, nothing personal)."""
    lat, long, problem = _point(request)
    if problem:
        return JsonResponse({"error": problem}, status=400)
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [item.long, item.lat]},
        "properties": {"id": item.public_id, "service": item.service, "status": item.detailed_status,
                       "url": reverse("portal:track", args=[item.public_id])},
    } for item in recent_requests(lat=lat, long=long)]
    return JsonResponse({"type": "FeatureCollection", "features": features})
