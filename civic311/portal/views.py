from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {})


def neighborhoods_geojson(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"type": "FeatureCollection", "features": []})
