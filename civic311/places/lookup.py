"""Point → district lookup with a shapely STRtree, vectorised for imports, cached for intake."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import shape

from civic311.config.reference_cache import ReferenceCache

from .models import District, DistrictLayer, Jurisdiction


class AreaIndex:
    """Answers "which district contains this point?" for one layer."""

    def __init__(self, ids: Sequence[int], geometries: Sequence[dict]) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self.geoms = [shape(g) for g in geometries]
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)

    def locate_many(
        self, lats: Sequence[float | None], longs: Sequence[float | None]
    ) -> list[int | None]:
        """District id for each (lat, long) pair; None where no district (or no point)."""
        lat = np.array([math.nan if v is None else v for v in lats], dtype=float)
        lon = np.array([math.nan if v is None else v for v in longs], dtype=float)
        result = np.full(len(lat), -1, dtype=np.int64)
        if len(lat) and len(self.ids):
            # The tree narrows by bounding box only; each candidate area then tests its
            # points in one vectorised call on its prepared polygon (much faster than a
            # per-pair "within" predicate).
            points = shapely.points(lon, lat)
            point_idx, area_idx = self.tree.query(points)
            for area in np.unique(area_idx):
                candidates = point_idx[area_idx == area]
                inside = shapely.contains_xy(self.geoms[area], lon[candidates], lat[candidates])
                result[candidates[inside]] = self.ids[area]
        return [None if v < 0 else int(v) for v in result]

    def locate(self, lat: float | None, long: float | None) -> int | None:
        """`locate_many` for one point, without its arrays (intake locates one point in
        several layers at every request)."""
        if lat is None or long is None or math.isnan(lat) or math.isnan(long) or not len(self.ids):
            return None
        found = None
        # As locate_many: where areas overlap, the last one in the layer's order.
        for area in sorted(self.tree.query(shapely.Point(long, lat))):
            if shapely.contains_xy(self.geoms[area], long, lat):
                found = int(self.ids[area])
        return found


_cache: dict[int, tuple[str, AreaIndex]] = {}
_lock = threading.Lock()


def index_for_layer(layer: DistrictLayer) -> AreaIndex:
    """The cached index of `layer`, rebuilt when the layer's revision changed."""
    with _lock:
        cached = _cache.get(layer.pk)
        if cached is not None and cached[0] == layer.revision:
            return cached[1]
    rows = list(District.objects.filter(layer=layer).values_list("id", "geometry"))
    index = AreaIndex([r[0] for r in rows], [r[1] for r in rows])
    with _lock:
        _cache[layer.pk] = (layer.revision, index)
    return index


_layers: ReferenceCache[None, tuple[DistrictLayer, ...]] = ReferenceCache(
    "district-layers", lambda _: tuple(DistrictLayer.objects.order_by("pk")), [DistrictLayer, District])
_jurisdiction: ReferenceCache[None, Jurisdiction | None] = ReferenceCache(
    "jurisdiction", lambda _: Jurisdiction.objects.first(), [Jurisdiction])


_district_names: ReferenceCache[int, District | None] = ReferenceCache(
    # Names only: a polygon can weigh tens of kilobytes.
    "district-names", lambda pk: District.objects.filter(pk=pk).only("id", "name", "layer_id").first(), [District])


def district_named(pk: int) -> District | None:
    """The district `pk` with its name and layer only (no geometry), from the reference cache."""
    return _district_names.get(pk)


def district_layers() -> tuple[DistrictLayer, ...]:
    """Every district layer by id (from the reference cache: read-only)."""
    return _layers.get(None)


def current_jurisdiction() -> Jurisdiction | None:
    """The jurisdiction this instance serves (from the reference cache: read-only)."""
    return _jurisdiction.get(None)


def neighborhood_index() -> AreaIndex | None:
    """The index of the neighborhood layer, or None if the city has not loaded one."""
    layer = next((layer for layer in district_layers() if layer.is_neighborhoods), None)
    return index_for_layer(layer) if layer is not None else None
