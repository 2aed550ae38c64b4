"""The write path under hostile input: bodies too large or with too many fields, files that
pretend to be photos or hide something after one, and the per-key rate limit under
concurrent writers. Every refusal is an Open311 error; nothing is stored."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone
from PIL import Image

from civic311.cases.models import Attachment, ServiceRequest
from civic311.open311.keys import claim_key
from civic311.open311.models import ApiKey
from civic311.open311.services import save_new_api_key

from .conftest import API, City, json_of, xml_of

FORM = {"service_code": "pothole", "lat": "42.355", "long": "-71.065"}


def jpeg(size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def nothing_stored() -> bool:
    return not ServiceRequest.objects.exists() and not Attachment.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=50_000)
def test_a_form_body_over_the_memory_limit_is_a_400(client: Client, city: City, api_key: str) -> None:
    response = client.post(API + "requests.json", {"api_key": api_key, **FORM, "description": "x" * 60_000})
    assert response.status_code == 400
    assert "could not be read" in json_of(response)[0]["description"]
    assert nothing_stored()


def test_too_many_fields_is_a_400_in_xml(client: Client, city: City, api_key: str) -> None:
    fields = {f"attribute[X{n}]": "1" for n in range(1100)}
    response = client.post(API + "requests.xml", {"api_key": api_key, **FORM, **fields})
    assert response.status_code == 400
    assert "could not be read" in (xml_of(response).findtext("error/description") or "")
    assert nothing_stored()


def test_whatever_follows_a_photo_is_not_stored_and_the_photo_is_served_inert(
    client: Client, city: City, api_key: str
) -> None:
    trailer = b"<html><script>alert(document.cookie)</script></html>"
    upload = SimpleUploadedFile("photo.html", jpeg() + trailer, content_type="text/html")
    response = client.post(API + "requests.json", {"api_key": api_key, **FORM, "media": upload})
    assert response.status_code == 200, response.content
    attachment = Attachment.objects.get()
    with attachment.file.open("rb") as fh:
        stored = fh.read()
    assert trailer not in stored and b"<script" not in stored
    assert attachment.content_type == "image/jpeg" and not (attachment.file.name or "").endswith(".html")
    served = client.get(f"{API}media/{attachment.pk}")
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    assert b"".join(served.streaming_content) == stored  # type: ignore[attr-defined]
    served.close()


@pytest.mark.parametrize(
    ("content", "declared"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/png"),
        (b"GIF89a<script>alert(1)</script>", "image/gif"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "image/png"),
        (b"MZ\x90\x00" + b"\0" * 100, "image/jpeg"),
        (b"", "image/jpeg"),
    ],
)
def test_files_that_only_claim_to_be_photos_are_refused(
    client: Client, city: City, api_key: str, content: bytes, declared: str
) -> None:
    upload = SimpleUploadedFile("photo.jpg", content, content_type=declared)
    response = client.post(API + "requests.json", {"api_key": api_key, **FORM, "media": upload})
    assert response.status_code == 400
    assert "media" in json_of(response)[0]["description"]
    assert nothing_stored()


def test_refused_writes_count_against_the_limit_too(client: Client, city: City) -> None:
    key = save_new_api_key(ApiKey(name="Noisy robot", rate_limit_per_minute=3), actor_label="test")
    answers = [client.post(API + "requests.json", {"api_key": key, "service_code": "pothole"}).status_code
               for _ in range(4)]
    assert answers == [400, 400, 400, 429]
    refused = client.post(API + "requests.xml", {"api_key": key, **FORM})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "3 writes a minute" in (xml_of(refused).findtext("error/description") or "")
    assert nothing_stored()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite's in-memory test database shares one cache between connections and refuses a "
                           "read while another writes ('table is locked'); SQLite writes one at a time anyway")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_get_more_than_the_limit(reference_data: Any) -> None:
    key = save_new_api_key(ApiKey(name="Busy app", rate_limit_per_minute=25), actor_label="test")
    api_key = ApiKey.objects.get(name="Busy app")
    assert key
    granted: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(6)
    minute = timezone.now()

    def writer() -> None:
        start.wait()
        try:
            results = [claim_key(key, now=minute)[1] for _ in range(10)]
        finally:
            connection.close()
        with lock:
            granted.extend(results)

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 60
    assert sum(granted) == 25
    api_key.refresh_from_db()
    assert api_key.window_count == 25


def synchronous_commit() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        row = cursor.fetchone()
    return str(row[0]) if row else None


@pytest.mark.django_db(transaction=True)
def test_counting_a_write_leaves_every_other_commit_durable(reference_data: Any) -> None:
    key = save_new_api_key(ApiKey(name="Durable app", rate_limit_per_minute=5), actor_label="test")
    api_key = ApiKey.objects.get(name="Durable app")
    durable = synchronous_commit()
    assert claim_key(key)[1]
    assert synchronous_commit() == durable  # the relaxed commit was the counter's own
    with transaction.atomic():
        assert claim_key(key)[1]
        assert synchronous_commit() == durable  # never relaxed inside a caller's transaction
    api_key.refresh_from_db()
    assert api_key.window_count == 2


# --- the slot taken with the intake's last writes ----------------------------------------


def _counts() -> tuple[int, int, int]:
    from civic311.audit.models import AuditEvent
    from civic311.contacts.models import Constituent

    return ServiceRequest.objects.count(), Constituent.objects.count(), AuditEvent.objects.count()


def test_a_key_revoked_elsewhere_is_refused_at_its_slot_and_the_intake_is_undone(client: Client, city: City) -> None:
    key = save_new_api_key(ApiKey(name="Revoked app", rate_limit_per_minute=10), actor_label="test")
    form = {"api_key": key, **FORM, "email": "someone@example.org"}
    assert client.post(API + "requests.json", form).status_code == 200
    before = _counts()
    # Revoked by another process: this one still knows the key as active.
    ApiKey.objects.filter(name="Revoked app").update(active=False)
    refused = client.post(API + "requests.json", {**form, "email": "other@example.org"})
    assert refused.status_code == 403
    assert json_of(refused) == [{"code": 403, "description": "api_key is invalid or has been revoked."}]
    assert _counts() == before


def test_a_limit_spent_by_other_processes_is_refused_at_the_slot_and_the_intake_is_undone(
    client: Client, city: City
) -> None:
    key = save_new_api_key(ApiKey(name="Shared app", rate_limit_per_minute=2), actor_label="test")
    assert client.post(API + "requests.json", {"api_key": key, **FORM}).status_code == 200
    before = _counts()
    # Another worker took the last slot of this minute since this one last looked.
    ApiKey.objects.filter(name="Shared app").update(window_count=2)
    refused = client.post(API + "requests.xml", {"api_key": key, **FORM, "email": "late@example.org"})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert _counts() == before
    assert ApiKey.objects.get(name="Shared app").window_count == 2


def test_once_the_limit_is_seen_spent_a_write_is_refused_before_any_work(client: Client, city: City) -> None:
    from django.test.utils import CaptureQueriesContext

    key = save_new_api_key(ApiKey(name="Eager app", rate_limit_per_minute=1), actor_label="test")
    assert client.post(API + "requests.json", {"api_key": key, **FORM}).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        refused = client.post(API + "requests.json", {"api_key": key, **FORM})
    assert refused.status_code == 429
    assert queries.captured_queries == []
    assert ServiceRequest.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite's in-memory test database shares one cache between connections and refuses a "
                           "read while another writes ('table is locked'); SQLite writes one at a time anyway")
@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_never_store_more_than_the_limit(reference_data: Any, city: City) -> None:
    key = save_new_api_key(ApiKey(name="Busy intake", rate_limit_per_minute=12), actor_label="test")
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(5)

    def writer(n: int) -> None:
        client = Client()
        start.wait()
        try:
            answers = [client.post(API + "requests.json", {"api_key": key, **FORM,
                                                           "description": f"writer {n} post {i}"}).status_code
                       for i in range(5)]
        finally:
            connection.close()
        with lock:
            statuses.extend(answers)

    first_minute = timezone.now().replace(second=0, microsecond=0)
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A minute boundary during the run opens a second window: the limit is per window.
    windows = 1 if timezone.now().replace(second=0, microsecond=0) == first_minute else 2
    assert len(statuses) == 25 and statuses.count(200) == ServiceRequest.objects.count()
    assert set(statuses) <= {200, 429}
    assert 12 <= ServiceRequest.objects.count() <= 12 * windows


@pytest.mark.parametrize(("bad_key", "answer"), [
    ("o311_" + "x" * 5000, "api_key is invalid or has been revoked."),
    ("o311_\x00abc", "api_key is invalid or has been revoked."),
    ("o311_ñ'; DROP TABLE open311_apikey; --", "api_key is invalid or has been revoked."),
    ("  ", "api_key is missing: writes need the key issued to your application."),
])
def test_a_malformed_key_is_a_403_and_takes_no_work(client: Client, city: City, bad_key: str, answer: str) -> None:
    response = client.post(API + "requests.json", {"api_key": bad_key, **FORM})
    assert response.status_code == 403
    assert json_of(response) == [{"code": 403, "description": answer}]
    assert nothing_stored()
