"""The portal in a real browser (system Chromium): report a problem with the map and
with JavaScript off, track it, see requests nearby; every public page passes axe-core with
no serious or critical violation, in English and Spanish."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from civic311.cases.models import ServiceRequest
from civic311.places.addresses import AddressSighting, rebuild_address_index

from .accessibility import assert_accessible
from .factories import add_request, boston_with_squares, pothole_service

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data"),
              pytest.mark.browser]


@pytest.fixture
def city() -> None:
    _east, west = boston_with_squares()
    pothole_service()
    add_request("NEAR-1", west, lat=42.3400, long=-71.1000, requested_at=timezone.now() - timedelta(days=1),
                description="Hole in front of the school", address="10 Main St")
    rebuild_address_index([AddressSighting("12 Main St, Charlestown", 42.3600, -71.0900)])


def test_a_refused_report_passes_axe(live_server: Any, page: Any, city: None) -> None:
    page.goto(live_server.url + "/report/pothole/")
    page.get_by_label("Describe the problem").fill("x" * 10)
    page.get_by_label("E-mail").fill("not an address")
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_selector("#error-summary")
    assert_accessible(page)


def test_report_with_the_map_then_track_it(live_server: Any, page: Any, city: None) -> None:
    page.goto(live_server.url + "/report/")
    assert_accessible(page)
    page.get_by_role("link", name="Pothole").click()
    page.wait_for_selector("#report-map[data-ready=true]")
    assert page.locator("#report-map path.leaflet-interactive").count() == 2
    assert page.locator("#report-map img.leaflet-tile").count() == 0
    assert_accessible(page)
    page.get_by_label("Smaller than a plate").check()
    box = page.locator("#report-map").bounding_box()
    page.locator("#report-map").click(position={"x": box["width"] * 0.3, "y": box["height"] * 0.5})
    page.wait_for_selector("#report-map[data-pin=true]")
    lat, long = float(page.locator("#id_lat").input_value()), float(page.locator("#id_long").input_value())
    assert 42.22 < lat < 42.41 and -71.2 < long < -70.9
    page.get_by_label("Describe the problem").fill("Deep pothole in the bike lane")
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_selector("text=your report has been received")
    created = ServiceRequest.objects.get(description="Deep pothole in the bike lane")
    assert created.public_id in page.content()
    assert created.lat == pytest.approx(lat) and created.channel is not None and created.channel.code == "web"
    assert_accessible(page)
    page.get_by_role("link", name="Track another request").click()
    page.get_by_label("Request number").fill(created.public_id)
    page.get_by_role("button", name="Track").click()
    page.wait_for_selector("h1:has-text('request')")
    assert page.url.endswith(f"/requests/{created.public_id}/")


def test_address_autocomplete_places_the_pin(live_server: Any, page: Any, city: None) -> None:
    page.goto(live_server.url + "/report/pothole/")
    page.wait_for_selector("#report-map[data-ready=true]")
    with page.expect_response(lambda r: "/places/addresses" in r.url):
        page.get_by_label("Address or intersection").press_sequentially("12 mai")
    page.wait_for_function("document.querySelectorAll('#address-suggestions option').length > 0")
    page.get_by_label("Address or intersection").fill("12 Main St, Charlestown")
    page.wait_for_selector("#report-map[data-pin=true]")
    assert float(page.locator("#id_lat").input_value()) == pytest.approx(42.36)


def test_report_without_javascript(live_server: Any, browser: Any, city: None) -> None:
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/report/pothole/")
        assert page.locator("#report-map").is_hidden()
        page.get_by_role("button", name="Send the report").click()
        assert page.get_by_role("alert").filter(has_text="Tell us where").is_visible()
        page.get_by_label("Larger than a plate").check()
        page.get_by_label("Address or intersection").fill("12 Main Street, Charlestown")
        page.get_by_role("button", name="Send the report").click()
        page.wait_for_selector("text=your report has been received")
        created = ServiceRequest.objects.exclude(public_id="NEAR-1").get()
        assert created.lat == pytest.approx(42.36) and created.attributes == {"size": "large"}
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_public_page_passes_axe(live_server: Any, page: Any, city: None, language: str) -> None:
    if language == "es":
        page.goto(live_server.url + "/")
        page.get_by_role("button", name="Español").click()
        page.wait_for_selector("html[lang=es]")
    for path in ("/", "/report/", "/report/?q=zzz", "/report/pothole/", "/requests/", "/requests/NEAR-1/",
                 "/requests/311-0/", "/nearby/", "/nearby/?lat=42.34&long=-71.1", "/nearby/?address=nowhere"):
        page.goto(live_server.url + path)
        if path == "/" or path.startswith(("/nearby", "/report/pothole")):
            page.wait_for_selector("[data-ready=true]")  # checked with the map drawn
        assert page.locator(f"html[lang={language}]").count() == 1
        assert_accessible(page)


def test_nearby_map_links_each_request(live_server: Any, page: Any, city: None) -> None:
    page.goto(live_server.url + "/nearby/?lat=42.3401&long=-71.1")
    page.wait_for_selector("#nearby-map[data-ready=true]")
    assert page.locator("#nearby-map path.leaflet-interactive").count() == 1
    page.locator("#nearby-map path.leaflet-interactive").first.click()
    assert page.locator(".leaflet-popup a[href='/requests/NEAR-1/']").is_visible()
