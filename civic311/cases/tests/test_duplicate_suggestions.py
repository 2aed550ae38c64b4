"""Likely duplicates suggested at intake, on small hand-made cases: near or far, recent or
old, same type, same group or another, open or closed, and similar text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from civic311.cases.duplicates import haversine_m, jaccard, suggest_duplicates, tokens
from civic311.cases.models import ServiceRequest, Status
from civic311.catalog.models import ServiceType

from .factories import department, request_in, service_type

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
LAT, LONG = 42.35, -71.06
NORTH_100M = 100 / 111_320  # degrees of latitude


@pytest.fixture
def streetlight() -> ServiceType:
    return service_type("streetlight-out", dept=department("pwd"), group="Street lights")


def filed(kind: ServiceType, *, ago: timedelta = timedelta(days=1), north_m: float = 0, status: str = "new",
          description: str = "", **fields: Any) -> ServiceRequest:
    return request_in(status, kind=kind, requested_at=NOW - ago, lat=LAT + north_m / 111_320, long=LONG,
                      description=description, **fields)


def suggest(kind: ServiceType, description: str = "", **kwargs: Any) -> list[ServiceRequest]:
    found = suggest_duplicates(service_type=kind, lat=LAT, long=LONG, requested_at=NOW, description=description,
                               **kwargs)
    return [s.request for s in found]


def test_a_near_recent_open_request_of_the_same_type_is_suggested(streetlight: ServiceType) -> None:
    near = filed(streetlight, north_m=100, ago=timedelta(hours=5))
    [suggestion] = suggest_duplicates(service_type=streetlight, lat=LAT, long=LONG, requested_at=NOW, description="")
    assert suggestion.request == near
    assert suggestion.reasons == ("same service type", "100 m away", "filed 5 h earlier", "open")
    assert 0.5 < suggestion.score < 1


def test_far_old_later_and_long_closed_requests_are_not(streetlight: ServiceType) -> None:
    filed(streetlight, north_m=200)
    filed(streetlight, ago=timedelta(days=20))
    filed(streetlight, ago=-timedelta(hours=1))  # filed after the new one
    filed(streetlight, status="closed", closed_at=NOW - timedelta(days=10))
    filed(streetlight, status="closed", closed_at=None)  # closed, no date: not trusted as open
    assert suggest(streetlight) == []


def test_a_request_closed_just_before_is_suggested(streetlight: ServiceType) -> None:
    fixed = filed(streetlight, ago=timedelta(days=5), status="resolved", closed_at=NOW - timedelta(days=1))
    [suggestion] = suggest_duplicates(service_type=streetlight, lat=LAT, long=LONG, requested_at=NOW, description="")
    assert suggestion.request == fixed and suggestion.reasons[-1] == "closed 24 h before"


def test_a_request_closed_later_was_open_at_the_time(streetlight: ServiceType) -> None:
    # Replaying history: what is closed now was open when the new request came in.
    then_open = filed(streetlight, status="closed", closed_at=NOW + timedelta(days=2))
    found = suggest_duplicates(service_type=streetlight, lat=LAT, long=LONG, requested_at=NOW, description="")
    assert [s.request for s in found] == [then_open] and found[0].reasons[-1] == "open"


def test_the_same_group_is_related_and_another_group_is_not(streetlight: ServiceType) -> None:
    flickering = service_type("streetlight-flickering", dept=department("pwd"), group="Street lights")
    pothole = service_type("pothole", dept=department("pwd"), group="Roads")
    same = filed(streetlight, north_m=50)
    related = filed(flickering, north_m=50)
    filed(pothole)
    found = suggest_duplicates(service_type=streetlight, lat=LAT, long=LONG, requested_at=NOW, description="")
    assert [s.request for s in found] == [same, related]
    assert found[1].reasons[0] == "same group (Street lights)" and found[0].score > found[1].score


def test_without_a_group_only_the_same_type_counts() -> None:
    graffiti = service_type("graffiti", dept=department("pwd"))
    other = service_type("litter", dept=department("pwd"))
    same = filed(graffiti)
    filed(other)
    assert suggest(graffiti) == [same]


def test_closer_and_newer_rank_first(streetlight: ServiceType) -> None:
    far_old = filed(streetlight, north_m=140, ago=timedelta(days=12))
    near_new = filed(streetlight, north_m=10, ago=timedelta(hours=2))
    middle = filed(streetlight, north_m=70, ago=timedelta(days=6))
    assert suggest(streetlight) == [near_new, middle, far_old]
    assert suggest(streetlight, limit=2) == [near_new, middle]


def test_similar_text_breaks_a_tie(streetlight: ServiceType) -> None:
    other_problem = filed(streetlight, north_m=60, description="Light out on the bridge ramp")
    same_problem = filed(streetlight, north_m=60, description="Lamp post flickering all night by the school")
    found = suggest_duplicates(service_type=streetlight, lat=LAT, long=LONG, requested_at=NOW,
                               description="the lamp post by the school keeps flickering")
    assert [s.request for s in found] == [same_problem, other_problem]
    assert "similar description (57% words shared)" in found[0].reasons


def test_a_duplicate_stands_for_its_parent(streetlight: ServiceType) -> None:
    parent = filed(streetlight, ago=timedelta(days=30), north_m=500)  # out of reach itself
    filed(streetlight, status="duplicate", closed_at=NOW + timedelta(hours=1), duplicate_of=parent)
    assert suggest(streetlight) == [parent]


def test_no_point_no_suggestion_and_a_request_is_not_its_own_duplicate(streetlight: ServiceType) -> None:
    itself = filed(streetlight, ago=timedelta(0))
    assert suggest_duplicates(service_type=streetlight, lat=None, long=None, requested_at=NOW, description="") == []
    assert suggest(streetlight, exclude_id=itself.pk) == []
    assert suggest(streetlight) == [itself]


def test_the_window_and_radius_can_be_set(streetlight: ServiceType, settings: Any) -> None:
    farther = filed(streetlight, north_m=250, ago=timedelta(days=20))
    assert suggest(streetlight) == []
    assert suggest(streetlight, radius_m=300, window=timedelta(days=30)) == [farther]
    settings.CIVIC311_DUPLICATES = {"radius_m": 300, "window_days": 30}
    assert suggest(streetlight) == [farther]


def test_suggesting_takes_two_queries(streetlight: ServiceType, django_assert_num_queries: Any) -> None:
    for n in range(20):
        filed(streetlight, north_m=n * 5, ago=timedelta(hours=n + 1))
    new = Status.objects.get(code="new")
    suggest_duplicates(service_type=streetlight, lat=LAT, long=LONG, requested_at=NOW, description="x")
    # Once the group's service types are cached: the candidates, then the requests shown.
    with django_assert_num_queries(2):
        found = suggest_duplicates(service_type=streetlight, lat=LAT, long=LONG, requested_at=NOW, description="x")
        assert len(found) == 5 and found[0].request.detailed_status == new
        assert found[0].request.service_type.name == "Streetlight Out"


def test_the_measures() -> None:
    assert haversine_m(42.35, -71.06, 42.35 + NORTH_100M, -71.06) == pytest.approx(100, abs=0.5)
    assert haversine_m(42.35, -71.06, 42.35, -71.06) == 0
    assert tokens("The lamp-post, near 12 Elm St!") == frozenset({"lamp", "post", "12", "elm"})
    assert jaccard(frozenset({"a1", "b2"}), frozenset({"b2", "c3"})) == pytest.approx(1 / 3)
    assert jaccard(frozenset(), frozenset({"x"})) == 0


@pytest.mark.parametrize(("lat", "long"), [
    (42.3475, -71.0625),  # on a grid line of both coordinates (west of Greenwich: negative)
    (42.34749, -71.06249),  # just south-east of it
    (-33.8675, 151.2075),  # south of the equator, east of Greenwich
    (0.0001, -0.0001),  # where truncation and rounding of the cell differ most
])
def test_neighbours_across_a_grid_cell_edge_are_found(streetlight: ServiceType, lat: float, long: float) -> None:
    # The candidates come from the (geocell, requested_at) index: a request 60 m away in
    # the next cell, whichever way the database rounds the cell, must still be found.
    step = 60 / 111_320
    around = [request_in("new", kind=streetlight, requested_at=NOW - timedelta(hours=2), lat=lat + dy * step,
                         long=long + dx * step, description="") for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1))]
    found = suggest_duplicates(service_type=streetlight, lat=lat, long=long, requested_at=NOW, description="")
    assert {s.request.pk for s in found} == {r.pk for r in around}


def test_a_wide_radius_beyond_the_grid_limit_still_finds_requests(streetlight: ServiceType) -> None:
    far = filed(streetlight, north_m=30_000)
    found = suggest(streetlight, radius_m=40_000)
    assert found == [far]
