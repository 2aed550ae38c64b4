"""Writes made through the Open311 API, and the API keys' own lifecycle. A request or an
update is written by the `cases` services and the person behind it by `contacts`, in one
transaction; the audit events name the API key's application."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from civic311.audit.services import record_event
from civic311.cases.deferred import deferred_writes
from civic311.cases.models import RequestUpdate, ServiceRequest, Status
from civic311.cases.services import add_external_update, submit_request
from civic311.catalog.lookups import channel_by_code
from civic311.catalog.models import Channel
from civic311.contacts.models import RequestParty
from civic311.contacts.services import record_request_party

from .keys import claim_slot_at_end, forget_known_key, new_secret
from .models import ApiKey
from .submission import PersonDetails, Submission

CHANNEL_CODE = "open311"


def actor_label(api_key: ApiKey) -> str:
    return f"open311:{api_key.name}"[:150]


def _channel() -> Channel | None:
    return channel_by_code(CHANNEL_CODE)


def _record_person(request: ServiceRequest, person: PersonDetails, role: str, label: str, *,
                   new_request: bool = False) -> None:
    record_request_party(
        request=request, role=role, name=person.name, email=person.email, phone=person.phone,
        device_id=person.device_id, account_id=person.account_id, actor_label=label, new_request=new_request,
    )


@transaction.atomic
@deferred_writes()
def file_request(*, submission: Submission, api_key: ApiKey, key: str | None = None) -> ServiceRequest:
    """File a request posted by the application holding `api_key`; with `key` (the key it
    sent), a slot of the key's rate limit is taken with the intake's last writes
    (keys.SlotRefused, and nothing is kept, when the key was revoked or its limit spent)."""
    if key is not None:
        claim_slot_at_end(api_key, key)
    label = actor_label(api_key)
    request = submit_request(
        service_type=submission.service,
        channel=_channel(),
        description=submission.description,
        lat=submission.lat,
        long=submission.long,
        address=submission.address,
        address_id=submission.address_id,
        attributes=submission.answers,
        media_url=submission.media_url,
        actor_label=label,
        attachments=submission.photos,
        audit_details={"api_key": api_key.prefix, "api_key_id": api_key.pk},
    )
    _record_person(request, submission.person, RequestParty.Role.REPORTER, label, new_request=True)
    return request


@transaction.atomic
def post_update(
    *,
    request: ServiceRequest,
    update_id: str,
    status: Status | None,
    text: str,
    occurred_at: datetime,
    person: PersonDetails,
    api_key: ApiKey,
    media_url: str = "",
) -> tuple[RequestUpdate, bool]:
    """Record an update sent by an external system (FixMyStreet's servicerequestupdates),
    idempotent on its `update_id` (scoped to the key, so two systems' ids cannot collide),
    with the photo it links to (`media_url`), if any."""
    label = actor_label(api_key)
    update, created = add_external_update(
        request=request,
        external_id=f"open311:{api_key.pk}:{update_id}",
        text=text,
        status=status,
        occurred_at=occurred_at,
        channel=_channel(),
        actor_label=label,
        media_url=media_url,
        audit_details={"api_key": api_key.prefix, "api_key_id": api_key.pk,
                       **({"media_url": media_url} if media_url else {})},
    )
    if created:
        _record_person(request, person, RequestParty.Role.FOLLOWER, label)
    return update, created


def save_new_api_key(api_key: ApiKey, *, actor: AbstractBaseUser | AnonymousUser | None = None,
                     actor_label: str = "") -> str:
    """Give the unsaved `api_key` a fresh secret, save it, and return the key to hand out
    (only its hash is kept: this is the one time it can be read)."""
    key, api_key.prefix, api_key.key_hash = new_secret()
    api_key.save()
    record_event(action="open311.api_key_created", target=api_key, actor=actor, actor_label=actor_label,
                 changes={"name": api_key.name, "prefix": api_key.prefix,
                          "rate_limit_per_minute": api_key.rate_limit_per_minute})
    return key


def revoke_api_key(api_key: ApiKey, *, actor: AbstractBaseUser | AnonymousUser | None = None,
                   actor_label: str = "") -> None:
    """Stop accepting `api_key` (at once: every write checks the key's row)."""
    if not api_key.active:
        return
    api_key.active = False
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["active", "revoked_at"])
    forget_known_key(api_key.key_hash)
    record_event(action="open311.api_key_revoked", target=api_key, actor=actor, actor_label=actor_label,
                 changes={"name": api_key.name, "prefix": api_key.prefix})
