"""Every write to service requests goes through here: one function per change, inside a
transaction, recording an update and an audit event. Channel apps (Open311, the portal,
the desk, imports of single records) and the staff pages call these; none writes a case
row itself. Status changes go through `cases.lifecycle`; routing and the SLA clock are in
`cases.routing` and `cases.sla`."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Field
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from civic311.audit.services import record_event
from civic311.catalog.models import Channel, Department, Queue, ServiceType
from civic311.config.append_rows import append_rows, insert_fields, saved_values
from civic311.config.prepared import execute, several_statements_per_query
from civic311.places.lookup import neighborhood_index

from . import lookups, signals, sla
from .duplicates import DuplicateSearch, ScoredCandidate
from .lifecycle import (
    Actor,
    actor_user,
    allowed_targets,
    apply_status,
    channel_by_code,
    lock,
    record_clock_change,
    recount_duplicates,
    refresh,
    transition,
)
from .models import Attachment, RequestUpdate, ServiceRequest, Status, SuggestedDuplicate, Transfer
from .routing import route


class RequestRefused(ValueError):
    """The request cannot be accepted as given; the message says why, for the submitter."""


class UpdateConflict(ValueError):
    """An external update id already names an update of another request."""


class ActionRefused(ValueError):
    """A staff action cannot be done on this request; the message says why and what to do."""


@dataclass(frozen=True)
class NewAttachment:
    """A file arriving with a request, already checked by the channel that took it."""

    name: str
    content: bytes
    content_type: str
    is_public: bool = True


def _create_request(
    *,
    service_type: ServiceType,
    channel: Channel | None,
    requested_at: datetime,
    department: Department | None,
    queue: Queue | None,
    along: tuple[str, list[Any]] | None = None,
    **fields: Any,
) -> tuple[ServiceRequest, list[tuple[Any, ...]]]:
    """A new request in status "new", with its public id, expected date and at-risk moment,
    and the rows of the query `along`, a read run just before the INSERT (in the same round
    trip on PostgreSQL), if one was given."""
    now = timezone.now()
    new_status = lookups.status_by_code("new")
    business = service_type.sla_kind == ServiceType.SlaKind.BUSINESS
    calendar = lookups.work_calendar(service_type.sla_calendar_id) if business else None
    expected = sla.expected_at(service_type, requested_at, calendar=calendar)
    request = ServiceRequest(
        token=secrets.token_urlsafe(12) if service_type.kind == ServiceType.Kind.BATCH else None,
        service_type=service_type,
        status=new_status.open311_status,
        detailed_status=new_status,
        channel=channel,
        department=department,
        queue=queue,
        agency_responsible=department.name if department else "",
        requested_at=requested_at,
        updated_at=now,
        expected_at=expected,
        sla_warn_at=sla.warn_at(service_type, requested_at, expected, calendar=calendar),
        **fields,
    )
    prefix = settings.CIVIC311_REQUEST_ID_PREFIX
    if connection.vendor == "postgresql":
        return request, _insert_with_next_id(request, prefix, along)
    rows = _fetch(*along) if along is not None else []
    # The id is known only once the row is written: a placeholder keeps public_id unique
    # until then.
    request.public_id = f"pending-{uuid.uuid4().hex}"
    request.save(force_insert=True)
    request.public_id = f"{prefix}{request.pk}"
    request.save(update_fields=["public_id"])
    return request, rows


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


@lru_cache(maxsize=1)
def _request_insert() -> tuple[str, tuple[Field[Any, Any], ...], tuple[Field[Any, Any], ...]]:
    """PostgreSQL: the statement `_insert_with_next_id` sends (made once), the fields whose
    values it takes after the id and public id, and the generated fields it returns."""
    meta = ServiceRequest._meta
    quote = connection.ops.quote_name
    fields = tuple(f for f in insert_fields(ServiceRequest) if f.name != "public_id")
    generated = tuple(f for f in meta.concrete_fields if getattr(f, "generated", False))
    returning = ", ".join(quote(str(f.column)) for f in (meta.pk, *generated))
    # A CTE holding nextval() is evaluated once, however often it is read.
    sql = (f"WITH next AS (SELECT nextval(pg_get_serial_sequence(%s, %s)) AS id) "
           f"INSERT INTO {quote(meta.db_table)} ({quote(str(meta.pk.column))}, "
           f"{quote('public_id')}, {', '.join(quote(str(f.column)) for f in fields)}) "
           f"VALUES ((SELECT id FROM next), %s || (SELECT id FROM next), {', '.join(['%s'] * len(fields))}) "
           f"RETURNING {returning}")
    return sql, fields, generated


def _insert_with_next_id(request: ServiceRequest, prefix: str,
                         along: tuple[str, list[Any]] | None) -> list[tuple[Any, ...]]:
    """PostgreSQL: write the new request in one statement, its id the next of the table's
    sequence and its public id made from it (asking for the id first, or updating the
    public id after, is one more round trip), with what a save does around it (the values
    each field's `pre_save` gives, the save signals). The query `along` goes first in the
    same round trip; its rows are returned."""
    meta = ServiceRequest._meta
    pre_save.send(sender=ServiceRequest, instance=request, raw=False, using=connection.alias, update_fields=None)
    sql, fields, generated = _request_insert()
    params = [meta.db_table, meta.pk.column, prefix, *saved_values(request, fields)]
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if along is not None and several_statements_per_query():
            execute(cursor, [along, (sql, params)])
            rows = list(cursor.fetchall())
            cursor.nextset()
        else:
            if along is not None:
                rows = _fetch(*along)
            execute(cursor, [(sql, params)])
        pk, *computed = cursor.fetchone()
    request.pk = int(pk)
    for f, value in zip(generated, computed, strict=True):
        setattr(request, f.attname, value)
    request.public_id = f"{prefix}{request.pk}"
    request._state.adding = False
    request._state.db = connection.alias
    post_save.send(sender=ServiceRequest, instance=request, created=True, update_fields=None, raw=False,
                   using=connection.alias)
    return rows


# No savepoint when nested (the channel's own transaction): a failure here fails the whole
# submission anyway, and each savepoint is a round trip.
@transaction.atomic(savepoint=False)
def submit_request(
    *,
    service_type: ServiceType,
    channel: Channel | None,
    description: str = "",
    lat: float | None = None,
    long: float | None = None,
    address: str = "",
    address_id: str = "",
    attributes: dict[str, Any] | None = None,
    media_url: str = "",
    requested_at: datetime | None = None,
    actor: Actor = None,
    actor_label: str = "",
    attachments: Sequence[NewAttachment] = (),
    audit_details: Mapping[str, Any] | None = None,
) -> ServiceRequest:
    """Accept a new service request: locate its neighborhood, route it (`cases.routing`:
    the first matching routing rule, else the service's default department and queue,
    the rule recorded on the request), and set its expected date from the SLA target
    (`cases.sla`). `actor_label` names a non-user actor (an API key's application);
    `audit_details` are added to the audit event."""
    if not service_type.active:
        raise RequestRefused(f"The service {service_type.code!r} is not accepting requests.")
    if (lat is None) != (long is None):
        raise RequestRefused("Give both latitude and longitude, or neither.")
    if lat is None and not address and not address_id:
        raise RequestRefused("A location is required: coordinates, an address or an address id.")
    index = neighborhood_index()
    neighborhood_id = index.locate(lat, long) if index is not None and lat is not None else None
    requested_at = requested_at or timezone.now()
    decision = route(service_type, when=requested_at, lat=lat, long=long, neighborhood_id=neighborhood_id)
    # Prepared before the request exists, so it cannot find it: its query goes with the
    # request's INSERT.
    search = DuplicateSearch.prepare(service_type=service_type, lat=lat, long=long, requested_at=requested_at,
                                     description=description)
    request, candidates = _create_request(
        along=search.query if search is not None else None,
        service_type=service_type, channel=channel, requested_at=requested_at,
        department=decision.department, queue=decision.queue, routing_rule=decision.rule,
        description=description, address=address, address_id=address_id, lat=lat, long=long,
        neighborhood_id=neighborhood_id, media_url=media_url, attributes=attributes or {},
    )
    suggested = _store_duplicate_suggestions(request, search.score(candidates) if search is not None else [])
    for attachment in attachments:
        Attachment.objects.create(
            request=request, file=ContentFile(attachment.content, name=attachment.name),
            content_type=attachment.content_type, size=len(attachment.content),
            is_public=attachment.is_public,
        )
    # Its only receiver (the Open311 answer cache) has nothing to drop for a request that
    # no one could read yet: written without the save machinery.
    append_rows([RequestUpdate(
        request=request, created_at=request.updated_at, status_to=request.detailed_status, is_public=True,
        text="Request received.", channel=channel, author=actor_user(actor),
        author_label=actor_label or ("" if actor is None else str(actor)),
    )])
    record_event(
        action="request.submitted", target=request, actor=actor, actor_label=actor_label,
        channel=channel.code if channel else "",
        changes={"service_type": service_type.code, "neighborhood_id": neighborhood_id,
                 "department": decision.department.code if decision.department else None,
                 "queue_id": decision.queue.pk if decision.queue else None,
                 "routing_rule_id": decision.rule.pk if decision.rule else None,
                 "attachments": len(attachments), "suggested_duplicates": suggested,
                 **(audit_details or {})},
    )
    return request


def _store_duplicate_suggestions(request: ServiceRequest, found: list[ScoredCandidate]) -> list[str]:
    """Keep the likely duplicates of a request just filed, for staff to decide on its
    page; returns their public ids."""
    # Read by staff later, never back here: one INSERT for all (bulk_create cost more than
    # the search that found them).
    append_rows([
        SuggestedDuplicate(request=request, candidate_id=s.pk, score=s.score, reasons=list(s.reasons),
                           created_at=request.updated_at)
        for s in found
    ])
    return [s.public_id for s in found]


@transaction.atomic
def add_external_update(
    *,
    request: ServiceRequest,
    external_id: str,
    text: str,
    status: Status | None,
    occurred_at: datetime,
    channel: Channel | None,
    actor_label: str,
    is_public: bool = True,
    media_url: str = "",
    audit_details: Mapping[str, Any] | None = None,
) -> tuple[RequestUpdate, bool]:
    """Record an update sent by an external system, once: (the update, whether it is new).
    Sent again with the same `external_id`, the first update is returned and nothing
    changes; the same id on another request is an UpdateConflict. A `status` other than
    the current one moves the request to it (closing or reopening it as Open311 sees it)."""
    # Under the request's lock a concurrent twin of this update has committed or waits.
    locked = ServiceRequest.objects.select_for_update().select_related("detailed_status").get(pk=request.pk)
    existing = RequestUpdate.objects.filter(external_id=external_id).first()
    if existing is not None:
        if existing.request_id != request.pk:
            raise UpdateConflict(f"update id {external_id!r} already belongs to another request.")
        return existing, False
    old_status = locked.detailed_status
    changes_status = status is not None and status.pk != old_status.pk
    try:
        with transaction.atomic():
            update = RequestUpdate.objects.create(
                request=locked, created_at=occurred_at, external_id=external_id,
                status_from=old_status if changes_status else None,
                status_to=status if changes_status else None,
                text=text, is_public=is_public, channel=channel, author_label=actor_label,
                media_url=media_url,
            )
    except IntegrityError:
        # Another request's update took the id between our check and insert.
        raise UpdateConflict(f"update id {external_id!r} is already in use.") from None
    fields = ["updated_at"]
    clock_changes: dict[str, object] = {}
    if changes_status and status is not None:
        locked.detailed_status = status
        locked.status = status.open311_status
        if status.open311_status == Status.Open311.CLOSED and old_status.open311_status != Status.Open311.CLOSED:
            locked.closed_at = occurred_at
        elif status.open311_status == Status.Open311.OPEN:
            locked.closed_at = None
        fields += ["detailed_status", "status", "closed_at"]
        clock_fields, clock_changes = sla.pause_or_resume(
            locked, pausing_before=old_status.pauses_sla, pausing_after=status.pauses_sla,
            now=occurred_at,
        )
        for name, value in clock_fields.items():
            setattr(locked, name, value)
        fields += list(clock_fields)
    locked.updated_at = timezone.now()
    locked.save(update_fields=fields)
    record_clock_change(locked, clock_changes, actor_label=actor_label, channel=channel.code if channel else "")
    record_event(
        action="request.updated", target=locked, actor_label=actor_label,
        channel=channel.code if channel else "",
        changes={
            "external_id": external_id,
            "status": [old_status.code, status.code] if changes_status and status is not None else None,
            **(audit_details or {}),
        },
    )
    if changes_status and status is not None:
        # As lifecycle.apply does for staff changes: requesters hear of it (notices).
        signals.status_changed.send(sender=ServiceRequest, request_id=locked.pk, from_status=old_status.code,
                                    to_status=status.code, public=is_public)
    return update, True


# ---------------------------------------------------------------- staff actions
# Each takes the acting user and, optionally, the code of the channel the action came by
# (e.g. "phone" when an agent acts during a call), both recorded on the audit event.


def _refuse_if_closed(locked: ServiceRequest, doing: str) -> None:
    if locked.status != Status.Open311.OPEN:
        raise ActionRefused(
            f"{locked.public_id} is {locked.detailed_status.name.lower()}; reopen it before {doing}."
        )


def _check_queue(queue: Queue | None, department_id: int | None) -> None:
    if queue is None:
        return
    if queue.department_id != department_id:
        raise ActionRefused(
            f"The queue {queue.name} belongs to {queue.department.name}, not to this case's department; "
            "transfer the case to that department instead."
        )
    if not queue.active:
        raise ActionRefused(f"The queue {queue.name} is closed; choose another queue.")


def _assign(
    locked: ServiceRequest, *, queue: Queue | None, assignee: User | None, actor: Actor, channel: str
) -> bool:
    if queue is None and assignee is None:
        raise ActionRefused("Choose a queue, an assignee or both.")
    _refuse_if_closed(locked, "assigning it")
    _check_queue(queue, locked.department_id)
    if assignee is not None and not assignee.is_active:
        raise ActionRefused(f"{assignee.get_username()} can no longer sign in; choose another assignee.")
    fields: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    if queue is not None and queue.pk != locked.queue_id:
        fields["queue"] = queue
        changes["queue_id"] = [locked.queue_id, queue.pk]
    if assignee is not None and assignee.pk != locked.assignee_id:
        fields["assignee"] = assignee
        changes["assignee_id"] = [locked.assignee_id, assignee.pk]
    if not fields:
        return False
    current = locked.detailed_status.code
    if current in {"new", "acknowledged", "reopened", "transferred"} and "assigned" in allowed_targets(current):
        apply_status(locked, Status.objects.get(code="assigned"), actor=actor, channel=channel,
                     action="request.assigned", changes=changes, extra_fields=fields)
        return True
    fields["updated_at"] = timezone.now()
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(fields))
    record_event(action="request.assigned", target=locked, actor=actor, channel=channel, changes=changes)
    return True


@transaction.atomic
def assign(
    request: ServiceRequest,
    *,
    queue: Queue | None = None,
    assignee: User | None = None,
    actor: Actor,
    channel: str = "",
) -> ServiceRequest:
    """Put an open request in a queue of its department and/or give it to a person. A
    request not yet worked on (new, acknowledged, reopened, transferred) becomes
    "assigned". Giving what it already has changes nothing and records nothing."""
    locked = lock(request)
    _assign(locked, queue=queue, assignee=assignee, actor=actor, channel=channel)
    refresh(request, locked)
    return request


@transaction.atomic
def bulk_assign(
    requests: Iterable[ServiceRequest],
    *,
    queue: Queue | None = None,
    assignee: User | None = None,
    actor: Actor,
    channel: str = "",
) -> int:
    """`assign` for many requests, all or none: the first that cannot be assigned stops
    the lot with its public id in the message. Returns how many changed."""
    changed = 0
    for request in requests:
        try:
            changed += _assign(lock(request), queue=queue, assignee=assignee, actor=actor, channel=channel)
        except ActionRefused as refused:
            raise ActionRefused(f"{request.public_id}: {refused} Nothing was assigned.") from None
    return changed


@transaction.atomic
def bulk_transition(
    requests: Iterable[ServiceRequest], to_status: str, *, actor: Actor, note: str = "", channel: str = ""
) -> tuple[int, list[str]]:
    """`cases.lifecycle.transition` for many requests, each on its own: returns how many
    moved and, for the others, "public id: why not"."""
    done, problems = 0, []
    for request in requests:
        try:
            with transaction.atomic():
                transition(request, to_status, actor=actor, note=note, channel=channel, public=True)
        except ValueError as refused:
            problems.append(f"{request.public_id}: {refused}")
        else:
            done += 1
    return done, problems


def _default_queue(service_type: ServiceType, department: Department) -> Queue | None:
    """The queue a transferred or linked request lands in when none is named: the service
    type's own queue if it belongs to that department, else the department's only queue."""
    if service_type.department_id == department.pk and service_type.queue_id is not None:
        return service_type.queue
    queues = list(Queue.objects.filter(department=department, active=True)[:2])
    return queues[0] if len(queues) == 1 else None


@transaction.atomic
def transfer(
    request: ServiceRequest,
    *,
    department: Department,
    queue: Queue | None = None,
    reason: str,
    actor: Actor,
    channel: str = "",
) -> ServiceRequest:
    """Send an open request to another department, with the reason (each transfer is a
    `Transfer` row: misroutes are a KPI). Its status becomes "transferred", it lands in
    `queue` (or the department's default queue) and loses its assignee."""
    reason = reason.strip()
    if not reason:
        raise ActionRefused("Give the reason for the transfer: misroutes are counted by their reason.")
    locked = lock(request)
    _refuse_if_closed(locked, "transferring it")
    if not department.active:
        raise ActionRefused(f"{department.name} no longer takes cases; choose another department.")
    if department.pk == locked.department_id:
        raise ActionRefused(f"{locked.public_id} is already with {department.name}; use Assign to change its queue.")
    _check_queue(queue, department.pk)
    queue = queue or _default_queue(locked.service_type, department)
    Transfer.objects.create(
        request=locked, created_at=timezone.now(), from_department_id=locked.department_id,
        from_queue_id=locked.queue_id, to_department=department, to_queue=queue, reason=reason,
        actor=actor_user(actor), routing_rule_id=locked.routing_rule_id,
    )
    changes = {"department_id": [locked.department_id, department.pk],
               "queue_id": [locked.queue_id, queue.pk if queue else None]}
    apply_status(
        locked, Status.objects.get(code="transferred"), actor=actor, channel=channel, action="request.transferred",
        note=f"Transferred to {department.name}.", public=True, reason=reason, changes=changes,
        extra_fields={"department": department, "queue": queue, "assignee": None,
                      "agency_responsible": department.name},
    )
    refresh(request, locked)
    return request


@transaction.atomic
def add_note(request: ServiceRequest, *, text: str, public: bool, actor: Actor, channel: str = "") -> RequestUpdate:
    """A note on the request: public (residents and Open311 clients see it) or internal."""
    text = text.strip()
    if not text:
        raise ActionRefused("Write the note first.")
    locked = lock(request)
    now = timezone.now()
    update = RequestUpdate.objects.create(request=locked, created_at=now, author=actor_user(actor), text=text,
                                          is_public=public, channel=channel_by_code(channel))
    ServiceRequest.objects.filter(pk=locked.pk).update(updated_at=now)
    record_event(action="request.note_added", target=locked, actor=actor, channel=channel,
                 changes={"update_id": update.pk, "public": public})
    refresh(request, locked)
    return update


def _root_of(parent: ServiceRequest) -> ServiceRequest:
    """The request a duplicate chain ends at (a duplicate of a duplicate counts for the first)."""
    seen = {parent.pk}
    root = parent
    while root.duplicate_of_id is not None and root.duplicate_of_id not in seen:
        seen.add(root.duplicate_of_id)
        root = ServiceRequest.objects.get(pk=root.duplicate_of_id)
    return root


@transaction.atomic
def mark_duplicate(
    request: ServiceRequest, *, parent: ServiceRequest, actor: Actor, channel: str = ""
) -> ServiceRequest:
    """Close an open request as a duplicate of `parent` (or of the request `parent` itself
    duplicates). Duplicates already pointing at `request` move to that parent too, and the
    parent's `duplicate_count` is recounted. Reporters of duplicates follow the parent
    (`cases.selectors.update_audience`)."""
    if parent.pk == request.pk:
        raise ActionRefused("A case cannot be a duplicate of itself.")
    locked = lock(request)
    _refuse_if_closed(locked, "marking it as a duplicate")
    root = _root_of(ServiceRequest.objects.get(pk=parent.pk))
    if root.pk == locked.pk:
        raise ActionRefused(f"{parent.public_id} is itself a duplicate of {locked.public_id}.")
    if locked.work_items.exists():
        raise ActionRefused(
            f"{locked.public_id} has linked work items; cancel them or keep this case open instead of "
            "marking it as a duplicate."
        )
    moved = list(ServiceRequest.objects.filter(duplicate_of=locked).values_list("pk", flat=True))
    ServiceRequest.objects.filter(pk__in=moved).update(duplicate_of=root)
    apply_status(
        locked, Status.objects.get(code="duplicate"), actor=actor, channel=channel, action="request.marked_duplicate",
        note=f"This problem was already reported as {root.public_id}; its updates follow there.", public=True,
        changes={"duplicate_of": root.public_id, "moved_duplicates": moved},
        extra_fields={"duplicate_of": root, "duplicate_count": 0},
    )
    RequestUpdate.objects.create(request=root, created_at=timezone.now(), author=actor_user(actor),
                                 text=f"{locked.public_id} was marked as a duplicate of this case.", is_public=False)
    recount_duplicates(root.pk)
    SuggestedDuplicate.objects.filter(
        request=locked, candidate_id__in={parent.pk, root.pk}, decision=SuggestedDuplicate.Decision.PENDING
    ).update(decision=SuggestedDuplicate.Decision.CONFIRMED, decided_by=actor_user(actor), decided_at=timezone.now())
    record_event(action="request.duplicate_added", target=root, actor=actor, channel=channel,
                 changes={"duplicate": locked.public_id, "moved_duplicates": moved})
    refresh(request, locked)
    return request


@transaction.atomic
def dismiss_duplicate(
    request: ServiceRequest, *, candidate: ServiceRequest, actor: Actor, channel: str = ""
) -> SuggestedDuplicate:
    """Record that `request` is not a duplicate of `candidate`: the suggestion (kept at
    intake, or made on the case page) is marked rejected and no longer offered."""
    if candidate.pk == request.pk:
        raise ActionRefused("A case cannot be a duplicate of itself.")
    locked = lock(request)
    now = timezone.now()
    suggestion, created = SuggestedDuplicate.objects.get_or_create(
        request=locked, candidate=candidate, defaults={"score": 0.0, "created_at": now},
    )
    if suggestion.decision == SuggestedDuplicate.Decision.REJECTED:
        return suggestion
    suggestion.decision = SuggestedDuplicate.Decision.REJECTED
    suggestion.decided_by = actor_user(actor)
    suggestion.decided_at = now
    suggestion.save(update_fields=["decision", "decided_by", "decided_at"])
    record_event(action="request.duplicate_dismissed", target=locked, actor=actor, channel=channel,
                 changes={"candidate": candidate.public_id, "suggested_at_intake": not created,
                          "score": suggestion.score})
    refresh(request, locked)
    return suggestion


@transaction.atomic
def link_work_item(
    parent: ServiceRequest,
    *,
    department: Department,
    queue: Queue | None = None,
    service_type: ServiceType | None = None,
    description: str = "",
    actor: Actor,
    channel: str = "",
) -> ServiceRequest:
    """A new request for `department`'s part of the problem `parent` stands for (several
    departments working one problem, each its own work item). The item shares the
    parent's location and points at the family's parent (a work item's parent, if
    `parent` is itself one); it gets its own status, queue and SLA."""
    root = lock(parent)
    if root.parent_id is not None:
        root = lock(ServiceRequest(pk=root.parent_id))
    if root.duplicate_of_id is not None:
        raise ActionRefused(f"{root.public_id} is a duplicate; link the work to the case it duplicates.")
    if not department.active:
        raise ActionRefused(f"{department.name} no longer takes cases; choose another department.")
    _check_queue(queue, department.pk)
    service_type = service_type or root.service_type
    queue = queue or _default_queue(service_type, department)
    now = timezone.now()
    item, _ = _create_request(
        service_type=service_type, channel=Channel.objects.filter(code="employee").first(), requested_at=now,
        department=department, queue=queue, parent=root,
        description=description.strip() or root.description, address=root.address, address_id=root.address_id,
        zipcode=root.zipcode, lat=root.lat, long=root.long, neighborhood_id=root.neighborhood_id,
    )
    RequestUpdate.objects.create(request=item, created_at=now, status_to=item.detailed_status, is_public=True,
                                 author=actor_user(actor), text=f"Work item of {root.public_id} for {department.name}.")
    RequestUpdate.objects.create(request=root, created_at=now, author=actor_user(actor), is_public=False,
                                 text=f"Work item {item.public_id} created for {department.name}.")
    record_event(action="request.work_item_created", target=item, actor=actor, channel=channel,
                 changes={"parent": root.public_id, "department": department.code,
                          "service_type": service_type.code})
    record_event(action="request.work_item_linked", target=root, actor=actor, channel=channel,
                 changes={"work_item": item.public_id, "department": department.code})
    return item

