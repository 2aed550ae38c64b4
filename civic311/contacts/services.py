"""Writes to contacts: the people behind requests. Channel apps hand the personal data they
receive to these functions; it is kept here and nowhere in `cases`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import CharField, Field
from django.utils import timezone
from django.utils.translation import gettext as _

from civic311.audit.services import record_event
from civic311.cases.deferred import deferred_writes
from civic311.cases.models import ServiceRequest
from civic311.cases.services import submit_request
from civic311.catalog.models import Channel, ServiceType
from civic311.config.append_rows import append_rows, insert_fields, saved_values
from civic311.config.prepared import execute

from .emergency import find_emergency_phrases
from .models import Constituent, Contact, EmergencyTerm, RequestParty, phone_key


@transaction.atomic(savepoint=False)  # nested in the channel's transaction: no savepoint round trip
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
    constituent: Constituent | None = None,
    new_request: bool = False,
) -> RequestParty | None:
    """Link the person who reported (or follows) `request`, if anything about them was
    given. A known e-mail address finds the same constituent; otherwise a new one is made.
    Existing details are never overwritten by what a client sends (only blanks are filled),
    so a stranger's submission cannot change a resident's record. A `constituent` already
    identified (by an agent on the desk) is linked as is. `new_request`: the request was
    made in this transaction, so nothing links to it yet and the link is written with the
    intake's other writes (`config.append_rows`; its `pk` is then not known)."""
    email = email.strip().lower()
    if constituent is None and not any((name, email, phone, device_id, account_id)):
        return None
    made = False
    if constituent is None:
        new = Constituent(name=name, email=email, phone=phone, device_id=device_id, account_id=account_id)
        if email and connection.vendor == "postgresql":
            constituent, made = _found_or_made(new)
        else:
            constituent = _by_email(email) if email else None
            if constituent is None:
                new.save(force_insert=True)
                constituent, made = new, True
    if not made:
        filled = []
        for field, value in (("name", name), ("phone", phone), ("device_id", device_id), ("account_id", account_id)):
            if value and not getattr(constituent, field):
                setattr(constituent, field, value)
                filled.append(field)
        if filled:
            constituent.save(update_fields=filled)
    party, created = _link_party(constituent, request, role, new_request=new_request)
    if created:
        # The audit trail names the link, not the person's details.
        record_event(
            action="contact.request_party_added", target=request, actor_label=actor_label,
            changes={"role": role, "constituent_id": constituent.pk},
        )
    return party


# The first constituent with an e-mail address in any case (the `UPPER(email)` index).
_FIRST_BY_EMAIL = "WHERE UPPER(email) = UPPER(%s) ORDER BY id LIMIT 1"


def _by_email(email: str) -> Constituent | None:
    """The first constituent with this e-mail address in any case (the `UPPER(email)`
    index): `email__iexact` as a raw query, which every intake with an address runs and
    the ORM took twice as long to build as to run."""
    table = connection.ops.quote_name(Constituent._meta.db_table)
    found = Constituent.objects.raw(
        f"SELECT * FROM {table} {_FIRST_BY_EMAIL}", [email])
    return next(iter(found), None)


@lru_cache(maxsize=1)
def _found_or_made_statement() -> tuple[str, tuple[Field[Any, Any], ...]]:
    """`_found_or_made`'s statement (made once) and the fields whose values it takes after
    the e-mail address; it returns every column in the model's order, then `made`."""
    meta = Constituent._meta
    ops = connection.ops
    fields = insert_fields(Constituent)
    # In INSERT … SELECT a bare NULL would be text: the other columns are cast to their type.
    slots = ", ".join("%s" if isinstance(f, CharField) else f"CAST(%s AS {f.db_type(connection)})" for f in fields)
    table = ops.quote_name(meta.db_table)
    # Named, not `*`: the table's columns are in the order the migrations added them, and a
    # prepared statement's columns must not change under it.
    columns = ", ".join(ops.quote_name(str(f.column)) for f in meta.concrete_fields)
    sql = (f"WITH found AS (SELECT {columns}, false AS made FROM {table} {_FIRST_BY_EMAIL}), "
           f"made AS (INSERT INTO {table} ({', '.join(ops.quote_name(str(f.column)) for f in fields)}) "
           f"SELECT {slots} WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING {columns}, true AS made) "
           "SELECT * FROM found UNION ALL SELECT * FROM made")
    return sql, fields


def _found_or_made(new: Constituent) -> tuple[Constituent, bool]:
    """PostgreSQL: (the first constituent with `new`'s e-mail address in any case, False),
    or (`new`, written, True), in one statement: a lookup and then an INSERT are two round
    trips, and most reports from the apps come from someone new. As in `_by_email` and a
    save (the values each field's `pre_save` gives, `phone_key` as `Constituent.save` sets it)."""
    new.phone_key = phone_key(new.phone)
    sql, fields = _found_or_made_statement()
    values = saved_values(new, fields)
    with connection.cursor() as cursor:
        execute(cursor, [(sql, [new.email, *values])])
        *row, made = cursor.fetchone()
    constituent = Constituent.from_db(connection.alias, [f.attname for f in Constituent._meta.concrete_fields], row)
    return constituent, bool(made)


def _link_party(constituent: Constituent, request: ServiceRequest, role: str, *,
                new_request: bool) -> tuple[RequestParty, bool]:
    """get_or_create of the link in one statement (INSERT … ON CONFLICT DO NOTHING), or,
    for a request made in this transaction, an INSERT sent with the intake's other writes."""
    party = RequestParty(constituent=constituent, request=request, role=role, created_at=timezone.now())
    if new_request:
        append_rows([party])
        return party, True
    ops = connection.ops
    table = ops.quote_name(RequestParty._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in ("constituent_id", "request_id", "role", "created_at"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s) "
            f"ON CONFLICT ({ops.quote_name('constituent_id')}, {ops.quote_name('request_id')}, "
            f"{ops.quote_name('role')}) DO NOTHING RETURNING {ops.quote_name('id')}",
            [constituent.pk, request.pk, role, ops.adapt_datetimefield_value(party.created_at)],
        )
        # Read to the end: SQLite finishes the statement (and its write lock) only then.
        rows = cursor.fetchall()
    if not rows:
        return RequestParty.objects.get(constituent=constituent, request=request, role=role), False
    party.pk = rows[0][0]
    party._state.adding = False
    return party, True


# ---------------------------------------------------------------- the agent desk
# One function per thing an agent does during a contact. Each checks that the contact is
# still open, saves with update_fields and writes an audit event naming the agent; the
# audit trail records which fields changed, never a person's details.


class DeskRefused(ValueError):
    """The desk action cannot be done; the message says why, for the agent."""


def _now() -> datetime:
    return timezone.now()


def _refuse_if_closed(contact: Contact) -> None:
    if not contact.is_open:
        raise DeskRefused(_("This contact is already closed."))


def _locked(contact: Contact) -> Contact:
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    _refuse_if_closed(locked)
    return locked


def _copy(source: Contact, target: Contact, fields: list[str]) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))


def active_emergency_phrases() -> list[str]:
    return list(EmergencyTerm.objects.filter(active=True).values_list("phrase", flat=True))


@transaction.atomic
def start_contact(*, agent: User, channel: Channel, reason: str = Contact.Reason.QUESTION) -> Contact:
    """A new open contact for `agent`, its clock started now."""
    if not channel.active:
        raise DeskRefused(_("The channel %(name)s is not in use.") % {"name": channel.name})
    now = _now()
    contact = Contact.objects.create(channel=channel, reason=reason, agent=agent, started_at=now, updated_at=now)
    record_event(action="contact.started", target=contact, actor=agent, channel=channel.code,
                 changes={"reason": reason})
    return contact


@transaction.atomic
def save_progress(
    *,
    contact: Contact,
    agent: User,
    notes: str | None = None,
    reason: str | None = None,
    draft: Mapping[str, Any] | None = None,
    typed: str = "",
) -> list[str]:
    """Save what the agent has typed so far (notes, reason, the request being taken), and
    look for emergency phrases in it and in `typed` (e.g. a knowledge-base query).
    Returns the phrases newly found (empty when none)."""
    locked = _locked(contact)
    fields = ["updated_at"]
    if notes is not None:
        locked.notes = notes
        fields.append("notes")
    if reason is not None:
        if reason not in Contact.Reason.values:
            raise DeskRefused(_("Unknown reason."))
        locked.reason = reason
        fields.append("reason")
    if draft is not None:
        locked.draft = dict(draft)
        fields.append("draft")
    text = " ".join([locked.notes, str(locked.draft.get("description", "")), typed])
    found = find_emergency_phrases(text, active_emergency_phrases())
    new = [phrase for phrase in found if phrase not in locked.emergency_terms]
    if new:
        locked.emergency_terms = [*locked.emergency_terms, *new]
        fields.append("emergency_terms")
        record_event(action="contact.emergency_indicator", target=locked, actor=agent,
                     channel=locked.channel.code, changes={"phrases": new})
    locked.updated_at = _now()
    locked.save(update_fields=fields)
    _copy(locked, contact, fields)
    return new


@transaction.atomic
def save_constituent(
    *,
    agent: User,
    constituent: Constituent | None,
    name: str,
    email: str,
    phone: str,
    preferred_language: str,
    consent_contact: bool,
    consent_updates: bool,
    contact: Contact | None = None,
) -> Constituent:
    """Create (constituent None) or update a constituent as the caller dictates, recording
    when consent was given or withdrawn, and link them to `contact` if given."""
    values = {"name": name.strip(), "email": email.strip().lower(), "phone": phone.strip(),
              "preferred_language": preferred_language, "consent_contact": consent_contact,
              "consent_updates": consent_updates}
    if not any((values["name"], values["email"], values["phone"])):
        raise DeskRefused(_("Give at least a name, an e-mail address or a phone number."))
    if contact is not None:
        _refuse_if_closed(contact)
    now = _now()
    if constituent is None:
        constituent = Constituent.objects.create(
            **values, consent_recorded_at=now if (consent_contact or consent_updates) else None)
        changed = sorted(k for k, v in values.items() if v)
        action = "contact.constituent_created"
    else:
        changed = sorted(k for k, v in values.items() if getattr(constituent, k) != v)
        consent_changed = {"consent_contact", "consent_updates"} & set(changed)
        for key in changed:
            setattr(constituent, key, values[key])
        if consent_changed:
            constituent.consent_recorded_at = now
            changed.append("consent_recorded_at")
        if changed:
            constituent.save(update_fields=changed)
        action = "contact.constituent_updated"
    if changed:
        record_event(action=action, target=constituent, actor=agent,
                     channel=contact.channel.code if contact is not None else "",
                     changes={"fields": [f for f in changed if f != "consent_recorded_at"],
                              "consent_contact": consent_contact, "consent_updates": consent_updates})
    if contact is not None:
        attach_constituent(contact=contact, constituent=constituent, agent=agent)
    return constituent


@transaction.atomic
def attach_constituent(*, contact: Contact, constituent: Constituent, agent: User) -> None:
    """Record that `constituent` is the person on this contact."""
    locked = _locked(contact)
    if locked.constituent_id == constituent.pk:
        contact.constituent = constituent
        return
    locked.constituent = constituent
    locked.updated_at = _now()
    locked.save(update_fields=["constituent", "updated_at"])
    contact.constituent = constituent
    contact.updated_at = locked.updated_at
    record_event(action="contact.caller_identified", target=locked, actor=agent, channel=locked.channel.code,
                 changes={"constituent_id": constituent.pk})


@transaction.atomic
def give_information(*, contact: Contact, agent: User, article_id: int, article_title: str) -> None:
    """Record that the agent answered from the knowledge-base article `article_id`."""
    locked = _locked(contact)
    locked.article_id = article_id
    locked.article_title = article_title[:300]
    locked.updated_at = _now()
    locked.save(update_fields=["article_id", "article_title", "updated_at"])
    _copy(locked, contact, ["article_id", "article_title", "updated_at"])
    record_event(action="contact.information_given", target=locked, actor=agent, channel=locked.channel.code,
                 changes={"article_id": article_id, "article_title": locked.article_title})


@transaction.atomic
@deferred_writes()
def take_request(
    *,
    contact: Contact,
    agent: User,
    service_type: ServiceType,
    description: str,
    answers: Mapping[str, Any],
    lat: float | None,
    long: float | None,
    address: str,
) -> ServiceRequest:
    """File the service request the caller asks for (answers already checked against the
    service definition), on the contact's channel, with the caller as its reporter."""
    locked = _locked(contact)
    if locked.request_id is not None:
        raise DeskRefused(_("A request was already taken on this contact; start a new contact for another."))
    request = submit_request(
        service_type=service_type, channel=locked.channel, description=description, lat=lat, long=long,
        address=address, attributes=dict(answers), actor=agent, audit_details={"contact_id": locked.pk},
    )
    if locked.constituent is not None:
        record_request_party(request=request, constituent=locked.constituent, actor_label=agent.get_username())
    locked.request = request
    locked.reason = Contact.Reason.SERVICE_REQUEST
    locked.draft = {**locked.draft, "request_id": request.public_id}
    locked.updated_at = _now()
    fields = ["request", "reason", "draft", "updated_at"]
    locked.save(update_fields=fields)
    _copy(locked, contact, fields)
    record_event(action="contact.request_taken", target=locked, actor=agent, channel=locked.channel.code,
                 changes={"request": request.public_id, "service_type": service_type.code})
    return request


@transaction.atomic
def close_contact(*, contact: Contact, agent: User, outcome: str, notes: str | None = None) -> Contact:
    """End the contact with its outcome and wrap-up notes; the handle time is kept."""
    if outcome not in Contact.Outcome.values or outcome == Contact.Outcome.OPEN:
        raise DeskRefused(_("Choose how the contact ended."))
    locked = _locked(contact)
    if outcome == Contact.Outcome.REQUEST_CREATED and locked.request_id is None:
        raise DeskRefused(_("No request was taken on this contact: take the request first, or choose "
                            "another outcome."))
    now = _now()
    locked.outcome = outcome
    locked.ended_at = now
    locked.handle_seconds = max(0, round((now - locked.started_at).total_seconds()))
    locked.updated_at = now
    fields = ["outcome", "ended_at", "handle_seconds", "updated_at"]
    if notes is not None:
        locked.notes = notes
        fields.append("notes")
    if outcome == Contact.Outcome.REFERRED_911:
        locked.reason = Contact.Reason.EMERGENCY
        fields.append("reason")
    locked.save(update_fields=fields)
    _copy(locked, contact, fields)
    record_event(action="contact.closed", target=locked, actor=agent, channel=locked.channel.code,
                 changes={"outcome": outcome, "handle_seconds": locked.handle_seconds,
                          "request": locked.request.public_id if locked.request else None})
    return contact


@transaction.atomic
def refer_to_911(*, contact: Contact, agent: User) -> Contact:
    """The caller was transferred to 911: the contact ends with that outcome, and the
    emergency phrases that prompted it are audited with the transfer."""
    close_contact(contact=contact, agent=agent, outcome=Contact.Outcome.REFERRED_911)
    record_event(action="contact.referred_to_911", target=contact, actor=agent, channel=contact.channel.code,
                 changes={"phrases": contact.emergency_terms})
    return contact


@transaction.atomic
def dismiss_emergency_prompt(*, contact: Contact, agent: User) -> None:
    """The agent judged the call not an emergency; audited with the phrases seen."""
    _refuse_if_closed(contact)
    record_event(action="contact.emergency_prompt_dismissed", target=contact, actor=agent,
                 channel=contact.channel.code, changes={"phrases": contact.emergency_terms})
