"""Show times in the jurisdiction's time zone (they are stored in UTC)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import Jurisdiction

_zone_cache: dict[str, zoneinfo.ZoneInfo] = {}


def jurisdiction_zone() -> zoneinfo.ZoneInfo | None:
    name = Jurisdiction.objects.values_list("time_zone", flat=True).first()
    if not name:
        return None
    if name not in _zone_cache:
        _zone_cache[name] = zoneinfo.ZoneInfo(name)
    return _zone_cache[name]


class JurisdictionTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = jurisdiction_zone()
        if zone is not None:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
