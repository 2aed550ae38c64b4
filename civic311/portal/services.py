"""The portal's one write: a resident's report becomes a service request (through
`cases.services.submit_request`, channel "web") and, when the resident gave contact details
and consented, a reporter link in `contacts`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from civic311.audit.services import record_event
from civic311.cases.deferred import deferred_writes
from civic311.cases.models import ServiceRequest
from civic311.cases.services import NewAttachment, submit_request
from civic311.catalog.lookups import channel_by_code
from civic311.catalog.models import ServiceType
from civic311.contacts.models import Constituent
from civic311.contacts.services import record_request_party


@dataclass(frozen=True)
class Reporter:
    """Contact details a resident chose to give, with their consent to be contacted about
    this request (the form refuses details without consent)."""

    name: str
    email: str
    phone: str
    language: str


def _record_consent(constituent: Constituent, language: str) -> None:
    # Consent given on the form counts only for a person whose consent was never recorded:
    # someone typing another resident's e-mail must not change that resident's choice.
    if constituent.consent_recorded_at is not None:
        return
    constituent.consent_contact = True
    constituent.preferred_language = language
    constituent.consent_recorded_at = timezone.now()
    constituent.save(update_fields=["consent_contact", "preferred_language", "consent_recorded_at"])
    record_event(action="contact.consent_recorded", target=constituent, actor_label="portal", channel="web",
                 changes={"consent_contact": True, "preferred_language": language})


@transaction.atomic
@deferred_writes()
def submit_report(
    *,
    service_type: ServiceType,
    description: str,
    lat: float | None,
    long: float | None,
    address: str,
    attributes: dict[str, Any],
    photo: NewAttachment | None = None,
    reporter: Reporter | None = None,
) -> ServiceRequest:
    """File the report as a new service request from the web channel; link the reporter
    (with consent) if details were given. Raises cases.services.RequestRefused."""
    channel = channel_by_code("web")
    request = submit_request(
        service_type=service_type, channel=channel, description=description, lat=lat, long=long,
        address=address, attributes=attributes, actor_label="portal",
        attachments=[photo] if photo is not None else [],
    )
    if reporter is not None:
        party = record_request_party(request=request, name=reporter.name, email=reporter.email,
                                     phone=reporter.phone, actor_label="portal", new_request=True)
        if party is not None:
            _record_consent(party.constituent, reporter.language)
    return request
