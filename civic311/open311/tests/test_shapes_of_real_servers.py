"""Our documents have the shapes real city servers send (responses captured from them, in
../shared/data/open311), the schema checks used throughout these tests do reject what is
wrong, and the OpenAPI description served is the one the fuzzers use."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.test import Client

from civic311.cases.services import submit_request
from civic311.open311 import openapi

from .conftest import API, City, Validate, child_names, get, json_of, post, xml_of


def captured_xml(shared_data: Path, name: str) -> ET.Element:
    return ET.fromstring((shared_data / "open311" / name).read_bytes())  # noqa: S314 - fixture files


@pytest.mark.shared_data
def test_a_request_has_the_elements_of_a_captured_city_response(
    client: Client, city: City, shared_data: Path
) -> None:
    submit_request(service_type=city.pothole, channel=None, address="1 Main St")
    ours = xml_of(get(client, "requests.xml"))
    theirs = captured_xml(shared_data, "sferik_open311/service_requests.xml")
    assert (ours.tag, set(child_names(ours))) == (theirs.tag, set(child_names(theirs))) == ("service_requests",
                                                                                          {"request"})
    assert child_names(ours[0]) == child_names(theirs[0])
    many = captured_xml(shared_data, "open311status/requests_many.xml")
    assert set(child_names(ours[0])) >= set(child_names(many[0]))


@pytest.mark.shared_data
def test_post_and_token_answers_have_the_elements_of_captured_ones(
    client: Client, city: City, api_key: str, shared_data: Path
) -> None:
    posted = xml_of(post(client, "requests.xml", {"api_key": api_key, "service_code": "pothole",
                                                   "address_string": "1 Main St"}))
    theirs = captured_xml(shared_data, "sferik_open311/post_service_request.xml")
    assert posted.tag == theirs.tag and child_names(posted) == child_names(theirs)
    assert set(child_names(posted[0])) <= set(child_names(theirs[0]))
    batch = json_of(post(client, "requests.json", {"api_key": api_key, "service_code": "bulk-item",
                                                    "address_string": "1 Main St"}))
    token = xml_of(get(client, f"tokens/{batch[0]['token']}.xml"))
    theirs = captured_xml(shared_data, "sferik_open311/request_id_from_token.xml")
    assert child_names(token[0]) == child_names(theirs[0])


@pytest.mark.shared_data
def test_json_requests_carry_every_field_bloomington_sends_and_chicago_style_notes(
    client: Client, city: City, shared_data: Path
) -> None:
    submit_request(service_type=city.pothole, channel=None, address="1 Main St")
    ours = json_of(get(client, "requests.json", extensions="true"))[0]
    bloomington = json.loads((shared_data / "open311" / "open311status" / "bloomington_requests.json").read_text())
    assert set(bloomington[0]) <= set(ours)
    chicago = json.loads((shared_data / "open311" / "chicago_requests_extended_2014.json").read_text())
    chicago_note_fields = {key for request in chicago for note in request.get("notes", []) for key in note}
    assert set(ours["notes"][0]) <= chicago_note_fields
    assert "channel" in chicago[0]["extended_attributes"] and "channel" in ours["extended_attributes"]


def test_the_schema_checks_reject_the_spec_examples_numeric_ids(validate: Validate) -> None:
    spec_example = [{"service_request_id": 638344, "status": "closed", "service_code": 6,
                     "requested_datetime": "2010-04-14T06:37:38-08:00"}]
    with pytest.raises(AssertionError, match="is not of type 'string'"):
        validate("requests.json", spec_example)
    with pytest.raises(AssertionError, match="is not a 'date-time'"):
        validate("requests.json", [{"service_request_id": "1", "status": "open", "service_code": "1",
                                    "requested_datetime": "yesterday"}])
    with pytest.raises(AssertionError):
        validate("post-request-response.json", [{"service_request_id": "1", "token": "t"}])


def test_the_served_openapi_description_is_the_one_fuzzed(client: Client, db: None) -> None:
    response = client.get(f"{API}openapi.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    served = json.loads(response.content)
    assert served == openapi.document()
    assert served["openapi"] == "3.1.0"
    assert set(served["paths"]) == {
        "/discovery.{format}", "/services.{format}", "/services/{service_code}.{format}", "/requests.{format}",
        "/requests/{service_request_id}.{format}", "/tokens/{token}.{format}", "/servicerequestupdates.{format}",
    }
