"""What the API shows of services and requests, field by field, from an allow-list: no field
of a request is output unless it is named here. Resident free text (description, status
notes, public notes) goes through the personal-data redactor first; nothing from `contacts`
is ever read."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import tzinfo
from typing import Any

from django.utils.encoding import iri_to_uri

from civic311.cases.models import RequestUpdate, ServiceRequest
from civic311.catalog.models import ServiceAttribute, ServiceType
from civic311.privacy.redaction import redact_text

from . import statuses
from .rendering import Value, w3c_datetime

MAX_DESCRIPTION = 4000
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"

Item = dict[str, Value]


def _or_none(text: str) -> str | None:
    return text or None


def _redacted(text: str, limit: int | None = None) -> str | None:
    if not text:
        return None
    text = redact_text(text)
    return text[:limit] if limit else text


def _coordinate(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def service_item(service: ServiceType, *, has_definition: bool) -> Item:
    item: Item = {
        "service_code": service.code,
        "service_name": service.name,
        "description": _or_none(service.description),
        "metadata": has_definition,
        "type": service.kind,
        "keywords": _or_none(service.keywords),
        "group": _or_none(service.group),
    }
    groups = service.groups
    if len(groups) > 1:
        # FixMyStreet's extension for a service listed under several groups.
        item["groups"] = list(groups)
    return item


def _values(question: ServiceAttribute) -> list[Value]:
    values = question.values if isinstance(question.values, list) else []
    return [
        {"key": str(v["key"]), "name": str(v.get("name", v["key"]))}
        for v in values
        if isinstance(v, dict) and "key" in v
    ]


def service_definition(service: ServiceType, questions: Sequence[ServiceAttribute]) -> Item:
    """The definition; `order` is renumbered 1, 2, 3... in the stored order, because the spec
    wants positive integers unique within the service and the catalog allows 0 and ties."""
    attributes: list[Value] = []
    for position, question in enumerate(questions, start=1):
        attribute: Item = {
            "variable": question.variable,
            "code": question.code,
            "datatype": question.datatype,
            "required": question.required,
            "datatype_description": _or_none(question.datatype_description),
            "order": position,
            "description": question.description,
        }
        if question.datatype in (ServiceAttribute.Datatype.SINGLEVALUELIST, ServiceAttribute.Datatype.MULTIVALUELIST):
            attribute["values"] = _values(question)
        if question.automated:
            # FixMyStreet's extension: the client fills it in itself (server_set) or from a
            # hidden field (hidden_field), without asking the resident.
            attribute["automated"] = question.automated
        attributes.append(attribute)
    return {"service_code": service.code, "attributes": attributes}


def _media_url(request: ServiceRequest, attachment_url: Callable[[int], str]) -> str | None:
    if request.media_url.strip():
        return iri_to_uri(request.media_url.strip())
    attachment_id = getattr(request, "first_attachment_id", None)
    return attachment_url(attachment_id) if attachment_id else None


def request_item(
    request: ServiceRequest,
    *,
    zone: tzinfo,
    attachment_url: Callable[[int], str],
    extensions: bool = False,
    districts: Mapping[str, str] | None = None,
) -> Item:
    """One request as GET requests shows it. `request` comes from
    `cases.selectors.public_requests` (service type, channel, neighborhood and status joined)."""
    item: Item = {
        "service_request_id": request.public_id,
        "status": request.status,
        "status_notes": _redacted(request.status_notes),
        "service_name": request.service_type.name,
        "service_code": request.service_type.code,
        "description": _redacted(request.description, MAX_DESCRIPTION),
        "agency_responsible": _or_none(request.agency_responsible),
        "service_notice": None,
        "requested_datetime": w3c_datetime(request.requested_at, zone),
        "updated_datetime": w3c_datetime(request.updated_at, zone),
        "expected_datetime": w3c_datetime(request.expected_at, zone),
        "address": _or_none(request.address),
        "address_id": _or_none(request.address_id),
        "zipcode": _or_none(request.zipcode),
        "lat": _coordinate(request.lat),
        "long": _coordinate(request.long),
        "media_url": _media_url(request, attachment_url),
    }
    if extensions:
        extended: Item = {
            "channel": request.channel.code if request.channel else None,
            "neighborhood": request.neighborhood.name if request.neighborhood else None,
            "detailed_status": request.detailed_status.code,
            # Chicago's names: the request this one duplicates, and the shared parent of
            # linked work (annotated by the view; both are public ids, or null).
            "duplicate": getattr(request, "duplicate_of_public_id", None),
            "parent_service_request_id": getattr(request, "parent_public_id", None),
        }
        for layer, name in (districts or {}).items():
            extended.setdefault(layer, name)
        item["extended_attributes"] = extended
        updates: Sequence[RequestUpdate] = getattr(request, "public_updates", [])
        item["notes"] = [note_item(update, zone) for update in updates]
    return item


def note_item(update: RequestUpdate, zone: tzinfo) -> Item:
    return {
        "datetime": w3c_datetime(update.created_at, zone),
        "type": "status_change" if update.status_to_id else "note",
        "summary": update.status_to.name if update.status_to else "Note",
        "description": _redacted(update.text, MAX_DESCRIPTION),
    }


def update_item(update: Any, zone: tzinfo, open311_status_of: Mapping[str, str]) -> Item:
    """One public update as FixMyStreet's GET servicerequestupdates shows it. `update` comes
    from `cases.selectors.public_updates` (with `status_code` annotated)."""
    code: str = update.status_code
    return {
        "update_id": str(update.pk),
        "service_request_id": update.request.public_id,
        "status": statuses.outgoing(code, open311_status_of.get(code, update.request.status)),
        "updated_datetime": w3c_datetime(update.created_at, zone),
        "description": _redacted(update.text, MAX_DESCRIPTION),
        "media_url": iri_to_uri(update.media_url) if update.media_url else None,
        "external_status_code": code,
    }
