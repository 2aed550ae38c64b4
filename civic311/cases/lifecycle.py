"""The lifecycle of a request: which detailed status may follow which, and the one door
that changes it (`transition`), writing the status update and the audit event.

`ALLOWED` holds the built-in moves between the seeded statuses. Two statuses are
entered only through their own service, which needs more than a status: "transferred"
(`cases.services.transfer`, with the department and the reason) and "duplicate"
(`cases.services.mark_duplicate`, with the parent). A city that adds statuses of its own
allows moves to and from them in the admin (Status transitions); `allowed_targets`
combines both."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from civic311.audit.services import record_event
from civic311.catalog.lookups import channel_by_code

from . import signals, sla
from .models import RequestUpdate, ServiceRequest, Status, StatusTransition

Actor = AbstractBaseUser | AnonymousUser | None

OPEN_STATUSES = frozenset({"new", "acknowledged", "assigned", "in_progress", "on_hold", "reopened", "transferred"})
_CLOSING = {"resolved", "closed", "cancelled"}

ALLOWED: dict[str, set[str]] = {
    "new": {"acknowledged", "assigned", "in_progress", "on_hold", *_CLOSING},
    "acknowledged": {"assigned", "in_progress", "on_hold", *_CLOSING},
    "assigned": {"in_progress", "on_hold", *_CLOSING},
    "in_progress": {"assigned", "on_hold", *_CLOSING},
    "on_hold": {"assigned", "in_progress", *_CLOSING},
    "reopened": {"acknowledged", "assigned", "in_progress", "on_hold", *_CLOSING},
    "transferred": {"acknowledged", "assigned", "in_progress", "on_hold", *_CLOSING},
    "resolved": {"closed", "reopened"},
    "closed": {"reopened"},
    "duplicate": {"reopened"},
    "cancelled": {"reopened"},
}

# Statuses entered through their own service, from any open status.
ENTERED_BY_SERVICE: dict[str, str] = {
    "transferred": "Use Transfer, which names the department the case goes to and why.",
    "duplicate": "Use Mark as duplicate, which names the case it duplicates.",
}


class InvalidTransition(ValueError):
    """The request cannot move to that status; the message says why and what it can do."""


def allowed_targets(from_code: str) -> set[str]:
    """The status codes a request in `from_code` may move to through `transition`: the
    built-in ones and those a city allowed in the admin."""
    extra = StatusTransition.objects.filter(from_status__code=from_code).values_list("to_status__code", flat=True)
    return set(ALLOWED.get(from_code, set())) | set(extra)


def lock(request: ServiceRequest) -> ServiceRequest:
    """The request's row, locked for this transaction and read afresh."""
    return ServiceRequest.objects.select_for_update().select_related("detailed_status").get(pk=request.pk)


def refresh(request: ServiceRequest, locked: ServiceRequest) -> None:
    """Bring the caller's instance up to date with what a service wrote."""
    if request is not locked:
        request.refresh_from_db()


def actor_user(actor: Actor) -> User | None:
    """The acting user as a row to point at (None for system and anonymous actors)."""
    return actor if isinstance(actor, User) else None


def apply_status(
    locked: ServiceRequest,
    target: Status,
    *,
    actor: Actor,
    channel: str = "",
    note: str = "",
    public: bool = True,
    action: str = "request.status_changed",
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    extra_fields: Mapping[str, Any] | None = None,
) -> RequestUpdate:
    """Move the locked request to `target` (already validated by the caller), with
    `extra_fields` saved alongside; write the update and the audit event; send
    `status_changed` inside the transaction. For `transition` and the services of this app."""
    old = locked.detailed_status
    now = timezone.now()
    fields = {"detailed_status": target, "status": target.open311_status, "updated_at": now, **(extra_fields or {})}
    closing = target.open311_status == Status.Open311.CLOSED
    if closing and old.open311_status != Status.Open311.CLOSED:
        fields["closed_at"] = now
    elif not closing:
        fields["closed_at"] = None
    clock_fields, clock_changes = sla.pause_or_resume(
        locked, pausing_before=old.pauses_sla, pausing_after=target.pauses_sla, now=now
    )
    fields.update(clock_fields)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(fields))
    record_clock_change(locked, clock_changes, actor=actor, channel=channel)
    update = RequestUpdate.objects.create(
        request=locked, created_at=now, author=actor_user(actor), status_from=old, status_to=target,
        text=note, is_public=public, channel=channel_by_code(channel),
    )
    record_event(
        action=action, target=locked, actor=actor, channel=channel, reason=reason,
        changes={"status": [old.code, target.code], **(changes or {})},
    )
    request_id, from_code, to_code = locked.pk, old.code, target.code
    # Inside the transaction, so that a receiver writing to the outbox commits or rolls
    # back with the change itself.
    signals.status_changed.send(
        sender=ServiceRequest, request_id=request_id, from_status=from_code, to_status=to_code, public=public,
    )
    return update


def record_clock_change(
    request: ServiceRequest, changes: Mapping[str, Any], *, actor: Actor = None, actor_label: str = "",
    channel: str = "",
) -> None:
    """The audit event of an SLA clock stopped or restarted by a status change (none when
    the clock was left as it was)."""
    if not changes:
        return
    action = "request.sla_resumed" if "sla_resumed_at" in changes else "request.sla_paused"
    record_event(action=action, target=request, actor=actor, actor_label=actor_label, channel=channel,
                 changes=dict(changes))


def recount_duplicates(parent_id: int) -> None:
    """Store how many requests are marked as duplicates of `parent_id`."""
    count = ServiceRequest.objects.filter(duplicate_of_id=parent_id).aggregate(n=Count("id"))["n"]
    ServiceRequest.objects.filter(pk=parent_id).update(duplicate_count=count)


@transaction.atomic
def transition(
    request: ServiceRequest,
    to_status: str,
    *,
    actor: Actor,
    channel: str = "",
    note: str = "",
    public: bool = True,
) -> ServiceRequest:
    """Move `request` to the detailed status `to_status` (a code), if its lifecycle
    allows it: updates its status, Open311 status, closed_at (set on closing, cleared on
    reopening) and updated_at, writes a status update carrying `note` (public or
    internal) and an audit event naming the actor and `channel` (a channel code).
    Reopening a duplicate detaches it from its parent. Raises InvalidTransition."""
    locked = lock(request)
    current = locked.detailed_status
    target = Status.objects.filter(code=to_status).first()
    if target is None:
        raise InvalidTransition(f"There is no status {to_status!r}.")
    if to_status in ENTERED_BY_SERVICE:
        raise InvalidTransition(f"A case is not set to {target.name} directly. {ENTERED_BY_SERVICE[to_status]}")
    allowed = allowed_targets(current.code)
    if to_status not in allowed:
        if not allowed:
            raise InvalidTransition(
                f"No status change is allowed from {current.name}; an administrator can allow some "
                f"under Cases › Status transitions."
            )
        names = ", ".join(sorted(Status.objects.filter(code__in=allowed).values_list("name", flat=True)))
        raise InvalidTransition(f"A case that is {current.name} cannot become {target.name}. It can become: {names}.")
    extra: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    former_parent = locked.duplicate_of_id if current.code == "duplicate" else None
    if former_parent is not None:
        extra["duplicate_of"] = None
        changes["duplicate_of"] = [former_parent, None]
    apply_status(locked, target, actor=actor, channel=channel, note=note, public=public,
                 changes=changes, extra_fields=extra)
    if former_parent is not None:
        recount_duplicates(former_parent)
    refresh(request, locked)
    return request
