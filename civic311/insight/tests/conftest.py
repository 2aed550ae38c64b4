from __future__ import annotations

import pytest
from shapely.geometry import box, mapping

from civic311.places.models import District
from civic311.places.services import AreaFeature, load_layer
from civic311.staff.tests.factories import City, build_city


@pytest.fixture
def city(db: None) -> City:
    return build_city()


@pytest.fixture
def wards(city: City) -> list[District]:
    """A second layer: Ward 1 north of 42.34° N, Ward 2 south of it, across both neighborhoods."""
    north = AreaFeature(name="Ward 1", geometry=mapping(box(-71.15, 42.34, -70.99, 42.38)), population=20000)
    south = AreaFeature(name="Ward 2", geometry=mapping(box(-71.15, 42.30, -70.99, 42.34)), population=5000)
    layer, _, _ = load_layer(slug="wards", name="Wards", features=[north, south])
    return list(layer.districts.order_by("name"))
