"""Report a problem on the portal: choose a service, answer its questions, say where,
attach a photo, optionally leave contact details with consent; see likely duplicates
first; receive the request id and a tracking link. Every wrong, missing, oversized or
malicious input gets a clear message and creates nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings
from PIL import Image

from civic311.cases.models import Attachment, ServiceRequest
from civic311.catalog.models import ServiceType
from civic311.contacts.models import Constituent, RequestParty
from civic311.places.addresses import AddressSighting, rebuild_address_index

from .factories import add_request, boston_with_squares, pothole_service

pytestmark = pytest.mark.django_db

WEST_POINT = {"lat": "42.34", "long": "-71.10"}


@pytest.fixture
def pothole() -> ServiceType:
    boston_with_squares()
    return pothole_service()


def report(client: Client, **fields: Any) -> Any:
    """POST the pothole form with a valid answer and point, changed by `fields` (None drops
    a field; HTTP_* names are request headers)."""
    headers = {k: fields.pop(k) for k in list(fields) if k.startswith("HTTP_")}
    data = {"attribute_size": "small", "description": "Deep hole by the bus stop", **WEST_POINT, **fields}
    return client.post("/report/pothole/", {k: v for k, v in data.items() if v is not None}, **headers)


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (42.0, 20.0, 24.0), "W", (71.0, 6.0, 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def test_choose_lists_services_by_group_and_search_narrows(client: Client) -> None:
    boston_with_squares()
    pothole_service()
    ServiceType.objects.create(code="graffiti", name="Graffiti removal", group="Clean city")
    ServiceType.objects.create(code="old", name="Retired service", group="Streets", active=False)
    page = client.get("/report/").content.decode()
    assert page.index("Clean city") < page.index("Streets")
    assert 'href="/report/pothole/"' in page and "Graffiti removal" in page and "Retired service" not in page
    narrowed = client.get("/report/", {"q": "asphalt"}).content.decode()
    assert "Pothole" in narrowed and "Graffiti removal" not in narrowed
    nothing = client.get("/report/", {"q": "<b>zzz</b>"}).content.decode()
    assert "No service matches" in nothing and "<b>zzz</b>" not in nothing and "&lt;b&gt;zzz" in nothing


def test_form_asks_the_questions_and_shows_the_note(client: Client, pothole: ServiceType) -> None:
    page = client.get("/report/pothole/").content.decode()
    assert "How big is it?" in page and "Larger than a plate" in page and "How many potholes?" in page
    assert "Potholes are usually filled within two days." in page
    assert client.get("/report/nope/").status_code == 404


def test_report_with_a_pin_creates_a_web_request_and_shows_its_tracking_link(
    client: Client, pothole: ServiceType
) -> None:
    response = report(client, attribute_count="3", attribute_landmark="Bus stop 12")
    assert response.status_code == 302
    request = ServiceRequest.objects.get()
    assert response["Location"] == f"/requests/{request.public_id}/?new=1"
    assert request.channel is not None and request.channel.code == "web"
    assert request.attributes == {"size": "small", "count": 3, "landmark": "Bus stop 12"}
    assert request.neighborhood is not None and request.neighborhood.name == "Westside"
    assert (request.lat, request.long) == (42.34, -71.10)
    page = client.get(response["Location"]).content.decode()
    assert request.public_id in page and f"http://testserver/requests/{request.public_id}/" in page
    assert "your report has been received" in page


def test_address_from_the_index_gives_the_point(client: Client, pothole: ServiceType) -> None:
    rebuild_address_index([AddressSighting("12 Main St, Charlestown", 42.36, -71.09)])
    assert report(client, lat=None, long=None, address="12 Main Street, Charlestown").status_code == 302
    request = ServiceRequest.objects.get()
    assert request.address == "12 Main Street, Charlestown"
    assert (request.lat, request.long) == (pytest.approx(42.36), pytest.approx(-71.09))


def test_unknown_address_is_kept_without_a_point(client: Client, pothole: ServiceType) -> None:
    assert report(client, lat=None, long=None, address="Behind the old library").status_code == 302
    request = ServiceRequest.objects.get()
    assert request.address == "Behind the old library" and request.lat is None


@pytest.mark.parametrize(("fields", "message"), [
    ({"lat": None, "long": None}, "Tell us where: type an address or place the pin on the map."),
    ({"long": None}, "Give both latitude and longitude, or neither."),
    ({"lat": "48.85", "long": "2.35"}, "This place is outside Boston."),
    ({"lat": "91", "long": "2"}, "These coordinates are not on Earth."),
    ({"lat": "abc"}, "Enter a number."),
    ({"lat": "nan"}, "Enter a number."),
    ({"attribute_size": None}, "This field is required."),
    ({"attribute_size": "enormous"}, "Select a valid choice."),
    ({"attribute_count": "three"}, "Enter a number."),
    ({"attribute_count": "1e400"}, "Enter a number."),
    ({"attribute_landmark": "line one\nline two"}, "Answer on a single line."),
    ({"attribute_landmark": "x" * 4001}, "Ensure this value has at most 4000 characters"),
    ({"description": "x" * 4001}, "Ensure this value has at most 4000 characters"),
    ({"address": "x" * 301, "lat": None, "long": None}, "Ensure this value has at most 300 characters"),
    ({"email": "not-an-address", "consent": "on"}, "Enter a valid email address."),
    ({"phone": "call me maybe", "consent": "on"}, "Enter a phone number"),
    ({"email": "ana@example.org"}, "Tick this box so that we may keep your contact details"),
    ({"consent": "on"}, "Give an e-mail address or a phone number"),
    ({"website": "http://spam.example"}, "Leave this field empty."),
])
def test_wrong_input_is_refused_clearly_and_nothing_is_created(
    client: Client, pothole: ServiceType, fields: dict[str, Any], message: str
) -> None:
    response = report(client, **fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page.replace("&#x27;", "'")
    assert 'role="alert"' in page
    assert ServiceRequest.objects.count() == 0
    assert Constituent.objects.count() == 0


def test_what_was_typed_is_kept_after_an_error(client: Client, pothole: ServiceType) -> None:
    page = report(client, lat=None, long=None, description="Hole near number 5").content.decode()
    assert "Hole near number 5" in page
    assert 'value="small" id="id_attribute_size_0" required checked' in page or 'checked' in page


def test_markup_in_a_description_is_stored_as_text_and_escaped(client: Client, pothole: ServiceType) -> None:
    report(client, description='<script>alert("x")</script> hole')
    request = ServiceRequest.objects.get()
    assert request.description == '<script>alert("x")</script> hole'
    page = client.get(f"/requests/{request.public_id}/").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_photo_is_stored_without_exif_or_gps(client: Client, pothole: ServiceType) -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test photo has GPS
    assert report(client, photo=upload(original)).status_code == 302
    attachment = Attachment.objects.get()
    with attachment.file.open("rb") as handle:
        stored = handle.read()
    assert attachment.content_type == "image/jpeg"
    image = Image.open(io.BytesIO(stored))
    assert image.size == (40, 30)
    assert dict(image.getexif()) == {} and b"PhoneMaker" not in stored and b"Exif" not in stored


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"", "empty.jpg", "The submitted file is empty."),
    (b"MZ\x90\x00 not a picture", "photo.jpg", "The photo must be a JPEG, PNG or WebP image."),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "a.svg",
     "The photo must be a JPEG, PNG or WebP image."),
    (b"GIF89a" + b"\x00" * 50, "a.gif", "The photo must be a JPEG, PNG or WebP image."),
])
def test_files_that_are_not_accepted_photos_are_refused(
    client: Client, pothole: ServiceType, content: bytes, name: str, message: str
) -> None:
    response = report(client, photo=upload(content, name))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ServiceRequest.objects.count() == 0


def test_a_damaged_jpeg_is_refused(client: Client, pothole: ServiceType) -> None:
    response = report(client, photo=upload(jpeg_with_gps()[:200]))
    assert response.status_code == 400
    assert ServiceRequest.objects.count() == 0


def test_an_oversized_photo_is_refused(client: Client, pothole: ServiceType) -> None:
    big = jpeg_with_gps() + b"\x00" * (8 * 1024 * 1024)
    response = report(client, photo=upload(big))
    assert response.status_code == 400
    assert "larger than 8 MB" in response.content.decode()
    assert ServiceRequest.objects.count() == 0


def test_contact_details_with_consent_are_kept_in_contacts_not_in_public(client: Client, pothole: ServiceType) -> None:
    report(client, name="Ana Pérez", email="Ana@Example.org", phone="617-555-0100", consent="on",
           HTTP_ACCEPT_LANGUAGE="es")
    request = ServiceRequest.objects.get()
    party = RequestParty.objects.get(request=request)
    person = party.constituent
    assert (person.name, person.email, person.phone) == ("Ana Pérez", "ana@example.org", "617-555-0100")
    assert person.consent_contact is True and person.consent_recorded_at is not None
    assert person.preferred_language == "es"
    page = client.get(f"/requests/{request.public_id}/").content.decode()
    # The surname, not "Ana": three ASCII letters can occur in the page's random CSRF token.
    assert "Pérez" not in page and "example.org" not in page and "555-0100" not in page


def test_a_stranger_cannot_change_a_known_residents_consent(client: Client, pothole: ServiceType) -> None:
    from django.utils import timezone

    Constituent.objects.create(email="ana@example.org", consent_contact=False, consent_recorded_at=timezone.now())
    report(client, email="ana@example.org", consent="on")
    assert Constituent.objects.get().consent_contact is False
    assert RequestParty.objects.count() == 1


def test_no_details_no_contact(client: Client, pothole: ServiceType) -> None:
    report(client)
    assert RequestParty.objects.count() == 0 and Constituent.objects.count() == 0


def test_likely_duplicates_are_shown_first_and_the_photo_is_kept(client: Client, pothole: ServiceType) -> None:
    from django.utils import timezone

    existing = add_request("EXIST-1", None, service="pothole", lat=42.3401, long=-71.1001,
                           description="Deep hole by the bus stop, call 617-555-0199",
                           requested_at=timezone.now())
    first = report(client, photo=upload(jpeg_with_gps()))
    assert first.status_code == 200
    page = first.content.decode()
    assert "Has this already been reported?" in page and 'href="/requests/EXIST-1/"' in page
    assert "617-555-0199" not in page
    assert "Your photo has been kept." in page
    assert ServiceRequest.objects.count() == 1
    token = page.split('name="pending_photo" value="')[1].split('"')[0]
    second = report(client, confirm_new="True", pending_photo=token)
    assert second.status_code == 302
    created = ServiceRequest.objects.exclude(pk=existing.pk).get()
    assert Attachment.objects.get().request == created


def test_a_forged_pending_photo_token_is_ignored(client: Client, pothole: ServiceType) -> None:
    assert report(client, confirm_new="True", pending_photo="../../settings.py").status_code == 302
    assert Attachment.objects.count() == 0


@override_settings(PORTAL_REPORTS_PER_WINDOW=2)
def test_reports_are_rate_limited_per_client(client: Client, pothole: ServiceType) -> None:
    assert report(client).status_code == 302
    assert report(client, confirm_new="True").status_code == 302
    refused = report(client, confirm_new="True")
    assert refused.status_code == 429
    assert "Please wait an hour" in refused.content.decode()
    assert ServiceRequest.objects.count() == 2
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert report(other, confirm_new="True").status_code == 302


def test_posting_without_the_csrf_token_is_refused(pothole: ServiceType) -> None:
    guarded = Client(enforce_csrf_checks=True)
    assert report(guarded).status_code == 403
    assert ServiceRequest.objects.count() == 0


def test_the_form_in_spanish(client: Client, pothole: ServiceType) -> None:
    page = client.get("/report/pothole/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "¿Dónde está?" in page and "Enviar el aviso" in page
    refused = report(client, lat=None, long=None, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Díganos dónde" in refused


def test_an_answer_the_reporting_system_supplies_is_not_asked_of_residents(
    client: Client, pothole: ServiceType
) -> None:
    from civic311.catalog.models import ServiceAttribute

    ServiceAttribute.objects.create(service_type=pothole, code="asset_id", required=True, order=4,
                                    automated="hidden_field", description="Road asset under the pin")
    assert "Road asset under the pin" not in client.get("/report/pothole/").content.decode()
    assert report(client).status_code == 302  # a required answer the form cannot give does not block it
    assert ServiceRequest.objects.get().attributes == {"size": "small"}
