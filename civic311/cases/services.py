"""Every write to service requests goes through here: one function per change, inside a
transaction, recording an update and an audit event. Channel apps (Open311, the portal,
the desk, imports of single records) call these; none writes a case row itself."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from civic311.audit.services import record_event
from civic311.catalog.models import Channel, ServiceType
from civic311.places.lookup import neighborhood_index

from .models import Attachment, RequestUpdate, ServiceRequest, Status

Actor = AbstractBaseUser | AnonymousUser | None


class RequestRefused(ValueError):
    """The request cannot be accepted as given; the message says why, for the submitter."""


class UpdateConflict(ValueError):
    """An external update id already names an update of another request."""


@dataclass(frozen=True)
class NewAttachment:
    """A file arriving with a request, already checked by the channel that took it."""

    name: str
    content: bytes
    content_type: str
    is_public: bool = True


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
    actor_label: str = "",
    attachments: Sequence[NewAttachment] = (),
    audit_details: Mapping[str, Any] | None = None,
) -> ServiceRequest:
    """Accept a new service request: locate its neighborhood, route it to the service's
    default department and queue, and set its expected date from the SLA target.
    `actor_label` names a non-user actor (an API key's application); `audit_details` are
    added to the audit event."""
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
    for attachment in attachments:
        Attachment.objects.create(
            request=request, file=ContentFile(attachment.content, name=attachment.name),
            content_type=attachment.content_type, size=len(attachment.content),
            is_public=attachment.is_public,
        )
    RequestUpdate.objects.create(
        request=request, created_at=now, status_to=new_status, is_public=True,
        text="Request received.", channel=channel,
        author=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        author_label=actor_label or ("" if actor is None else str(actor)),
    )
    record_event(
        action="request.submitted", target=request, actor=actor, actor_label=actor_label,
        channel=channel.code if channel else "",
        changes={"service_type": service_type.code, "neighborhood_id": neighborhood_id,
                 "attachments": len(attachments), **(audit_details or {})},
    )
    return request


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
            )
    except IntegrityError:
        # Another request's update took the id between our check and insert.
        raise UpdateConflict(f"update id {external_id!r} is already in use.") from None
    fields = ["updated_at"]
    if changes_status and status is not None:
        locked.detailed_status = status
        locked.status = status.open311_status
        if status.open311_status == Status.Open311.CLOSED and old_status.open311_status != Status.Open311.CLOSED:
            locked.closed_at = occurred_at
        elif status.open311_status == Status.Open311.OPEN:
            locked.closed_at = None
        fields += ["detailed_status", "status", "closed_at"]
    locked.updated_at = timezone.now()
    locked.save(update_fields=fields)
    record_event(
        action="request.updated", target=locked, actor_label=actor_label,
        channel=channel.code if channel else "",
        changes={
            "external_id": external_id,
            "status": [old_status.code, status.code] if changes_status and status is not None else None,
            **(audit_details or {}),
        },
    )
    return update, True
