"""The home page shows the city's neighborhoods with their request counts, in English or
Spanish, and its map data carries nothing personal."""

from __future__ import annotations

import pytest
from django.test import Client

from .factories import add_request, boston_with_squares

pytestmark = pytest.mark.django_db


def test_home_lists_each_neighborhood_with_total_and_open_counts(client: Client) -> None:
    east, west = boston_with_squares()
    for i in range(3):
        add_request(f"W{i}", west, status="closed" if i else "new")
    add_request("E1", east, status="assigned")

    page = client.get("/").content.decode()

    assert "Boston 311" in page
    assert '<th scope="row">Westside</th><td class="num">3</td><td class="num">1</td>' in page
    assert '<th scope="row">Eastside</th><td class="num">1</td><td class="num">1</td>' in page


def test_home_page_in_spanish_when_the_browser_asks_for_it(client: Client) -> None:
    boston_with_squares()
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in page
    assert "Vecindarios" in page
    assert "Saltar al contenido principal" in page


def test_language_switch_sets_spanish_for_later_pages(client: Client) -> None:
    boston_with_squares()
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert response.status_code == 302
    assert "Vecindarios" in client.get("/").content.decode()


def test_empty_city_says_nothing_is_loaded_yet(client: Client) -> None:
    page = client.get("/").content.decode()
    assert "No service requests have been loaded yet." in page
    assert "No neighborhoods have been loaded yet." in page


def test_map_data_has_counts_and_no_request_details(client: Client) -> None:
    _east, west = boston_with_squares()
    add_request("W1", west, description="Call me at 617-555-1234", address="1 Main St")
    data = client.get("/neighborhoods.geojson").json()
    by_name = {f["properties"]["name"]: f for f in data["features"]}
    assert by_name["Westside"]["properties"] == {"name": "Westside", "requests": 1, "open": 1}
    assert by_name["Eastside"]["properties"]["requests"] == 0
    assert by_name["Westside"]["geometry"]["type"] == "Polygon"
    assert "617-555-1234" not in str(data) and "Main St" not in str(data)


def test_home_page_query_count_does_not_grow_with_neighborhoods(client: Client, django_assert_max_num_queries) -> None:
    _east, west = boston_with_squares()
    add_request("W1", west)
    with django_assert_max_num_queries(8):
        client.get("/")
