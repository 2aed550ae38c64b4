"""SLA notices for supervisors: one digest e-mail per supervisor per SLA run, listing the
requests of their department that became at risk, breached or were escalated in that
run (never one mail per request). The SLA job sends its signals inside its transaction;
each signal adds its lines to the run's digest, which is still in the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from civic311.cases.models import ServiceRequest
from civic311.staff.models import StaffProfile

from . import outbox
from .models import OutboxMessage

HEADINGS = {
    "at_risk": gettext_noop("At risk of missing the target date"),
    "breached": gettext_noop("Past the target date"),
    "escalated": gettext_noop("Escalated"),
}


def supervisors(department_ids: set[int]) -> dict[int, list[User]]:
    """Active supervisors with an e-mail address, by department."""
    profiles = StaffProfile.objects.filter(
        role=StaffProfile.Role.SUPERVISOR, department_id__in=department_ids, user__is_active=True,
    ).exclude(user__email="").select_related("user")
    found: dict[int, list[User]] = {}
    for profile in profiles:
        if profile.department_id is not None:
            found.setdefault(profile.department_id, []).append(profile.user)
    return found


def _line(request: ServiceRequest) -> str:
    kind = request.service_type.name if request.service_type_id else ""
    due = request.expected_at.strftime("%Y-%m-%d %H:%M UTC") if request.expected_at else "-"
    return f"- {request.public_id} {kind} ({due})"


def add_to_digest(*, section: str, request_ids: Sequence[int], now: datetime,
                  department_id: int | None = None) -> int:
    """Add the requests to each concerned supervisor's digest for the run at `now`
    (written inside the caller's transaction). Returns the number of digests touched."""
    requests = ServiceRequest.objects.filter(pk__in=request_ids).select_related("service_type").order_by("id")
    if department_id is not None:
        requests = requests.filter(department_id=department_id)
    by_department: dict[int, list[ServiceRequest]] = {}
    for request in requests:
        if request.department_id is not None:
            by_department.setdefault(request.department_id, []).append(request)
    people = supervisors(set(by_department))
    touched = 0
    run = now.isoformat()
    for dept_id, rows in by_department.items():
        for user in people.get(dept_id, []):
            reference = f"sla:{run}:{user.pk}"
            lines = [_line(r) for r in rows]
            digest = OutboxMessage.objects.select_for_update().filter(
                reference=reference, state=OutboxMessage.State.PENDING).first()
            with translation.override(settings.LANGUAGE_CODE):
                heading = f"{_(HEADINGS[section])} ({len(rows)})"
                block = "\n".join([heading, *lines])
                if digest is None:
                    subject = _("SLA digest: requests needing attention")
                    intro = _("The SLA check of %(when)s found:") % {"when": now.strftime("%Y-%m-%d %H:%M UTC")}
                    outbox.write([outbox.NewMessage(
                        channel=OutboxMessage.ChannelName.EMAIL, recipient=user.email, subject=subject,
                        body=f"{intro}\n\n{block}\n", kind=OutboxMessage.Kind.SLA_DIGEST, reference=reference,
                    )])
                else:
                    digest.body = f"{digest.body}\n{block}\n"
                    digest.save(update_fields=["body"])
            touched += 1
    return touched
