"""Chicago's `q` on GET requests: words matched in what the API shows (service name,
address, redacted description), never in what the redactor hid; paging over the matches."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from civic311.cases.models import ServiceRequest
from civic311.cases.services import submit_request
from civic311.catalog.models import ServiceType

from .conftest import City, get, json_of, xml_of


def file(service: ServiceType, **fields: Any) -> ServiceRequest:
    fields.setdefault("lat", 42.35)
    fields.setdefault("long", -71.10)
    return submit_request(service_type=service, channel=None, **fields)


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in json_of(response)]


def test_words_match_the_description_address_and_service_name_in_any_case(client: Client, city: City) -> None:
    deep = file(city.pothole, description="A DEEP hole near the school", address="1 Main St")
    on_elm = file(city.graffiti, description="Tags on the wall", address="5 Elm Street")
    file(city.pothole, description="Shallow dip", address="9 Oak Ave")
    assert ids(get(client, "requests.json", q="deep")) == [deep.public_id]
    assert ids(get(client, "requests.json", q="elm street")) == [on_elm.public_id]
    assert ids(get(client, "requests.json", q="graffiti")) == [on_elm.public_id]
    # Every word must match (AND), wherever it is.
    assert ids(get(client, "requests.json", q="hole school main")) == [deep.public_id]
    assert ids(get(client, "requests.json", q="hole elm")) == []
    root = xml_of(get(client, "requests.xml", q="Shallow"))
    assert [r.findtext("description") for r in root] == ["Shallow dip"]


def test_what_the_redactor_hides_cannot_be_searched(client: Client, city: City) -> None:
    # Real shapes from Boston's descriptions: a phone number, an e-mail address, a plate.
    phone = file(city.pothole, description="Hole again, call me at 617-555-0142 thanks")
    mail = file(city.pothole, description="Hole, write to jane.doe@example.org")
    plate = file(city.pothole, description="Car with plate 1ABC23 parked on the hole")
    for term in ("617-555-0142", "555-0142", "jane.doe", "example.org", "1ABC23"):
        assert ids(get(client, "requests.json", q=term)) == [], term
    # The rest of the text still matches, and the answer shows the redacted text.
    listed = json_of(get(client, "requests.json", q="hole"))
    assert {r["service_request_id"] for r in listed} == {phone.public_id, mail.public_id, plate.public_id}
    descriptions = " ".join(r["description"] for r in listed)
    assert "617-555-0142" not in descriptions and "jane.doe" not in descriptions and "1ABC23" not in descriptions


def test_pages_run_over_the_matches_only(client: Client, city: City) -> None:
    matching = [file(city.pothole, description=f"Pothole number {n}") for n in range(5)]
    for n in range(4):
        file(city.pothole, description=f"Something else {n}", address="2 Oak Ave")
        # A match in the stored text only (an e-mail address) is not a match.
        file(city.pothole, description=f"Other text, write to number.{n}@example.org")
    newest_first = [r.public_id for r in reversed(matching)]
    first_page = ids(get(client, "requests.json", q="number", page_size="2"))
    second_page = ids(get(client, "requests.json", q="number", page_size="2", page="2"))
    third_page = ids(get(client, "requests.json", q="number", page_size="2", page="3"))
    assert first_page + second_page + third_page == newest_first
    assert ids(get(client, "requests.json", q="number", page_size="2", page="4")) == []


def test_other_filters_apply_together_with_q(client: Client, city: City) -> None:
    pothole = file(city.pothole, description="Broken thing")
    file(city.graffiti, description="Broken thing")
    assert ids(get(client, "requests.json", q="broken", service_code="pothole")) == [pothole.public_id]
    assert ids(get(client, "requests.json", q="broken", status="closed")) == []


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("ab", "Each word of q must be at least 3 characters long"),
        ("pothole a", "Each word of q must be at least 3 characters long"),
        ("one two three four five six", "q may hold at most 5 words"),
        ("x" * 101, "q may be at most 100 characters long"),
    ],
)
def test_a_q_too_short_too_long_or_too_wordy_is_a_400(client: Client, city: City, q: str, message: str) -> None:
    response = get(client, "requests.json", q=q)
    assert response.status_code == 400
    assert message in json_of(response)[0]["description"]


@pytest.mark.parametrize("q", ["%%%", "___", "'OR'1'='1", "\\\\\\", "<script>", "ünïcödé"])
def test_wildcards_quotes_and_markup_are_plain_text(client: Client, city: City, q: str) -> None:
    literal = file(city.pothole, description=f"Odd text {q} here")
    file(city.pothole, description="Plain text here")
    assert ids(get(client, "requests.json", q=q)) == [literal.public_id]


def test_an_empty_q_is_no_filter(client: Client, city: City) -> None:
    file(city.pothole, description="One")
    file(city.pothole, description="Two")
    assert len(ids(get(client, "requests.json", q=""))) == 2
    assert len(ids(get(client, "requests.json", q="   "))) == 2


def test_q_takes_a_bounded_number_of_queries(client: Client, city: City, django_assert_max_num_queries: Any) -> None:
    for n in range(30):
        file(city.pothole, description=f"Hole {n}")
    get(client, "services.json")
    # The jurisdiction, then the candidates in chunks (one chunk here), whatever the matches.
    with django_assert_max_num_queries(2):
        assert len(ids(get(client, "requests.json", q="hole"))) == 30
