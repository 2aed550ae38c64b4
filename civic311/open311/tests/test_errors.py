"""Errors always come in the asked format, never as an HTML page: unknown paths, wrong
methods, unreadable bodies and the server's own failures."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from civic311.open311 import views

from .conftest import API, City, Validate, json_of, xml_of


@pytest.mark.parametrize(
    ("path", "reader"),
    [("requests.csv", xml_of), ("nothing/here.json", json_of), ("requests", xml_of), ("", xml_of),
     ("services/a/b.json", json_of), ("REQUESTS.JSON", json_of)],
)
def test_an_unknown_path_is_an_open311_404(client: Client, db: None, path: str, reader: Any) -> None:
    response = client.get(API + path)
    assert response.status_code == 404
    document = reader(response)
    assert "There is no Open311 resource" in str(document if isinstance(document, list) else document.findtext(
        "error/description"))


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("delete", "requests.json", "GET, HEAD, POST"), ("post", "services.xml", "GET, HEAD"),
     ("put", "requests/1.json", "GET, HEAD"), ("patch", "discovery.json", "GET, HEAD")],
)
def test_a_wrong_method_is_a_405_naming_the_allowed_ones(
    client: Client, city: City, method: str, path: str, allowed: str, validate: Validate
) -> None:
    response = getattr(client, method)(API + path)
    assert response.status_code == 405
    assert response["Allow"] == allowed
    if path.endswith(".json"):
        validate("errors.json", json_of(response))
        assert json_of(response)[0]["code"] == 405
    else:
        assert xml_of(response).findtext("error/code") == "405"


@pytest.mark.parametrize("path", ["requests.json", "nowhere.json", "openapi.json", "servicerequestupdates.json"])
def test_a_post_without_a_csrf_token_still_gets_an_open311_answer(db: None, path: str) -> None:
    response = Client(enforce_csrf_checks=True).post(API + path, {"service_code": "x"})
    assert response.status_code in {403, 404, 405}
    assert response["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_crash_is_a_500_in_the_asked_format(client: Client, city: City, monkeypatch: Any, fmt: str) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("the database caught fire")

    monkeypatch.setattr(views, "public_requests", broken)
    response = client.get(f"{API}requests.{fmt}")
    assert response.status_code == 500
    body = response.content.decode()
    assert "<html" not in body.lower() and "caught fire" not in body
    if fmt == "json":
        assert json_of(response)[0]["code"] == 500
    else:
        assert xml_of(response).findtext("error/code") == "500"


def test_a_broken_multipart_body_is_a_400(client: Client, city: City, api_key: str) -> None:
    response = client.generic("POST", f"{API}requests.json", b"--xyz\r\nnonsense",
                              content_type="multipart/form-data")  # no boundary
    assert response.status_code == 400
    assert json_of(response)[0]["description"].startswith("The request could not be read")


def test_control_characters_in_parameters_do_not_break_anything(client: Client, city: City) -> None:
    response = client.get(f"{API}requests.xml", {"service_code": "pot\x00hole", "status": "open\x01"})
    assert response.status_code == 200
    xml_of(response)
