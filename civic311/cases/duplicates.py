"""Likely duplicates of a request being filed: earlier requests of the same service type
(or of its group) near the same point, filed within a time window and still open or only
just closed, scored by distance, recency, type and text similarity.

One indexed query finds the candidates (service type × time window, then a latitude/
longitude bounding box); the exact distance (haversine) and the score are computed in
Python on the few rows it returns. Text similarity is a token Jaccard index: descriptions
are short, and a cheap measure is enough to rank a handful of nearby candidates."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q

from civic311.catalog.lookups import service_ids_in_group
from civic311.catalog.models import ServiceType

from .models import GEOCELL_ROW, GEOCELLS_PER_DEGREE, ServiceRequest, Status

EARTH_RADIUS_M = 6_371_008.8
METERS_PER_DEGREE_LAT = 111_320.0
# Defaults; a city changes them with the CIVIC311_DUPLICATES setting (same keys).
DEFAULTS = {"radius_m": 150.0, "window_days": 14.0, "recently_closed_days": 3.0}
CANDIDATE_LIMIT = 500
MAX_GRID_CELLS = 400
WEIGHTS = {"distance": 0.4, "recency": 0.2, "type": 0.25, "text": 0.15}
STOPWORDS = frozenset({
    "a", "an", "and", "are", "at", "be", "by", "for", "from", "has", "have", "in", "is", "it", "its", "of",
    "on", "or", "the", "there", "this", "to", "was", "were", "with", "please", "pls", "near", "outside",
    "front", "corner", "street", "st", "ave",
})
TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class DuplicateSuggestion:
    request: ServiceRequest
    score: float  # 0..1, higher is likelier
    reasons: tuple[str, ...] = field(default=())


def setting(name: str) -> float:
    configured = getattr(settings, "CIVIC311_DUPLICATES", {}) or {}
    return float(configured.get(name, DEFAULTS[name]))


def haversine_m(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def tokens(text: str) -> frozenset[str]:
    return frozenset(t for t in TOKEN.findall(text.lower()) if len(t) > 1 and t not in STOPWORDS)


def grid_cells(min_lat: float, max_lat: float, min_long: float, max_long: float) -> list[int] | None:
    """The `ServiceRequest.geocell` values a box may touch (one cell of margin on every side,
    for either database's rounding), or None when there are too many to be worth listing."""
    def span(low: float, high: float) -> range:
        return range(math.floor(low * GEOCELLS_PER_DEGREE) - 1, math.floor(high * GEOCELLS_PER_DEGREE) + 2)

    rows, columns = span(min_lat, max_lat), span(min_long, max_long)
    if len(rows) * len(columns) > MAX_GRID_CELLS:
        return None
    return [row * GEOCELL_ROW + column for row in rows for column in columns]


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _ago(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours < 1:
        return f"{max(1, round(hours * 60))} min"
    if hours < 48:
        return f"{round(hours)} h"
    return f"{round(hours / 24)} days"


@dataclass(frozen=True)
class ScoredCandidate:
    """A likely duplicate by id: what intake stores without loading the request."""

    pk: int
    public_id: str
    score: float
    reasons: tuple[str, ...]


def suggest_duplicates(**criteria: Any) -> list[DuplicateSuggestion]:
    """`score_duplicates` with the requests loaded (service type and status joined), for
    pages that show them."""
    best = score_duplicates(**criteria)
    requests = ServiceRequest.objects.select_related("service_type", "detailed_status").defer("attributes").in_bulk(
        [c.pk for c in best]
    )
    return [DuplicateSuggestion(requests[c.pk], c.score, c.reasons) for c in best if c.pk in requests]


def score_duplicates(
    *,
    service_type: ServiceType,
    lat: float | None,
    long: float | None,
    requested_at: datetime,
    description: str,
    limit: int = 5,
    exclude_id: int | None = None,
    radius_m: float | None = None,
    window: timedelta | None = None,
    recently_closed: timedelta | None = None,
) -> list[ScoredCandidate]:
    """Up to `limit` requests filed before `requested_at` that may be the same problem,
    best first. Candidates: same service type or same group; within `radius_m`; filed in
    the `window` before; open at `requested_at` or closed at most `recently_closed`
    before it. A candidate that is itself a duplicate is replaced by the request it
    duplicates. Without coordinates nothing is suggested."""
    if lat is None or long is None:
        return []
    radius = radius_m if radius_m is not None else setting("radius_m")
    window = window if window is not None else timedelta(days=setting("window_days"))
    recently_closed = recently_closed if recently_closed is not None else timedelta(
        days=setting("recently_closed_days"))
    dlat = radius / METERS_PER_DEGREE_LAT
    dlong = radius / (METERS_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(lat))))
    # The group's type ids (cached) rather than a join: the query stays on one table.
    same_kind = (Q(service_type_id__in=service_ids_in_group(service_type.group)) if service_type.group
                 else Q(service_type=service_type))
    cells = grid_cells(lat - dlat, lat + dlat, long - dlong, long + dlong)
    nearby = ServiceRequest.objects.filter(
        same_kind,
        *([Q(geocell__in=cells)] if cells is not None else []),
        requested_at__gte=requested_at - window, requested_at__lte=requested_at,
        lat__gte=lat - dlat, lat__lte=lat + dlat, long__gte=long - dlong, long__lte=long + dlong,
    ).filter(Q(closed_at__isnull=True, status=Status.Open311.OPEN) | Q(closed_at__gte=requested_at - recently_closed))
    if exclude_id is not None:
        nearby = nearby.exclude(pk=exclude_id)
    # With the grid cells the rows are few: no ORDER BY, which would tempt the planner to
    # walk the whole window by time instead of the (geocell, requested_at) index.
    columns = ("pk", "public_id", "lat", "long", "requested_at", "closed_at", "description", "service_type_id",
               "duplicate_of_id", "duplicate_of__public_id")
    rows = nearby.values_list(*columns) if cells is not None else nearby.order_by("-requested_at").values_list(*columns)
    candidates = sorted(rows[:CANDIDATE_LIMIT], key=lambda row: row[4], reverse=True)
    words = tokens(description)
    scored: dict[int, tuple[float, tuple[str, ...]]] = {}
    public_ids: dict[int, str] = {}
    for pk, c_public_id, c_lat, c_long, c_time, c_closed, c_text, c_type, c_parent, c_parent_id in candidates:
        if c_lat is None or c_long is None:
            continue
        distance = haversine_m(lat, long, c_lat, c_long)
        if distance > radius:
            continue
        age = requested_at - c_time
        parts = {
            "distance": 1 - distance / radius if radius else 1.0,
            "recency": max(0.0, 1 - age / window) if window else 1.0,
            "type": 1.0 if c_type == service_type.pk else 0.5,
        }
        reasons = [
            "same service type" if c_type == service_type.pk else f"same group ({service_type.group})",
            f"{distance:.0f} m away",
            f"filed {_ago(age)} earlier",
        ]
        other = tokens(c_text)
        if words and other:
            parts["text"] = jaccard(words, other)
            if parts["text"] >= 0.2:
                reasons.append(f"similar description ({parts['text']:.0%} words shared)")
        reasons.append("open" if c_closed is None or c_closed > requested_at
                       else f"closed {_ago(requested_at - c_closed)} before")
        weight = sum(WEIGHTS[k] for k in parts)
        score = sum(WEIGHTS[k] * v for k, v in parts.items()) / weight
        target = c_parent or pk
        public_ids[target] = c_parent_id if c_parent else c_public_id
        if c_parent:
            reasons.append("a duplicate: its parent is suggested")
        if target != exclude_id and (target not in scored or scored[target][0] < score):
            scored[target] = (round(score, 4), tuple(reasons))
    best = sorted(scored.items(), key=lambda item: (-item[1][0], -item[0]))[:limit]
    return [ScoredCandidate(pk, public_ids[pk], score, reasons) for pk, (score, reasons) in best]
