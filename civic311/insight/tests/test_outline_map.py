"""The report's outline map: shapes fitted to the width, the highlighted one drawn last."""

from __future__ import annotations

import math

from civic311.insight.outline_map import outline_map


def square(west: float, south: float, size: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[west, south], [west + size, south], [west + size, south + size],
                                                 [west, south + size], [west, south]]]}


def test_two_squares_side_by_side_fill_the_width() -> None:
    drawn = outline_map([("Here", square(0.0, 0.0, 1.0), True), ("There", square(1.0, 0.0, 1.0), False)], width=208)
    assert [s.name for s in drawn.shapes] == ["There", "Here"]
    assert drawn.shapes[1].path == "M4.0,104.0 L104.0,104.0 L104.0,4.0 L4.0,4.0 L4.0,104.0 Z"
    assert drawn.shapes[0].path.startswith("M104.0,104.0 L204.0,104.0")
    assert drawn.height == 108  # one degree tall at the equator: half the 200-pixel drawing width


def test_longitudes_shrink_with_latitude_and_repeated_points_are_dropped() -> None:
    ring = [[0.0, 60.0], [1.0, 60.0], [1.0, 60.0000001], [1.0, 61.0], [0.0, 61.0], [0.0, 60.0]]
    drawn = outline_map([("North", {"type": "MultiPolygon", "coordinates": [[ring]]}, False)], width=108)
    # At 60.5° N a degree of longitude is cos(60.5°) of a degree of latitude.
    assert drawn.height == int(100 / math.cos(math.radians(60.5))) + 8
    assert drawn.shapes[0].path.count("L") == 4  # five points: the near-duplicate is gone


def test_nothing_to_draw() -> None:
    assert outline_map([]).shapes == []
