"""The home page in a real browser: the neighborhood map draws without tiles."""

from __future__ import annotations

import pytest

from .factories import add_request, boston_with_squares

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data"), pytest.mark.browser]


def test_map_draws_every_neighborhood_without_a_tile_server(live_server, page) -> None:
    _east, west = boston_with_squares()
    add_request("W1", west)
    page.goto(live_server.url + "/")
    page.wait_for_selector("#map[data-ready=true]")
    assert page.locator("#map path.leaflet-interactive").count() == 2
    assert page.locator("#map img.leaflet-tile").count() == 0
    page.get_by_role("button", name="Español").click()
    page.wait_for_selector("html[lang=es]")
    assert page.get_by_role("heading", name="Vecindarios").is_visible()
