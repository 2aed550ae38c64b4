"""Reads of service requests that are more than a one-line query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from civic311.catalog import lookups as catalog_lookups
from civic311.places.lookup import district_named

from . import lookups
from .models import Attachment, RequestUpdate, ServiceRequest, SuggestedDuplicate, Transfer


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


def public_requests(
    *,
    public_ids: Sequence[str] | None = None,
    service_type_ids: Sequence[int] | None = None,
    statuses: Sequence[str] | None = None,
    detailed_status_codes: Sequence[str] | None = None,
    requested_from: datetime | None = None,
    requested_to: datetime | None = None,
    updated_from: datetime | None = None,
    updated_to: datetime | None = None,
    with_public_updates: bool = False,
) -> QuerySet[ServiceRequest]:
    """Requests for public output, newest first, with everything a list shows joined in one
    query: the service type, channel, neighborhood, detailed status, and the id of the first
    public attachment (`first_attachment_id`). With `with_public_updates`, the public
    updates are prefetched as `public_updates` (one more query). Bounds are inclusive."""
    first_attachment = (
        Attachment.objects.filter(request=OuterRef("pk"), is_public=True).order_by("id").values("id")[:1]
    )
    queryset = (
        ServiceRequest.objects.select_related("service_type", "channel", "neighborhood", "detailed_status")
        # A neighborhood's polygon can weigh tens of kilobytes: only its name is shown.
        .defer("attributes", "neighborhood__geometry")
        .annotate(first_attachment_id=Subquery(first_attachment))
        .order_by("-requested_at", "-id")
    )
    if public_ids is not None:
        queryset = queryset.filter(public_id__in=public_ids)
    if service_type_ids is not None:
        queryset = queryset.filter(service_type_id__in=service_type_ids)
    if statuses is not None:
        queryset = queryset.filter(status__in=statuses)
    if detailed_status_codes is not None:
        queryset = queryset.filter(detailed_status__code__in=detailed_status_codes)
    if requested_from is not None:
        queryset = queryset.filter(requested_at__gte=requested_from)
    if requested_to is not None:
        queryset = queryset.filter(requested_at__lte=requested_to)
    if updated_from is not None:
        queryset = queryset.filter(updated_at__gte=updated_from)
    if updated_to is not None:
        queryset = queryset.filter(updated_at__lte=updated_to)
    if with_public_updates:
        queryset = queryset.prefetch_related(
            Prefetch(
                "updates",
                queryset=RequestUpdate.objects.filter(is_public=True).select_related("status_to"),
                to_attr="public_updates",
            )
        )
    return queryset


# The request's own columns that public output shows (its relations come from the cache).
PUBLIC_COLUMNS = (
    "public_id", "status", "status_notes", "description", "agency_responsible", "requested_at", "updated_at",
    "expected_at", "address", "address_id", "zipcode", "lat", "long", "media_url",
    "service_type_id", "channel_id", "neighborhood_id", "detailed_status_id",
)


def public_request(public_id: str) -> ServiceRequest | None:
    """One request for public output, as `public_requests` gives it (`first_attachment_id`
    included), read from its own table: the service type, channel, neighborhood and
    detailed status come from the reference cache. PostgreSQL took longer to plan the
    five-table join than to run it, and this is the API's most frequent read."""
    first_attachment = (
        Attachment.objects.filter(request=OuterRef("pk"), is_public=True).order_by("id").values("id")[:1]
    )
    row = (ServiceRequest.objects.filter(public_id=public_id).only(*PUBLIC_COLUMNS)
           .annotate(first_attachment_id=Subquery(first_attachment)).first())
    if row is None:
        return None
    service_type = catalog_lookups.service_type_by_id(row.service_type_id)
    if service_type is None:  # deleted since it was cached: read it with the row
        return public_requests(public_ids=[public_id]).first()
    row.service_type = service_type
    row.detailed_status = lookups.status_by_id(row.detailed_status_id)
    row.channel = catalog_lookups.channel_by_id(row.channel_id) if row.channel_id else None
    row.neighborhood = district_named(row.neighborhood_id) if row.neighborhood_id else None
    return row


def public_updates(*, created_from: datetime, created_to: datetime | None) -> QuerySet[RequestUpdate]:
    """Public updates made in a window, oldest first, each with its request and
    `status_code`: the detailed status the request had once the update was made (its own
    status change, else the last one before it, else the request's current status)."""
    earlier_change = (
        RequestUpdate.objects.filter(request=OuterRef("request"), status_to__isnull=False)
        .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__lte=OuterRef("id")))
        .order_by("-created_at", "-id")
        .values("status_to__code")[:1]
    )
    queryset = (
        RequestUpdate.objects.filter(is_public=True, created_at__gte=created_from)
        .select_related("request", "request__service_type", "request__detailed_status", "status_to")
        .annotate(
            status_code=Coalesce(F("status_to__code"), Subquery(earlier_change), F("request__detailed_status__code"))
        )
        .order_by("created_at", "id")
    )
    if created_to is not None:
        queryset = queryset.filter(created_at__lte=created_to)
    return queryset


def update_audience(request: ServiceRequest) -> list[int]:
    """Ids of the requests whose reporters and followers are to hear of an update to
    `request`: the request itself, then every request marked as a duplicate of it,
    directly or through another duplicate (a chain left by data written before
    `mark_duplicate` flattened chains, or by an external system), each once. One query
    per level of the chain: one for the usual flat family."""
    audience = [request.pk]
    seen = {request.pk}
    level = [request.pk]
    while level:
        found = [pk for pk in ServiceRequest.objects.filter(duplicate_of_id__in=level).order_by("pk")
                 .values_list("pk", flat=True) if pk not in seen]
        audience.extend(found)
        seen.update(found)
        level = found
    return audience


def pending_duplicate_suggestions(request: ServiceRequest) -> list[SuggestedDuplicate]:
    """The suggestions kept at intake that nobody decided yet, best first, with what the
    case page shows of each candidate (one query)."""
    return list(
        SuggestedDuplicate.objects.filter(request=request, decision=SuggestedDuplicate.Decision.PENDING)
        .select_related("candidate", "candidate__detailed_status", "candidate__service_type",
                        "candidate__duplicate_of")
        .only("id", "score", "reasons", "created_at", "candidate__public_id", "candidate__status",
              "candidate__requested_at", "candidate__detailed_status__name", "candidate__service_type__name",
              "candidate__duplicate_of__public_id")
        .order_by("-score", "id")
    )


def work_family(request: ServiceRequest) -> QuerySet[ServiceRequest]:
    """The linked work of one problem: the shared parent and its work items, oldest first."""
    root_id = request.parent_id or request.pk
    return (
        ServiceRequest.objects.filter(Q(pk=root_id) | Q(parent_id=root_id))
        .select_related("department", "queue", "detailed_status", "service_type")
        .defer("attributes")
        .order_by("requested_at", "id")
    )


@dataclass(frozen=True)
class TransferCount:
    department_id: int | None
    department: str
    transfers_out: int


def transfers_by_department(*, since: datetime, until: datetime | None = None) -> list[TransferCount]:
    """How many requests each department sent elsewhere in a period (the misroute KPI),
    most first (one grouped query)."""
    transfers = Transfer.objects.filter(created_at__gte=since)
    if until is not None:
        transfers = transfers.filter(created_at__lt=until)
    rows = (
        transfers.values("from_department_id", "from_department__name")
        .annotate(n=Count("id"))
        .order_by("-n", "from_department__name")
    )
    return [TransferCount(r["from_department_id"], r["from_department__name"] or "", r["n"]) for r in rows]
