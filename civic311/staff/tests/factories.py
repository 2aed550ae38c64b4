"""A small city for the staff pages: two departments with queues and service types, one
user of each role, and cases made to order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from civic311.cases.models import ServiceRequest, Status
from civic311.catalog.models import Department, Queue, ServiceType
from civic311.places.models import District
from civic311.portal.tests.factories import boston_with_squares
from civic311.staff.models import StaffProfile

PASSWORD = "a-long-test-password"
# Ages and SLA states are relative to the present: cases are made just before it.
NOW = timezone.now().replace(microsecond=0)
_ids = count(1)


@dataclass
class City:
    west: District
    east: District
    works: Department  # Public Works
    north: Queue
    south: Queue
    housing: Department  # Inspectional Services
    inspections: Queue
    pothole: ServiceType
    graffiti: ServiceType
    mold: ServiceType
    agent: User
    worker: User  # Public Works staff
    other_worker: User  # Public Works staff
    supervisor: User  # Public Works supervisor
    inspector: User  # Inspectional Services staff
    inspections_supervisor: User
    admin: User
    nobody: User  # logged in, no staff role


def make_user(username: str, role: str | None, department: Department | None = None, *,
              first_name: str = "", last_name: str = "", superuser: bool = False) -> User:
    if superuser:
        user = User.objects.create_superuser(username, f"{username}@example.org", PASSWORD)
    else:
        user = User.objects.create_user(username, f"{username}@example.org", PASSWORD,
                                        first_name=first_name, last_name=last_name)
    if role is not None:
        StaffProfile.objects.create(user=user, role=role, department=department)
    return user


def build_city() -> City:
    east, west = boston_with_squares()
    works = Department.objects.create(code="PWD", name="Public Works")
    north = Queue.objects.create(department=works, code="north", name="North crew")
    south = Queue.objects.create(department=works, code="south/east", name="South and East crew")
    housing = Department.objects.create(code="ISD", name="Inspectional Services")
    inspections = Queue.objects.create(department=housing, code="housing", name="Housing inspections")
    pothole = ServiceType.objects.create(code="pothole", name="Pothole", department=works, queue=north,
                                         sla_hours=Decimal("48"))
    graffiti = ServiceType.objects.create(code="graffiti", name="Graffiti", department=works, queue=south)
    mold = ServiceType.objects.create(code="mold", name="Mold in a rental", department=housing, queue=inspections)
    role = StaffProfile.Role
    return City(
        west=west, east=east, works=works, north=north, south=south, housing=housing, inspections=inspections,
        pothole=pothole, graffiti=graffiti, mold=mold,
        agent=make_user("agent", role.AGENT, first_name="Ana", last_name="Agent"),
        worker=make_user("worker", role.DEPARTMENT_STAFF, works, first_name="Wendy", last_name="Worker"),
        other_worker=make_user("other", role.DEPARTMENT_STAFF, works, first_name="Otto", last_name="Other"),
        supervisor=make_user("super", role.SUPERVISOR, works, first_name="Sam", last_name="Supervisor"),
        inspector=make_user("inspector", role.DEPARTMENT_STAFF, housing, first_name="Ines", last_name="Inspector"),
        inspections_supervisor=make_user("isd-super", role.SUPERVISOR, housing),
        admin=make_user("admin", role.ADMINISTRATOR, first_name="Ada", last_name="Admin"),
        nobody=make_user("nobody", None),
    )


def add_case(service_type: ServiceType, *, public_id: str | None = None, status: str = "new",
             requested_at: datetime | None = None, neighborhood: District | None = None,
             lat: float | None = 42.35, long: float | None = -71.1, **fields: Any) -> ServiceRequest:
    """A case routed like intake would route it (the service type's department and queue)."""
    detailed = Status.objects.get(code=status)
    when = requested_at or NOW - timedelta(hours=next(_ids))
    values: dict[str, Any] = {
        "department": service_type.department, "queue": service_type.queue,
        "expected_at": when + timedelta(hours=float(service_type.sla_hours)) if service_type.sla_hours else None,
        **fields,
    }
    return ServiceRequest.objects.create(
        public_id=public_id or f"T-{next(_ids)}", service_type=service_type, detailed_status=detailed,
        status=detailed.open311_status, neighborhood=neighborhood, lat=lat, long=long,
        requested_at=when, updated_at=when, **values,
    )


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
