"""GET requests and requests/{id}: the spec's filters and default window, paging, the
extensions clients use, the shapes of both formats, and a constant number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from shapely.geometry import box, mapping

from civic311.cases.models import RequestUpdate, ServiceRequest, Status
from civic311.cases.services import link_work_item, mark_duplicate, submit_request
from civic311.catalog.models import Channel, Department, ServiceType
from civic311.places.services import AreaFeature, load_layer

from .conftest import City, Validate, child_names, get, json_of, xml_of

REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
]
JUNE = datetime(2026, 6, 1, 12, tzinfo=UTC)


def file(service: ServiceType, when: datetime | None = None, **fields: Any) -> ServiceRequest:
    """A request filed through the one door, as a resident on the web would."""
    fields.setdefault("lat", 42.35)
    fields.setdefault("long", -71.10)
    return submit_request(service_type=service, channel=Channel.objects.get(code="web"), requested_at=when, **fields)


def close(request: ServiceRequest, at: datetime, code: str = "resolved") -> None:
    status = Status.objects.get(code=code)
    ServiceRequest.objects.filter(pk=request.pk).update(
        status=status.open311_status, detailed_status=status, closed_at=at, updated_at=at
    )


def ids(response: Any) -> list[str]:
    return [r["service_request_id"] for r in json_of(response)]


def test_a_request_in_json_follows_the_official_schema(client: Client, city: City, validate: Validate) -> None:
    request = file(city.pothole, description="Deep", address="1 Main St")
    ServiceRequest.objects.filter(pk=request.pk).update(zipcode="02108")
    body = json_of(get(client, "requests.json"))
    validate("requests.json", body)
    (item,) = body
    assert list(item) == REQUEST_FIELDS
    assert item["service_request_id"] == request.public_id
    assert item["service_code"] == "pothole" and item["service_name"] == "Pothole"
    assert item["status"] == "open"
    assert item["agency_responsible"] == "Public Works"
    assert item["lat"] == 42.35 and item["long"] == -71.10
    assert item["zipcode"] == "02108" and item["address"] == "1 Main St"
    assert item["address_id"] is None and item["media_url"] is None


def test_datetimes_are_in_the_city_zone_to_the_second(client: Client, city: City) -> None:
    file(city.pothole, when=datetime(2026, 1, 15, 17, 4, 5, 678901, tzinfo=UTC))
    item = json_of(get(client, "requests.json", start_date="2026-01-01T00:00:00Z"))[0]
    assert item["requested_datetime"] == "2026-01-15T12:04:05-05:00"
    assert item["expected_datetime"] == "2026-01-17T12:04:05-05:00"


def test_a_request_in_xml_has_the_spec_elements_in_order(client: Client, city: City) -> None:
    file(city.pothole, description="Deep")
    root = xml_of(get(client, "requests.xml"))
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert child_names(request) == REQUEST_FIELDS
    assert request.findtext("description") == "Deep"
    assert request.findtext("lat") == "42.35"
    assert request.find("media_url") is not None and request.findtext("media_url") == ""


def test_no_requests_is_an_empty_root(client: Client, city: City) -> None:
    assert json_of(get(client, "requests.json")) == []
    root = xml_of(get(client, "requests.xml"))
    assert root.tag == "service_requests" and len(root) == 0


def test_by_default_only_the_last_90_days_are_listed(client: Client, city: City) -> None:
    recent = file(city.pothole, when=timezone.now() - timedelta(days=89))
    file(city.pothole, when=timezone.now() - timedelta(days=91))
    assert ids(get(client, "requests.json")) == [recent.public_id]


def test_start_and_end_date_are_both_applied(client: Client, city: City) -> None:
    before = file(city.pothole, when=JUNE - timedelta(days=1))
    inside = file(city.pothole, when=JUNE)
    after = file(city.pothole, when=JUNE + timedelta(days=1))
    window = {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-06-01T23:00:00Z"}
    assert ids(get(client, "requests.json", **window)) == [inside.public_id]
    assert ids(get(client, "requests.json", start_date="2026-06-01T00:00:00Z")) == [after.public_id, inside.public_id]
    assert ids(get(client, "requests.json", end_date="2026-06-01T23:00:00Z")) == [inside.public_id, before.public_id]


def test_an_offset_sent_unescaped_in_the_query_string_is_understood(client: Client, city: City) -> None:
    inside = file(city.pothole, when=JUNE)
    query = "start_date=2026-06-01T13:00:00+02:00&end_date=2026-06-01T15:00:00+02:00"  # "+" decodes to " "
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert ids(response) == [inside.public_id]


def test_a_window_over_90_days_is_a_400_with_a_clear_message(client: Client, city: City) -> None:
    response = get(client, "requests.json", start_date="2026-01-01T00:00:00Z", end_date="2026-04-02T00:00:00Z")
    assert response.status_code == 400
    assert "may not be more than 90 days apart" in json_of(response)[0]["description"]
    exactly = get(client, "requests.json", start_date="2026-01-01T00:00:00Z", end_date="2026-04-01T00:00:00Z")
    assert exactly.status_code == 200


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start_date": "yesterday"}, "start_date is not a W3C datetime"),
        ({"end_date": "2026-13-01T00:00:00Z"}, "end_date is not a W3C datetime"),
        ({"start_date": "2026-06-02T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "end_date is before start_date"),
        ({"status": "pending"}, "status must be open, closed"),
        ({"page": "0"}, "page must be a whole number"),
        ({"page_size": "1001"}, "page_size must be a whole number from 1 to 1000"),
        ({"extensions": "maybe"}, "extensions must be true or false"),
        ({"detailed_status": "nonsense"}, "detailed_status 'nonsense' is not a status here"),
        ({"updated_after": "9999-12-31T23:59:59-05:00"}, "updated_after is not a W3C datetime"),
    ],
)
def test_bad_filters_are_a_400(client: Client, city: City, params: dict[str, str], message: str) -> None:
    response = get(client, "requests.json", **params)
    assert response.status_code == 400
    assert message in json_of(response)[0]["description"]


def test_several_bad_filters_are_reported_together(client: Client, city: City) -> None:
    response = get(client, "requests.xml", status="x", start_date="x", page_size="0")
    assert response.status_code == 400
    assert len(xml_of(response).findall("error")) == 3


def test_service_request_ids_override_every_other_filter(client: Client, city: City) -> None:
    old = file(city.pothole, when=datetime(2020, 1, 1, tzinfo=UTC))
    new = file(city.graffiti)
    listed = ids(get(client, "requests.json", service_request_id=f"{old.public_id}, {new.public_id},nope",
                     status="nonsense", service_code="unicorns", start_date="2026-06-01T00:00:00Z"))
    assert listed == [new.public_id, old.public_id]


def test_service_codes_filter_and_an_unknown_code_is_a_404(client: Client, city: City) -> None:
    pothole = file(city.pothole)
    graffiti = file(city.graffiti)
    file(city.tip)
    assert set(ids(get(client, "requests.json", service_code="pothole,graffiti"))) == {
        pothole.public_id, graffiti.public_id,
    }
    response = get(client, "requests.json", service_code="pothole,unicorns")
    assert response.status_code == 404
    assert "'unicorns'" in json_of(response)[0]["description"]


def test_statuses_filter_as_a_comma_list(client: Client, city: City) -> None:
    open_one = file(city.pothole)
    closed_one = file(city.pothole)
    close(closed_one, timezone.now())
    assert ids(get(client, "requests.json", status="closed")) == [closed_one.public_id]
    assert ids(get(client, "requests.json", status="open")) == [open_one.public_id]
    assert len(ids(get(client, "requests.json", status="open,closed"))) == 2
    assert ids(get(client, "requests.json", detailed_status="resolved")) == [closed_one.public_id]


def test_updated_after_and_before_filter_on_the_last_change(client: Client, city: City) -> None:
    old = file(city.pothole, when=datetime(2025, 1, 1, tzinfo=UTC))
    close(old, datetime(2026, 6, 10, tzinfo=UTC))
    file(city.pothole)  # updated now
    listed = ids(get(client, "requests.json", updated_after="2026-06-09T00:00:00Z",
                     updated_before="2026-06-11T00:00:00Z"))
    assert listed == [old.public_id]


def test_pages_start_at_one_and_run_out_into_an_empty_list(client: Client, city: City) -> None:
    filed = [file(city.pothole, when=JUNE + timedelta(hours=h)) for h in range(5)]
    newest_first = [r.public_id for r in reversed(filed)]
    window = {"start_date": "2026-06-01T00:00:00Z", "page_size": "2"}
    assert ids(get(client, "requests.json", **window)) == newest_first[:2]
    assert ids(get(client, "requests.json", page="1", **window)) == newest_first[:2]
    assert ids(get(client, "requests.json", page="3", **window)) == newest_first[4:]
    assert ids(get(client, "requests.json", page="4", **window)) == []


def test_a_single_request_is_an_array_of_one_in_both_formats(client: Client, city: City, validate: Validate) -> None:
    request = file(city.pothole)
    body = json_of(get(client, f"requests/{request.public_id}.json"))
    validate("requests.json", body)
    assert len(body) == 1 and body[0]["service_request_id"] == request.public_id
    root = xml_of(get(client, f"requests/{request.public_id}.xml"))
    assert root.tag == "service_requests" and child_names(root) == ["request"]
    assert child_names(root[0]) == REQUEST_FIELDS


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_request_is_a_404_with_an_error_body(client: Client, city: City, fmt: str) -> None:
    response = get(client, f"requests/311-999999.{fmt}")
    assert response.status_code == 404
    assert "311-999999" in response.content.decode()


def test_extensions_add_channel_neighborhood_status_districts_and_public_notes(
    client: Client, city: City, validate: Validate
) -> None:
    load_layer(slug="wards", name="Wards", features=[
        AreaFeature(name="Ward 5", geometry=mapping(box(-71.2, 42.2, -71.0, 42.4))),
    ])
    request = file(city.pothole, lat=42.35, long=-71.10)
    RequestUpdate.objects.create(request=request, created_at=timezone.now(), text="Crew sent", is_public=True)
    RequestUpdate.objects.create(request=request, created_at=timezone.now(), text="Supervisor: skip it",
                                 is_public=False)
    body = json_of(get(client, "requests.json", extensions="true"))
    validate("requests.json", body)
    validate("request-extensions.json", body)
    (item,) = body
    assert item["extended_attributes"] == {
        "channel": "web", "neighborhood": "Westside", "detailed_status": "new", "duplicate": None,
        "parent_service_request_id": None, "wards": "Ward 5",
    }
    assert [(n["type"], n["summary"], n["description"]) for n in item["notes"]] == [
        ("status_change", "New", "Request received."), ("note", "Note", "Crew sent"),
    ]
    root = xml_of(get(client, f"requests/{request.public_id}.xml", extensions="true"))
    request_element = root[0]
    assert child_names(request_element) == [*REQUEST_FIELDS, "extended_attributes", "notes"]
    assert request_element.findtext("extended_attributes/wards") == "Ward 5"
    assert [n.findtext("description") for n in request_element.iterfind("notes/note")] == [
        "Request received.", "Crew sent",
    ]


def works(city: City) -> Department:
    department = city.pothole.department
    assert department is not None
    return department


def test_extensions_name_the_request_a_duplicate_points_at_and_the_parent_of_linked_work(
    client: Client, city: City, validate: Validate
) -> None:
    original = file(city.pothole, description="Hole on Main St")
    copy = file(city.pothole, description="Same hole")
    mark_duplicate(copy, parent=original, actor=None)
    work_item = link_work_item(original, department=works(city), description="Repave", actor=None)
    body = json_of(get(client, "requests.json", extensions="true"))
    validate("requests.json", body)
    validate("request-extensions.json", body)
    links = {r["service_request_id"]: (r["extended_attributes"]["duplicate"],
                                       r["extended_attributes"]["parent_service_request_id"]) for r in body}
    assert links == {
        original.public_id: (None, None),
        copy.public_id: (original.public_id, None),
        work_item.public_id: (None, original.public_id),
    }
    root = xml_of(get(client, f"requests/{copy.public_id}.xml", extensions="true"))
    assert root.findtext("request/extended_attributes/duplicate") == original.public_id
    assert root.find("request/extended_attributes/parent_service_request_id") is not None
    assert root.findtext("request/extended_attributes/parent_service_request_id") == ""
    one = json_of(get(client, f"requests/{work_item.public_id}.json", extensions="true"))
    assert one[0]["extended_attributes"]["parent_service_request_id"] == original.public_id
    # Without extensions the spec's fields only.
    assert list(json_of(get(client, f"requests/{copy.public_id}.json"))[0]) == REQUEST_FIELDS


def test_listing_requests_takes_the_same_few_queries_for_any_page(
    client: Client, city: City, django_assert_num_queries: Any
) -> None:
    for _ in range(3):
        file(city.pothole)
    # The time zone and the jurisdiction are cached by the first request of a process.
    get(client, "services.json")
    # The requests with their service type, channel, neighborhood and first photo.
    with django_assert_num_queries(1):
        assert len(json_of(get(client, "requests.json"))) == 3
    for _ in range(20):
        file(city.graffiti)
    with django_assert_num_queries(2):  # + the service codes
        assert len(xml_of(get(client, "requests.xml", service_code="graffiti"))) == 20
    original = ServiceRequest.objects.order_by("id")[0]
    for copy in ServiceRequest.objects.order_by("id")[1:4]:
        mark_duplicate(copy, parent=original, actor=None)
    for _ in range(3):
        link_work_item(original, department=works(city), actor=None)
    # + the public notes, + the other district layers; the duplicate and parent ids are joined.
    with django_assert_num_queries(3):
        listed = json_of(get(client, "requests.json", extensions="true"))
    assert len(listed) == 26
    assert sum(1 for r in listed if r["extended_attributes"]["duplicate"] == original.public_id) == 3
    assert sum(1 for r in listed if r["extended_attributes"]["parent_service_request_id"] == original.public_id) == 3
    one = ServiceRequest.objects.order_by("id").values_list("public_id", flat=True)[0]
    get(client, f"requests/{one}.json")  # caches its service type, status, channel and neighborhood
    cache.clear()  # but not the answer itself
    # One row of one table: its relations come from the reference cache.
    with django_assert_num_queries(1):
        assert get(client, f"requests/{one}.json").status_code == 200


def test_a_date_with_an_offset_postgresql_cannot_store_is_still_understood(client: Client, city: City) -> None:
    # Found by fuzzing: Python accepts offsets up to ±23:59, PostgreSQL only ±15:59.
    response = client.get("/open311/v2/servicerequestupdates.json",
                          {"start_date": "1472-05-01T21:23:18.6-16:23", "end_date": "1472-05-02T21:23:18-16:23"})
    assert response.status_code == 200
    assert response.json() == []


def test_a_single_request_asked_again_is_answered_from_the_cache(
    client: Client, city: City, django_assert_num_queries: Any
) -> None:
    one = file(city.pothole, description="Deep hole")
    first = get(client, f"requests/{one.public_id}.json")
    with django_assert_num_queries(0):
        again = get(client, f"requests/{one.public_id}.json")
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]


def test_a_change_through_the_services_shows_at_once(client: Client, city: City) -> None:
    from civic311.cases.services import add_note

    one = file(city.pothole)
    before = json_of(get(client, f"requests/{one.public_id}.json", extensions="true"))[0]["notes"]
    assert "Crew booked for Tuesday." not in [n["description"] for n in before]
    add_note(one, text="Crew booked for Tuesday.", public=True, actor=None)
    [answer] = json_of(get(client, f"requests/{one.public_id}.json", extensions="true"))
    assert [n["description"] for n in answer["notes"]][-1] == "Crew booked for Tuesday."


def test_each_host_and_format_gets_its_own_answer(client: Client, city: City) -> None:
    one = file(city.pothole)
    as_json = get(client, f"requests/{one.public_id}.json")
    as_xml = get(client, f"requests/{one.public_id}.xml")
    assert json_of(as_json)[0]["service_request_id"] == xml_of(as_xml).findtext("request/service_request_id")
    other_host = client.get(f"/open311/v2/requests/{one.public_id}.json", HTTP_HOST="localhost")
    assert other_host.status_code == 200


def test_without_the_cache_a_bulk_change_shows_at_once(client: Client, city: City, settings: Any) -> None:
    settings.CIVIC311_OPEN311_ANSWER_CACHE_SECONDS = 0
    one = file(city.pothole)
    assert json_of(get(client, f"requests/{one.public_id}.json"))[0]["status"] == "open"
    close(one, timezone.now())  # a queryset update: no signal
    assert json_of(get(client, f"requests/{one.public_id}.json"))[0]["status"] == "closed"


def test_one_request_reads_the_same_as_it_does_in_the_list(client: Client, city: City) -> None:
    # requests/{id} reads the row alone and its relations from the reference cache; the
    # list joins them: both must say the same, in both formats.
    one = file(city.pothole, description="Deep hole", address="1 Main St")
    close(file(city.graffiti), timezone.now())
    for request_ in ServiceRequest.objects.all():
        for fmt in ("json", "xml"):
            alone = get(client, f"requests/{request_.public_id}.{fmt}").content
            listed = get(client, f"requests.{fmt}", service_request_id=request_.public_id).content
            assert alone == listed
    assert json_of(get(client, f"requests/{one.public_id}.json"))[0]["service_name"] == city.pothole.name
