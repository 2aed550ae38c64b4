"""API keys are issued and revoked in the admin (or from the shell), stored hashed, and
counted against a per-minute limit on their own row."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from civic311.audit.models import AuditEvent
from civic311.open311.keys import claim_key, hash_key
from civic311.open311.models import ApiKey

from .conftest import API, City

KEY = re.compile(r"o311_[A-Za-z0-9_-]{43}")


@pytest.fixture
def admin_client(db: None) -> Client:
    user = get_user_model().objects.create_superuser("admin", "admin@example.org", "a-long-password")
    client = Client()
    client.force_login(user)
    return client


def pothole(key: str) -> dict[str, str]:
    return {"api_key": key, "service_code": "pothole", "address_string": "1 Main St"}


def test_an_admin_issues_a_key_that_is_shown_once_and_stored_hashed(admin_client: Client, city: City) -> None:
    response = admin_client.post("/admin/open311/apikey/add/", {"name": "FixMyStreet Boston", "notes": "mySociety",
                                                                 "rate_limit_per_minute": "300"}, follow=True)
    assert response.status_code == 200
    match = KEY.search(response.content.decode())
    assert match is not None
    key = match.group()
    stored = ApiKey.objects.get()
    assert stored.key_hash == hash_key(key) and key.startswith(stored.prefix)
    assert key not in str(list(ApiKey.objects.values()))
    assert AuditEvent.objects.filter(action="open311.api_key_created", actor__username="admin").count() == 1
    assert KEY.search(admin_client.get(f"/admin/open311/apikey/{stored.pk}/change/").content.decode()) is None
    assert Client().post(f"{API}requests.json", pothole(key)).status_code == 200


def test_an_admin_revokes_keys_and_they_stop_working_at_once(admin_client: Client, city: City) -> None:
    out = io.StringIO()
    call_command("open311_key", "create", "Partner robot", stdout=out)
    key = out.getvalue().strip()
    assert Client().post(f"{API}requests.json", pothole(key)).status_code == 200
    stored = ApiKey.objects.get()
    admin_client.post("/admin/open311/apikey/", {"action": "revoke", "_selected_action": [stored.pk]})
    stored.refresh_from_db()
    assert not stored.active and stored.revoked_at is not None
    assert Client().post(f"{API}requests.json", pothole(key)).status_code == 403
    assert AuditEvent.objects.filter(action="open311.api_key_revoked").count() == 1


def test_the_shell_command_revokes_by_prefix(db: None) -> None:
    out = io.StringIO()
    call_command("open311_key", "create", "Old app", "--rate-limit", "5", stdout=out)
    stored = ApiKey.objects.get()
    assert stored.rate_limit_per_minute == 5
    call_command("open311_key", "revoke", stored.prefix, stdout=io.StringIO())
    stored.refresh_from_db()
    assert not stored.active


def test_the_limit_counts_writes_per_minute_and_starts_again_each_minute(db: None) -> None:
    key = ApiKey.objects.create(name="x", prefix="p", key_hash=hash_key("o311_k"), rate_limit_per_minute=3)
    minute = datetime(2026, 6, 1, 12, 0, 5, tzinfo=UTC)
    slots = [claim_key("o311_k", minute.replace(second=s)) for s in (5, 20, 40, 59)]
    assert [taken for _, taken in slots] == [True, True, True, False]
    assert slots[-1][0] == key  # over the limit: the key is still recognised (429, not 403)
    assert claim_key("o311_k", minute.replace(minute=1)) == (key, True)
    key.refresh_from_db()
    assert key.window_count == 1 and key.last_used_at == minute.replace(minute=1)


def test_a_revoked_key_takes_no_slot(db: None) -> None:
    ApiKey.objects.create(name="x", prefix="p", key_hash=hash_key("o311_k"), active=False)
    assert claim_key("o311_k") == (None, False)


def test_the_key_admin_speaks_spanish(db: None) -> None:
    from django.utils import translation
    from django.utils.translation import ngettext

    from civic311.open311.models import ApiKey as Key

    with translation.override("es"):
        assert str(Key._meta.verbose_name) == "Clave de API"
        assert str(Key._meta.get_field("rate_limit_per_minute").help_text).startswith("Escrituras permitidas")
        assert ngettext("Revoked %(count)d API key.", "Revoked %(count)d API keys.", 3) % {"count": 3} == (
            "Se revocaron 3 claves de API."
        )
