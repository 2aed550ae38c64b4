"""Real Boston request history as daily counts[day, neighborhood] per service type, for the early-warning
benchmarks (no database, no Django): points of the Open311 archive 2008–2016 mapped to the 26
neighborhood polygons with a shapely STRtree, cached in bench/.cache/.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import shape

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CIVIC311_SHARED_DATA", ROOT.parent / "shared" / "data"))
ARCHIVE = Path("boston") / "boston_open311_2008-2016.jsonl.gz"
NEIGHBORHOODS = Path("boston") / "boston_neighborhoods.geojson"
CACHE = ROOT / "bench" / ".cache"
EPOCH = dt.date(2008, 1, 1)
BOSTON = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class BostonHistory:
    """Every located archive request as (day, type, neighborhood, lon, lat), plus the neighborhoods."""

    day: NDArray[np.int64]  # days since 2008-01-01, Boston local date
    service_type: NDArray[np.int64]
    area: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    type_names: list[str]
    area_names: list[str]
    area_lonlat: NDArray[np.float64]  # (areas, 2) polygon centroids
    polygons: list[shapely.Geometry]

    def counts(self, service_type: int, first_day: int, n_days: int) -> NDArray[np.int64]:
        """counts[day, area] of one type for days first_day .. first_day + n_days − 1."""
        sel = (self.service_type == service_type) & (self.day >= first_day) & (self.day < first_day + n_days)
        codes = (self.day[sel] - first_day) * len(self.area_names) + self.area[sel]
        flat = np.bincount(codes, minlength=n_days * len(self.area_names))
        return flat.reshape(n_days, len(self.area_names)).astype(np.int64)


def day_index(date: dt.date) -> int:
    return (date - EPOCH).days


def load_polygons(shared: Path = SHARED) -> tuple[list[str], list[shapely.Geometry]]:
    with open(shared / NEIGHBORHOODS, encoding="utf-8") as f:
        features = json.load(f)["features"]
    names = []
    geoms = []
    for feature in sorted(features, key=lambda f: f["properties"]["Name"]):
        geom = shape(feature["geometry"])
        if not geom.is_valid:
            geom = geom.buffer(0)
        names.append(feature["properties"]["Name"])
        geoms.append(geom)
    return names, geoms


def locate(polygons: list[shapely.Geometry], lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.int64]:
    """Index of the polygon holding each point, −1 outside all (STRtree, predicate "within")."""
    tree = shapely.STRtree(polygons)
    points = shapely.points(lon, lat)
    point_idx, poly_idx = tree.query(points, predicate="within")
    area = np.full(len(lon), -1, dtype=np.int64)
    area[point_idx] = poly_idx
    return area


def load_history(shared: Path = SHARED) -> BostonHistory:
    """The archive's located requests by day, type and neighborhood (cached after the first run)."""
    names, polygons = load_polygons(shared)
    centroids = np.array([[p.centroid.x, p.centroid.y] for p in polygons])
    cache = CACHE / "early_warning_boston.npz"
    if cache.exists():
        z = np.load(cache, allow_pickle=False)
        return BostonHistory(
            day=z["day"],
            service_type=z["service_type"],
            area=z["area"],
            lon=z["lon"],
            lat=z["lat"],
            type_names=[str(s) for s in z["type_names"]],
            area_names=names,
            area_lonlat=centroids,
            polygons=polygons,
        )
    days: list[int] = []
    types: list[str] = []
    lons: list[float] = []
    lats: list[float] = []
    with gzip.open(shared / ARCHIVE, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            lat, lon, when = record.get("lat"), record.get("long"), record.get("requested_datetime")
            if lat is None or lon is None or not when:
                continue
            local = dt.datetime.fromisoformat(when).astimezone(BOSTON).date()
            days.append(day_index(local))
            types.append(record.get("service_name") or "")
            lons.append(float(lon))
            lats.append(float(lat))
    lon_a = np.array(lons)
    lat_a = np.array(lats)
    area = locate(polygons, lon_a, lat_a)
    type_names = sorted(set(types))
    type_idx = {name: i for i, name in enumerate(type_names)}
    inside = area >= 0
    history = BostonHistory(
        day=np.array(days, dtype=np.int64)[inside],
        service_type=np.array([type_idx[t] for t in types], dtype=np.int64)[inside],
        area=area[inside],
        lon=lon_a[inside],
        lat=lat_a[inside],
        type_names=type_names,
        area_names=names,
        area_lonlat=centroids,
        polygons=polygons,
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        cache,
        day=history.day,
        service_type=history.service_type,
        area=history.area,
        lon=history.lon,
        lat=history.lat,
        type_names=np.array(type_names),
    )
    return history
