"""What the API never shows: the reporter's e-mail, phone, name, device or account id, and
internal notes. Free text a resident wrote is redacted before it is published, checked on
real Boston descriptions too."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from civic311.cases.models import RequestUpdate, ServiceRequest
from civic311.cases.services import submit_request
from civic311.catalog.models import ServiceType
from civic311.contacts.models import Constituent, RequestParty

from .conftest import City, get, json_of, post, xml_of

PERSON = {
    "email": "jane.resident@example.org",
    "first_name": "Janeth",
    "last_name": "Quagmire-Okafor",
    "phone": "617-555-0199",
    "device_id": "device-8d1e4c",
    "account_id": "acct-77231",
}
EVERY_FORMAT = ["requests.json", "requests.xml", "requests.json?extensions=true", "requests.xml?extensions=true"]


def published(client: Client, public_id: str) -> str:
    """Everything the API shows of a request: lists and the single resource, both formats."""
    bodies = [client.get(f"/open311/v2/{resource}").content for resource in EVERY_FORMAT]
    for fmt in ("json", "xml"):
        bodies.append(client.get(f"/open311/v2/requests/{public_id}.{fmt}?extensions=true").content)
        bodies.append(client.get(f"/open311/v2/servicerequestupdates.{fmt}").content)
    return "\n".join(b.decode() for b in bodies)


def test_the_reporter_is_kept_in_contacts_and_never_published(client: Client, city: City, api_key: str) -> None:
    answer = post(client, "requests.json", {"api_key": api_key, "service_code": "pothole", "lat": "42.35",
                                             "long": "-71.06", "description": "Hole", **PERSON})
    public_id = json_of(answer)[0]["service_request_id"]
    request = ServiceRequest.objects.get(public_id=public_id)

    party = RequestParty.objects.select_related("constituent").get(request=request)
    assert party.role == "reporter"
    person = party.constituent
    assert (person.name, person.email, person.phone, person.device_id, person.account_id) == (
        "Janeth Quagmire-Okafor", "jane.resident@example.org", "617-555-0199", "device-8d1e4c", "acct-77231",
    )
    row = json.dumps(ServiceRequest.objects.filter(pk=request.pk).values().get(), default=str)
    for value in PERSON.values():
        assert value not in row  # nothing personal in the case row

    everything = published(client, public_id)
    assert public_id in everything
    for value in [*PERSON.values(), "Janeth", "Quagmire", "0199"]:
        assert value not in everything


def test_a_known_e_mail_address_finds_the_same_constituent_without_overwriting_it(
    client: Client, city: City, api_key: str
) -> None:
    form = {"api_key": api_key, "service_code": "pothole", "address_string": "1 Main St"}
    post(client, "requests.json", {**form, "email": "Ann@Example.org", "first_name": "Ann"})
    post(client, "requests.json", {**form, "email": "ann@example.org", "first_name": "Mallory", "phone": "555"})
    person = Constituent.objects.get()
    assert (person.name, person.email, person.phone) == ("Ann", "ann@example.org", "555")
    assert RequestParty.objects.filter(constituent=person).count() == 2


def test_an_anonymous_report_makes_no_constituent(client: Client, city: City, api_key: str) -> None:
    post(client, "requests.json", {"api_key": api_key, "service_code": "pothole", "address_string": "1 Main St"})
    assert not Constituent.objects.exists()


def test_phone_numbers_and_e_mail_in_a_description_are_redacted_in_both_formats(
    client: Client, city: City, api_key: str
) -> None:
    description = "Car with plate 1AB234 blocking. Call me at (617) 555-0142 or write to bob.smith@example.com"
    answer = post(client, "requests.json", {"api_key": api_key, "service_code": "pothole", "lat": "42.35",
                                             "long": "-71.06", "description": description})
    public_id = json_of(answer)[0]["service_request_id"]
    expected = "Car with plate [plate] blocking. Call me at [phone] or write to [email]"
    assert json_of(get(client, f"requests/{public_id}.json"))[0]["description"] == expected
    assert xml_of(get(client, f"requests/{public_id}.xml")).findtext("request/description") == expected
    assert "555-0142" not in published(client, public_id)
    assert ServiceRequest.objects.get().description == description  # kept whole for staff


def test_internal_notes_never_appear(client: Client, city: City) -> None:
    request = submit_request(service_type=city.pothole, channel=None, address="1 Main St")
    RequestUpdate.objects.create(request=request, created_at=request.requested_at, is_public=False,
                                 text="Internal: caller is the landlord's brother, see CRM 4471")
    RequestUpdate.objects.create(request=request, created_at=request.requested_at, is_public=True,
                                 text="Crew scheduled for Tuesday, call 617-555-0123 for access")
    everything = published(client, request.public_id)
    assert "Crew scheduled for Tuesday, call [phone] for access" in everything
    assert "landlord" not in everything and "4471" not in everything
    assert "555-0123" not in everything


def test_status_notes_are_redacted(client: Client, city: City) -> None:
    request = submit_request(service_type=city.pothole, channel=None, address="1 Main St")
    ServiceRequest.objects.filter(pk=request.pk).update(status_notes="Spoke to owner at 617.555.0188")
    assert json_of(get(client, f"requests/{request.public_id}.json"))[0]["status_notes"] == "Spoke to owner at [phone]"


_PHONE = re.compile(r"\(?\b[2-9]\d\d\)?[ .-]?[2-9]\d\d[ .-]\d{4}\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def _boston_descriptions_with_contacts(folder: Path, limit: int) -> list[dict[str, Any]]:
    found = []
    with gzip.open(folder / "boston" / "boston_open311_2008-2016.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            text = record.get("description") or ""
            if _PHONE.search(text) or _EMAIL.search(text):
                found.append(record)
                if len(found) == limit:
                    break
    return found


@pytest.mark.shared_data
def test_real_boston_descriptions_come_out_without_phone_numbers_or_e_mail(
    client: Client, city: City, shared_data: Path
) -> None:
    records = _boston_descriptions_with_contacts(shared_data, 150)
    assert len(records) == 150
    service = ServiceType.objects.create(code="other", name="Other")
    when = datetime(2026, 6, 1, tzinfo=UTC)
    for record in records:
        submit_request(service_type=service, channel=None, address="Boston", description=record["description"],
                       requested_at=when)
    body = get(client, "requests.json", start_date="2026-05-31T00:00:00Z").content.decode()
    published_descriptions = [r["description"] for r in json.loads(body)]
    assert len(published_descriptions) == 150
    leaks = [d for d in published_descriptions if _PHONE.search(d) or _EMAIL.search(d)]
    assert leaks == []
    assert sum("[phone]" in d or "[email]" in d for d in published_descriptions) == 150
