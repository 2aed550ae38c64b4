"""The staff pages in a real browser: a supervisor logs in, filters the queue, assigns two
cases at once, opens one, changes its status and adds an internal note; and the queue
works from the keyboard alone."""

from __future__ import annotations

import os

import pytest

from civic311.cases.models import ServiceRequest

from .factories import PASSWORD, add_case, build_city

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data"),
              pytest.mark.browser]
# Screenshots for people checking the layout: CIVIC311_SCREENSHOTS=<folder>.
SHOTS = os.environ.get("CIVIC311_SCREENSHOTS", "")

UNLABELLED_CONTROLS = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && !el.labels.length && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id)"""


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def log_in(page, base: str, username: str) -> None:
    page.goto(base + "/staff/")
    page.wait_for_url("**/staff/login/**")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/staff/queue/")


def test_a_supervisor_works_the_queue_and_a_case(live_server, page) -> None:
    city = build_city()
    for i in range(4):
        add_case(city.pothole, public_id=f"PWD-{i}", neighborhood=city.west, address=f"{i} Tremont St")
    add_case(city.graffiti, public_id="PWD-G", neighborhood=city.east, address="1 Beacon St")
    page.set_viewport_size({"width": 1400, "height": 1000})

    log_in(page, live_server.url, "super")
    assert page.locator("a.case-link").count() == 5
    assert page.evaluate(UNLABELLED_CONTROLS) == []

    page.get_by_label("Service type").select_option(label="Pothole")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(f"**service_type={city.pothole.pk}**")
    page.wait_for_function("document.querySelectorAll('a.case-link').length === 4")
    shot(page, "queue-filtered")

    page.get_by_label("Select PWD-1").check()
    page.get_by_label("Select PWD-2").check()
    assert page.locator(".selected-count").inner_text() == "(2 selected)"
    page.locator("#id_bulk_assignee").select_option(label="Wendy Worker")
    page.get_by_role("button", name="Assign selected").click()
    page.get_by_text("Assigned 2 of 2 selected cases.").wait_for()
    # The focus moves to the message once htmx has settled it, for screen-reader users.
    page.wait_for_function("document.activeElement.textContent === 'Assigned 2 of 2 selected cases.'")
    page.locator("#queue-table tr", has_text="PWD-1").get_by_text("Wendy Worker").wait_for()
    assert set(ServiceRequest.objects.filter(assignee=city.worker).values_list("public_id", flat=True)) == {
        "PWD-1", "PWD-2"}
    shot(page, "queue-assigned")

    page.get_by_role("link", name="PWD-1", exact=True).click()
    page.wait_for_url("**/staff/requests/PWD-1/")
    page.wait_for_selector("#case-map[data-ready=true]")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    page.get_by_label("New status").select_option(label="In progress")
    page.get_by_role("button", name="Change status").click()
    page.get_by_text("Status changed to In progress.").wait_for()
    assert page.locator("h1 .badge").first.inner_text() == "In progress"

    page.locator("#id_note_text").fill("Crew booked for Tuesday morning")
    page.get_by_label("Internal: staff only").check()
    page.get_by_role("button", name="Add note").click()
    page.get_by_text("Internal note added.").wait_for()
    entry = page.locator("#timeline li.update", has_text="Crew booked for Tuesday morning")
    assert entry.locator(".badge").inner_text() == "Internal"
    shot(page, "case-after-actions")
    assert ServiceRequest.objects.get(public_id="PWD-1").detailed_status.code == "in_progress"


def test_the_queue_works_from_the_keyboard(live_server, page) -> None:
    city = build_city()
    for i in range(3):
        add_case(city.pothole, public_id=f"PWD-{i}")
    log_in(page, live_server.url, "super")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.locator("a.case-link").first.focus()
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.textContent") == "PWD-1"
    page.keyboard.press("x")
    assert page.get_by_label("Select PWD-1").is_checked()
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.textContent") == "PWD-0"
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/requests/PWD-0/")


def test_the_transfer_form_offers_only_the_chosen_departments_queues(live_server, page) -> None:
    city = build_city()
    add_case(city.pothole, public_id="PWD-1")
    log_in(page, live_server.url, "super")
    page.goto(live_server.url + "/staff/requests/PWD-1/")
    page.get_by_text("Transfer to another department").click()
    queue = page.locator("#id_transfer_queue")
    offered = "sel => Array.from(sel.querySelectorAll('optgroup')).filter(g => !g.hidden).map(g => g.label)"
    assert queue.evaluate(offered) == []  # no department chosen yet: only the default
    page.locator("#id_transfer_department").select_option(label=city.housing.name)
    assert queue.evaluate(offered) == [city.housing.name]
    queue.select_option(label=city.inspections.name)
    page.get_by_label("Reason").fill("Mould in the flat, not a road problem")
    page.get_by_role("button", name="Transfer", exact=True).click()
    page.wait_for_url("**/staff/queue/**")
    moved = ServiceRequest.objects.get(public_id="PWD-1")
    assert (moved.department, moved.queue) == (city.housing, city.inspections)
