"""Reads of service requests that are more than a one-line query."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from .models import ServiceRequest


@dataclass(frozen=True)
class AreaCount:
    total: int
    open: int


def counts_by_neighborhood() -> dict[int, AreaCount]:
    """Requests and open requests per neighborhood id (one grouped query)."""
    rows = (
        ServiceRequest.objects.filter(neighborhood__isnull=False)
        .values("neighborhood_id")
        .annotate(total=Count("id"), open=Count("id", filter=Q(status="open")))
    )
    return {r["neighborhood_id"]: AreaCount(r["total"], r["open"]) for r in rows}


def top_service_types(limit: int = 10) -> list[tuple[str, int]]:
    """The most requested service types: (name, count)."""
    rows = (
        ServiceRequest.objects.values("service_type__name")
        .annotate(n=Count("id"))
        .order_by("-n", "service_type__name")[:limit]
    )
    return [(r["service_type__name"], r["n"]) for r in rows]
