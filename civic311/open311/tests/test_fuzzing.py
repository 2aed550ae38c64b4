"""Fuzzing: schemathesis drives every operation of the OpenAPI description the server
publishes, and hypothesis throws odd parameters at the filters and forms. Whatever comes
in, the answer is never a 5xx and never an HTML page. Budgets are small (CI time):
max_examples per operation, no example database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from civic311.cases.services import submit_request
from civic311.open311 import openapi

from .conftest import API, City

BUDGET = settings(
    max_examples=30,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
SERVED_TYPES = {"application/json; charset=utf-8", "text/xml; charset=utf-8"}


def assert_open311_answer(status: int, content_type: str, body: bytes) -> None:
    assert status < 500, body[:300]
    assert content_type in SERVED_TYPES or content_type.startswith("image/"), content_type
    assert b"<html" not in body[:2000].lower() and b"<!doctype" not in body[:200].lower()
    if content_type.startswith("application/json"):
        json.loads(body)


# The document is the one served at openapi.json (test_openapi checks that), loaded here
# without a request: schemathesis' lazy fixture loader fails on pytest 9 (it sets
# node._nodeid, which pytest 9 no longer has), and the database is not open at collection.
schema = schemathesis.openapi.from_dict(openapi.document())
schema.app = get_wsgi_application()


@pytest.fixture
def test_database_kept_open() -> Iterator[None]:
    """Calls straight into the WSGI application end with Django closing "old" connections,
    which on PostgreSQL would close the test's own transaction; Django's test client
    disconnects the same handlers for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@BUDGET
def test_every_operation_answers_in_open311_formats_without_server_errors(
    case: Any, city: City, api_key: str, test_database_kept_open: None
) -> None:
    if case.method == "POST" and isinstance(case.body, dict):
        # Most writes get past the key check, and many name a real service or request, so
        # that the fuzzing reaches the form checks and the services behind them.
        seed = len(repr(case.body))
        if seed % 3:
            case.body["api_key"] = api_key
        if seed % 2 and "service_code" in case.body:
            case.body["service_code"] = ["pothole", "graffiti", "bulk-item", "tip"][seed % 4]
            case.body.update({"lat": "42.35", "long": "-71.06", "attribute[SURFACE]": "brick"})
        if seed % 2 and "service_request_id" in case.body:
            case.body["service_request_id"] = submit_request(
                service_type=city.pothole, channel=None, address="1 Main St"
            ).public_id
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                             content_type_conformance, response_schema_conformance])
    headers = {name.lower(): values for name, values in response.headers.items()}
    assert_open311_answer(response.status_code, headers["content-type"][0], response.content)


# --- hypothesis on the forms and filters clients fill in ------------------------------------

text = st.text(st.characters(codec="utf-8"), max_size=40)
dates = st.one_of(text, st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
                  st.sampled_from(["2026-06-01", "2026-06-01T00:00:00Z", "0001-01-01T00:00:00+14:00",
                                   "9999-12-31T23:59:59-12:00", "2026-06-01T00:00:00.123456+05:30"]))
numbers = st.one_of(text, st.integers(-10**12, 10**12).map(str), st.floats().map(str))


@BUDGET
@given(
    fmt=st.sampled_from(["json", "xml"]),
    params=st.fixed_dictionaries({}, optional={
        "service_request_id": text, "service_code": st.one_of(text, st.just("pothole,graffiti")),
        "start_date": dates, "end_date": dates, "updated_after": dates, "updated_before": dates,
        "status": st.one_of(text, st.just("open,closed")), "detailed_status": text, "page": numbers,
        "page_size": numbers, "extensions": st.one_of(text, st.just("true")), "jurisdiction_id": text,
    }),
)
def test_any_request_filters_get_an_open311_answer(client: Client, city: City, fmt: str,
                                                   params: dict[str, str]) -> None:
    response = client.get(f"{API}requests.{fmt}", params)
    assert_open311_answer(response.status_code, response["Content-Type"], response.content)


@BUDGET
@given(
    fmt=st.sampled_from(["json", "xml"]),
    form=st.fixed_dictionaries({"service_code": st.sampled_from(["pothole", "graffiti", "bulk-item", "tip", ""])},
                               optional={
        "lat": numbers, "long": numbers, "address_string": text, "address_id": text, "description": text,
        "email": text, "phone": text, "first_name": text, "media_url": text, "jurisdiction_id": text,
        "attribute[SURFACE]": st.one_of(text, st.sampled_from(["brick", "metal"])),
        "attribute[COLOURS][]": st.lists(st.one_of(text, st.sampled_from(["red", "blue"])), max_size=3),
        "attribute[HEIGHT]": numbers, "attribute[SEEN]": dates,
    }),
)
def test_any_posted_form_gets_an_open311_answer(client: Client, city: City, api_key: str, fmt: str,
                                                form: dict[str, Any]) -> None:
    response = client.post(f"{API}requests.{fmt}", {**form, "api_key": api_key})
    assert_open311_answer(response.status_code, response["Content-Type"], response.content)


@BUDGET
@given(path=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30),
       method=st.sampled_from(["get", "post", "put", "delete", "patch", "options"]))
def test_any_path_under_the_api_gets_an_open311_answer(client: Client, city: City, path: str, method: str) -> None:
    response = getattr(client, method)(API + path.lstrip("/"))
    assert_open311_answer(response.status_code, response["Content-Type"], response.content)


@BUDGET
@given(
    fmt=st.sampled_from(["json", "xml"]),
    form=st.fixed_dictionaries(
        {"update_id": text, "status": st.one_of(text, st.sampled_from(["FIXED", "OPEN", "in progress", "closed"])),
         "updated_datetime": dates, "description": text},
        optional={"email": text, "first_name": text, "jurisdiction_id": text},
    ),
)
def test_any_posted_update_gets_an_open311_answer(client: Client, city: City, api_key: str, fmt: str,
                                                  form: dict[str, Any]) -> None:
    request = submit_request(service_type=city.pothole, channel=None, address="1 Main St")
    response = client.post(f"{API}servicerequestupdates.{fmt}",
                           {**form, "api_key": api_key, "service_request_id": request.public_id})
    assert_open311_answer(response.status_code, response["Content-Type"], response.content)
