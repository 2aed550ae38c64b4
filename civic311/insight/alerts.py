"""Who sees and works early-warning alerts, and the one door for each change a person
makes to one (acknowledge, comment, close with an outcome), each audited.

- Administrators and agents see every alert; department staff and supervisors see the
  alerts of their department (the departments concerned are stored on the alert).
- Administrators and the staff of a department concerned acknowledge, comment and close;
  agents only read.
- Apps above insight may let more people read some alerts (`register_reader`): notices lets
  staff who follow a neighborhood's alerts read the alerts touching it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civic311.audit.services import record_event
from civic311.staff import access

from .models import Alert, AlertComment

MAX_COMMENT = 4000
ReaderHook = Callable[[User], Q]
_READERS: list[ReaderHook] = []


def register_reader(hook: ReaderHook) -> None:
    """Add a rule giving a user read access to more alerts (a filter on Alert)."""
    if hook not in _READERS:
        _READERS.append(hook)


class AlertRefused(Exception):
    """The change is not allowed; the message says why, for the person acting."""


def visible_alerts(user: User) -> QuerySet[Alert]:
    alerts = Alert.objects.select_related("service_type").annotate(requests=Count("evidence", distinct=True))
    if access.sees_all_departments(user):
        return alerts
    department_id = access.department_id_of(user)
    allowed = Q(pk__in=[])
    if department_id is not None:
        allowed |= Q(pk__in=Alert.objects.filter(departments=department_id).values("pk"))
    for hook in _READERS:
        allowed |= Q(pk__in=Alert.objects.filter(hook(user)).values("pk"))
    return alerts.filter(allowed)


def can_work(user: User, alert: Alert) -> bool:
    if access.role_of(user) == access.Role.ADMINISTRATOR:
        return True
    department_id = access.department_id_of(user)
    return department_id is not None and alert.departments.filter(pk=department_id).exists()


def _note(alert: Alert, user: User, text: str, action: str) -> AlertComment:
    text = text.strip()
    if len(text) > MAX_COMMENT:
        raise AlertRefused(_("Keep the note under %(n)d characters.") % {"n": MAX_COMMENT})
    return AlertComment.objects.create(alert=alert, author=user, created_at=timezone.now(), text=text, action=action)


def _locked(alert: Alert, user: User) -> Alert:
    if not can_work(user, alert):
        raise AlertRefused(_("Only the departments concerned and administrators can work this alert."))
    return Alert.objects.select_for_update().get(pk=alert.pk)


@transaction.atomic
def acknowledge(alert: Alert, *, user: User, text: str = "") -> Alert:
    """Say the alert has been seen and someone is looking at it."""
    locked = _locked(alert, user)
    if locked.state != Alert.State.OPEN:
        raise AlertRefused(_("Only a new alert can be acknowledged."))
    locked.state = Alert.State.ACKNOWLEDGED
    locked.updated_at = timezone.now()
    locked.save(update_fields=["state", "updated_at"])
    _note(locked, user, text, "acknowledged")
    record_event(action="alert.acknowledged", target=locked, actor=user, changes={"state": ["open", "acknowledged"]})
    return locked


@transaction.atomic
def comment(alert: Alert, *, user: User, text: str) -> AlertComment:
    locked = _locked(alert, user)
    if not text.strip():
        raise AlertRefused(_("Write a comment first."))
    note = _note(locked, user, text, "")
    record_event(action="alert.commented", target=locked, actor=user, changes={"comment_id": note.pk})
    return note


@transaction.atomic
def close(alert: Alert, *, user: User, outcome: str, text: str = "") -> Alert:
    """Close the alert with what came of it (an outcome from `Alert.Outcome`)."""
    locked = _locked(alert, user)
    if locked.state == Alert.State.CLOSED:
        raise AlertRefused(_("The alert is already closed."))
    if outcome not in Alert.Outcome.values:
        raise AlertRefused(_("Choose what came of the alert."))
    before = locked.state
    locked.state, locked.outcome, locked.updated_at = Alert.State.CLOSED, outcome, timezone.now()
    locked.save(update_fields=["state", "outcome", "updated_at"])
    _note(locked, user, text, "closed")
    record_event(action="alert.closed", target=locked, actor=user,
                 changes={"state": [before, "closed"], "outcome": outcome})
    return locked
