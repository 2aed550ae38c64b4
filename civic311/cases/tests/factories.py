"""Small factories for case-management tests: departments with queues, service types,
staff users, and requests in a chosen status (arranged directly; acted on through the
services)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import count
from typing import Any

from django.contrib.auth.models import User

from civic311.cases.models import ServiceRequest, Status
from civic311.catalog.models import Department, Queue, ServiceType

_ids = count(1)
WHEN = datetime(2026, 3, 2, 15, tzinfo=UTC)


def department(code: str, name: str | None = None, queues: tuple[str, ...] = ("main",)) -> Department:
    dept, _ = Department.objects.get_or_create(code=code, defaults={"name": name or code.title()})
    for queue in queues:
        Queue.objects.get_or_create(department=dept, code=queue, defaults={"name": f"{dept.name} {queue}"})
    return dept


def queue(dept: Department, code: str = "main") -> Queue:
    return Queue.objects.get(department=dept, code=code)


def service_type(code: str = "pothole", *, dept: Department | None = None, group: str = "",
                 sla_hours: str | None = "48", **fields: Any) -> ServiceType:
    dept = dept or department("pwd", "Public Works")
    return ServiceType.objects.create(
        code=code, name=code.replace("-", " ").title(), group=group, department=dept,
        queue=Queue.objects.filter(department=dept).first(),
        sla_hours=Decimal(sla_hours) if sla_hours is not None else None, **fields,
    )


def staff(username: str = "agent") -> User:
    user = User.objects.filter(username=username).first()
    return user or User.objects.create_user(username=username, password="x")


def request_in(status: str = "new", *, kind: ServiceType | None = None, **fields: Any) -> ServiceRequest:
    """A request already in `status` (as if worked so far), in its service type's department."""
    kind = kind or ServiceType.objects.first() or service_type()
    detailed = Status.objects.get(code=status)
    values: dict[str, Any] = {
        "public_id": f"t-{next(_ids)}", "service_type": kind, "detailed_status": detailed,
        "status": detailed.open311_status, "requested_at": WHEN, "updated_at": WHEN,
        "department_id": kind.department_id, "queue_id": kind.queue_id, "lat": 42.35, "long": -71.06,
        "closed_at": WHEN if detailed.open311_status == "closed" else None,
    }
    values.update(fields)
    return ServiceRequest.objects.create(**values)
