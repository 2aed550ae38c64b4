"""Residents' pages. Everything here is public: built only from cases and places, which
hold no personal data."""

from __future__ import annotations

from django.db.models import Count, Max, Min, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from civic311.cases.models import ServiceRequest
from civic311.cases.selectors import counts_by_neighborhood, top_service_types
from civic311.places.models import District


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
