"""Recording audit events. Callers pass what changed; this module never decides policy."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import models

from civic311.config.append_rows import append_rows

from .models import AuditEvent

_batch: ContextVar[list[AuditEvent] | None] = ContextVar("audit_batched_events", default=None)


@contextmanager
def batched_events() -> Iterator[None]:
    """Write the events recorded in the block together, in one INSERT, as it ends without
    an error (intake records several per request; each INSERT is a round trip). Use inside
    a transaction: the events commit or roll back with what they describe."""
    if _batch.get() is not None:  # nested: the outermost block writes them
        yield
        return
    events: list[AuditEvent] = []
    token = _batch.set(events)
    try:
        yield
        append_rows(events)
    finally:
        _batch.reset(token)


def record_event(
    *,
    action: str,
    target: models.Model | tuple[str, str],
    actor: AbstractBaseUser | AnonymousUser | None = None,
    actor_label: str = "",
    channel: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one audit event for `target` (a model instance or a (type, id) pair); inside
    `batched_events()` it is saved when the block ends."""
    if isinstance(target, tuple):
        object_type, object_id = target
    else:
        object_type = target._meta.label_lower
        object_id = str(target.pk)
    user = actor if isinstance(actor, User) else None
    label = actor_label or (user.get_username() if user is not None else "system")
    event = AuditEvent(
        actor=user,
        actor_label=label,
        channel=channel,
        action=action,
        object_type=object_type,
        object_id=object_id,
        changes=changes or {},
        reason=reason,
    )
    batch = _batch.get()
    if batch is None:
        event.save()
    else:
        batch.append(event)
    return event
