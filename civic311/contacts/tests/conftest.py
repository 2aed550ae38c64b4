from __future__ import annotations

import pytest

from .factories import City, build_city


@pytest.fixture
def city(db: None) -> City:
    return build_city()
