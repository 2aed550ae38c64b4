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
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    scale_x = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * scale_x, 1e-9)
    span_y = max(north - south, 1e-9)
    pad = 4
    k = (width - 2 * pad) / span_x
    height = int(span_y * k) + 2 * pad
    shapes = []
    for name, geometry, highlighted in areas:
        parts = []
        for ring in _rings(geometry):
            coords: list[str] = []
            for lon, lat, *_ in ring:
                point = f"{pad + (lon - west) * scale_x * k:.1f},{pad + (north - lat) * k:.1f}"
                if not coords or coords[-1] != point:  # detail finer than a tenth of a pixel is dropped
                    coords.append(point)
            if coords:
                parts.append("M" + " L".join(coords) + " Z")
        shapes.append(Shape(path=" ".join(parts), highlighted=highlighted, name=name))
    # The highlighted area last, so its outline is drawn on top.
    shapes.sort(key=lambda s: s.highlighted)
    return OutlineMap(width=width, height=height, shapes=shapes)
