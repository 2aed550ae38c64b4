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
from django.db import connection
from django.utils import timezone

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


# Hand-written: intake runs this for every new request, and building it with the ORM cost
# more than PostgreSQL took to plan and run it. The ORM's own conversions are applied below.
_CANDIDATES_SQL = (
    "SELECT r.id, r.public_id, r.lat, r.long, r.requested_at, r.closed_at, r.description, r.service_type_id, "
    "r.duplicate_of_id FROM {table} r "
    "WHERE r.service_type_id IN ({types}){cells} AND r.requested_at >= %s AND r.requested_at <= %s "
    "AND r.lat >= %s AND r.lat <= %s AND r.long >= %s AND r.long <= %s "
    "AND ((r.closed_at IS NULL AND r.status = %s) OR r.closed_at >= %s){exclude} {order} LIMIT {limit}"
)


def _candidate_query(
    *, type_ids: list[int], cells: list[int] | None, since: datetime, until: datetime, closed_since: datetime,
    box: tuple[float, float, float, float], exclude_id: int | None,
) -> tuple[str, list[Any]]:
    ops = connection.ops
    sql = _CANDIDATES_SQL.format(
        table=ops.quote_name(ServiceRequest._meta.db_table),
        types=", ".join(["%s"] * len(type_ids)),
        cells=f" AND r.geocell IN ({', '.join(['%s'] * len(cells))})" if cells is not None else "",
        exclude=" AND r.id <> %s" if exclude_id is not None else "",
        # With the grid cells the rows are few: no ORDER BY, which would tempt the planner
        # to walk the whole window by time instead of the (geocell, requested_at) index.
        order="" if cells is not None else "ORDER BY r.requested_at DESC",
        limit=CANDIDATE_LIMIT,
    )
    at = ops.adapt_datetimefield_value
    params: list[Any] = [*type_ids, *(cells or []), at(since), at(until), *box, Status.Open311.OPEN, at(closed_since)]
    if exclude_id is not None:
        params.append(exclude_id)
    return sql, params


def _candidates_from(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The candidate rows, newest first: (id, public_id, lat, long, requested_at, closed_at,
    description, service_type_id, duplicate_of_id, the public id it duplicates)."""
    # The public ids of the requests that candidates duplicate, read apart: candidates that
    # are duplicates are rare, and the join made PostgreSQL plan longer than it ran.
    parents = {row[8] for row in rows if row[8] is not None}
    parent_ids = dict(ServiceRequest.objects.filter(pk__in=parents).values_list("pk", "public_id")) if parents else {}
    moment = _db_datetime
    return sorted(((*row[:4], moment(row[4]), moment(row[5]), *row[6:], parent_ids.get(row[8])) for row in rows),
                  key=lambda row: row[4], reverse=True)


def _db_datetime(value: datetime | None) -> datetime | None:
    """A datetime column as the ORM returns it: aware (SQLite gives it naive, in the
    connection's zone, which is how Django's own converter reads it)."""
    if value is None or value.tzinfo is not None:
        return value
    return timezone.make_aware(value, connection.timezone)


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
    search = DuplicateSearch.prepare(
        service_type=service_type, lat=lat, long=long, requested_at=requested_at, description=description,
        limit=limit, exclude_id=exclude_id, radius_m=radius_m, window=window, recently_closed=recently_closed)
    if search is None:
        return []
    sql, params = search.query
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return search.score(rows)


@dataclass(frozen=True)
class DuplicateSearch:
    """`score_duplicates` in two steps: its `query`, which a caller may send along with
    another statement (intake sends it with the new request's INSERT: one round trip), and
    `score` of the rows that query returned."""

    service_type: ServiceType
    lat: float
    long: float
    requested_at: datetime
    description: str
    limit: int
    exclude_id: int | None
    radius: float
    window: timedelta
    query: tuple[str, list[Any]]

    @classmethod
    def prepare(
        cls, *, service_type: ServiceType, lat: float | None, long: float | None, requested_at: datetime,
        description: str, limit: int = 5, exclude_id: int | None = None, radius_m: float | None = None,
        window: timedelta | None = None, recently_closed: timedelta | None = None,
    ) -> DuplicateSearch | None:
        """The search, or None when nothing can be suggested (no coordinates, no types)."""
        if lat is None or long is None:
            return None
        radius = radius_m if radius_m is not None else setting("radius_m")
        window = window if window is not None else timedelta(days=setting("window_days"))
        recently_closed = recently_closed if recently_closed is not None else timedelta(
            days=setting("recently_closed_days"))
        dlat = radius / METERS_PER_DEGREE_LAT
        dlong = radius / (METERS_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(lat))))
        # The group's type ids (cached) rather than a join: the query stays on one table.
        type_ids = list(service_ids_in_group(service_type.group)) if service_type.group else [service_type.pk]
        if not type_ids:
            return None
        query = _candidate_query(
            type_ids=type_ids, cells=grid_cells(lat - dlat, lat + dlat, long - dlong, long + dlong),
            since=requested_at - window, until=requested_at, closed_since=requested_at - recently_closed,
            box=(lat - dlat, lat + dlat, long - dlong, long + dlong), exclude_id=exclude_id,
        )
        return cls(service_type=service_type, lat=lat, long=long, requested_at=requested_at,
                   description=description, limit=limit, exclude_id=exclude_id, radius=radius, window=window,
                   query=query)

    def score(self, rows: list[tuple[Any, ...]]) -> list[ScoredCandidate]:
        """The best candidates among the rows `query` returned."""
        service_type, lat, long, radius, window = self.service_type, self.lat, self.long, self.radius, self.window
        requested_at, exclude_id = self.requested_at, self.exclude_id
        words = tokens(self.description)
        scored: dict[int, tuple[float, tuple[str, ...]]] = {}
        public_ids: dict[int, str] = {}
        for pk, c_public_id, c_lat, c_long, c_time, c_closed, c_text, c_type, c_parent, c_parent_id in (
                _candidates_from(rows)):
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
        best = sorted(scored.items(), key=lambda item: (-item[1][0], -item[0]))[:self.limit]
        return [ScoredCandidate(pk, public_ids[pk], score, reasons) for pk, (score, reasons) in best]
