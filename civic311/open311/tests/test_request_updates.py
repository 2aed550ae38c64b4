"""FixMyStreet's servicerequestupdates: GET the public updates of a window (with the states
FixMyStreet knows), and POST an update from another system, once per update_id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from civic311.audit.models import AuditEvent
from civic311.cases.models import RequestUpdate, ServiceRequest, Status
from civic311.cases.services import submit_request
from civic311.contacts.models import RequestParty

from .conftest import City, Validate, child_names, get, json_of, post, xml_of

JUNE = datetime(2026, 6, 1, 12, tzinfo=UTC)
WINDOW = {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-06-02T00:00:00Z"}


@pytest.fixture
def request_(city: City) -> ServiceRequest:
    return submit_request(service_type=city.pothole, channel=None, address="1 Main St", requested_at=JUNE)


def update_form(api_key: str, request: ServiceRequest, **more: Any) -> dict[str, Any]:
    return {"api_key": api_key, "service_request_id": request.public_id, "update_id": "fms-1", "status": "FIXED",
            "updated_datetime": "2026-06-01T14:00:00+01:00", "description": "Filled in by the crew", **more}


def test_the_public_updates_of_a_window_are_listed_with_fixmystreet_states(
    client: Client, request_: ServiceRequest, validate: Validate
) -> None:
    resolved = Status.objects.get(code="resolved")
    RequestUpdate.objects.create(request=request_, created_at=JUNE + timedelta(hours=1), is_public=True,
                                 text="Crew on site")
    RequestUpdate.objects.create(request=request_, created_at=JUNE + timedelta(hours=2), is_public=False,
                                 text="Internal remark")
    RequestUpdate.objects.create(request=request_, created_at=JUNE + timedelta(hours=3), is_public=True,
                                 status_to=resolved, text="Fixed")
    RequestUpdate.objects.create(request=request_, created_at=JUNE + timedelta(days=3), is_public=True, text="Later")
    body = json_of(get(client, "servicerequestupdates.json", **WINDOW))
    validate("service-request-updates.json", body)
    # The updates at submission (now, outside the window) and on 4 June are not listed.
    assert [(u["description"], u["status"], u["external_status_code"]) for u in body] == [
        ("Crew on site", "open", "new"), ("Fixed", "fixed", "resolved"),
    ]
    assert body[0]["service_request_id"] == request_.public_id
    assert body[0]["updated_datetime"] == "2026-06-01T09:00:00-04:00"

    root = xml_of(get(client, "servicerequestupdates.xml", **WINDOW))
    assert root.tag == "service_request_updates"
    assert [child_names(u) for u in root] == [
        ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url",
         "external_status_code"]
    ] * 2


def test_a_posted_update_changes_the_status_and_is_recorded_once(
    client: Client, request_: ServiceRequest, api_key: str, validate: Validate
) -> None:
    first = post(client, "servicerequestupdates.json", update_form(api_key, request_, first_name="Fred"))
    assert first.status_code == 200, first.content
    answer = json_of(first)
    validate("post-update-response.json", answer)
    request_.refresh_from_db()
    assert request_.status == "closed" and request_.detailed_status.code == "resolved"
    assert request_.closed_at == datetime(2026, 6, 1, 13, tzinfo=UTC)
    update = RequestUpdate.objects.get(pk=int(answer[0]["update_id"]))
    assert update.text == "Filled in by the crew" and update.is_public
    assert RequestParty.objects.get(request=request_).role == "follower"

    again = post(client, "servicerequestupdates.json", update_form(api_key, request_, description="Changed text"))
    assert json_of(again) == answer
    assert RequestUpdate.objects.filter(external_id__isnull=False).count() == 1
    assert AuditEvent.objects.filter(action="request.updated").count() == 1

    root = xml_of(post(client, "servicerequestupdates.xml", update_form(api_key, request_)))
    assert root.tag == "service_request_updates"
    assert root.findtext("request_update/update_id") == answer[0]["update_id"]


def test_open_on_an_open_request_is_a_note_and_reopens_a_closed_one(
    client: Client, request_: ServiceRequest, api_key: str
) -> None:
    post(client, "servicerequestupdates.json", update_form(api_key, request_, update_id="a", status="OPEN"))
    request_.refresh_from_db()
    assert request_.detailed_status.code == "new"
    post(client, "servicerequestupdates.json", update_form(api_key, request_, update_id="b", status="closed"))
    post(client, "servicerequestupdates.json", update_form(api_key, request_, update_id="c", status="open"))
    request_.refresh_from_db()
    assert (request_.status, request_.detailed_status.code, request_.closed_at) == ("open", "reopened", None)


def test_an_update_id_of_another_request_is_refused(client: Client, request_: ServiceRequest, api_key: str,
                                                    city: City) -> None:
    other = submit_request(service_type=city.pothole, channel=None, address="2 Main St")
    post(client, "servicerequestupdates.json", update_form(api_key, request_))
    response = post(client, "servicerequestupdates.json", update_form(api_key, other))
    assert response.status_code == 400
    assert "already belongs to another request" in json_of(response)[0]["description"]


def test_missing_fields_are_all_reported(client: Client, city: City, api_key: str) -> None:
    response = post(client, "servicerequestupdates.xml", {"api_key": api_key})
    assert response.status_code == 400
    descriptions = [e.findtext("description") for e in xml_of(response)]
    assert descriptions == [
        "service_request_id is missing.", "update_id is missing.", "status is missing.",
        "updated_datetime is missing.", "description is missing (it may be empty).",
    ]


def test_an_unknown_request_is_a_404_and_an_unknown_status_a_400(
    client: Client, request_: ServiceRequest, api_key: str
) -> None:
    unknown = post(client, "servicerequestupdates.json", update_form(api_key, request_, service_request_id="nope"))
    assert unknown.status_code == 404
    bad = post(client, "servicerequestupdates.json", update_form(api_key, request_, status="EXPLODED"))
    assert bad.status_code == 400
    assert "'EXPLODED' is not known here" in json_of(bad)[0]["description"]


def test_posting_an_update_needs_an_api_key(client: Client, request_: ServiceRequest) -> None:
    form = update_form("", request_)
    assert post(client, "servicerequestupdates.json", form).status_code == 403
    assert not RequestUpdate.objects.filter(external_id__isnull=False).exists()


def test_listing_updates_takes_the_same_few_queries_for_any_number(
    client: Client, request_: ServiceRequest, django_assert_num_queries: Any
) -> None:
    for hour in range(12):
        RequestUpdate.objects.create(request=request_, created_at=JUNE + timedelta(hours=hour), is_public=True,
                                     text=f"Update {hour}")
    # The time zone and the jurisdiction are cached by the first request of a process.
    get(client, "services.json")
    # The statuses' open/closed, then the updates (with their request, service and
    # statuses joined in).
    with django_assert_num_queries(2):
        assert len(json_of(get(client, "servicerequestupdates.json", **WINDOW))) == 12


def test_a_posted_update_keeps_its_photo_link_and_lists_it(
    client: Client, request_: ServiceRequest, api_key: str, validate: Validate
) -> None:
    photo = "https://fms.example.org/photo/1234.full.jpeg?ü=1"
    answer = json_of(post(client, "servicerequestupdates.json", update_form(api_key, request_, media_url=photo)))
    update = RequestUpdate.objects.get(pk=int(answer[0]["update_id"]))
    assert update.media_url == photo
    event = AuditEvent.objects.get(action="request.updated")
    assert event.changes["media_url"] == photo
    # Sent again with another photo: the first update stands, unchanged.
    post(client, "servicerequestupdates.json",
         update_form(api_key, request_, media_url="https://fms.example.org/other.jpeg"))
    update.refresh_from_db()
    assert update.media_url == photo

    listed = json_of(get(client, "servicerequestupdates.json", **WINDOW))
    validate("service-request-updates.json", listed)
    assert [(u["update_id"], u["media_url"]) for u in listed] == [
        (str(update.pk), "https://fms.example.org/photo/1234.full.jpeg?%C3%BC=1"),
    ]
    root = xml_of(get(client, "servicerequestupdates.xml", **WINDOW))
    assert root.findtext("request_update/media_url") == "https://fms.example.org/photo/1234.full.jpeg?%C3%BC=1"


@pytest.mark.parametrize(
    "media_url",
    [
        "javascript:alert(1)",
        "ftp://example.org/photo.jpg",
        "data:image/png;base64,iVBORw0KGgo=",
        "not a url",
        "https://example.org/" + "a" * 2000,
    ],
)
def test_an_update_with_a_bad_photo_link_is_refused_and_nothing_is_recorded(
    client: Client, request_: ServiceRequest, api_key: str, media_url: str
) -> None:
    response = post(client, "servicerequestupdates.json", update_form(api_key, request_, media_url=media_url))
    assert response.status_code == 400
    assert "media_url must be an http or https URL of at most 2000 characters" in json_of(response)[0]["description"]
    assert not RequestUpdate.objects.filter(external_id__isnull=False).exists()


def test_an_update_without_a_photo_lists_a_null_media_url(
    client: Client, request_: ServiceRequest, api_key: str
) -> None:
    post(client, "servicerequestupdates.json", update_form(api_key, request_))
    listed = json_of(get(client, "servicerequestupdates.json", **WINDOW))
    assert [u["media_url"] for u in listed] == [None]
