"""Every real district layer in ../shared/data loads into its city: the expected number of
districts, each inside the city's extent, each found again by the point lookup."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from shapely.geometry import shape

from civic311.imports.areas import read_geojson, read_shapefile
from civic311.places import lookup
from civic311.places.models import District
from civic311.places.profiles import load_profile
from civic311.places.services import AreaFeature, ensure_jurisdiction, load_layer

pytestmark = [pytest.mark.shared_data, pytest.mark.django_db]


@dataclass(frozen=True)
class LayerFile:
    path: str
    profile: str
    name_field: str
    features: int
    districts: int  # after features sharing a name are dissolved
    sample: str  # a district the layer must have (names in capitals are title-cased)


BOSTON = LayerFile("boston/boston_neighborhoods.geojson", "boston", "Name", 26, 26, "Jamaica Plain")
LAYERS = [
    LayerFile("nyc/nyc_boroughs.geojson", "nyc", "name", 5, 5, "Staten Island"),
    LayerFile("nyc/nyc_community_districts.geojson", "nyc", "name", 59, 59, "Brooklyn Community District 1"),
    LayerFile("chicago/chicago_community_areas.geojson", "chicago", "COMMUNITY", 77, 77, "Hyde Park"),
    # 195 census tracts, each tagged with one of 41 analysis neighborhoods.
    LayerFile("san_francisco/sf_analysis_neighborhoods.geojson", "san_francisco", "nhood", 195, 41,
              "Hayes Valley"),
    LayerFile("los_angeles/la_council_districts_2012.geojson", "los_angeles", "name", 15, 15, "10"),
    LayerFile("los_angeles/la_neighborhood_councils_certified.geojson", "los_angeles", "name", 99, 99,
              "Lincoln Heights NC"),
]
LAYER_PARAMS = [
    pytest.param(BOSTON, id="boston_neighborhoods"),
    *(pytest.param(layer, id=Path(layer.path).name.removesuffix(".geojson")) for layer in LAYERS),
]


def load(features: list[AreaFeature], profile: str) -> tuple[int, int]:
    ensure_jurisdiction(load_profile(profile))
    _, created, updated = load_layer(slug="districts", name="Districts", features=features)
    return created, updated


def assert_districts_inside_and_found(profile: str) -> None:
    """Each district lies in the city's extent (so coordinates are lat/long in the right
    order, and no request inside it is rejected as outside the city), and the lookup puts
    its representative point back in it."""
    city = load_profile(profile)
    districts = list(District.objects.all())
    for district in districts:
        geometry = shape(district.geometry)
        centroid = geometry.centroid
        assert city.in_bbox(centroid.y, centroid.x), (district.name, centroid.y, centroid.x)
        min_long, min_lat, max_long, max_lat = geometry.bounds
        assert city.in_bbox(min_lat, min_long) and city.in_bbox(max_lat, max_long), (district.name, geometry.bounds)
    index = lookup.index_for_layer(districts[0].layer)
    found = index.locate_many([d.centroid_lat for d in districts], [d.centroid_long for d in districts])
    assert found == [d.pk for d in districts]


@pytest.mark.parametrize("layer", LAYER_PARAMS)
def test_real_geojson_layer_loads_into_its_city(shared_data: Path, layer: LayerFile) -> None:
    raw = json.loads((shared_data / layer.path).read_text())["features"]
    assert len(raw) == layer.features
    assert len({f["properties"][layer.name_field] for f in raw}) == layer.districts
    features = read_geojson(shared_data / layer.path, layer.name_field, None, None)
    assert len(features) == layer.features

    assert load(features, layer.profile) == (layer.districts, 0)

    assert District.objects.count() == layer.districts
    assert District.objects.filter(name=layer.sample).exists()
    assert_districts_inside_and_found(layer.profile)
    # Loading the same file again refreshes the districts instead of adding more.
    assert load(features, layer.profile) == (0, layer.districts)
    assert District.objects.count() == layer.districts


# areas.read_shapefile reprojects with shapely.ops.transform, deprecated since shapely 2.2.
@pytest.mark.filterwarnings("ignore:The 'shapely.ops.transform\\(\\)' function is deprecated:DeprecationWarning")
def test_st_louis_shapefile_is_reprojected_from_state_plane_feet(shared_data: Path) -> None:
    path = shared_data / "st_louis/stl_neighborhoods.shp"
    assert "StatePlane_Missouri_East" in path.with_suffix(".prj").read_text()
    features = read_shapefile(path, "NHD_NAME", "NHD_NUM", None)
    assert len(features) == 88
    assert len({f.name for f in features}) == 88

    assert load(features, "st_louis") == (88, 0)

    assert_districts_inside_and_found("st_louis")
    franz_park = District.objects.get(name="Franz Park")
    assert franz_park.code == "43"
    # Franz Park lies on the city's western edge, near Forest Park (38.63 N, 90.30 W).
    assert 38.60 < franz_park.centroid_lat < 38.65 and -90.32 < franz_park.centroid_long < -90.28


def test_philadelphia_neighborhoods_read_though_no_profile_serves_philadelphia(shared_data: Path) -> None:
    """No jurisdiction profile ships for Philadelphia, so the layer is only read here
    (its features are CC BY 3.0 US, credit Azavea Inc.)."""
    features = read_geojson(shared_data / "philadelphia/philly_neighborhoods_azavea.geojson", "listname",
                            None, None)
    assert len(features) == 158
    assert len({f.name for f in features}) == 158
    for feature in features:
        centroid = shape(feature.geometry).centroid
        # Philadelphia's extent: 39.87-40.14 N, 75.28-74.96 W.
        assert 39.86 <= centroid.y <= 40.14 and -75.29 <= centroid.x <= -74.95, feature.name
