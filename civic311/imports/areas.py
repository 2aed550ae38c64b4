"""Reading district layers: GeoJSON (WGS 84) and ESRI shapefiles (reprojected from their
.prj with pyproj)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from civic311.places.services import AreaFeature

from .records import MalformedFile

AREA_FORMATS = ("geojson", "shapefile")


def _name(properties: dict[str, Any], name_field: str | None, path: Path, index: int) -> str:
    if name_field:
        if name_field not in properties:
            raise MalformedFile(
                str(path), None, name_field,
                f"feature {index} has no property {name_field!r}; it has {', '.join(sorted(properties))}",
            )
        value = properties[name_field]
    else:
        value = next(
            (properties[k] for k in ("name", "Name", "NAME", "nhood", "COMMUNITY") if properties.get(k)), None
        )
    if value in (None, ""):
        raise MalformedFile(str(path), None, name_field or "name", f"feature {index} has no name")
    return _readable(str(value).strip())


def _readable(name: str) -> str:
    """Names exported in capitals ("LINCOLN HEIGHTS NC") in title case, short
    abbreviations kept ("Lincoln Heights NC")."""
    if not name.isupper():
        return name
    return " ".join(w if len(w) <= 2 and w.isalpha() and w not in {"OF", "DE", "LA", "EL"} else w.title()
                    for w in name.split())


def read_geojson(
    path: Path, name_field: str | None, code_field: str | None, population_field: str | None
) -> list[AreaFeature]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise MalformedFile(str(path), None, None, f"not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise MalformedFile(str(path), exc.lineno, None, f"invalid or truncated JSON: {exc.msg}") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise MalformedFile(str(path), 1, "type", "expected a GeoJSON FeatureCollection")
    raw_features = document.get("features")
    if not isinstance(raw_features, list):
        raise MalformedFile(str(path), None, "features", "the FeatureCollection has no list of features")
    features = []
    for index, feature in enumerate(raw_features, start=1):
        if not isinstance(feature, dict):
            raise MalformedFile(str(path), None, "features", f"feature {index} is not a GeoJSON object")
        geometry = feature.get("geometry") or {}
        if not isinstance(geometry, dict):
            raise MalformedFile(str(path), None, "geometry", f"feature {index} has no geometry object")
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise MalformedFile(str(path), None, "geometry", f"feature {index} is not a polygon")
        try:
            geom = shape(geometry)
        except (ValueError, TypeError, KeyError) as exc:
            raise MalformedFile(str(path), None, "geometry", f"feature {index}: {exc}") from None
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise MalformedFile(str(path), None, "properties", f"feature {index} has no properties object")
        features.append(
            AreaFeature(
                name=_name(props, name_field, path, index),
                geometry=mapping(geom),
                code=str(props.get(code_field, "")) if code_field else "",
                population=int(props[population_field]) if population_field and props.get(population_field) else None,
            )
        )
    if not features:
        raise MalformedFile(str(path), None, "features", "no features in the file")
    return features


def read_shapefile(
    path: Path, name_field: str | None, code_field: str | None, population_field: str | None
) -> list[AreaFeature]:
    import shapefile  # pyshp
    from pyproj import CRS, Transformer

    prj = path.with_suffix(".prj")
    project = None
    if prj.exists():
        source = CRS.from_wkt(prj.read_text())
        if not source.equals(CRS.from_epsg(4326)):
            project = Transformer.from_crs(source, CRS.from_epsg(4326), always_xy=True).transform
    try:
        reader = shapefile.Reader(str(path))
        shapes_records = reader.shapeRecords()
    except (shapefile.ShapefileException, OSError, ValueError) as exc:
        raise MalformedFile(str(path), None, None, f"not a readable shapefile: {exc}") from None
    features = []
    for index, item in enumerate(shapes_records, start=1):
        geom = shape(item.shape.__geo_interface__)
        if project is not None:
            geom = shapely.transform(geom, project, interleaved=False)
        props = item.record.as_dict()
        features.append(
            AreaFeature(
                name=_name(props, name_field, path, index),
                geometry=mapping(geom),
                code=str(props.get(code_field, "")) if code_field else "",
                population=int(props[population_field]) if population_field and props.get(population_field) else None,
            )
        )
    return features
