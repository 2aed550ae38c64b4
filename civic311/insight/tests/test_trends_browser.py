"""The trends page and the neighborhood report in a real browser: a supervisor compares a
neighborhood with the city (chart, shaded map without tiles, CSV); an agent makes a report in
Spanish and downloads its PDF."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from civic311.places.models import District
from civic311.staff.tests.factories import PASSWORD, add_case, build_city

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data"),
              pytest.mark.browser]

UNLABELLED_CONTROLS = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && !el.labels.length && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id)"""


def test_a_supervisor_compares_a_neighborhood_with_the_city(live_server, page) -> None:
    city = build_city()
    District.objects.filter(pk=city.west.pk).update(population=1000)
    District.objects.filter(pk=city.east.pk).update(population=1000)
    for day, district in [(2, city.west), (3, city.west), (4, city.east), (10, city.west)]:
        add_case(city.pothole, requested_at=datetime(2025, 3, day, 15, tzinfo=UTC), neighborhood=district)
    add_case(city.graffiti, requested_at=datetime(2025, 3, 5, 15, tzinfo=UTC), neighborhood=city.east)

    page.goto(live_server.url + "/staff/login/?next=/insight/trends/")
    page.get_by_label("User name").fill("super")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/insight/trends/")
    assert page.evaluate(UNLABELLED_CONTROLS) == []

    page.get_by_label("Areas to compare").select_option(label="Westside")
    page.get_by_label("Service types").select_option(label="Pothole")
    page.get_by_label("From", exact=True).fill("2025-03-01")
    page.get_by_label("To", exact=True).fill("2025-03-31")
    page.get_by_label("Per", exact=True).select_option(label="week")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**granularity=week**")

    totals = page.locator("#trend-totals tbody tr")
    assert totals.nth(0).locator("td").first.inner_text() == "3"  # Westside potholes
    assert totals.nth(1).locator("td").first.inner_text() == "4"  # city-wide potholes
    assert page.locator("#trend-chart polyline").count() == 2
    page.wait_for_selector("#trend-map[data-ready='true']")
    assert page.locator("#trend-map").get_attribute("data-count") == "2"
    # Two shaded polygons, no tile images.
    assert page.locator("#trend-map path.leaflet-interactive").count() == 2
    assert page.locator("#trend-map img.leaflet-tile").count() == 0
    fills = page.eval_on_selector_all("#trend-map path.leaflet-interactive",
                                      "els => els.map(e => e.getAttribute('fill'))")
    assert len(set(fills)) == 2  # Westside (3 per 1,000) and Eastside (1) in different classes

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the numbers (CSV)").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert "2025-03-03,Westside,Pothole,1,0" in text


def test_the_mobile_unit_prints_a_neighborhood_report(live_server, page) -> None:
    city = build_city()
    for day in (2, 3, 9):
        add_case(city.pothole, requested_at=datetime(2025, 5, day, 15, tzinfo=UTC), neighborhood=city.west)
    page.goto(live_server.url + "/staff/login/?next=/insight/report/")
    page.get_by_label("User name").fill("agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/insight/report/")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    page.get_by_label("Neighborhood").select_option(label="Westside")
    page.get_by_label("From", exact=True).fill("2025-05-01")
    page.get_by_label("To", exact=True).fill("2025-05-31")
    page.get_by_label("Language of the report").select_option(label="Español")
    page.get_by_role("button", name="Make the report").click()
    page.wait_for_url("**language=es**")
    assert page.get_by_role("heading", level=1).inner_text() == "311 en Westside"
    assert page.locator("#report-issues tbody tr").first.locator("td").first.inner_text() == "3"
    assert page.locator("svg path.here").count() == 1
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descargar el PDF").click()
    content = Path(download_info.value.path()).read_bytes()
    assert content.startswith(b"%PDF")
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(content)).pages)
    assert "311 en Westside" in " ".join(text.split())
