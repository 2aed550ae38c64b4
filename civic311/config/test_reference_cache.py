"""The per-process reference cache: a change saved in this process is seen at once; a
change that bypasses the models' signals (another process, a bulk update) is seen once
the entry expires."""

from __future__ import annotations

import pytest
from django.test import override_settings

from civic311.catalog.lookups import intake_service
from civic311.catalog.models import ServiceAttribute, ServiceType
from civic311.config.reference_cache import ReferenceCache

pytestmark = pytest.mark.django_db


@pytest.fixture
def pothole() -> ServiceType:
    return ServiceType.objects.create(code="pothole", name="Pothole")


def test_a_saved_change_is_seen_at_once(pothole: ServiceType) -> None:
    assert intake_service("pothole") is not None
    pothole.active = False
    pothole.save()
    assert intake_service("pothole") is None


def test_a_new_question_is_asked_at_once(pothole: ServiceType) -> None:
    assert intake_service("pothole").questions == ()  # type: ignore[union-attr]
    ServiceAttribute.objects.create(service_type=pothole, code="depth", description="How deep?")
    assert [q.code for q in intake_service("pothole").questions] == ["depth"]  # type: ignore[union-attr]


def test_a_change_made_elsewhere_is_seen_when_the_entry_expires(pothole: ServiceType) -> None:
    now = [0.0]
    cache: ReferenceCache[str, bool] = ReferenceCache(
        "test-expiry", lambda code: ServiceType.objects.filter(code=code, active=True).exists(), [ServiceType],
        clock=lambda: now[0])
    with override_settings(CIVIC311_REFERENCE_CACHE_SECONDS=10):
        assert cache.get("pothole") is True
        ServiceType.objects.filter(pk=pothole.pk).update(active=False)  # no signal, as from another process
        now[0] = 9.9
        assert cache.get("pothole") is True
        now[0] = 10.1
        assert cache.get("pothole") is False


def test_keys_sent_by_clients_cannot_grow_the_cache_without_bound() -> None:
    loads: list[str] = []
    cache: ReferenceCache[str, None] = ReferenceCache("test-bounded", lambda key: loads.append(key), [], max_entries=3)
    for n in range(10):
        cache.get(f"junk-{n}")
    assert len(cache._entries) <= 3
    assert len(loads) == 10
