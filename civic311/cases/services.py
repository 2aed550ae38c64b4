"""Every write to service requests goes through here: one function per change, inside a
transaction, recording an update and an audit event. Channel apps (Open311, the portal,
the desk, imports of single records) call these; none writes a case row itself."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from civic311.audit.services import record_event
from civic311.catalog.models import Channel, ServiceType
from civic311.places.lookup import neighborhood_index

from .models import RequestUpdate, ServiceRequest, Status

Actor = AbstractBaseUser | AnonymousUser | None


class RequestRefused(ValueError):
    """The request cannot be accepted as given; the message says why, for the submitter."""


def _expected_at(service_type: ServiceType, requested_at: datetime) -> datetime | None:
    if service_type.sla_hours is None:
        return None
    return requested_at + timedelta(hours=float(service_type.sla_hours))


@transaction.atomic
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
) -> ServiceRequest:
    """Accept a new service request: locate its neighborhood, route it to the service's
    default department and queue, and set its expected date from the SLA target."""
    if not service_type.active:
        raise RequestRefused(f"The service {service_type.code!r} is not accepting requests.")
    if (lat is None) != (long is None):
        raise RequestRefused("Give both latitude and longitude, or neither.")
    if lat is None and not address and not address_id:
        raise RequestRefused("A location is required: coordinates, an address or an address id.")
    index = neighborhood_index()
    neighborhood_id = index.locate(lat, long) if index is not None and lat is not None else None
    now = timezone.now()
    requested_at = requested_at or now
    new_status = Status.objects.get(code="new")
    request = ServiceRequest.objects.create(
        # A placeholder keeps public_id unique until the row's own id is known.
        public_id=f"pending-{uuid.uuid4().hex}",
        token=secrets.token_urlsafe(12) if service_type.kind == ServiceType.Kind.BATCH else None,
        service_type=service_type,
        status=new_status.open311_status,
        detailed_status=new_status,
        description=description,
        address=address,
        address_id=address_id,
        lat=lat,
        long=long,
        neighborhood_id=neighborhood_id,
        channel=channel,
        department_id=service_type.department_id,
        queue_id=service_type.queue_id,
        agency_responsible=service_type.department.name if service_type.department else "",
        requested_at=requested_at,
        updated_at=now,
        expected_at=_expected_at(service_type, requested_at),
        media_url=media_url,
        attributes=attributes or {},
    )
    request.public_id = f"{settings.CIVIC311_REQUEST_ID_PREFIX}{request.pk}"
    request.save(update_fields=["public_id"])
    RequestUpdate.objects.create(
        request=request, created_at=now, status_to=new_status, is_public=True,
        text="Request received.", channel=channel,
        author=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        author_label="" if actor is None else str(actor),
    )
    record_event(
        action="request.submitted", target=request, actor=actor,
        channel=channel.code if channel else "",
        changes={"service_type": service_type.code, "neighborhood_id": neighborhood_id},
    )
    return request
