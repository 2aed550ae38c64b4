"""The address index: spellings of one address meet, placeholders and points outside the
city stay out, prefix search by number or by street name, and the JSON endpoint refuses
bad input clearly."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from shapely.geometry import box, mapping

from civic311.places.addresses import (
    AddressSighting,
    locate_address,
    normalise_address,
    rebuild_address_index,
    record_address,
    search_addresses,
    street_key,
)
from civic311.places.models import Address
from civic311.places.profiles import load_profile
from civic311.places.services import AreaFeature, ensure_jurisdiction, load_layer

pytestmark = pytest.mark.django_db


@pytest.fixture
def boston() -> None:
    ensure_jurisdiction(load_profile("boston"))
    west = AreaFeature(name="Westside", geometry=mapping(box(-71.15, 42.30, -71.05, 42.38)))
    load_layer(slug="neighborhoods", name="Neighborhoods", features=[west], is_neighborhoods=True)


@pytest.mark.parametrize(("raw", "key"), [
    ("25 Sheridan St, Jamaica Plain", "25 SHERIDAN ST, JAMAICA PLAIN"),
    ("25 Sheridan Street, Jamaica Plain, MA, 02130", "25 SHERIDAN ST, JAMAICA PLAIN"),
    ("25  sheridan st.,  jamaica plain", "25 SHERIDAN ST, JAMAICA PLAIN"),
    ("Intersection of Butler St and Richmond St, Dorchester, MA",
     "INTERSECTION OF BUTLER ST & RICHMOND ST, DORCHESTER"),
    ("366 West Fourth Street, South Boston", "366 W FOURTH ST, S BOSTON"),
    ("1057-1067 Hyde Park Ave, Hyde Park, MA, 02136", "1057-1067 HYDE PARK AVE, HYDE PARK"),
    ("Café Plaza <script>", "CAFE PLZ SCRIPT"),
    ("  , ,  ", ""),
])
def test_normalised_key(raw: str, key: str) -> None:
    assert normalise_address(raw) == key


def test_street_key_drops_the_house_number_or_intersection() -> None:
    assert street_key("25 SHERIDAN ST, JAMAICA PLAIN") == "SHERIDAN ST, JAMAICA PLAIN"
    assert street_key("19A-33 S CHARLAME CT") == "S CHARLAME CT"
    assert street_key("INTERSECTION OF BUTLER ST & RICHMOND ST") == "BUTLER ST & RICHMOND ST"


def test_rebuild_merges_spellings_averages_points_and_skips_unusable(boston: None) -> None:
    count = rebuild_address_index([
        AddressSighting("25 Sheridan St, Jamaica Plain", 42.32, -71.10),
        AddressSighting("25 Sheridan Street, Jamaica Plain, MA, 02130", 42.34, -71.12),
        AddressSighting("1 City Hall Plz, Boston", 42.3594, -71.0587),  # placeholder point
        AddressSighting("10 Nowhere Rd, Paris", 48.85, 2.35),  # outside the city
        AddressSighting("   ", 42.32, -71.10),
        AddressSighting("490 Bennington St, East Boston", 42.3816, -71.0216),
    ])
    assert count == 2
    sheridan = Address.objects.get(key="25 SHERIDAN ST, JAMAICA PLAIN")
    assert sheridan.label == "25 Sheridan St, Jamaica Plain"
    assert sheridan.sightings == 2
    assert sheridan.lat == pytest.approx(42.33) and sheridan.long == pytest.approx(-71.11)
    assert sheridan.neighborhood is not None and sheridan.neighborhood.name == "Westside"
    assert Address.objects.get(key__startswith="490").neighborhood is None  # east of Westside


def test_rebuild_replaces_the_previous_index(boston: None) -> None:
    rebuild_address_index([AddressSighting("1 Old St", 42.32, -71.10)])
    rebuild_address_index([AddressSighting("2 New St", 42.32, -71.10)])
    assert list(Address.objects.values_list("key", flat=True)) == ["2 NEW ST"]


def test_record_address_adds_then_moves_to_the_mean(boston: None) -> None:
    first = record_address(AddressSighting("7 Elm St", 42.30, -71.10))
    assert first is not None and first.sightings == 1
    again = record_address(AddressSighting("7 ELM STREET", 42.32, -71.12))
    assert again is not None and again.pk == first.pk and again.sightings == 2
    assert again.lat == pytest.approx(42.31) and again.long == pytest.approx(-71.11)
    assert record_address(AddressSighting("8 Elm St", 42.3594, -71.0587)) is None


def _index(boston: None) -> None:
    rebuild_address_index(
        [AddressSighting("12 Main St, Charlestown", 42.37, -71.06)] * 3
        + [AddressSighting("120 Main St, Charlestown", 42.371, -71.061)]
        + [AddressSighting("12 Maple Ave, Dorchester", 42.30, -71.07)] * 2
        + [AddressSighting("Intersection of Main St and Elm St, Charlestown", 42.372, -71.062)]
        + [AddressSighting("5 Mainly Ct, Roxbury", 42.31, -71.08)]
    )


def test_search_by_number_and_street(boston: None) -> None:
    _index(boston)
    assert [m.label for m in search_addresses("12 ma")] == ["12 Main St, Charlestown", "12 Maple Ave, Dorchester"]
    assert [m.label for m in search_addresses("12 Main Street")] == ["12 Main St, Charlestown"]
    assert [m.label for m in search_addresses("120")] == ["120 Main St, Charlestown"]


def test_search_by_street_name_alone_most_reported_first(boston: None) -> None:
    _index(boston)
    labels = [m.label for m in search_addresses("main st")]
    assert labels == ["12 Main St, Charlestown", "120 Main St, Charlestown",
                      "Intersection of Main St and Elm St, Charlestown"]
    assert [m.label for m in search_addresses("mainly")] == ["5 Mainly Ct, Roxbury"]


def test_search_limits_and_empty_queries(boston: None) -> None:
    _index(boston)
    assert len(search_addresses("main", limit=2)) == 2
    assert len(search_addresses("main", limit=1000)) == 4
    assert search_addresses("") == [] and search_addresses(" ,.; ") == []
    assert search_addresses("%") == [] and search_addresses("_") == []
    with pytest.raises(ValueError):
        search_addresses("x" * 201)


def test_search_is_one_query(boston: None, django_assert_num_queries: Any) -> None:
    _index(boston)
    with django_assert_num_queries(1):
        matches = search_addresses("main")
    assert matches[0].neighborhood == "Westside"


def test_endpoint_answers_json(boston: None, client: Client) -> None:
    _index(boston)
    data = client.get("/places/addresses", {"q": "12 main"}).json()
    assert data == {"addresses": [
        {"label": "12 Main St, Charlestown", "lat": pytest.approx(42.37), "long": pytest.approx(-71.06),
         "neighborhood": "Westside"},
    ]}


@pytest.mark.parametrize(("params", "status"), [
    ({}, 200), ({"q": ""}, 200), ({"q": "x" * 201}, 400), ({"q": "main", "limit": "0"}, 400),
    ({"q": "main", "limit": "abc"}, 400), ({"q": "main", "limit": "26"}, 400),
    ({"q": "main", "limit": "-1"}, 400), ({"q": "' OR 1=1 --"}, 200), ({"q": "<script>alert(1)</script>"}, 200),
])
def test_endpoint_refuses_bad_input_clearly(boston: None, client: Client, params: dict[str, str], status: int) -> None:
    _index(boston)
    response = client.get("/places/addresses", params)
    assert response.status_code == status
    body = response.json()
    if status == 400:
        assert body["error"]
    else:
        assert body["addresses"] == []


def test_endpoint_is_get_only(client: Client) -> None:
    assert client.post("/places/addresses", {"q": "main"}).status_code == 405


def test_locate_address_finds_any_spelling_of_an_indexed_address(boston: None) -> None:
    _index(boston)
    for spelling in ("12 MAIN STREET, charlestown, MA 02129", "12 main street, Charlestown, MA, 02129"):
        match = locate_address(spelling)
        assert match is not None and match.label == "12 Main St, Charlestown"
    assert match is not None and match.lat == pytest.approx(42.37)
    assert locate_address("12 Main") is None
    assert locate_address("") is None
