"""Show times in the jurisdiction's time zone (they are stored in UTC)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .lookup import current_jurisdiction


def jurisdiction_zone() -> zoneinfo.ZoneInfo | None:
    """The jurisdiction's time zone, from the reference cache (no query per request)."""
    jurisdiction = current_jurisdiction()
    return zoneinfo.ZoneInfo(jurisdiction.time_zone) if jurisdiction is not None else None


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
