"""Recording audit events. Callers pass what changed; this module never decides policy."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import models

from .models import AuditEvent


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
    """Append one audit event for `target` (a model instance or a (type, id) pair)."""
    if isinstance(target, tuple):
        object_type, object_id = target
    else:
        object_type = target._meta.label_lower
        object_id = str(target.pk)
    user = actor if isinstance(actor, User) else None
    label = actor_label or (user.get_username() if user is not None else "system")
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label,
        channel=channel,
        action=action,
        object_type=object_type,
        object_id=object_id,
        changes=changes or {},
        reason=reason,
    )
