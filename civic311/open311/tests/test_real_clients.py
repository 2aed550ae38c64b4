"""Round trips with real Open311 client libraries from PyPI against a running server:
civicbot 0.4.0 (JSON; reads and POSTs) files requests, and both civicbot and georeport
0.3.1 (JSON and XML; reads only) read them back."""

from __future__ import annotations

from typing import Any

import pytest
from civicbot.http import HttpTransport, RateLimiter
from civicbot.open311 import Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport

from civic311.cases.models import ServiceRequest
from civic311.contacts.models import RequestParty

from .conftest import City

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def civicbot_client(base_url: str) -> Open311Client:
    endpoint = Endpoint(id="civic311-test", name="Civic311 (test)", base_url=base_url, write=True,
                        bbox=[42.22, -71.20, 42.41, -70.98])
    # civicbot waits half a second between calls to one host by default: politeness we
    # do not need against our own test server.
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0.0))
    return Open311Client(endpoint, transport=transport, jurisdiction_id="boston.gov")


def test_civicbot_files_requests_that_civicbot_and_georeport_read_back(
    live_server: Any, city: City, api_key: str
) -> None:
    base_url = f"{live_server.url}/open311/v2"
    bot = civicbot_client(base_url)

    codes = {s["service_code"] for s in bot.list_services()}
    assert codes == {"pothole", "graffiti", "bulk-item", "tip"}
    prepared = bot.create_request(
        "graffiti", dry_run=False, confirm="SEND", api_key=api_key, validate_remote=True,
        lat=42.3551, lng=-71.0656, description="Tag on the bandstand, call me 617-555-0142",
        attributes={"SURFACE": "brick", "COLOURS": ["red", "blue"]},
        email="resident@example.org", first_name="Robin", last_name="Vega",
    )
    (answer,) = prepared.response
    public_id = answer["service_request_id"]
    stored = ServiceRequest.objects.get(public_id=public_id)
    assert stored.attributes == {"SURFACE": "brick", "COLOURS": ["red", "blue"]}
    assert RequestParty.objects.get(request=stored).constituent.email == "resident@example.org"

    by_bot = bot.get_request(public_id)
    assert by_bot is not None
    assert by_bot["service_code"] == "graffiti" and by_bot["status"] == "open"
    assert by_bot["description"] == "Tag on the bandstand, call me [phone]"
    assert [r["service_request_id"] for r in bot.list_requests(service_request_ids=[public_id])] == [public_id]
    assert [r["service_request_id"] for r in bot.list_requests(service_code="graffiti", page_size=10)] == [public_id]

    batch = bot.create_request("bulk-item", dry_run=False, confirm="SEND", api_key=api_key,
                               address_string="1 City Hall Sq")
    token = batch.response[0]["token"]
    assert bot.get_token(token)[0]["service_request_id"] == ServiceRequest.objects.get(token=token).public_id

    for fmt in ("json", "xml"):
        reader = GeoReport(base_url, jurisdiction="boston.gov", output_format=fmt)
        services = reader.get_service_list()
        assert {s["service_code"] for s in services} == codes
        definition = reader.get_service_definition("graffiti")
        assert definition["service_code"] == "graffiti"
        one = reader.get_service_request(public_id)
        assert one["service_request_id"] == public_id
        assert one["description"] == "Tag on the bandstand, call me [phone]"
        assert str(one["lat"]) == "42.3551"
        listed = reader.get_service_requests(service_request_id=public_id, status="open")
        listed = listed if isinstance(listed, list) else [listed]  # xmltodict: one element is not a list
        assert [r["service_request_id"] for r in listed] == [public_id]
        page = reader.get_service_requests(service_code="graffiti,pothole", status="open,closed")
        page = page if isinstance(page, list) else [page]
        assert public_id in {r["service_request_id"] for r in page}
        assert "resident@example.org" not in str(one) and "Robin" not in str(page)


def test_civicbot_validates_against_the_served_definition(live_server: Any, city: City, api_key: str) -> None:
    """civicbot checks a payload against our definition before sending: a missing required
    attribute never reaches the server."""
    from civicbot.open311 import ValidationError

    bot = civicbot_client(f"{live_server.url}/open311/v2")
    with pytest.raises(ValidationError, match="SURFACE"):
        bot.create_request("graffiti", dry_run=False, confirm="SEND", api_key=api_key, validate_remote=True,
                           lat=42.3551, lng=-71.0656)
    assert not ServiceRequest.objects.exists()
