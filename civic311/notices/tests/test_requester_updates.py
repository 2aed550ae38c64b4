"""Requesters who agreed to be contacted hear, in their language, when their request is
acknowledged, changes status or closes; reporters of duplicates hear the parent's
updates; nobody hears of internal changes, and nobody sees another person's details."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from civic311.audit.models import AuditEvent
from civic311.cases.lifecycle import transition
from civic311.cases.models import ServiceRequest
from civic311.cases.services import mark_duplicate
from civic311.cases.tests.factories import request_in, service_type, staff
from civic311.contacts.models import Constituent, RequestParty
from civic311.notices.models import OutboxMessage
from civic311.notices.tasks import deliver_due
from civic311.notices.testing import Mailbox

pytestmark = pytest.mark.django_db


def reporter(request: ServiceRequest, *, consent: bool = True, language: str = "en", role: str = "reporter",
             **fields: str) -> Constituent:
    person = Constituent.objects.create(consent_contact=consent, preferred_language=language, **fields)
    RequestParty.objects.create(constituent=person, request=request, role=role)
    return person


def test_a_requester_hears_of_the_acknowledgement_by_email(mailbox: Mailbox) -> None:
    request = request_in("new", kind=service_type("pothole"))
    reporter(request, email="ana@example.org", name="Ana Reporter")

    transition(request, "acknowledged", actor=staff())
    deliver_due(seconds=5)

    [mail] = mailbox.messages
    assert mail["To"] == "ana@example.org"
    assert mail["Subject"] == f"Request {request.public_id}: Acknowledged"
    text = mail.get_content()
    assert "received and acknowledged" in text
    assert f"{request.public_id} (Pothole)" in text
    assert f"/{request.public_id}/" in text


def test_a_spanish_speaker_is_told_in_spanish_with_the_public_note(mailbox: Mailbox) -> None:
    request = request_in("in_progress", kind=service_type("pothole"))
    reporter(request, email="luis@example.org", language="es")

    transition(request, "resolved", actor=staff(), note="Bache reparado.")
    deliver_due(seconds=5)

    [mail] = mailbox.messages
    text = mail.get_content()
    assert "Su solicitud ha sido cerrada." in text
    assert "Bache reparado." in text
    assert mail["Subject"].startswith(f"Solicitud {request.public_id}")


def test_internal_changes_and_people_without_consent_hear_nothing() -> None:
    request = request_in("new", kind=service_type("pothole"))
    reporter(request, email="quiet@example.org", consent=False)
    transition(request, "acknowledged", actor=staff())
    assert not OutboxMessage.objects.exists()

    reporter(request, email="ok@example.org", role="follower")
    transition(request, "assigned", actor=staff(), public=False)
    assert not OutboxMessage.objects.exists()
    transition(request, "in_progress", actor=staff())
    assert list(OutboxMessage.objects.values_list("recipient", flat=True)) == ["ok@example.org"]


def test_a_phone_only_requester_gets_an_sms() -> None:
    request = request_in("new", kind=service_type("pothole"))
    reporter(request, phone="+16175550100")
    transition(request, "acknowledged", actor=staff())
    message = OutboxMessage.objects.get()
    assert (message.channel, message.recipient) == ("sms", "+16175550100")


def test_reporters_of_duplicates_hear_the_parents_updates_without_each_others_details(mailbox: Mailbox) -> None:
    kind = service_type("pothole")
    parent = request_in("new", kind=kind)
    duplicate = request_in("new", kind=kind)
    reporter(parent, email="first@example.org", name="First Person", phone="+16175550111")
    reporter(duplicate, email="second@example.org", name="Second Person", phone="+16175550122")
    mark_duplicate(duplicate, parent=parent, actor=staff())
    OutboxMessage.objects.all().delete()

    transition(parent, "acknowledged", actor=staff())
    deliver_due(seconds=5)

    mails = {m["To"]: m for m in mailbox.messages}
    assert set(mails) == {"first@example.org", "second@example.org"}
    second = mails["second@example.org"].get_content()
    assert duplicate.public_id in second and parent.public_id in second
    for text in (second, mails["first@example.org"].get_content()):
        for detail in ("First Person", "Second Person", "+1617555", "first@", "second@"):
            assert detail not in text


def test_the_message_rolls_back_with_a_failed_change() -> None:
    request = request_in("new", kind=service_type("pothole"))
    reporter(request, email="ana@example.org")
    with pytest.raises(RuntimeError), transaction.atomic():
        transition(request, "acknowledged", actor=staff())
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("something later in the same change failed")
    assert not OutboxMessage.objects.exists()


def test_a_requester_stops_the_updates_with_one_click(settings: Any, mailbox: Mailbox) -> None:
    settings.NOTICES_SITE_URL = "http://testserver"
    request = request_in("new", kind=service_type("pothole"))
    person = reporter(request, email="ana@example.org")
    transition(request, "acknowledged", actor=staff())
    deliver_due(seconds=5)
    [mail] = mailbox.messages
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail["List-Unsubscribe"].strip().strip("<>").removeprefix("http://testserver")
    assert f"http://testserver{url}" in mail.get_content()

    client = Client(enforce_csrf_checks=True)  # a mail client's POST carries no cookie
    assert client.post(url[:-3] + "xx/").status_code == 400
    assert client.post(url).status_code == 200
    person.refresh_from_db()
    assert person.consent_contact is False
    assert AuditEvent.objects.filter(action="constituent.consent_withdrawn", object_id=str(person.pk)).exists()
    transition(request, "assigned", actor=staff())
    assert OutboxMessage.objects.filter(state="pending").count() == 0
