from __future__ import annotations

import pytest

from civic311.catalog.models import ServiceAttribute, ServiceType
from civic311.contacts.models import EmergencyTerm
from civic311.contacts.seeds import ensure_emergency_terms, ensure_non_emergency_services

from .factories import City, build_city


def seed_desk() -> None:
    """What the data migration seeds (a transactional test's flush removes it)."""
    if not EmergencyTerm.objects.exists():
        ensure_emergency_terms(EmergencyTerm)
    ensure_non_emergency_services(ServiceType, ServiceAttribute)


@pytest.fixture
def city(db: None) -> City:
    seed_desk()
    return build_city()
