"""POST requests: what a client sends (form or multipart), what it gets back for each kind
of service, and every way a submission is refused — with all its problems at once."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from civic311.audit.models import AuditEvent
from civic311.cases.models import Attachment, ServiceRequest
from civic311.open311.keys import claim_key
from civic311.open311.models import ApiKey
from civic311.open311.services import revoke_api_key, save_new_api_key

from .conftest import API, City, Validate, child_names, get, json_of, post, xml_of

BOSTON_COMMON = {"lat": "42.355", "long": "-71.065"}


def pothole_form(api_key: str, **more: Any) -> dict[str, Any]:
    return {"api_key": api_key, "service_code": "pothole", **BOSTON_COMMON, **more}


def errors_of(response: Any) -> list[str]:
    return [e["description"] for e in json_of(response)]


def test_a_realtime_service_answers_with_the_new_request_id(
    client: Client, city: City, api_key: str, validate: Validate
) -> None:
    response = post(client, "requests.json", pothole_form(api_key, description="Deep hole by the gate"))
    assert response.status_code == 200
    answer = json_of(response)
    validate("post-request-response.json", answer)
    request = ServiceRequest.objects.get()
    assert answer[0]["service_request_id"] == request.public_id
    assert "token" not in answer[0]
    assert answer[0]["service_notice"].startswith("Expected to be addressed by ")
    assert request.description == "Deep hole by the gate"
    assert request.channel is not None and request.channel.code == "open311"
    assert request.neighborhood == city.west
    assert (request.lat, request.long) == (42.355, -71.065)


def test_the_xml_answer_has_the_spec_elements(client: Client, city: City, api_key: str) -> None:
    root = xml_of(post(client, "requests.xml", pothole_form(api_key)))
    assert root.tag == "service_requests"
    assert child_names(root) == ["request"]
    assert child_names(root[0]) == ["service_request_id", "service_notice"]
    assert root.findtext("request/service_request_id") == ServiceRequest.objects.get().public_id


def test_a_batch_service_answers_with_a_token_that_resolves_to_the_id(
    client: Client, city: City, api_key: str, validate: Validate
) -> None:
    answer = json_of(post(client, "requests.json", {"api_key": api_key, "service_code": "bulk-item",
                                                     "address_string": "1 City Hall Sq"}))
    validate("post-request-response.json", answer)
    assert set(answer[0]) == {"token"}
    token = answer[0]["token"]
    resolved = json_of(get(client, f"tokens/{token}.json"))
    validate("tokens.json", resolved)
    assert resolved == [{"service_request_id": ServiceRequest.objects.get().public_id, "token": token}]
    root = xml_of(get(client, f"tokens/{token}.xml"))
    assert root.tag == "service_requests"
    assert child_names(root[0]) == ["service_request_id", "token"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_token_is_a_404(client: Client, city: City, fmt: str) -> None:
    assert get(client, f"tokens/nothing-like-it.{fmt}").status_code == 404


def test_a_blackbox_service_answers_with_neither_id_nor_token(
    client: Client, city: City, api_key: str, validate: Validate
) -> None:
    answer = json_of(post(client, "requests.json", {"api_key": api_key, "service_code": "tip",
                                                     "address_id": "SAM-12345"}))
    validate("post-request-response.json", answer)
    assert "service_request_id" not in answer[0] and "token" not in answer[0]
    assert answer[0]["service_notice"]
    assert ServiceRequest.objects.get().address_id == "SAM-12345"


def test_attribute_answers_are_kept_by_code_and_multivalue_lists_as_lists(
    client: Client, city: City, api_key: str
) -> None:
    form = {"api_key": api_key, "service_code": "graffiti", **BOSTON_COMMON,
            "attribute[SURFACE]": "brick", "attribute[COLOURS][]": ["red", "blue"], "attribute[HEIGHT]": "2.5",
            "attribute[SEEN]": "2026-11-20T08:00:00-05:00", "attribute[WORDING]": "Hello",
            "attribute[fixmystreet_id]": "1234", "attribute[INFO]": "ignored"}
    response = post(client, "requests.json", form)
    assert response.status_code == 200, response.content
    assert ServiceRequest.objects.get().attributes == {
        "SURFACE": "brick", "COLOURS": ["red", "blue"], "HEIGHT": 2.5,
        "SEEN": "2026-11-20T08:00:00-05:00", "WORDING": "Hello",
    }


def test_a_single_value_for_a_multivalue_list_is_a_list_of_one(client: Client, city: City, api_key: str) -> None:
    form = {"api_key": api_key, "service_code": "graffiti", **BOSTON_COMMON,
            "attribute[SURFACE]": "metal", "attribute[COLOURS]": "green", "attribute[HEIGHT]": "3"}
    assert post(client, "requests.json", form).status_code == 200
    assert ServiceRequest.objects.get().attributes == {"SURFACE": "metal", "COLOURS": ["green"], "HEIGHT": 3}


def test_every_wrong_attribute_is_reported_at_once(
    client: Client, city: City, api_key: str, validate: Validate
) -> None:
    form = {"api_key": api_key, "service_code": "graffiti", **BOSTON_COMMON,
            "attribute[COLOURS][]": ["red", "purple"], "attribute[HEIGHT]": "tall",
            "attribute[SEEN]": "yesterday", "attribute[WORDING]": "two\nlines"}
    response = post(client, "requests.json", form)
    assert response.status_code == 400
    errors = json_of(response)
    validate("errors.json", errors)
    assert [e["code"] for e in errors] == [400] * 5
    text = " | ".join(e["description"] for e in errors)
    for expected in ("attribute[SURFACE] is required", "'purple' not among", "attribute[HEIGHT] must be a number",
                     "attribute[SEEN] must be an ISO 8601 datetime", "attribute[WORDING] must be a single line"):
        assert expected in text
    assert not ServiceRequest.objects.exists()


def test_a_value_outside_a_single_value_list_is_refused(client: Client, city: City, api_key: str) -> None:
    form = {"api_key": api_key, "service_code": "graffiti", **BOSTON_COMMON, "attribute[SURFACE]": "starfish"}
    assert "'starfish' is not among" in errors_of(post(client, "requests.json", form))[0]


def test_several_field_errors_come_back_together_in_xml(client: Client, city: City, api_key: str) -> None:
    response = post(client, "requests.xml", {"api_key": api_key, "lat": "42.35", "description": "x" * 4001,
                                              "email": "not-an-address", "media_url": "javascript:alert(1)"})
    assert response.status_code == 400
    root = xml_of(response)
    descriptions = [e.findtext("description") or "" for e in root.iterfind("error")]
    assert len(descriptions) == 5
    assert descriptions[0].startswith("service_code is missing")
    assert any("lat and long must be sent together" in d for d in descriptions)
    assert any("the limit is 4000" in d for d in descriptions)
    assert any("email is not a valid" in d for d in descriptions)
    assert any("media_url must be an http or https URL" in d for d in descriptions)


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ({}, "A location is required"),
        ({"long": "-71.06"}, "lat and long must be sent together"),
        ({"lat": "nan", "long": "-71.06"}, "lat must be a decimal number"),
        ({"lat": "42.35", "long": "1e3"}, "long must be a decimal number"),
        ({"lat": "41.0", "long": "-71.06"}, "is outside Boston"),
        ({"address_string": "x" * 301}, "address_string is longer than 300"),
    ],
)
def test_a_missing_or_wrong_location_is_refused(
    client: Client, city: City, api_key: str, location: dict[str, str], message: str
) -> None:
    response = post(client, "requests.json", {"api_key": api_key, "service_code": "pothole", **location})
    assert response.status_code == 400
    assert any(message in e for e in errors_of(response))


def test_an_address_alone_is_a_location(client: Client, city: City, api_key: str) -> None:
    response = post(client, "requests.json", {"api_key": api_key, "service_code": "pothole",
                                               "address_string": "1 City Hall Sq, Boston"})
    assert response.status_code == 200
    assert ServiceRequest.objects.get().address == "1 City Hall Sq, Boston"


def test_html_in_a_description_is_stripped_to_its_text(client: Client, city: City, api_key: str) -> None:
    description = "<p>Hole <b>near</b> the gate</p>\n<script>alert('x')</script>Please fix & thanks"
    assert post(client, "requests.json", pothole_form(api_key, description=description)).status_code == 200
    assert ServiceRequest.objects.get().description == "Hole near the gate\nPlease fix & thanks"


def test_a_description_of_4000_characters_is_accepted(client: Client, city: City, api_key: str) -> None:
    assert post(client, "requests.json", pothole_form(api_key, description="a" * 4000)).status_code == 200


def test_the_first_of_repeated_media_urls_is_kept(client: Client, city: City, api_key: str) -> None:
    form = pothole_form(api_key, media_url=["https://example.org/1.jpg", "https://example.org/2.jpg"])
    assert post(client, "requests.json", form).status_code == 200
    assert ServiceRequest.objects.get().media_url == "https://example.org/1.jpg"


def test_an_unknown_service_code_is_a_404(client: Client, city: City, api_key: str) -> None:
    response = post(client, "requests.json", {"api_key": api_key, "service_code": "unicorns", **BOSTON_COMMON})
    assert response.status_code == 404
    assert "unicorns" in errors_of(response)[0]


def test_another_jurisdiction_is_a_404(client: Client, city: City, api_key: str) -> None:
    response = post(client, "requests.json", pothole_form(api_key, jurisdiction_id="sfgov.org"))
    assert response.status_code == 404


# --- the api_key ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_post_without_an_api_key_is_a_403(client: Client, city: City, fmt: str) -> None:
    response = post(client, f"requests.{fmt}", {"service_code": "pothole", **BOSTON_COMMON})
    assert response.status_code == 403
    body = response.content.decode()
    assert "api_key is missing" in body
    assert not ServiceRequest.objects.exists()


def test_a_wrong_api_key_is_a_403_before_anything_else(client: Client, city: City) -> None:
    response = post(client, "requests.json", {"api_key": "o311_guess", "service_code": "unicorns"})
    assert response.status_code == 403
    assert errors_of(response) == ["api_key is invalid or has been revoked."]


def test_a_revoked_api_key_is_a_403(client: Client, city: City, api_key: str) -> None:
    revoke_api_key(ApiKey.objects.get(), actor_label="test")
    assert post(client, "requests.json", pothole_form(api_key)).status_code == 403


def test_the_api_key_may_come_in_the_query_string(client: Client, city: City, api_key: str) -> None:
    response = client.post(f"{API}requests.json?api_key={api_key}", {"service_code": "pothole", **BOSTON_COMMON})
    assert response.status_code == 200


def test_every_post_records_the_key_that_made_it(client: Client, city: City, api_key: str) -> None:
    post(client, "requests.json", pothole_form(api_key))
    request = ServiceRequest.objects.get()
    event = AuditEvent.objects.get(action="request.submitted", object_id=str(request.pk))
    key = ApiKey.objects.get()
    assert event.actor_label == "open311:Test app"
    assert event.changes["api_key"] == key.prefix and event.changes["api_key_id"] == key.pk
    assert event.channel == "open311"
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_a_key_over_its_rate_limit_gets_429_until_the_next_minute(client: Client, city: City) -> None:
    key = save_new_api_key(ApiKey(name="Slow app", rate_limit_per_minute=2), actor_label="test")
    answers = [post(client, "requests.json", pothole_form(key)).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    refused = post(client, "requests.json", pothole_form(key))
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "2 writes a minute" in errors_of(refused)[0]
    assert ServiceRequest.objects.count() == 2
    next_minute = timezone.now() + timedelta(minutes=1)
    assert claim_key(key, now=next_minute) == (ApiKey.objects.get(name="Slow app"), True)


# --- a photo ------------------------------------------------------------------------------


def photo_with_exif(fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x9286] = "secret comment"  # UserComment
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def test_a_photo_is_stored_without_its_exif_and_served_as_the_media_url(
    client: Client, city: City, api_key: str
) -> None:
    upload = SimpleUploadedFile("IMG_0001.jpg", photo_with_exif(), content_type="application/octet-stream")
    response = client.post(API + "requests.json", {**pothole_form(api_key), "media": upload})
    assert response.status_code == 200, response.content
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/jpeg"
    with attachment.file.open("rb") as stored:
        data = stored.read()
    assert b"secret comment" not in data and b"PhoneMaker" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (64, 48) and not image.getexif()

    media_url = json_of(get(client, "requests/{}.json".format(json_of(response)[0]["service_request_id"])))[0][
        "media_url"
    ]
    assert media_url == f"http://testserver{API}media/{attachment.pk}"
    served = client.get(media_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == data  # type: ignore[attr-defined]


def test_a_file_that_is_not_an_image_is_refused(client: Client, city: City, api_key: str) -> None:
    upload = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = client.post(API + "requests.json", {**pothole_form(api_key), "media": upload})
    assert response.status_code == 400
    assert "media must be a JPEG, PNG, GIF or WebP image" in errors_of(response)[0]
    assert not Attachment.objects.exists()


def test_a_photo_over_ten_megabytes_is_refused(client: Client, city: City, api_key: str) -> None:
    upload = SimpleUploadedFile("big.jpg", photo_with_exif() + b"\0" * (10 * 1024 * 1024), content_type="image/jpeg")
    response = client.post(API + "requests.json", {**pothole_form(api_key), "media": upload})
    assert response.status_code == 400
    assert "the limit is 10485760 bytes" in errors_of(response)[0]


def test_a_png_photo_is_kept_as_png(client: Client, city: City, api_key: str) -> None:
    upload = SimpleUploadedFile("a.png", photo_with_exif("PNG"), content_type="image/png")
    assert client.post(API + "requests.xml", {**pothole_form(api_key), "media": upload}).status_code == 200
    assert Attachment.objects.get().content_type == "image/png"


def test_unknown_media_is_a_404(client: Client, city: City) -> None:
    response = client.get(f"{API}media/999")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/xml; charset=utf-8"


def test_fixmystreet_numbered_photos_are_stored_in_number_order(client: Client, city: City, api_key: str) -> None:
    photos = {
        "photo2": SimpleUploadedFile("b.png", photo_with_exif("PNG", (20, 10)), content_type="image/png"),
        "photo1": SimpleUploadedFile("a.jpg", photo_with_exif("JPEG", (10, 20)), content_type="image/jpeg"),
        "photo10": SimpleUploadedFile("c.jpg", photo_with_exif("JPEG", (30, 30)), content_type="image/jpeg"),
    }
    response = client.post(API + "requests.json", {**pothole_form(api_key), **photos})
    assert response.status_code == 200, response.content
    stored = list(Attachment.objects.order_by("id"))
    sizes = []
    for attachment in stored:
        with attachment.file.open("rb") as fh, Image.open(io.BytesIO(fh.read())) as image:
            sizes.append(image.size)
    assert sizes == [(10, 20), (20, 10), (30, 30)]
    item = json_of(get(client, "requests/{}.json".format(json_of(response)[0]["service_request_id"])))[0]
    assert item["media_url"] == f"http://testserver{API}media/{stored[0].pk}"


def test_a_bad_numbered_photo_is_named_and_nothing_is_stored(client: Client, city: City, api_key: str) -> None:
    photos = {
        "photo1": SimpleUploadedFile("a.jpg", photo_with_exif(), content_type="image/jpeg"),
        "photo2": SimpleUploadedFile("b.jpg", b"<html><script>alert(1)</script>", content_type="image/jpeg"),
    }
    response = client.post(API + "requests.json", {**pothole_form(api_key), **photos})
    assert response.status_code == 400
    assert errors_of(response) == ["photo2 must be a JPEG, PNG, GIF or WebP image."]
    assert not Attachment.objects.exists() and not ServiceRequest.objects.exists()


def test_more_than_five_photos_are_refused(client: Client, city: City, api_key: str) -> None:
    photos = {f"photo{n}": SimpleUploadedFile(f"{n}.jpg", photo_with_exif(), content_type="image/jpeg")
              for n in range(1, 7)}
    response = client.post(API + "requests.json", {**pothole_form(api_key), **photos})
    assert response.status_code == 400
    assert "At most 5 photos may be sent with a request; 6 were sent." in errors_of(response)
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("resource", ["requests.json", "servicerequestupdates.json"])
def test_a_body_over_the_limit_is_a_413_before_it_is_read(
    client: Client, city: City, api_key: str, monkeypatch: pytest.MonkeyPatch, resource: str
) -> None:
    from civic311.open311 import views

    monkeypatch.setattr(views, "MAX_BODY_BYTES", 100_000)
    upload = SimpleUploadedFile("big.jpg", photo_with_exif() + b"\0" * 200_000, content_type="image/jpeg")
    response = client.post(API + resource, {**pothole_form(api_key), "media": upload})
    assert response.status_code == 413
    assert "the limit is 100000 bytes" in errors_of(response)[0]
    assert not ServiceRequest.objects.exists() and not Attachment.objects.exists()


def test_a_content_length_that_is_not_a_number_is_a_400(client: Client, city: City, api_key: str) -> None:
    response = client.post(API + "requests.json", pothole_form(api_key), CONTENT_LENGTH="12abc")
    assert response.status_code == 400
    assert json_of(response)[0]["code"] == 400


def test_an_automated_answer_is_still_required_from_open311_clients(client: Client, city: City, api_key: str) -> None:
    from civic311.catalog.models import ServiceAttribute

    ServiceAttribute.objects.create(service_type=city.pothole, code="asset_id", required=True,
                                    automated="hidden_field", description="Road asset under the pin")
    refused = post(client, "requests.json", pothole_form(api_key))
    assert refused.status_code == 400 and any("asset_id" in e for e in errors_of(refused))
    accepted = post(client, "requests.json", pothole_form(api_key, **{"attribute[asset_id]": "RD-1207"}))
    assert accepted.status_code == 200


def test_a_post_costs_a_fixed_handful_of_round_trips(client: Client, city: City, api_key: str) -> None:
    """Intake's budget of round trips (each costs more than a small write): the duplicate
    search with the request's INSERT (one query on PostgreSQL), the reporter found or made
    (one statement on PostgreSQL), then the key's rate-limit slot and everything nothing
    reads back (the first update, the reporter's link, the daily counts, the request's
    contribution to them, one INSERT for all the audit events) sent together: one query on
    PostgreSQL. A regression shows in the POST benchmark."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from civic311.config.prepared import original_sql

    # Reference caches filled by a first POST, 700 m away (not a duplicate candidate).
    first = post(client, "requests.json", pothole_form(api_key, email="first@example.org", lat="42.361"))
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = post(client, "requests.json", pothole_form(
            api_key, email="new.reporter@example.org", first_name="Ana", description="Deep hole by the gate"))
    assert response.status_code == 200
    round_trips = [original_sql(q["sql"]) for q in queries.captured_queries
                   if q["sql"].split()[0].upper() not in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}]
    inserted = [re.findall(r'INSERT INTO "(\w+)"', sql) for sql in round_trips]
    assert sorted(t for tables in inserted for t in tables) == [
        "audit_auditevent", "cases_requestupdate", "cases_servicerequest", "contacts_constituent",
        "contacts_requestparty", "insight_dailycount", "insight_dailycount", "insight_requestcontribution"]
    held = ["audit_auditevent", "cases_requestupdate", "contacts_requestparty", "insight_dailycount",
            "insight_dailycount", "insight_requestcontribution"]
    if connection.vendor == "postgresql":
        assert [sorted(tables) for tables in inserted if len(tables) > 1] == [held]
        # The slot first, with the held writes.
        assert [sql.split(";")[0].split()[:2] for sql in round_trips if len(re.findall("INSERT INTO", sql)) > 1] == [
            ["UPDATE", '"open311_apikey"']]
        assert len(round_trips) <= 3, round_trips
        # The duplicate search goes with the request's INSERT.
        assert any(sql.lstrip().upper().startswith("SELECT R.ID") and 'INSERT INTO "cases_servicerequest"' in sql
                   for sql in round_trips)
    else:
        assert len(round_trips) <= 13, round_trips
    # The one INSERT into the audit trail holds both of the intake's events.
    assert AuditEvent.objects.filter(action__in=["request.submitted", "contact.request_party_added"]).count() == 4


def test_person_details_at_their_limits_are_stored_whole(client: Client, city: City, api_key: str) -> None:
    """Each field at the length the API accepts fits its column (PostgreSQL refuses a longer
    value: that would be a 500), the name made of both at theirs included."""
    from civic311.contacts.models import Constituent

    form = pothole_form(api_key, first_name="F" * 100, last_name="L" * 100, email=f"{'e' * 64}@{'d' * 60}.org",
                        phone="6" * 30, device_id="D" * 100, account_id="A" * 100)
    response = post(client, "requests.json", form)
    assert response.status_code == 200, response.content
    person = Constituent.objects.get()
    assert person.name == f"{'F' * 100} {'L' * 100}"
    assert (len(person.phone), len(person.device_id), len(person.account_id)) == (30, 100, 100)


def test_hostile_text_is_stored_as_sent(client: Client, city: City, api_key: str) -> None:
    """The intake's writes go out as one query of several statements on PostgreSQL, values
    bound in the client: quotes, semicolons, placeholders and backslashes stay data."""
    from civic311.contacts.models import Constituent, RequestParty

    hostile = "Hole'); DELETE FROM cases_servicerequest; -- %s %(x)s \\' \\\\ $$ ; «ñ» 🚧"
    response = post(client, "requests.json", pothole_form(
        api_key, description=hostile, first_name="O'Brien; --", last_name="%s", email="o.brien@example.org"))
    assert response.status_code == 200, response.content
    request = ServiceRequest.objects.get()
    assert request.description == hostile
    assert RequestParty.objects.get(request=request).constituent == Constituent.objects.get(name="O'Brien; -- %s")
    again = post(client, "requests.json", pothole_form(api_key, description=hostile))
    assert again.status_code == 200 and ServiceRequest.objects.count() == 2
