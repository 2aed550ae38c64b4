"""A whole call in a real browser: the agent starts a phone contact, finds the caller by
phone, answers from the knowledge base, starts taking a request, loses the browser, resumes
the contact with nothing lost, files the request with its questions answered and the
address chosen from the city's index, reads back the id and closes the contact. And the
911 prompt: emergency words typed raise an alert dialog that takes the focus, and the
transfer closes the contact."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from civic311.audit.models import AuditEvent
from civic311.cases.models import ServiceRequest
from civic311.contacts.models import Contact, RequestParty
from civic311.knowledge.tests.factories import add_article
from civic311.places.addresses import AddressSighting, record_address
from civic311.staff.tests.test_staff_browser import UNLABELLED_CONTROLS, log_in, shot

from .conftest import seed_desk
from .factories import add_case, add_questions, build_city, caller

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data"),
              pytest.mark.browser]


def start_phone_contact(page, base: str) -> None:
    page.goto(base + "/desk/")
    page.get_by_label("Channel").select_option(label="Phone")
    page.get_by_role("button", name="Start contact").click()
    page.wait_for_url(re.compile(r".*/desk/contacts/\d+/$"))
    page.wait_for_selector("#desk-map[data-ready=true]")


def focus_on_message(page) -> None:
    """Wait until htmx has settled an answer and moved the focus to its message (as a
    screen-reader user hears it), before the next shortcut key."""
    page.wait_for_function("document.activeElement && document.activeElement.hasAttribute('data-focus')")


def saved(page, text: str):
    """Wait for the autosave that carries `text`."""
    return page.expect_response(lambda r: r.url.endswith("/save/") and text in (r.request.post_data or ""))


def test_a_whole_call_survives_a_closed_browser(live_server, browser, page) -> None:
    seed_desk()
    cache.clear()
    city = build_city()
    add_questions(city.pothole)
    rosa = caller()
    add_article("When is trash collected?", "<p>Trash is collected weekly.</p>", keywords="trash, garbage")
    record_address(AddressSighting(address="12 Tremont St", lat=42.3571, long=-71.0622))
    # Filed an hour ago: well inside the duplicate window, whatever other tests created before.
    add_case(city.pothole, public_id="311-OLD", lat=42.3572, long=-71.0623, address="14 Tremont St",
             requested_at=timezone.now() - timedelta(hours=1))
    page.set_viewport_size({"width": 1400, "height": 1100})

    log_in(page, live_server.url, "agent")
    start_phone_contact(page, live_server.url)
    contact_url = page.url
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert re.fullmatch(r"\d+:\d\d", page.locator("#contact-timer").inner_text())

    # Find the caller by phone (typed without punctuation), from the keyboard.
    page.keyboard.press("Alt+1")
    page.keyboard.type("6175550142")
    page.get_by_role("button", name="Use Rosa Parks").click()
    page.get_by_text("Caller: Rosa Parks").wait_for()
    focus_on_message(page)

    # Answer a question from the knowledge base.
    page.keyboard.press("Alt+2")
    page.keyboard.type("garbage day")

    page.get_by_role("button", name="Information given from “When is trash collected?”").click()
    page.get_by_text("Information given from “When is trash collected?”.").wait_for()
    focus_on_message(page)

    # Start taking a request...
    page.keyboard.press("Alt+3")
    page.keyboard.type("pothole")
    page.get_by_label("Pothole").check()
    page.get_by_label("1. How deep is it, in centimetres? (required)").fill("15")
    page.get_by_label("Bike lane").check()
    page.get_by_label("Address").fill("12 Trem")
    page.get_by_role("button", name="12 Tremont St").click()
    assert page.get_by_label("Latitude").input_value() == "42.357100"
    with saved(page, "bus%20stop"):
        page.get_by_label("Description (the caller's words)").fill("Deep hole at the bus stop")
    shot(page, "desk-before-close")

    # ...and the browser is closed mid-call. The agent logs in again and resumes.
    page.context.close()
    page = browser.new_context(locale="en-US").new_page()
    page.set_viewport_size({"width": 1400, "height": 1100})
    log_in(page, live_server.url, "agent")
    page.goto(live_server.url + "/desk/")
    page.get_by_role("link", name=re.compile(r"Resume contact \d+ \(Phone\)")).click()
    assert page.url == contact_url
    page.wait_for_selector("#desk-map[data-ready=true]")
    assert page.get_by_label("Description (the caller's words)").input_value() == "Deep hole at the bus stop"
    assert page.get_by_label("1. How deep is it, in centimetres? (required)").input_value() == "15"
    assert page.get_by_label("Bike lane").is_checked()
    assert page.get_by_label("Address").input_value() == "12 Tremont St"

    # The possible duplicate shows once the request's place is known; then file it.
    page.get_by_label("Latitude").fill("42.3571")
    page.get_by_text("1 possible duplicate nearby").wait_for()
    page.get_by_role("button", name="Take request").click()
    readback = page.locator(".readback")
    readback.get_by_text("created.").wait_for()
    created = ServiceRequest.objects.get(description="Deep hole at the bus stop")
    assert created.public_id in readback.inner_text() and "Expected by" in readback.inner_text()
    page.wait_for_function("document.activeElement.classList.contains('readback')")

    page.keyboard.press("Alt+4")
    page.keyboard.type("Caller will send a photo")
    page.get_by_label("Request created").check()
    page.get_by_role("button", name="Close contact").click()
    page.wait_for_url("**/desk/")
    page.get_by_text("Contact closed: request created.").wait_for()

    contact = Contact.objects.get()
    assert (contact.outcome, contact.constituent, contact.request) == (Contact.Outcome.REQUEST_CREATED, rosa, created)
    assert contact.article_title == "When is trash collected?"
    assert contact.notes == "Caller will send a photo" and contact.handle_seconds is not None
    assert created.channel is not None and created.channel.code == "phone"
    assert created.attributes == {"depth": 15, "lane": "bike"}
    assert (created.lat, created.long) == (42.3571, -71.0622)
    assert RequestParty.objects.get(request=created).constituent == rosa
    cache.clear()


def test_emergency_words_raise_the_911_prompt_and_the_transfer_is_logged(live_server, page) -> None:
    seed_desk()
    build_city()
    log_in(page, live_server.url, "agent")
    start_phone_contact(page, live_server.url)

    page.keyboard.press("Alt+4")
    page.keyboard.type("Caller says there is humo in the basement")
    dialog = page.get_by_role("alertdialog", name="Possible emergency: transfer to 911")
    dialog.wait_for()
    assert "“humo”" in dialog.inner_text()
    # The dialog takes the focus (not a button: the agent may still be typing).
    page.wait_for_function("document.activeElement.getAttribute('role') === 'alertdialog'")
    page.keyboard.type(" more")
    assert Contact.objects.get().is_open
    # Tab reaches its buttons and stays inside it.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Transfer to 911 now"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Transfer to 911 now"
    shot(page, "desk-911-prompt")
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/")
    page.get_by_text("Contact closed: referred to 911.").wait_for()

    contact = Contact.objects.get()
    assert (contact.outcome, contact.reason) == (Contact.Outcome.REFERRED_911, Contact.Reason.EMERGENCY)
    assert "humo" in contact.notes
    assert AuditEvent.objects.get(action="contact.referred_to_911").changes["phrases"] == ["humo"]


def test_a_new_callers_details_are_kept_before_they_are_saved(live_server, page) -> None:
    seed_desk()
    build_city()
    log_in(page, live_server.url, "agent")
    start_phone_contact(page, live_server.url)
    with saved(page, "Luis%20Ortega"):
        page.get_by_label("Name", exact=True).fill("Luis Ortega")
    page.reload()
    assert page.get_by_label("Name", exact=True).input_value() == "Luis Ortega"
    page.get_by_role("button", name="Save new caller").click()
    page.get_by_text("Caller: Luis Ortega").wait_for()
    assert Contact.objects.get().constituent is not None
