from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The vocabulary and the active campaign are cached; each test starts without them."""
    cache.clear()
    yield
    cache.clear()
