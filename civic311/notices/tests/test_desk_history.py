"""The agent desk's caller history lists the caller's alert subscriptions (matched on
their e-mail address or mobile number), never another caller's, in a constant number of
queries."""

from __future__ import annotations

from html import escape
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from civic311.catalog.models import Channel
from civic311.contacts import history
from civic311.contacts.models import Constituent, Contact
from civic311.contacts.selectors import caller_history
from civic311.contacts.services import start_contact
from civic311.contacts.tests.conftest import seed_desk
from civic311.contacts.tests.factories import City, add_case, build_city, caller, logged_in
from civic311.notices import desk_history, subscriptions
from civic311.notices.models import Subscriber, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db: None) -> City:
    seed_desk()
    return build_city()


def subscribe(channel: str, field: str, value: str, *, confirm: bool = True, **choice: Any) -> Subscriber:
    """Subscribe through the public form (so the address is stored as residents' are),
    then, if asked, use the confirmation link."""
    data = {"channel": channel, field: value, "language": "en", **choice}
    answer = Client().post(reverse("notices:subscribe"), data)
    assert answer.status_code == 200, answer.content.decode()
    subscriber = Subscriber.objects.order_by("-id").first()
    assert subscriber is not None
    if confirm:
        subscriptions.confirm(subscriptions.confirm_token(subscriber))
    return subscriber


def contact_of(city: City, constituent: Constituent) -> Contact:
    contact = start_contact(agent=city.agent, channel=Channel.objects.get(code="phone"))
    contact.constituent = constituent
    contact.save()
    return contact


def page(city: City, contact: Contact, language: str = "en") -> str:
    client = logged_in(city.agent)
    client.cookies["django_language"] = language
    response = client.get(reverse("contacts:contact", args=[contact.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_notices_registers_its_history_source() -> None:
    assert desk_history.subscriptions_of in history.registered()


def test_a_caller_sees_their_confirmed_and_pending_subscriptions(city: City) -> None:
    rosa = caller(email="rosa@example.org", phone="(617) 555-0142")
    # Typed with capitals on the public page; the desk has it in lower case.
    subscribe("email", "email", "Rosa@Example.org", neighborhoods=[city.west.pk])
    storms = Topic.objects.get(code="storms")
    subscribe("sms", "phone", "617 555 0142", confirm=False, topics=[storms.pk])
    body = page(city, contact_of(city, rosa))
    assert "Alert subscriptions" in body
    assert f"Neighborhood: {city.west.name} · e-mail" in body
    assert f"Topic: {escape(storms.name)} · SMS" in body
    assert "(confirmed)" in body and "(pending confirmation)" in body


def test_a_subscription_to_a_request_names_the_request(city: City) -> None:
    rosa = caller()
    case = add_case(city.pothole, public_id="311-4242")
    subscribe("email", "email", "rosa@example.org", request_id=case.public_id)
    [line] = caller_history(rosa).other
    assert line.text == "Request 311-4242 · e-mail" and line.state == "confirmed"


def test_another_callers_subscriptions_never_show(city: City) -> None:
    rosa = caller()
    caller("Ana Ruiz", email="ana@example.org", phone="(617) 555-0199")
    subscribe("email", "email", "ana@example.org", neighborhoods=[city.east.pk])
    subscribe("sms", "phone", "+1 617 555 0199", neighborhoods=[city.east.pk])
    # Close to Rosa's, but not hers: another domain, another number.
    subscribe("email", "email", "rosa@example.com", neighborhoods=[city.east.pk])
    subscribe("sms", "phone", "+1 617 555 0143", neighborhoods=[city.east.pk])
    body = page(city, contact_of(city, rosa))
    assert caller_history(rosa).other == []
    assert "Alert subscriptions" not in body and city.east.name not in body.split('class="history"')[1]


def test_an_address_that_unsubscribed_is_not_listed(city: City) -> None:
    rosa = caller()
    subscriber = subscribe("email", "email", "rosa@example.org", neighborhoods=[city.west.pk])
    assert len(caller_history(rosa).other) == 1
    subscriptions.unsubscribe(subscriber)
    assert caller_history(rosa).other == []


def test_a_caller_without_address_or_with_a_broken_number_gets_no_lines_and_no_query(city: City) -> None:
    subscribe("sms", "phone", "+1 617 555 0142", neighborhoods=[city.west.pk])
    for nobody in (caller("No Address", email="", phone=""), caller("Odd Number", email="", phone="ext. 12")):
        with CaptureQueriesContext(connection) as queries:
            assert desk_history.subscriptions_of(nobody) == []
        assert len(queries) == 0


def test_the_subscriptions_speak_spanish(city: City) -> None:
    rosa = caller()
    storms = Topic.objects.get(code="storms")
    subscribe("email", "email", "rosa@example.org", confirm=False, topics=[storms.pk],
              neighborhoods=[city.west.pk])
    with translation.override("es"):
        body = page(city, contact_of(city, rosa), "es")
    assert "Suscripciones a alertas" in body
    assert f"Vecindario: {city.west.name}" in body and f"Tema: {escape(storms.label('es'))}" in body
    assert "pendiente de confirmación" in body and "desde " in body


def test_the_contact_page_does_not_grow_with_subscriptions(city: City) -> None:
    rosa = caller()
    contact = contact_of(city, rosa)
    client = logged_in(city.agent)
    path = reverse("contacts:contact", args=[contact.pk])
    subscribe("email", "email", "rosa@example.org", neighborhoods=[city.west.pk])
    client.get(path)  # the active emergency campaign is cached after a first page

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    before = count()
    topics = list(Topic.objects.all()[:3])
    subscribe("email", "email", "rosa@example.org", neighborhoods=[city.east.pk], topics=[t.pk for t in topics])
    subscribe("sms", "phone", "617-555-0142", confirm=False, neighborhoods=[city.west.pk, city.east.pk])
    subscribe("email", "email", "rosa@example.org", request_id=add_case(city.graffiti).public_id)
    assert len(caller_history(rosa).other) >= 7
    assert count() == before
