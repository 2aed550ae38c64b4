"""Writes to contacts: the people behind requests. Channel apps hand the personal data they
receive to these functions; it is kept here and nowhere in `cases`."""

from __future__ import annotations

from django.db import transaction

from civic311.audit.services import record_event
from civic311.cases.models import ServiceRequest

from .models import Constituent, RequestParty


@transaction.atomic
def record_request_party(
    *,
    request: ServiceRequest,
    role: str = RequestParty.Role.REPORTER,
    name: str = "",
    email: str = "",
    phone: str = "",
    device_id: str = "",
    account_id: str = "",
    actor_label: str = "",
) -> RequestParty | None:
    """Link the person who reported (or follows) `request`, if anything about them was
    given. A known e-mail address finds the same constituent; otherwise a new one is made.
    Existing details are never overwritten by what a client sends (only blanks are filled),
    so a stranger's submission cannot change a resident's record."""
    email = email.strip().lower()
    if not any((name, email, phone, device_id, account_id)):
        return None
    constituent = Constituent.objects.filter(email__iexact=email).order_by("id").first() if email else None
    if constituent is None:
        constituent = Constituent.objects.create(
            name=name, email=email, phone=phone, device_id=device_id, account_id=account_id
        )
    else:
        filled = []
        for field, value in (("name", name), ("phone", phone), ("device_id", device_id), ("account_id", account_id)):
            if value and not getattr(constituent, field):
                setattr(constituent, field, value)
                filled.append(field)
        if filled:
            constituent.save(update_fields=filled)
    party, created = RequestParty.objects.get_or_create(constituent=constituent, request=request, role=role)
    if created:
        # The audit trail names the link, not the person's details.
        record_event(
            action="contact.request_party_added", target=party, actor_label=actor_label,
            changes={"request": request.public_id, "role": role, "constituent_id": constituent.pk},
        )
    return party
