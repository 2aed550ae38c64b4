"""The person behind a request: a known e-mail address, in any case, finds the same
constituent; what a client sends fills blanks and never overwrites; the lookup is indexed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q

from civic311.cases.models import ServiceRequest
from civic311.cases.services import submit_request
from civic311.cases.tests.factories import service_type
from civic311.contacts.models import Constituent, RequestParty
from civic311.contacts.services import record_request_party

pytestmark = pytest.mark.django_db


def _request() -> ServiceRequest:
    return submit_request(service_type=service_type("pothole"), channel=None, address="1 City Hall Sq")


def test_a_known_address_in_any_case_finds_the_same_constituent() -> None:
    known = Constituent.objects.create(name="Ana Pérez", email="Ana.Perez@Example.org")
    Constituent.objects.create(name="Later twin", email="ana.perez@example.org")
    party = record_request_party(request=_request(), name="A. P.", email="  ANA.PEREZ@example.ORG ",
                                 phone="617-555-0142")
    assert party is not None and party.constituent_id == known.pk  # the first one, by id
    known.refresh_from_db()
    # A blank was filled; the name on record was not replaced by what the client sent.
    assert (known.name, known.phone) == ("Ana Pérez", "617-555-0142")
    assert Constituent.objects.count() == 2


def test_an_unknown_address_makes_a_new_constituent_linked_once() -> None:
    request = _request()
    first = record_request_party(request=request, name="Bo", email="bo@example.org")
    again = record_request_party(request=request, name="Bo", email="BO@example.org")
    assert first is not None and again is not None and first.pk == again.pk
    assert Constituent.objects.filter(email="bo@example.org").count() == 1
    assert RequestParty.objects.filter(request=request).count() == 1


def test_nothing_given_links_nobody() -> None:
    assert record_request_party(request=_request()) is None
    assert not Constituent.objects.exists()


def test_the_lookup_by_address_uses_its_index() -> None:
    Constituent.objects.create(name="Ana", email="ana@example.org")
    table = connection.ops.quote_name(Constituent._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned
            cursor.execute(f"EXPLAIN SELECT * FROM {table} WHERE UPPER(email) = UPPER(%s) ORDER BY id LIMIT 1",
                           ["ana@example.org"])
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN SELECT * FROM {table} WHERE UPPER(email) = UPPER(%s) "
                           "ORDER BY id LIMIT 1", ["ana@example.org"])
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "constituent_email_upper" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only")
def test_the_desk_caller_search_uses_the_trigram_indexes() -> None:
    from civic311.contacts.selectors import find_constituents

    Constituent.objects.create(name="Ana Pérez", email="ana@example.org", phone="617-555-0142")
    Constituent.objects.create(name="Bo Li", email="bo@example.org")
    # The query find_constituents runs, before its annotations and ordering.
    search = Constituent.objects.filter(Q(name__icontains="pérez") | Q(email__icontains="pérez")
                                        | Q(phone__icontains="pérez"))
    with connection.cursor() as cursor:
        # A tiny table would be read whole: leave the planner only the bitmap scans.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = search.explain()
    assert "BitmapOr" in plan, plan
    assert all(name in plan for name in ("constituent_name_trgm", "constituent_email_trgm", "constituent_phone_trgm"))
    assert [c.name for c in find_constituents("pérez")] == ["Ana Pérez"]


def _as_stored(person: Constituent) -> dict[str, object]:
    return {f.attname: getattr(person, f.attname) for f in Constituent._meta.concrete_fields}


def test_a_new_reporter_is_written_and_read_back_as_a_save_would() -> None:
    """The reporter found or made in one statement (PostgreSQL) holds, field by field, what
    the database holds (the table's columns are not in the model's order)."""
    party = record_request_party(request=_request(), name="Rosa Díaz", email="Rosa@Example.org",
                                 phone="(617) 555-0199", device_id="dev-1", account_id="acct-9")
    assert party is not None
    made = party.constituent
    stored = Constituent.objects.get(pk=made.pk)
    assert _as_stored(made) == _as_stored(stored)
    assert (stored.name, stored.email, stored.phone, stored.device_id, stored.account_id) == (
        "Rosa Díaz", "rosa@example.org", "(617) 555-0199", "dev-1", "acct-9")
    assert stored.phone_key == "6175550199" and stored.created_at is not None
    assert stored.consent_contact is False and stored.consent_recorded_at is None


def test_a_known_reporter_is_read_back_whole() -> None:
    from django.utils import timezone

    known = Constituent.objects.create(name="Rosa", email="rosa@example.org", phone="617-555-0199",
                                       consent_contact=True, consent_recorded_at=timezone.now(),
                                       preferred_language="es")
    party = record_request_party(request=_request(), email="ROSA@example.org")
    assert party is not None
    assert _as_stored(party.constituent) == _as_stored(Constituent.objects.get(pk=known.pk))
    assert Constituent.objects.count() == 1


def test_a_new_requests_link_is_written_with_the_intakes_other_writes() -> None:
    from django.db import transaction

    from civic311.cases.deferred import deferred_writes

    with transaction.atomic(), deferred_writes():
        request = _request()
        party = record_request_party(request=request, name="Bo", email="bo@example.org", new_request=True)
        assert party is not None and not RequestParty.objects.filter(request=request).exists()
    stored = RequestParty.objects.get(request=request)
    assert (stored.constituent_id, stored.role) == (party.constituent.pk, RequestParty.Role.REPORTER)
