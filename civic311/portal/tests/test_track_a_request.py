"""Track a request by its number: status, expected date, the public timeline only,
duplicates pointing to their parent, nothing personal, resident text redacted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from civic311.cases.models import ServiceRequest
from civic311.cases.services import add_note, mark_duplicate, submit_request
from civic311.catalog.models import Channel
from civic311.contacts.services import record_request_party

from .factories import boston_with_squares, pothole_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed() -> ServiceRequest:
    boston_with_squares()
    service = pothole_service()
    service.sla_hours = 48
    service.save()
    request = submit_request(
        service_type=service, channel=Channel.objects.get(code="web"), lat=42.34, long=-71.10,
        address="12 Main St", description="Big hole, call me at 617-555-0142 or ana@example.org",
    )
    record_request_party(request=request, name="Ana Pérez", email="ana@example.org", phone="617-555-0142")
    return request


def staff() -> Any:
    return get_user_model().objects.create_user("crew", password="pw-for-tests")


def test_tracking_page_shows_status_expected_date_and_public_timeline(client: Client, filed: ServiceRequest) -> None:
    add_note(filed, text="Crew scheduled for Monday.", public=True, actor=staff())
    add_note(filed, text="Internal: resident is the councillor's cousin.", public=False, actor=None)
    page = client.get(f"/requests/{filed.public_id}/").content.decode()
    assert f"Pothole: request {filed.public_id}" in page
    assert "Expected by" in page and "Crew scheduled for Monday." in page and "Request received." in page
    assert "councillor" not in page
    assert page.index("Request received.") < page.index("Crew scheduled for Monday.")


def test_tracking_page_redacts_resident_text_and_shows_no_personal_data(client: Client, filed: ServiceRequest) -> None:
    page = client.get(f"/requests/{filed.public_id}/").content.decode()
    # The surname, not "Ana": three ASCII letters can occur in the page's random CSRF token.
    assert "617-555-0142" not in page and "ana@example.org" not in page and "Pérez" not in page
    assert "Big hole, call me at" in page and "[phone]" in page


def test_a_duplicate_points_to_its_parent(client: Client, filed: ServiceRequest) -> None:
    second = submit_request(service_type=filed.service_type, channel=None, lat=42.34, long=-71.10)
    mark_duplicate(second, parent=filed, actor=staff())
    page = client.get(f"/requests/{second.public_id}/").content.decode()
    assert "This report is a duplicate" in page and f'href="/requests/{filed.public_id}/"' in page
    parent_page = client.get(f"/requests/{filed.public_id}/").content.decode()
    assert "1 other report" in parent_page


def test_track_lookup_goes_to_the_request_or_says_it_is_unknown(client: Client, filed: ServiceRequest) -> None:
    response = client.get("/requests/", {"id": f" {filed.public_id} "})
    assert response.status_code == 302 and response["Location"] == f"/requests/{filed.public_id}/"
    for wrong in ("311-999999", "<script>", "x" * 500, "' OR 1=1 --"):
        missing = client.get("/requests/", {"id": wrong})
        assert missing.status_code == 404
        text = missing.content.decode()
        assert "No request has this number" in text and "<script>" not in text.split("<main")[1]


def test_an_unknown_request_page_is_a_clear_404(client: Client) -> None:
    boston_with_squares()
    response = client.get("/requests/311-424242/")
    assert response.status_code == 404 and "No request has this number" in response.content.decode()
    assert client.get("/requests/a%20b%3Cc/").status_code == 404


def test_tracking_page_query_count_does_not_grow_with_updates(
    client: Client, filed: ServiceRequest, django_assert_max_num_queries: Any
) -> None:
    for i in range(15):
        add_note(filed, text=f"Update {i}", public=True, actor=None)
    with django_assert_max_num_queries(6):
        page = client.get(f"/requests/{filed.public_id}/").content.decode()
    assert "Update 14" in page


def test_tracking_page_in_spanish(client: Client, filed: ServiceRequest) -> None:
    page = client.get(f"/requests/{filed.public_id}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Lo que ha pasado" in page and "Estado" in page
    assert '<span class="status status-open">Nuevo</span>' in page  # a seeded status, translated
    assert "Solicitud recibida." in page


def test_times_are_shown_in_the_citys_zone(client: Client, filed: ServiceRequest) -> None:
    ServiceRequest.objects.filter(pk=filed.pk).update(requested_at=datetime(2026, 1, 15, 17, 30, tzinfo=UTC))
    page = client.get(f"/requests/{filed.public_id}/").content.decode()
    assert "12:30" in page  # 17:30 UTC is 12:30 in Boston in January
