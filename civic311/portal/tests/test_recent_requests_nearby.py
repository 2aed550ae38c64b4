"""Recent requests near a place: a list and map points, within the radius, newest first,
redacted, duplicates left out, with clear errors for bad input and constant queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civic311.places.addresses import AddressSighting, rebuild_address_index
from civic311.places.models import District

from .factories import add_request, boston_with_squares

pytestmark = pytest.mark.django_db


@pytest.fixture
def street() -> None:
    _east, west = boston_with_squares()
    now = timezone.now()
    add_request("NEAR-1", west, lat=42.3400, long=-71.1000, requested_at=now - timedelta(days=2),
                description="Plate 1ABC23 parked here", address="10 Main St")
    add_request("NEAR-2", west, lat=42.3420, long=-71.1000, requested_at=now - timedelta(days=1))
    add_request("FAR-1", west, lat=42.3700, long=-71.1000, requested_at=now - timedelta(days=1))
    add_request("OLD-1", west, lat=42.3400, long=-71.1000, requested_at=now - timedelta(days=400))
    parent = add_request("PARENT-1", west, lat=42.3401, long=-71.1001, requested_at=now - timedelta(days=3))
    add_request("DUP-1", west, lat=42.3401, long=-71.1001, requested_at=now - timedelta(hours=3), duplicate_of=parent)


def test_near_a_point_lists_recent_requests_within_the_radius_newest_first(client: Client, street: None) -> None:
    page = client.get("/nearby/", {"lat": "42.3405", "long": "-71.1000"}).content.decode()
    assert page.index("NEAR-2") < page.index("NEAR-1") < page.index("PARENT-1")
    assert "FAR-1" not in page and "OLD-1" not in page and "DUP-1" not in page
    assert "m away" in page


def test_without_a_point_the_whole_city_newest_first(client: Client, street: None) -> None:
    page = client.get("/nearby/").content.decode()
    assert "FAR-1" in page and "NEAR-1" in page and "OLD-1" not in page


def test_descriptions_are_redacted(client: Client, street: None) -> None:
    page = client.get("/nearby/").content.decode()
    data = client.get("/nearby.geojson").content.decode()
    assert "1ABC23" not in page and "1ABC23" not in data
    assert "Plate [plate] parked here" in page


def test_near_an_address_from_the_index(client: Client, street: None) -> None:
    rebuild_address_index([AddressSighting("10 Main St", 42.3402, -71.1000)])
    page = client.get("/nearby/", {"address": "10 main street"}).content.decode()
    assert "NEAR-1" in page and "FAR-1" not in page


@pytest.mark.parametrize(("params", "message"), [
    ({"lat": "abc", "long": "1"}, "Latitude and longitude must be numbers."),
    ({"lat": "42.3"}, "Latitude and longitude must be numbers."),
    ({"lat": "420", "long": "-71"}, "These coordinates are not on Earth."),
    ({"lat": "nan", "long": "nan"}, "These coordinates are not on Earth."),
    ({"address": "Nowhere Lane <script>"}, "We do not know this address."),
])
def test_bad_places_are_refused_clearly(client: Client, street: None, params: dict[str, str], message: str) -> None:
    response = client.get("/nearby/", params)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert client.get("/nearby.geojson", params).status_code == 400


def test_map_points_carry_only_public_fields(client: Client, street: None) -> None:
    data = client.get("/nearby.geojson", {"lat": "42.3405", "long": "-71.1000"}).json()
    ids = [f["properties"]["id"] for f in data["features"]]
    assert ids == ["NEAR-2", "NEAR-1", "PARENT-1"]
    assert set(data["features"][0]["properties"]) == {"id", "service", "status", "url"}
    assert data["features"][0]["geometry"] == {"type": "Point", "coordinates": [-71.1, 42.342]}


def test_list_query_count_does_not_grow_with_requests(
    client: Client, street: None, django_assert_max_num_queries: Any
) -> None:
    west = District.objects.get(name="Westside")
    for i in range(30):
        add_request(f"MORE-{i}", west, lat=42.3403, long=-71.1002, requested_at=timezone.now() - timedelta(hours=i))
    with django_assert_max_num_queries(5):
        client.get("/nearby/", {"lat": "42.3405", "long": "-71.1000"})
    with django_assert_max_num_queries(3):
        client.get("/nearby.geojson", {"lat": "42.3405", "long": "-71.1000"})
