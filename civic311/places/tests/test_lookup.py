"""Point → district lookup on small hand-made squares, the per-layer index cache, and
dissolving same-named features into one area."""

from __future__ import annotations

import math
from typing import Any

import pytest
from django.db import transaction
from shapely.geometry import shape

from civic311.places.lookup import AreaIndex, index_for_layer, neighborhood_index
from civic311.places.models import District, DistrictLayer
from civic311.places.services import AreaFeature, dissolve_by_name, load_layer


def square(west: float, south: float, size: float = 1.0) -> dict[str, Any]:
    """A GeoJSON polygon: longitudes west..west+size, latitudes south..south+size."""
    ring = [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def index() -> AreaIndex:
    """Two unit squares side by side with a gap: A (ids 10) and B (id 20), and a
    two-part area C (id 30)."""
    c = {"type": "MultiPolygon", "coordinates": [square(10, 10)["coordinates"], square(20, 20)["coordinates"]]}
    return AreaIndex([10, 20, 30], [square(0, 0), square(2, 0), c])


def test_point_inside_a_square_gets_its_id(index: AreaIndex) -> None:
    assert index.locate(0.5, 0.5) == 10
    assert index.locate(0.5, 2.5) == 20
    assert index.locate(0.25, 2.75) == 20


def test_latitude_comes_first(index: AreaIndex) -> None:
    """locate(lat, long): a point north of A and west of B is in neither."""
    assert index.locate(0.5, 2.5) == 20
    assert index.locate(2.5, 0.5) is None


def test_point_in_either_part_of_a_multipolygon_gets_its_id(index: AreaIndex) -> None:
    assert index.locate(10.5, 10.5) == 30
    assert index.locate(20.5, 20.5) == 30
    assert index.locate(15.0, 15.0) is None


@pytest.mark.parametrize(
    ("lat", "long"),
    [(0.5, 1.5), (5.0, 5.0), (-0.5, 0.5), (42.36, -71.06)],
    ids=["the gap between squares", "beyond every square", "just south of A", "Boston"],
)
def test_point_on_no_polygon_gets_none(index: AreaIndex, lat: float, long: float) -> None:
    assert index.locate(lat, long) is None


@pytest.mark.parametrize(
    ("lat", "long"),
    [(None, None), (None, 0.5), (0.5, None), (math.nan, math.nan), (math.nan, 0.5), (0.5, math.nan)],
)
def test_missing_coordinates_get_none(index: AreaIndex, lat: float | None, long: float | None) -> None:
    assert index.locate(lat, long) is None


def test_locate_many_answers_in_order(index: AreaIndex) -> None:
    lats = [0.5, None, 0.5, 5.0, math.nan, 10.5, 0.5]
    longs = [2.5, 0.5, 0.5, 5.0, 0.5, 10.5, 0.5]

    assert index.locate_many(lats, longs) == [20, None, 10, None, None, 30, 10]
    assert index.locate_many([], []) == []


def test_index_without_areas_finds_nothing() -> None:
    empty = AreaIndex([], [])

    assert empty.locate_many([0.5, 1.0], [0.5, 1.0]) == [None, None]


@pytest.mark.django_db
def test_layer_index_is_cached_until_the_layer_changes() -> None:
    layer, created, _ = load_layer(
        slug="wards",
        name="Wards",
        features=[AreaFeature("Ward 1", square(0, 0)), AreaFeature("Ward 2", square(2, 0))],
    )
    assert created == 2
    ward_1 = District.objects.get(name="Ward 1").pk
    first = index_for_layer(layer)
    assert first.locate(0.5, 0.5) == ward_1
    assert index_for_layer(DistrictLayer.objects.get(pk=layer.pk)) is first  # same revision: cached
    revision = layer.revision

    # Ward 1 is redrawn further north; load_layer gives the layer a new revision.
    layer, created, updated = load_layer(
        slug="wards", name="Wards", features=[AreaFeature("Ward 1", square(0, 5)), AreaFeature("Ward 2", square(2, 0))]
    )
    assert (created, updated) == (0, 2)
    assert layer.revision != revision
    assert DistrictLayer.objects.get(pk=layer.pk).revision == layer.revision

    rebuilt = index_for_layer(layer)
    assert rebuilt is not first
    assert rebuilt.locate(0.5, 0.5) is None
    assert rebuilt.locate(5.5, 0.5) == ward_1
    assert index_for_layer(layer) is rebuilt


@pytest.mark.django_db
def test_layer_index_is_not_reused_after_a_rolled_back_load() -> None:
    """A layer loaded and indexed in a transaction that rolls back, then loaded again
    (on SQLite with the same id): the index must be that of the layer now stored."""
    with transaction.atomic():
        gone, _, _ = load_layer(slug="wards", name="Wards", features=[AreaFeature("Ward 1", square(0, 0))])
        assert index_for_layer(gone).locate(0.5, 0.5) is not None
        transaction.set_rollback(True)

    layer, _, _ = load_layer(slug="wards", name="Wards", features=[AreaFeature("Ward 1", square(0, 5))])

    index = index_for_layer(layer)
    assert index.locate(0.5, 0.5) is None
    assert index.locate(5.5, 0.5) == District.objects.get(name="Ward 1").pk


@pytest.mark.django_db
def test_neighborhood_index_is_that_of_the_neighborhood_layer() -> None:
    assert neighborhood_index() is None
    load_layer(slug="wards", name="Wards", features=[AreaFeature("Ward 1", square(0, 0))])
    assert neighborhood_index() is None

    load_layer(
        slug="neighborhoods",
        name="Neighborhoods",
        features=[AreaFeature("Back Bay", square(0, 0))],
        is_neighborhoods=True,
    )

    found = neighborhood_index()
    assert found is not None
    assert found.locate(0.5, 0.5) == District.objects.get(name="Back Bay").pk


def test_dissolve_merges_features_that_share_a_name() -> None:
    features = [
        AreaFeature("Dorchester", square(0, 0), code="D1", population=100),
        AreaFeature("Roxbury", square(5, 5), code="R", population=None),
        AreaFeature("Dorchester", square(1, 0), code="D2", population=50),
        AreaFeature("Dorchester", square(10, 10), code="D3", population=None),
    ]

    merged = dissolve_by_name(features)

    assert [f.name for f in merged] == ["Dorchester", "Roxbury"]
    dorchester, roxbury = merged
    geometry = shape(dorchester.geometry)
    assert geometry.area == pytest.approx(3.0)  # two touching squares and a separate one
    assert geometry.geom_type == "MultiPolygon" and len(geometry.geoms) == 2
    across = {"type": "Polygon", "coordinates": [[[0.5, 0.25], [1.5, 0.25], [1.5, 0.75], [0.5, 0.75], [0.5, 0.25]]]}
    assert geometry.contains(shape(across))  # the shared edge is gone
    assert (dorchester.code, dorchester.population) == ("D1", 150)
    assert roxbury is features[1]


def test_dissolve_keeps_population_unknown_when_no_part_has_one() -> None:
    merged = dissolve_by_name([AreaFeature("Fenway", square(0, 0)), AreaFeature("Fenway", square(1, 0))])

    assert len(merged) == 1 and merged[0].population is None
    assert shape(merged[0].geometry).area == pytest.approx(2.0)


@pytest.mark.django_db
def test_load_layer_stores_one_district_per_name() -> None:
    layer, created, _ = load_layer(
        slug="tracts",
        name="Tracts",
        features=[
            AreaFeature("North", square(0, 0)),
            AreaFeature("North", square(1, 0)),
            AreaFeature("South", square(0, 2)),
        ],
    )

    assert created == 2
    north = District.objects.get(layer=layer, name="North")
    assert shape(north.geometry).area == pytest.approx(2.0)
    assert index_for_layer(layer).locate(0.5, 1.5) == north.pk


def test_one_point_is_located_as_among_many_on_real_neighborhoods(shared_data: Any) -> None:
    """locate (one point, intake's path) agrees with locate_many (imports') on Boston's
    neighborhoods, for points inside, outside and between them."""
    import json
    import random

    features = json.loads((shared_data / "boston" / "boston_neighborhoods.geojson").read_text())["features"]
    index = AreaIndex(list(range(1, len(features) + 1)), [f["geometry"] for f in features])
    rng = random.Random(311)
    lats = [rng.uniform(42.22, 42.40) for _ in range(2000)]
    longs = [rng.uniform(-71.20, -70.98) for _ in range(2000)]
    expected = index.locate_many(lats, longs)
    assert [index.locate(lat, long) for lat, long in zip(lats, longs, strict=True)] == expected
    assert len({e for e in expected if e is not None}) > 20 and None in expected


def test_where_areas_overlap_one_point_gets_the_last_as_among_many() -> None:
    overlapping = AreaIndex([7, 8], [square(0, 0, 2), square(1, 1, 2)])
    assert overlapping.locate(1.5, 1.5) == overlapping.locate_many([1.5], [1.5])[0] == 8
    assert overlapping.locate(0.5, 0.5) == 7
