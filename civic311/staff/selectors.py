"""Reads behind the staff pages: the filtered, sorted queue; its map points; a case's
timeline; SLA counts. Every list is one query for its rows, whatever their number."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from civic311.audit.models import AuditEvent
from civic311.cases.models import RequestUpdate, ServiceRequest
from civic311.catalog.models import Department, Queue

SORTS: dict[str, tuple[Any, ...]] = {
    "newest": ("-requested_at", "-id"),
    "oldest": ("requested_at", "id"),
    "due": (F("expected_at").asc(nulls_last=True), "id"),
    "updated": ("-updated_at", "-id"),
}
DEFAULT_SORT = "newest"
MAP_POINT_LIMIT = 2000
# The columns a queue row shows; everything else (long texts, the polygon of the
# neighborhood, attribute answers) stays in the database.
ROW_FIELDS = (
    "public_id", "status", "address", "requested_at", "expected_at", "sla_state",
    "service_type__name", "detailed_status__name", "detailed_status__code", "neighborhood__name",
    "queue__name", "department__code", "assignee__username", "assignee__first_name", "assignee__last_name",
)


@dataclass(frozen=True)
class QueueFilters:
    """What a queue page asks for; None or empty means "any"."""

    state: str = "open"  # open / closed / all (Open311's status)
    status: str | None = None  # a detailed status code
    department_id: int | None = None
    queue_id: int | None = None
    service_type_id: int | None = None
    neighborhood_id: int | None = None
    older_than_days: int | None = None
    sla_state: str | None = None
    assignee: str | int | None = None  # "me", "none" or a user id
    text: str = ""
    sort: str = DEFAULT_SORT


def filter_requests(requests: QuerySet[ServiceRequest], filters: QueueFilters, *, user_id: int | None,
                    now: datetime | None = None) -> QuerySet[ServiceRequest]:
    """`requests` narrowed by the filters (no ordering, no joins)."""
    if filters.state in ("open", "closed"):
        requests = requests.filter(status=filters.state)
    if filters.status:
        requests = requests.filter(detailed_status__code=filters.status)
    if filters.department_id is not None:
        requests = requests.filter(department_id=filters.department_id)
    if filters.queue_id is not None:
        requests = requests.filter(queue_id=filters.queue_id)
    if filters.service_type_id is not None:
        requests = requests.filter(service_type_id=filters.service_type_id)
    if filters.neighborhood_id is not None:
        requests = requests.filter(neighborhood_id=filters.neighborhood_id)
    if filters.older_than_days is not None:
        cutoff = (now or timezone.now()) - timedelta(days=filters.older_than_days)
        requests = requests.filter(requested_at__lt=cutoff)
    if filters.sla_state:
        requests = requests.filter(sla_state=filters.sla_state)
    if filters.assignee == "me":
        requests = requests.filter(assignee_id=user_id)
    elif filters.assignee == "none":
        requests = requests.filter(assignee__isnull=True)
    elif isinstance(filters.assignee, int):
        requests = requests.filter(assignee_id=filters.assignee)
    text = filters.text.strip()
    if text:
        requests = requests.filter(
            Q(public_id__iexact=text) | Q(address__icontains=text) | Q(description__icontains=text)
        )
    return requests


def queue_rows(requests: QuerySet[ServiceRequest], filters: QueueFilters, *, user_id: int | None,
               now: datetime | None = None) -> QuerySet[ServiceRequest]:
    """The rows of a queue page, sorted, with what a row shows joined in (one query)."""
    ordering = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    return (
        filter_requests(requests, filters, user_id=user_id, now=now)
        .select_related("service_type", "detailed_status", "neighborhood", "queue", "department", "assignee")
        .only(*ROW_FIELDS)
        .order_by(*ordering)
    )


@dataclass(frozen=True)
class QueuePage:
    number: int
    per_page: int
    count: int
    rows: list[ServiceRequest]

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def queue_page(requests: QuerySet[ServiceRequest], filters: QueueFilters, *, user_id: int | None, page: str | None,
               per_page: int, now: datetime | None = None, count: int | None = None) -> QueuePage:
    """One page of the queue in three queries whatever its depth: the count (unless the
    caller knows it); the ids of the page, sorted and offset on the requests table alone
    (an index walk, no joins for the rows skipped); then those rows with what they show
    joined in. Page numbers out of range give the nearest page."""
    matching = filter_requests(requests, filters, user_id=user_id, now=now)
    if count is None:
        count = matching.count()
    pages = max(1, -(-count // per_page))
    number = int(page) if page and page.isdigit() else 1
    number = min(max(1, number), pages)
    if not count:
        return QueuePage(number, per_page, 0, [])
    ordering = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    start = (number - 1) * per_page
    ids = list(matching.order_by(*ordering).values_list("id", flat=True)[start:start + per_page])
    rows = queue_rows(requests.model.objects.filter(pk__in=ids), QueueFilters(state="all"), user_id=user_id)
    by_id = {row.pk: row for row in rows}
    return QueuePage(number, per_page, count, [by_id[pk] for pk in ids if pk in by_id])


def queue_points(requests: QuerySet[ServiceRequest], filters: QueueFilters, *, user_id: int | None,
                 limit: int = MAP_POINT_LIMIT) -> tuple[list[dict[str, Any]], bool]:
    """The located cases of a filtered queue as GeoJSON features, at most `limit` of them
    (the first by the page's sort): (features, whether more were left out)."""
    ordering = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    rows = list(
        filter_requests(requests, filters, user_id=user_id)
        .filter(lat__isnull=False, long__isnull=False)
        .order_by(*ordering)
        .values_list("public_id", "lat", "long", "service_type__name", "detailed_status__name", "sla_state")
        [: limit + 1]
    )
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [long, lat]},
            "properties": {"id": public_id, "service": service, "status": status, "sla": sla},
        }
        for public_id, lat, long, service, status, sla in rows[:limit]
    ]
    return features, len(rows) > limit


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a case's timeline: a request update or an audit event."""

    at: datetime
    kind: str  # "update" or "event"
    is_public: bool
    actor: str
    text: str = ""
    status_from: str = ""
    status_to: str = ""
    action: str = ""
    channel: str = ""
    changes: list[tuple[str, str]] = field(default_factory=list)
    reason: str = ""


def _change_lines(changes: object) -> list[tuple[str, str]]:
    """An audit event's changes as (what, how) lines: [old, new] pairs read "old → new"."""
    if not isinstance(changes, dict):
        return []
    lines = []
    for key, value in changes.items():
        if value is None or value == "":
            continue
        if isinstance(value, list) and len(value) == 2:
            old, new = ("—" if v is None else v for v in value)
            lines.append((str(key), f"{old} → {new}"))
        else:
            lines.append((str(key), str(value)))
    return lines


def timeline(request: ServiceRequest) -> list[TimelineEntry]:
    """The case's updates (public and internal) and its audit events, newest first (two
    queries)."""
    entries: list[TimelineEntry] = []
    updates = RequestUpdate.objects.filter(request=request).select_related(
        "author", "status_from", "status_to", "channel"
    )
    for update in updates:
        entries.append(TimelineEntry(
            at=update.created_at, kind="update", is_public=update.is_public,
            actor=update.author_label or (update.author.get_username() if update.author else ""),
            text=update.text,
            status_from=update.status_from.name if update.status_from else "",
            status_to=update.status_to.name if update.status_to else "",
            channel=update.channel.name if update.channel else "",
        ))
    events = AuditEvent.objects.filter(
        object_type=ServiceRequest._meta.label_lower, object_id=str(request.pk)
    ).only("occurred_at", "actor_label", "channel", "action", "changes", "reason")
    for event in events:
        entries.append(TimelineEntry(
            at=event.occurred_at, kind="event", is_public=False, actor=event.actor_label, action=event.action,
            channel=event.channel, changes=_change_lines(event.changes),
            reason=event.reason,
        ))
    # Newest first; at equal times an update (what people wrote) before its audit event.
    entries.sort(key=lambda e: (e.at, e.kind == "update"), reverse=True)
    return entries


@dataclass(frozen=True)
class QueueSla:
    department: str
    queue: str
    queue_id: int | None
    queue_code: str
    department_code: str
    open: int
    at_risk: int
    breached: int


def sla_by_queue(requests: QuerySet[ServiceRequest]) -> list[QueueSla]:
    """Open, at-risk and breached counts of the open cases, per queue, most breached first
    (two queries: the counts, grouped on the requests table alone, then the names)."""
    rows = list(
        requests.filter(status="open")
        .values("department_id", "queue_id")
        .annotate(
            open=Count("id"),
            at_risk=Count("id", filter=Q(sla_state="at_risk")),
            breached=Count("id", filter=Q(sla_state="breached")),
        )
        .order_by()
    )
    departments = {d.pk: d for d in Department.objects.filter(pk__in={r["department_id"] for r in rows})
                   .only("code", "name")}
    queues = {q.pk: q for q in Queue.objects.filter(pk__in={r["queue_id"] for r in rows}).only("code", "name")}
    result = [
        QueueSla(
            department=departments[r["department_id"]].name if r["department_id"] in departments else "",
            department_code=departments[r["department_id"]].code if r["department_id"] in departments else "",
            queue=queues[r["queue_id"]].name if r["queue_id"] in queues else "", queue_id=r["queue_id"],
            queue_code=queues[r["queue_id"]].code if r["queue_id"] in queues else "",
            open=r["open"], at_risk=r["at_risk"], breached=r["breached"],
        )
        for r in rows
    ]
    result.sort(key=lambda q: (-q.breached, -q.at_risk, q.department, q.queue))
    return result
