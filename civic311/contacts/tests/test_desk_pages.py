"""The desk through its pages (Django's test client): who may use it, starting and
resuming a contact, finding and saving the caller, the knowledge base, taking a request
with its questions, closing, and every form refusing wrong input with a clear message
while keeping what was typed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from civic311.audit.models import AuditEvent
from civic311.cases.models import ServiceRequest
from civic311.catalog.models import Channel
from civic311.contacts.models import Constituent, Contact, RequestParty
from civic311.contacts.services import start_contact

from .factories import City, add_questions, caller, logged_in

pytestmark = pytest.mark.django_db


def new_contact(city: City, agent: User | None = None, channel: str = "phone") -> Contact:
    return start_contact(agent=agent or city.agent, channel=Channel.objects.get(code=channel))


def url(name: str, contact: Contact, *args: object) -> str:
    return reverse(f"contacts:{name}", args=[contact.pk, *args])


def htmx(client: Client, method: str, path: str, data: Mapping[str, object] | None = None) -> HttpResponse:
    response: HttpResponse = getattr(client, method)(path, dict(data or {}), HTTP_HX_REQUEST="true")
    return response


# ---------------------------------------------------------------- who may use it


def test_anonymous_visitors_are_sent_to_the_login_page(city: City) -> None:
    response = Client().get(reverse("contacts:desk"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:login"))


@pytest.mark.parametrize("who", ["worker", "inspector", "nobody"])
def test_department_staff_and_users_without_a_role_are_refused(city: City, who: str) -> None:
    response = logged_in(getattr(city, who)).get(reverse("contacts:desk"))
    assert response.status_code == 403
    assert "agents, supervisors and administrators" in response.content.decode()


@pytest.mark.parametrize("who", ["agent", "supervisor", "admin"])
def test_agents_supervisors_and_administrators_get_the_desk(city: City, who: str) -> None:
    response = logged_in(getattr(city, who)).get(reverse("contacts:desk"))
    assert response.status_code == 200
    assert "Start a contact" in response.content.decode()


def test_an_agent_cannot_open_another_agents_contact(city: City) -> None:
    other = User.objects.create_user("agent2", password="x")
    from civic311.staff.models import StaffProfile

    StaffProfile.objects.create(user=other, role=StaffProfile.Role.AGENT)
    contact = new_contact(city)
    assert logged_in(other).get(url("contact", contact)).status_code == 403
    assert htmx(logged_in(other), "post", url("save", contact), {"notes": "x"}).status_code == 403
    # A supervisor may resume it (an agent went home mid-call).
    assert logged_in(city.supervisor).get(url("contact", contact)).status_code == 200


# ---------------------------------------------------------------- start and resume


def test_starting_a_contact_opens_its_screen_with_a_running_clock(city: City) -> None:
    client = logged_in(city.agent)
    response = client.post(reverse("contacts:desk"), {"channel": "walk_in", "reason": "question"})
    contact = Contact.objects.get()
    assert response.status_code == 302 and response["Location"] == url("contact", contact)
    assert (contact.channel.code, contact.agent, contact.outcome) == ("walk_in", city.agent, Contact.Outcome.OPEN)
    page = client.get(url("contact", contact)).content.decode()
    started = re.search(r'id="contact-timer" data-started="([^"]+)"', page)
    assert started is not None and datetime.fromisoformat(started[1]) == contact.started_at
    assert AuditEvent.objects.filter(action="contact.started", object_id=str(contact.pk)).exists()


@pytest.mark.parametrize("data", [{}, {"channel": "web", "reason": "question"}, {"channel": "phone", "reason": "x"},
                                  {"channel": "<script>", "reason": "question"}])
def test_starting_with_a_wrong_channel_or_reason_is_refused(city: City, data: dict[str, str]) -> None:
    response = logged_in(city.agent).post(reverse("contacts:desk"), data)
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode() or "required" in response.content.decode()
    assert not Contact.objects.exists()
    assert "<script>" not in response.content.decode()


def test_a_contact_left_open_is_resumed_with_everything_typed(city: City) -> None:
    city.pothole.attributes.all().delete()
    add_questions(city.pothole)
    contact = new_contact(city)
    client = logged_in(city.agent)
    htmx(client, "post", url("save", contact), {
        "service_type": city.pothole.pk, "service_q": "pot", "description": "Deep hole by the school",
        "address": "10 Tremont St", "lat": "42.355", "long": "-71.06", "attribute[depth]": "12",
        "attribute[lane]": "bike"})
    htmx(client, "post", url("save", contact), {"notes": "Caller is a bus driver"})

    # The browser was closed; the agent comes back to the desk and resumes the contact.
    desk = client.get(reverse("contacts:desk")).content.decode()
    assert f"Resume contact {contact.pk}" in desk
    page = client.get(url("contact", contact)).content.decode()
    assert "Deep hole by the school" in page and "10 Tremont St" in page
    assert 'value="42.355"' in page and 'value="12"' in page
    assert 'value="bike" id="attr-lane-2" checked' in page
    assert "Caller is a bus driver" in page


# ---------------------------------------------------------------- autosave


def test_autosave_keeps_oversized_input_out_and_says_why(city: City) -> None:
    contact = new_contact(city)
    response = htmx(logged_in(city.agent), "post", url("save", contact), {"notes": "x" * 10_001})
    assert response.status_code == 422
    assert "at most 10000 characters" in response.content.decode()
    contact.refresh_from_db()
    assert contact.notes == ""


def test_autosave_of_a_closed_contact_is_refused(city: City) -> None:
    contact = new_contact(city)
    client = logged_in(city.agent)
    htmx(client, "post", url("close", contact), {"outcome": "abandoned"})
    response = htmx(client, "post", url("save", contact), {"notes": "late"})
    assert response.status_code == 409
    assert "already closed" in response.content.decode()


def test_typed_emergency_words_raise_the_911_prompt_once(city: City) -> None:
    contact = new_contact(city)
    client = logged_in(city.agent)
    response = htmx(client, "post", url("save", contact),
                    {"notes": "Neighbour says there is smoke and a man is HERIDO"})
    body = response.content.decode()
    assert 'role="alertdialog"' in body and "Transfer to 911 now" in body
    assert "“smoke”" in body and "“herido”" in body
    # The same words typed again do not raise it again; a new one does.
    assert 'role="alertdialog"' not in htmx(client, "post", url("save", contact),
                                            {"notes": "smoke, herido"}).content.decode()
    again = htmx(client, "post", url("save", contact), {"notes": "smoke, herido, a gun"}).content.decode()
    assert "“gun”" in again and "“smoke”" not in again
    assert AuditEvent.objects.filter(action="contact.emergency_indicator").count() == 2


def test_emergency_words_seen_before_the_browser_closed_are_shown_on_resume(city: City) -> None:
    contact = new_contact(city)
    client = logged_in(city.agent)
    htmx(client, "post", url("save", contact), {"notes": "he has a knife"})
    page = client.get(url("contact", contact)).content.decode()
    assert "Emergency words seen on this contact: knife." in page


def test_an_emergency_word_deactivated_by_the_city_no_longer_prompts(city: City) -> None:
    from civic311.contacts.models import EmergencyTerm

    EmergencyTerm.objects.filter(phrase="fire").update(active=False)
    contact = new_contact(city)
    body = htmx(logged_in(city.agent), "post", url("save", contact), {"notes": "fire hydrant leaking"}).content
    assert b"alertdialog" not in body


def test_transferring_to_911_closes_the_contact_and_is_audited(city: City) -> None:
    contact = new_contact(city)
    client = logged_in(city.agent)
    htmx(client, "post", url("save", contact), {"notes": "someone was stabbed"})
    response = htmx(client, "post", url("emergency", contact), {"choice": "transfer"})
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("contacts:desk")
    contact.refresh_from_db()
    assert (contact.outcome, contact.reason) == (Contact.Outcome.REFERRED_911, Contact.Reason.EMERGENCY)
    assert contact.handle_seconds is not None
    event = AuditEvent.objects.get(action="contact.referred_to_911")
    assert event.changes["phrases"] == ["stabbed"] and event.actor == city.agent


def test_dismissing_the_prompt_is_audited_and_the_contact_goes_on(city: City) -> None:
    contact = new_contact(city)
    client = logged_in(city.agent)
    htmx(client, "post", url("save", contact), {"notes": "the fire hydrant is leaking"})
    response = htmx(client, "post", url("emergency", contact), {"choice": "dismiss"})
    assert response.status_code == 200 and response.content == b""
    contact.refresh_from_db()
    assert contact.is_open
    assert AuditEvent.objects.get(action="contact.emergency_prompt_dismissed").changes["phrases"] == ["fire"]
    assert htmx(client, "post", url("emergency", contact), {"choice": "maybe"}).status_code == 400


# ---------------------------------------------------------------- the caller


def test_the_caller_is_found_by_phone_in_any_punctuation_email_or_name(city: City) -> None:
    rosa = caller()
    caller("Someone Else", phone="555 9999", email="else@example.org")
    contact = new_contact(city)
    client = logged_in(city.agent)
    for query in ["617-555-0142", "6175550142", "+1 617 555 0142", "555-0142", "0142", "ROSA@example", "parks"]:
        body = htmx(client, "get", url("find-caller", contact), {"q": query}).content.decode()
        assert "1 caller found" in body, query
        assert f'caller/{rosa.pk}/' in body
    nobody = htmx(client, "get", url("find-caller", contact), {"q": "nobody-at-all"})
    assert "0 callers found" in nobody.content.decode()


def test_phone_keys_ignore_punctuation_and_the_country_code() -> None:
    from civic311.contacts.models import phone_key

    assert phone_key("+1 (617) 555-0142") == "6175550142"
    assert phone_key("617.555.0142 ext 9") == "61755501429"
    assert phone_key("+44 20 7946 0958") == "442079460958"
    assert phone_key("") == ""


def test_a_callers_phone_key_follows_their_phone(city: City) -> None:
    rosa = caller()
    assert rosa.phone_key == "6175550142"
    rosa.phone = "857-555-0199"
    rosa.save(update_fields=["phone"])
    rosa.refresh_from_db()
    assert rosa.phone_key == "8575550199"


def test_using_a_found_caller_shows_their_history(city: City) -> None:
    from .factories import add_case

    rosa = caller()
    old = add_case(city.pothole, public_id="311-77")
    RequestParty.objects.create(constituent=rosa, request=old)
    earlier = new_contact(city)
    earlier.constituent = rosa
    earlier.save()
    contact = new_contact(city)
    body = htmx(logged_in(city.agent), "post", url("use-caller", contact, rosa.pk)).content.decode()
    assert "Caller: Rosa Parks" in body and "311-77" in body and "Pothole" in body
    contact.refresh_from_db()
    assert contact.constituent == rosa


def test_a_new_caller_is_saved_with_consent_and_linked_to_the_contact(city: City) -> None:
    contact = new_contact(city)
    response = htmx(logged_in(city.agent), "post", url("save-caller", contact), {
        "name": "Luis Ortega", "phone": "+1 617 555 0100", "email": "LUIS@Example.org",
        "preferred_language": "es", "consent_contact": "on"})
    assert response.status_code == 200
    luis = Constituent.objects.get()
    assert (luis.email, luis.preferred_language, luis.consent_contact, luis.consent_updates) == (
        "luis@example.org", "es", True, False)
    assert luis.consent_recorded_at is not None
    contact.refresh_from_db()
    assert contact.constituent == luis
    event = AuditEvent.objects.get(action="contact.constituent_created")
    assert "luis" not in str(event.changes).lower()  # fields named, details not copied


def test_updating_a_caller_records_when_consent_changed(city: City) -> None:
    rosa = caller()
    contact = new_contact(city)
    client = logged_in(city.agent)
    htmx(client, "post", url("use-caller", contact, rosa.pk))
    htmx(client, "post", url("save-caller", contact), {
        "name": "Rosa Parks", "phone": "(617) 555-0142", "email": "rosa@example.org",
        "preferred_language": "en", "consent_updates": "on"})
    rosa.refresh_from_db()
    assert rosa.consent_updates and rosa.consent_recorded_at is not None
    assert Constituent.objects.count() == 1


@pytest.mark.parametrize("data, message", [
    ({"preferred_language": "en"}, "Give at least a name"),
    ({"name": "A", "email": "not-an-address", "preferred_language": "en"}, "valid email"),
    ({"name": "A", "phone": "call me maybe", "preferred_language": "en"}, "digits"),
    ({"name": "x" * 201, "preferred_language": "en"}, "at most 200"),
    ({"name": "A", "preferred_language": "klingon"}, "valid choice"),
    ({"name": "<img src=x onerror=alert(1)>", "email": "a@b", "preferred_language": "en"}, "valid email"),
])
def test_wrong_caller_details_are_refused_and_kept_in_the_form(city: City, data: dict[str, str], message: str) -> None:
    contact = new_contact(city)
    response = htmx(logged_in(city.agent), "post", url("save-caller", contact), data)
    body = response.content.decode()
    assert response.status_code == 422 and message in body
    assert "<img src=x" not in body
    assert not Constituent.objects.exists()


# ---------------------------------------------------------------- the knowledge base


def test_the_knowledge_base_answers_gracefully_before_it_has_articles(city: City) -> None:
    contact = new_contact(city)
    body = htmx(logged_in(city.agent), "get", url("find-articles", contact), {"q": "trash day"}).content.decode()
    assert "No articles yet" in body


def test_a_knowledge_base_search_with_emergency_words_raises_the_prompt(city: City) -> None:
    contact = new_contact(city)
    body = htmx(logged_in(city.agent), "get", url("find-articles", contact), {"q": "gas leak"}).content.decode()
    assert 'role="alertdialog"' in body


def test_information_given_records_the_article(city: City) -> None:
    contact = new_contact(city)
    client = logged_in(city.agent)
    body = htmx(client, "post", url("information-given", contact),
                {"article_id": "12", "article_title": "When is trash day?"}).content.decode()
    assert "Information given from “When is trash day?”" in body
    contact.refresh_from_db()
    assert (contact.article_id, contact.article_title) == (12, "When is trash day?")
    for bad in [{}, {"article_id": "x", "article_title": "t"}, {"article_id": "1" * 13, "article_title": "t"},
                {"article_id": "3"}]:
        assert htmx(client, "post", url("information-given", contact), bad).status_code == 422


# ---------------------------------------------------------------- the request


def test_the_service_type_is_found_by_search_and_its_questions_shown_in_order(city: City) -> None:
    add_questions(city.pothole)
    contact = new_contact(city)
    client = logged_in(city.agent)
    body = htmx(client, "get", url("find-services", contact), {"service_q": "pot"}).content.decode()
    assert "Pothole" in body and "Graffiti" not in body
    questions = htmx(client, "get", url("questions", contact), {"service_type": city.pothole.pk}).content.decode()
    assert questions.index("How deep is it") < questions.index("Where in the road?")
    assert "Bike lane" in questions
    assert htmx(client, "get", url("questions", contact), {"service_type": "9" * 20}).content.strip() == b""


def test_taking_a_request_files_it_on_the_contacts_channel_with_the_caller(city: City) -> None:
    add_questions(city.pothole)
    rosa = caller()
    contact = new_contact(city, channel="walk_in")
    client = logged_in(city.agent)
    htmx(client, "post", url("use-caller", contact, rosa.pk))
    response = htmx(client, "post", url("take-request", contact), {
        "service_type": city.pothole.pk, "description": "Deep hole", "address": "1 Tremont St",
        "lat": "42.356", "long": "-71.062", "attribute[depth]": "15", "attribute[lane]": "lane"})
    assert response.status_code == 200
    created = ServiceRequest.objects.get()
    body = response.content.decode()
    assert f"Request <strong>{created.public_id}</strong> created." in body
    assert "Expected by" in body
    assert created.channel is not None and created.channel.code == "walk_in"
    assert created.attributes == {"depth": 15, "lane": "lane"}
    assert RequestParty.objects.get().constituent == rosa
    contact.refresh_from_db()
    assert contact.request == created and contact.reason == Contact.Reason.SERVICE_REQUEST
    # One request per contact.
    again = htmx(client, "post", url("take-request", contact), {
        "service_type": city.pothole.pk, "description": "Deep hole", "address": "1 Tremont St",
        "attribute[depth]": "15"})
    assert again.status_code == 422 and "already taken" in again.content.decode()


@pytest.mark.parametrize("data, message", [
    ({"description": "hole", "address": "1 Main St"}, "Choose the service type"),
    ({"service_type": "SERVICE", "address": "1 Main St"}, "Describe the problem"),
    ({"service_type": "SERVICE", "description": "hole"}, "A location is required"),
    ({"service_type": "SERVICE", "description": "hole", "address": "1 Main St", "attribute[depth]": "deep"},
     "must be a number"),
    ({"service_type": "SERVICE", "description": "hole", "address": "1 Main St"}, "attribute[depth] is required"),
    ({"service_type": "SERVICE", "description": "hole", "address": "1 Main St", "attribute[depth]": "3",
      "attribute[lane]": "sidewalk"}, "not among"),
    ({"service_type": "SERVICE", "description": "x" * 4001, "address": "1 Main St"}, "at most 4000"),
    ({"service_type": "SERVICE", "description": "hole", "lat": "95", "long": "1"}, "less than or equal to 90"),
    ({"service_type": "SERVICE", "description": "hole", "lat": "42.3"}, "both latitude and longitude"),
    ({"service_type": "99999", "description": "hole", "address": "1 Main St"}, "valid choice"),
    ({"service_type": "SERVICE", "description": "<script>alert(1)</script>", "address": "1 Main St",
      "attribute[depth]": "<b>3</b>"}, "must be a number"),
])
def test_a_wrong_request_is_refused_with_every_problem_and_the_draft_kept(
        city: City, data: dict[str, str], message: str) -> None:
    add_questions(city.pothole)
    data = {k: (str(city.pothole.pk) if v == "SERVICE" else v) for k, v in data.items()}
    contact = new_contact(city)
    response = htmx(logged_in(city.agent), "post", url("take-request", contact), data)
    body = response.content.decode()
    assert response.status_code == 422 and message in body, body
    assert "<script>" not in body and "<b>3" not in body
    assert not ServiceRequest.objects.exists()
    contact.refresh_from_db()
    assert contact.draft["description"] == data.get("description", "")[:4000]


def test_possible_duplicates_are_shown_before_saving(city: City) -> None:
    from .factories import add_case

    add_case(city.pothole, public_id="311-500", lat=42.3561, long=-71.0621, address="3 Tremont St")
    contact = new_contact(city)
    body = htmx(logged_in(city.agent), "post", url("save", contact), {
        "service_type": city.pothole.pk, "description": "pothole", "lat": "42.356", "long": "-71.062"}).content.decode()
    assert "1 possible duplicate nearby" in body and "311-500" in body


# ---------------------------------------------------------------- closing


def test_closing_keeps_the_outcome_notes_and_handle_time(city: City) -> None:
    contact = new_contact(city)
    client = logged_in(city.agent)
    response = htmx(client, "post", url("close", contact), {"outcome": "info_given", "notes": "Told them trash day"})
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("contacts:desk")
    contact.refresh_from_db()
    assert (contact.outcome, contact.notes) == (Contact.Outcome.INFO_GIVEN, "Told them trash day")
    assert contact.ended_at is not None and contact.handle_seconds is not None
    assert "Contact closed: information given." in client.get(reverse("contacts:desk")).content.decode()
    assert "This contact is closed" in client.get(url("contact", contact)).content.decode()


@pytest.mark.parametrize("data, message", [
    ({}, "This field is required"), ({"outcome": "open"}, "valid choice"), ({"outcome": "won"}, "valid choice"),
    ({"outcome": "request_created"}, "No request was taken"),
    ({"outcome": "abandoned", "notes": "n" * 10_001}, "at most 10000"),
])
def test_closing_with_a_wrong_outcome_is_refused(city: City, data: dict[str, str], message: str) -> None:
    contact = new_contact(city)
    response = htmx(logged_in(city.agent), "post", url("close", contact), data)
    assert response.status_code == 422 and message in response.content.decode()
    contact.refresh_from_db()
    assert contact.is_open


def test_the_desk_speaks_spanish(city: City) -> None:
    contact = new_contact(city)
    client = logged_in(city.agent)
    client.cookies["django_language"] = "es"
    body = client.get(url("contact", contact), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'lang="es"' in body
    assert "Tomar una solicitud" in body and "Cerrar el contacto" in body
    prompt = client.post(url("save", contact), {"notes": "sale humo del sótano"}, HTTP_HX_REQUEST="true",
                         HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Posible emergencia: transfiera al 911" in prompt and "Transferir al 911 ahora" in prompt


# ---------------------------------------------------------------- with the city's knowledge and addresses


def test_knowledge_base_hits_are_listed_with_their_information_given_button(city: City) -> None:
    from django.core.cache import cache

    from civic311.knowledge.tests.factories import add_article

    cache.clear()
    add_article("When is trash collected?", "<p>Trash is collected weekly on your street's day.</p>",
                keywords="trash, garbage, pickup")
    add_article("Staff only: missed pickup script", "<p>Log a missed pickup.</p>", keywords="trash",
                audience="staff")
    contact = new_contact(city)
    body = htmx(logged_in(city.agent), "get", url("find-articles", contact), {"q": "trash"}).content.decode()
    assert "When is trash collected?" in body and "Staff only: missed pickup script" in body
    assert "Information given from “When is trash collected?”" in body
    cache.clear()


def test_an_address_is_found_in_the_citys_index_and_a_typed_one_gets_its_point(city: City) -> None:
    from civic311.places.addresses import AddressSighting, record_address

    record_address(AddressSighting(address="12 Tremont St, Boston, MA 02108", lat=42.3571, long=-71.0622))
    contact = new_contact(city)
    client = logged_in(city.agent)
    body = htmx(client, "get", url("find-addresses", contact), {"address": "12 tremont street"}).content.decode()
    assert 'data-lat="42.357100"' in body and "12 Tremont St" in body
    assert "No known address" in htmx(client, "get", url("find-addresses", contact),
                                      {"address": "999 Nowhere"}).content.decode()
    assert htmx(client, "get", url("find-addresses", contact), {"address": "x" * 5000}).status_code == 200
    response = htmx(client, "post", url("take-request", contact), {
        "service_type": city.graffiti.pk, "description": "Tag on the door", "address": "12 Tremont Street"})
    assert response.status_code == 200
    created = ServiceRequest.objects.get()
    assert (created.lat, created.long) == (42.3571, -71.0622)


# ---------------------------------------------------------------- non-emergency 911 scripts


@pytest.mark.parametrize("search, name, first, last", [
    ("police", "Police non-emergency report", "Is anyone in danger or hurt right now?",
     "Describe any persons or vehicles involved."),
    ("smoke detector", "Fire department non-emergency", "Is anything burning",
     "Anything else the crew should know?"),
])
def test_police_and_fire_non_emergency_scripts_ask_their_questions_in_order(
        city: City, search: str, name: str, first: str, last: str) -> None:
    contact = new_contact(city)
    client = logged_in(city.agent)
    found = htmx(client, "get", url("find-services", contact), {"service_q": search}).content.decode()
    assert name in found
    from civic311.catalog.models import ServiceType

    service = ServiceType.objects.get(name=name)
    body = htmx(client, "get", url("questions", contact), {"service_type": service.pk}).content.decode()
    assert f"1. {first}" in body
    assert body.index(first) < body.index(last)
    # The danger question is required like any other: without it, nothing is filed.
    response = htmx(client, "post", url("take-request", contact), {
        "service_type": service.pk, "description": "Loud party every night", "address": "1 Main St"})
    assert response.status_code == 422 and "is required" in response.content.decode()


# ---------------------------------------------------------------- no N+1


def _queries(client: Client, path: str, data: Mapping[str, str] | None = None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, dict(data or {})).status_code == 200
    return len(captured)


def test_the_contact_page_and_caller_search_do_not_grow_with_history(city: City) -> None:
    from .factories import add_case, add_contact

    rosa = caller()
    contact = new_contact(city)
    contact.constituent = rosa
    contact.save()
    client = logged_in(city.agent)
    add_contact(city.agent, constituent=rosa)
    RequestParty.objects.create(constituent=rosa, request=add_case(city.pothole))
    client.get(url("contact", contact))  # the active emergency campaign is cached after a first page
    before = (_queries(client, url("contact", contact)), _queries(client, url("find-caller", contact), {"q": "rosa"}),
              _queries(client, reverse("contacts:desk")))
    for _ in range(8):
        add_contact(city.agent, constituent=rosa)
        RequestParty.objects.create(constituent=rosa, request=add_case(city.graffiti))
        new_contact(city)
        caller(phone="617 555 0000", email="")
    after = (_queries(client, url("contact", contact)), _queries(client, url("find-caller", contact), {"q": "rosa"}),
             _queries(client, reverse("contacts:desk")))
    assert after == before


def test_a_callers_details_typed_but_not_saved_survive_a_closed_browser(city: City) -> None:
    contact = new_contact(city)
    client = logged_in(city.agent)
    response = htmx(client, "post", url("save", contact), {
        "caller_draft": "1", "name": "Luis Ortega", "phone": "617 555 0100", "email": "",
        "preferred_language": "es", "consent_contact": "on"})
    assert response.status_code == 200
    assert not Constituent.objects.exists()
    page = client.get(url("contact", contact)).content.decode()
    assert 'value="Luis Ortega"' in page and 'value="617 555 0100"' in page
    assert re.search(r'<input type="checkbox" name="consent_contact" id="caller_consent_contact" checked>', page)
    # Once saved, the typed copy is dropped: the caller's record is what the form shows.
    htmx(client, "post", url("save-caller", contact), {
        "name": "Luis Ortega", "phone": "617 555 0100", "preferred_language": "es", "consent_contact": "on"})
    contact.refresh_from_db()
    assert "caller" not in contact.draft and contact.constituent is not None
