"""JSONP (`callback=` on .json reads): the JSON answer wrapped in a call of a plain
function name, served as JavaScript; anything that is not a plain name is a 400."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civic311.cases.services import submit_request
from civic311.open311.params import clean

from .conftest import City, get, json_of, post, xml_of

WRAPPED = re.compile(rb"^/\*\*/([A-Za-z0-9_$.]+)\((.*)\);$", re.DOTALL)


def unwrap(response: Any, name: str) -> Any:
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    match = WRAPPED.match(response.content)
    assert match is not None, response.content[:100]
    assert match.group(1).decode() == name
    return json.loads(match.group(2))


@pytest.mark.parametrize("name", ["handle", "app.onRequests", "$jq_1", "_cb", "jQuery111_222"])
def test_a_json_read_is_wrapped_in_the_named_function(client: Client, city: City, name: str) -> None:
    request = submit_request(service_type=city.pothole, channel=None, address="1 Main St")
    plain = json_of(get(client, "requests.json"))
    wrapped = get(client, "requests.json", callback=name)
    assert wrapped.status_code == 200
    assert unwrap(wrapped, name) == plain
    assert unwrap(get(client, f"requests/{request.public_id}.json", callback=name), name) == plain
    assert unwrap(get(client, "services.json", callback=name), name) == json_of(get(client, "services.json"))
    assert isinstance(unwrap(get(client, "discovery.json", callback=name), name), dict)


def test_an_error_is_wrapped_too_and_keeps_its_status(client: Client, city: City) -> None:
    response = get(client, "requests/nope.json", callback="handle")
    assert response.status_code == 404
    assert unwrap(response, "handle")[0]["code"] == 404


def test_an_empty_callback_is_no_callback(client: Client, city: City) -> None:
    assert json_of(get(client, "services.json", callback="")) is not None


def test_line_separators_cannot_end_the_javascript_string(client: Client, city: City) -> None:
    submit_request(service_type=city.pothole, channel=None, address="1 Main St",
                   description="line\u2028separator\u2029paragraph")
    response = get(client, "requests.json", callback="handle")
    assert "\u2028".encode() not in response.content and "\u2029".encode() not in response.content
    assert unwrap(response, "handle")[0]["description"] == "line\u2028separator\u2029paragraph"


@pytest.mark.parametrize(
    "name",
    [
        "alert(1)//", "a;b", "<script>", "a b", "1abc", "a..b", ".a", "a.", "x=1", "eval", "a.constructor.new",
        "function", "a-b", "ünïcode", "a\u200bb", "x" * 65, "__proto__[0]", "a\nb",
    ],
)
def test_a_callback_that_is_not_a_plain_name_is_a_400(client: Client, city: City, name: str) -> None:
    response = get(client, "requests.json", callback=name)
    assert response.status_code == 400
    assert "callback must be a JavaScript function name" in json_of(response)[0]["description"]


def test_a_callback_on_xml_is_a_400_in_xml(client: Client, city: City) -> None:
    response = get(client, "services.xml", callback="handle")
    assert response.status_code == 400
    assert "only for .json" in xml_of(response).findtext("error/description", "")


def test_writes_are_never_wrapped(client: Client, city: City, api_key: str) -> None:
    response = client.post("/open311/v2/requests.json?callback=handle",
                           {"api_key": api_key, "service_code": "pothole", "address_string": "1 Main St"})
    assert response.status_code == 200
    assert "service_request_id" in json_of(response)[0]
    assert post(client, "requests.json", {"api_key": api_key, "callback": "x"}).status_code == 400


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=1, max_size=80))
def test_any_callback_is_either_a_plain_name_echoed_or_a_400(client: Client, city: City, name: str) -> None:
    response = client.get("/open311/v2/services.json", {"callback": name})
    if not clean(name).strip():  # empty is the same as absent
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
    elif response.status_code == 200:
        assert response["Content-Type"].startswith("application/javascript")
        match = WRAPPED.match(response.content)
        assert match is not None
        assert re.fullmatch(r"[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*", match.group(1).decode(), re.ASCII)
    else:
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json; charset=utf-8"
