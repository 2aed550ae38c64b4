"""A small server-rendered SVG map of district outlines (no tiles, no script), for the
printable neighborhood report and its PDF."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Shape:
    path: str  # SVG path data
    highlighted: bool
    name: str


@dataclass(frozen=True)
class OutlineMap:
    width: int
    height: int
    shapes: list[Shape]


def _rings(geometry: dict[str, Any]) -> Iterable[Sequence[Sequence[float]]]:
    if geometry.get("type") == "Polygon":
        yield from geometry.get("coordinates", [])
    elif geometry.get("type") == "MultiPolygon":
        for polygon in geometry.get("coordinates", []):
            yield from polygon


def outline_map(areas: Sequence[tuple[str, dict[str, Any], bool]], *, width: int = 480) -> OutlineMap:
    """Outlines of (name, GeoJSON geometry, highlighted) areas, fitted to `width` pixels;
    longitudes are scaled by the cosine of the mean latitude so shapes keep their form."""
    points = [p for _, g, _ in areas for ring in _rings(g) for p in ring]
    if not points:
        return OutlineMap(width=width, height=width // 2, shapes=[])
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    scale_x = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = max((max(lons) - min(lons)) * scale_x, 1e-9)
    span_y = max(max(lats) - min(lats), 1e-9)
    pad = 4
    k = (width - 2 * pad) / span_x
    height = int(span_y * k) + 2 * pad
    shapes = []
    for name, geometry, highlighted in areas:
        parts = []
        for ring in _rings(geometry):
            coords = [f"{pad + (lon - min(lons)) * scale_x * k:.1f},{pad + (max(lats) - lat) * k:.1f}"
                      for lon, lat, *_ in ring]
            if coords:
                parts.append("M" + " L".join(coords) + " Z")
        shapes.append(Shape(path=" ".join(parts), highlighted=highlighted, name=name))
    # The highlighted area last, so its outline is drawn on top.
    shapes.sort(key=lambda s: s.highlighted)
    return OutlineMap(width=width, height=height, shapes=shapes)
