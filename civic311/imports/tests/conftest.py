"""The importer's tests load each city into an empty catalog."""

from __future__ import annotations

import pytest

from civic311.catalog.models import ServiceType
from civic311.contacts.seeds import NON_EMERGENCY_SERVICES


@pytest.fixture(autouse=True)
def empty_catalog(request: pytest.FixtureRequest) -> None:
    """Remove the police and fire non-emergency services that a migration seeds for the
    agent desk, so the tests count only what an import creates."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    ServiceType.objects.filter(code__in=[s["code"] for s in NON_EMERGENCY_SERVICES]).delete()
