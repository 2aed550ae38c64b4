"""Show times in the jurisdiction's time zone (they are stored in UTC)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import Jurisdiction

# The zone changes only when the jurisdiction row does; no query per request.
_zone: list[zoneinfo.ZoneInfo | None] = []


def jurisdiction_zone() -> zoneinfo.ZoneInfo | None:
    if not _zone:
        name = Jurisdiction.objects.values_list("time_zone", flat=True).first()
        if name is None:
            return None  # not cached: the city may be set up later
        _zone.append(zoneinfo.ZoneInfo(name))
    return _zone[0]


def _forget_zone(**kwargs: Any) -> None:
    _zone.clear()


post_save.connect(_forget_zone, sender=Jurisdiction, dispatch_uid="forget-jurisdiction-zone")
post_delete.connect(_forget_zone, sender=Jurisdiction, dispatch_uid="forget-jurisdiction-zone-delete")


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
