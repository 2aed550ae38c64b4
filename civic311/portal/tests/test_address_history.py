"""The address index learns from the request history: the rebuild command reads imported
requests, and a request submitted by any channel adds its address once committed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from civic311.cases.services import submit_request
from civic311.catalog.models import Channel, ServiceType
from civic311.places.addresses import search_addresses
from civic311.places.models import Address

from .factories import add_request, boston_with_squares

pytestmark = pytest.mark.django_db


def test_command_rebuilds_from_requests_with_address_and_point(capsys: pytest.CaptureFixture[str]) -> None:
    _east, west = boston_with_squares()
    add_request("A1", west, address="12 Main St, Charlestown", lat=42.37, long=-71.06)
    add_request("A2", west, address="12 Main Street, Charlestown, MA, 02129", lat=42.37, long=-71.06)
    add_request("A3", west, address="No Point Rd")
    add_request("A4", west, lat=42.31, long=-71.07)
    call_command("build_address_index")
    assert "1 addresses" in capsys.readouterr().out
    assert [m.label for m in search_addresses("12 main")] == ["12 Main St, Charlestown"]
    assert Address.objects.get().sightings == 2


def test_a_submitted_request_joins_the_index_on_commit(django_capture_on_commit_callbacks: Any) -> None:
    boston_with_squares()
    service = ServiceType.objects.create(code="pothole", name="Pothole")
    with django_capture_on_commit_callbacks(execute=True):
        submit_request(service_type=service, channel=Channel.objects.get(code="web"),
                       address="40 Elm Street", lat=42.33, long=-71.10)
    assert [m.label for m in search_addresses("elm st")] == ["40 Elm Street"]
