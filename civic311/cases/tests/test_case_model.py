"""The case model's seeded data and invariants, on whichever database the suite runs."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from civic311.cases.models import Status
from civic311.catalog.models import Channel
from civic311.portal.tests.factories import add_request, boston_with_squares

pytestmark = pytest.mark.django_db


def test_every_detailed_status_maps_to_open311_open_or_closed() -> None:
    statuses = dict(Status.objects.values_list("code", "open311_status"))
    assert statuses["new"] == "open" and statuses["in_progress"] == "open"
    assert statuses["closed"] == "closed" and statuses["duplicate"] == "closed"
    assert set(statuses.values()) == {"open", "closed"}


def test_the_channels_of_the_issue_are_seeded() -> None:
    codes = set(Channel.objects.values_list("code", flat=True))
    assert {"phone", "web", "app", "open311", "email", "sms", "social", "walk_in",
            "mobile_unit", "employee"} <= codes


def test_public_ids_are_unique() -> None:
    west = boston_with_squares()[1]
    add_request("101", west)
    with pytest.raises(IntegrityError), transaction.atomic():
        add_request("101", west)


def test_times_round_trip_as_aware_utc() -> None:
    request = add_request("102", None)
    request.refresh_from_db()
    offset = request.requested_at.utcoffset()
    assert offset is not None and offset.total_seconds() == 0
