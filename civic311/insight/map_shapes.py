"""District outlines simplified for maps drawn on a page (about 10 m of tolerance): a
neighborhood polygon of thousands of vertices is sent and drawn in a few hundred. Cached
per process and rebuilt when the layer's revision changes."""

from __future__ import annotations

import threading
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from civic311.places.models import District, DistrictLayer

TOLERANCE_DEGREES = 0.0001
GRID_DEGREES = 0.00001  # coordinates kept to about a metre

_cache: dict[int, tuple[str, dict[int, dict[str, Any]]]] = {}
_lock = threading.Lock()


def simplified(geometry: dict[str, Any]) -> dict[str, Any]:
    """The GeoJSON geometry simplified (topology kept) and snapped to a one-metre grid."""
    geom = shape(geometry).simplify(TOLERANCE_DEGREES, preserve_topology=True)
    return dict(mapping(shapely.set_precision(geom, GRID_DEGREES)))


def layer_shapes(layer: DistrictLayer) -> dict[int, dict[str, Any]]:
    """{district id: simplified GeoJSON geometry} of every district of the layer."""
    with _lock:
        cached = _cache.get(layer.pk)
        if cached is not None and cached[0] == layer.revision:
            return cached[1]
    shapes = {pk: simplified(geometry)
              for pk, geometry in District.objects.filter(layer=layer).values_list("pk", "geometry")}
    with _lock:
        _cache[layer.pk] = (layer.revision, shapes)
    return shapes
