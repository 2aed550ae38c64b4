"""Duplicates at intake: whatever the channel, `submit_request` keeps the likely
duplicates found at that moment; staff confirm (mark as duplicate) or reject them; counts
roll up to the parent; reporters of duplicates, even of a duplicate of a duplicate, hear
of the parent's updates (`update_audience`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from civic311.audit.models import AuditEvent
from civic311.cases.lifecycle import transition
from civic311.cases.models import ServiceRequest, SuggestedDuplicate
from civic311.cases.selectors import pending_duplicate_suggestions, update_audience
from civic311.cases.services import ActionRefused, dismiss_duplicate, mark_duplicate, submit_request
from civic311.catalog.models import Channel, ServiceType

from .factories import department, request_in, service_type, staff

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
LAT, LONG = 42.35, -71.06


@pytest.fixture
def pothole() -> ServiceType:
    return service_type("pothole", dept=department("pwd"))


def earlier(kind: ServiceType, *, north_m: float = 0, description: str = "", status: str = "new",
            **fields: object) -> ServiceRequest:
    return request_in(status, kind=kind, requested_at=NOW - timedelta(hours=5), lat=LAT + north_m / 111_320,
                      long=LONG, description=description, **fields)


def file(kind: ServiceType, channel: str | None = "web", description: str = "Deep pothole") -> ServiceRequest:
    return submit_request(service_type=kind, channel=Channel.objects.get(code=channel) if channel else None,
                          description=description, lat=LAT, long=LONG, requested_at=NOW)


@pytest.mark.parametrize("channel", ["web", "phone", "app", None])
def test_every_channel_keeps_the_likely_duplicates_found_at_intake(pothole: ServiceType, channel: str | None) -> None:
    near = earlier(pothole, north_m=20, description="deep pothole")
    farther = earlier(pothole, north_m=120)
    earlier(pothole, north_m=900)  # too far
    new = file(pothole, channel)
    kept = pending_duplicate_suggestions(new)
    assert [s.candidate for s in kept] == [near, farther]
    assert kept[0].score > kept[1].score and "20 m away" in kept[0].reasons
    event = AuditEvent.objects.get(action="request.submitted", object_id=str(new.pk))
    assert event.changes["suggested_duplicates"] == [near.public_id, farther.public_id]


def test_a_request_with_nothing_near_keeps_no_suggestion(pothole: ServiceType) -> None:
    earlier(pothole, north_m=900)
    new = file(pothole)
    assert not SuggestedDuplicate.objects.filter(request=new).exists()


def test_marking_as_duplicate_confirms_the_suggestion_and_counts_on_the_parent(pothole: ServiceType) -> None:
    parent = earlier(pothole, north_m=20)
    first, second = file(pothole), file(pothole)
    mark_duplicate(first, parent=parent, actor=staff())
    assert SuggestedDuplicate.objects.get(request=first, candidate=parent).decision == "confirmed"
    # The second request was also offered the first; it joins the same parent.
    mark_duplicate(second, parent=first, actor=staff())
    second.refresh_from_db()
    parent.refresh_from_db()
    assert second.duplicate_of == parent
    assert parent.duplicate_count == 2
    assert SuggestedDuplicate.objects.get(request=second, candidate=first).decision == "confirmed"
    assert SuggestedDuplicate.objects.get(request=second, candidate=parent).decision == "confirmed"


def test_not_a_duplicate_is_recorded_once_and_no_longer_pending(pothole: ServiceType) -> None:
    other = earlier(pothole, north_m=20)
    new = file(pothole)
    user = staff("worker")
    dismiss_duplicate(new, candidate=other, actor=user)
    dismiss_duplicate(new, candidate=other, actor=user)
    suggestion = SuggestedDuplicate.objects.get(request=new, candidate=other)
    assert (suggestion.decision, suggestion.decided_by) == ("rejected", user)
    assert pending_duplicate_suggestions(new) == []
    assert AuditEvent.objects.filter(action="request.duplicate_dismissed", object_id=str(new.pk)).count() == 1
    new.refresh_from_db()
    assert new.status == "open" and new.duplicate_of is None


def test_a_case_found_on_the_page_can_be_dismissed_too(pothole: ServiceType) -> None:
    imported = earlier(pothole, north_m=20)
    other = earlier(pothole, north_m=30)
    dismiss_duplicate(imported, candidate=other, actor=staff())
    assert SuggestedDuplicate.objects.get(request=imported).decision == "rejected"


def test_a_case_is_not_its_own_duplicate(pothole: ServiceType) -> None:
    new = file(pothole)
    with pytest.raises(ActionRefused, match="itself"):
        dismiss_duplicate(new, candidate=new, actor=staff())
    with pytest.raises(IntegrityError), transaction.atomic():
        SuggestedDuplicate.objects.create(request=new, candidate=new, score=1, created_at=NOW)


def test_reopening_a_duplicate_takes_it_off_the_parents_count(pothole: ServiceType) -> None:
    parent = earlier(pothole)
    one, two = earlier(pothole), earlier(pothole)
    for case in (one, two):
        mark_duplicate(case, parent=parent, actor=staff())
    transition(one, "reopened", actor=staff())
    parent.refresh_from_db()
    assert parent.duplicate_count == 1
    assert update_audience(parent) == [parent.pk, two.pk]


# ---------------------------------------------------------------- who hears of the parent's updates


def test_the_audience_is_the_parent_and_its_duplicates(pothole: ServiceType) -> None:
    parent, one, two, unrelated = earlier(pothole), earlier(pothole), earlier(pothole), earlier(pothole)
    for case in (two, one):
        mark_duplicate(case, parent=parent, actor=staff())
    assert update_audience(parent) == [parent.pk, one.pk, two.pk]
    assert unrelated.pk not in update_audience(parent)
    # An update on a duplicate reaches its own reporters only.
    assert update_audience(one) == [one.pk]


def test_a_duplicate_of_a_duplicate_hears_of_the_root(pothole: ServiceType) -> None:
    root, middle, leaf = earlier(pothole), earlier(pothole), earlier(pothole)
    # Through the services: leaf → middle, then middle → root moves leaf to root.
    mark_duplicate(leaf, parent=middle, actor=staff())
    mark_duplicate(middle, parent=root, actor=staff())
    assert sorted(update_audience(root)) == sorted([root.pk, middle.pk, leaf.pk])
    root.refresh_from_db()
    assert root.duplicate_count == 2
    # Marking against a duplicate lands on the root.
    late = earlier(pothole)
    mark_duplicate(late, parent=leaf, actor=staff())
    late.refresh_from_db()
    assert late.duplicate_of == root


def test_a_chain_written_outside_the_services_still_reaches_every_reporter(pothole: ServiceType) -> None:
    root = earlier(pothole)
    middle = earlier(pothole, status="duplicate", duplicate_of=root)
    leaf = earlier(pothole, status="duplicate", duplicate_of=middle)
    deeper = earlier(pothole, status="duplicate", duplicate_of=leaf)
    assert update_audience(root) == [root.pk, middle.pk, leaf.pk, deeper.pk]
    assert update_audience(middle) == [middle.pk, leaf.pk, deeper.pk]


def test_a_cycle_in_bad_data_ends(pothole: ServiceType) -> None:
    a = earlier(pothole)
    b = earlier(pothole, status="duplicate", duplicate_of=a)
    ServiceRequest.objects.filter(pk=a.pk).update(duplicate_of=b)
    assert update_audience(a) == [a.pk, b.pk]


def test_the_suggestions_kept_at_intake_are_what_a_search_after_it_finds(pothole: ServiceType) -> None:
    """Intake searches before the request exists (on PostgreSQL in the INSERT's round
    trip); a search run afterwards, excluding the request, must find the same."""
    from civic311.cases.duplicates import score_duplicates

    near = earlier(pothole, north_m=20, description="Deep pothole by the bus stop")
    earlier(pothole, north_m=90, description="Cracked road")
    duplicate = earlier(pothole, north_m=40, description="pothole", duplicate_of=near)
    far = earlier(pothole, north_m=400, description="Deep pothole")
    request = file(pothole, description="Deep pothole near the bus stop")
    kept = list(SuggestedDuplicate.objects.filter(request=request).order_by("-score", "-candidate_id")
                .values_list("candidate_id", "score", "reasons"))
    again = score_duplicates(service_type=pothole, lat=LAT, long=LONG, requested_at=NOW,
                             description=request.description, exclude_id=request.pk)
    assert kept == [(c.pk, c.score, list(c.reasons)) for c in again]
    assert near.pk in {pk for pk, _, _ in kept} and far.pk not in {pk for pk, _, _ in kept}
    assert duplicate.pk not in {pk for pk, _, _ in kept}  # replaced by the request it duplicates
