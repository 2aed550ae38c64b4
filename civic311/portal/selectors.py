"""Reads for the residents' pages. Everything returned here is public: built from cases,
catalog and places (which hold no personal data), with resident-written text redacted."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from civic311.cases.duplicates import haversine_m
from civic311.cases.models import RequestUpdate, ServiceRequest
from civic311.catalog.models import ServiceType
from civic311.privacy.redaction import redact_text

METERS_PER_DEGREE_LAT = 111_320.0
# Updates that `cases` writes itself, in English: shown in the reader's language.
SYSTEM_TEXTS = frozenset({gettext_noop("Request received.")})
MAX_SEARCH = 100


@dataclass(frozen=True)
class ServiceGroup:
    name: str
    services: list[ServiceType]


def service_groups(query: str = "") -> list[ServiceGroup]:
    """Active service types by group (groups and names alphabetical; types without a group
    last), narrowed to those whose name, description, group or keywords contain every word
    of `query`."""
    services = ServiceType.objects.filter(active=True).only("code", "name", "description", "group")
    for word in query.split()[:8]:
        services = services.filter(
            Q(name__icontains=word) | Q(description__icontains=word) | Q(group__icontains=word)
            | Q(keywords__icontains=word)
        )
    groups: dict[str, list[ServiceType]] = {}
    for service in services.order_by("group", "name"):
        groups.setdefault(service.group, []).append(service)
    ordered = sorted(groups.items(), key=lambda item: (item[0] == "", item[0].casefold()))
    return [ServiceGroup(name=name, services=items) for name, items in ordered]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    status: str
    text: str


@dataclass(frozen=True)
class PublicRequest:
    """What anyone may see of a request."""

    public_id: str
    service: str
    status: str  # open / closed
    detailed_status: str
    status_notes: str
    description: str
    address: str
    lat: float | None
    long: float | None
    neighborhood: str
    requested_at: datetime
    updated_at: datetime
    expected_at: datetime | None
    closed_at: datetime | None
    duplicate_of: str | None
    duplicates: int
    timeline: list[TimelineEntry]


def _public_address(request: ServiceRequest) -> str:
    return redact_text(request.address)


def tracked_request(public_id: str) -> PublicRequest | None:
    """The public view of one request by its id, with its public updates oldest first
    (two queries); None if there is no such request."""
    request = (
        ServiceRequest.objects.select_related("service_type", "detailed_status", "neighborhood", "duplicate_of")
        .defer("attributes", "source_hash").filter(public_id=public_id).first()
    )
    if request is None:
        return None
    updates: QuerySet[RequestUpdate] = (
        RequestUpdate.objects.filter(request=request, is_public=True).select_related("status_to")
        .only("created_at", "text", "status_to__name").order_by("created_at", "id")
    )
    timeline = [TimelineEntry(at=u.created_at, status=u.status_to.name if u.status_to else "",
                              text=gettext(u.text) if u.text in SYSTEM_TEXTS else redact_text(u.text))
                for u in updates]
    return PublicRequest(
        public_id=request.public_id, service=request.service_type.name, status=request.status,
        detailed_status=request.detailed_status.name, status_notes=redact_text(request.status_notes),
        description=redact_text(request.description), address=_public_address(request),
        lat=request.lat, long=request.long,
        neighborhood=request.neighborhood.name if request.neighborhood else "",
        requested_at=request.requested_at, updated_at=request.updated_at, expected_at=request.expected_at,
        closed_at=request.closed_at,
        duplicate_of=request.duplicate_of.public_id if request.duplicate_of else None,
        duplicates=request.duplicate_count, timeline=timeline,
    )


@dataclass(frozen=True)
class NearbyRequest:
    public_id: str
    service: str
    status: str
    detailed_status: str
    description: str
    address: str
    lat: float
    long: float
    requested_at: datetime
    distance_m: float | None


def recent_requests(
    *, lat: float | None = None, long: float | None = None, radius_m: float | None = None,
    days: int | None = None, now: datetime | None = None, limit: int = 50,
    service_codes: Sequence[str] = (),
) -> list[NearbyRequest]:
    """Requests with a location filed in the last `days`, newest first; around (lat, long)
    within `radius_m` when a point is given.
    Descriptions and addresses redacted; duplicates left out (their parent is listed). One query."""
    radius = radius_m if radius_m is not None else settings.PORTAL_NEARBY_RADIUS_M
    since = (now or timezone.now()) - timedelta(days=days if days is not None else settings.PORTAL_NEARBY_DAYS)
    queryset = ServiceRequest.objects.filter(
        requested_at__gte=since, lat__isnull=False, long__isnull=False, duplicate_of__isnull=True,
    )
    if service_codes:
        queryset = queryset.filter(service_type__code__in=list(service_codes))
    if lat is not None and long is not None:
        dlat = radius / METERS_PER_DEGREE_LAT
        dlong = radius / (METERS_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(lat))))
        queryset = queryset.filter(lat__gte=lat - dlat, lat__lte=lat + dlat,
                                   long__gte=long - dlong, long__lte=long + dlong)
    rows = (
        queryset.order_by("-requested_at", "-id")
        .values_list("public_id", "service_type__name", "status", "detailed_status__name", "description",
                     "address", "lat", "long", "requested_at")[: limit * 4 if lat is not None else limit]
    )
    found: list[NearbyRequest] = []
    for public_id, service, status, detailed, description, address, r_lat, r_long, requested_at in rows:
        assert r_lat is not None and r_long is not None  # filtered above
        distance = haversine_m(lat, long, r_lat, r_long) if lat is not None and long is not None else None
        if distance is not None and distance > radius:
            continue
        found.append(NearbyRequest(
            public_id=public_id, service=service, status=status, detailed_status=detailed,
            description=redact_text(description)[:280], address=redact_text(address),
            lat=r_lat, long=r_long, requested_at=requested_at, distance_m=distance,
        ))
    return found[:limit]
