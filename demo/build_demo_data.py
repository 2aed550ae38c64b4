"""Build the demo data set shipped in demo/ from the real city files in ../shared/data.

    .venv/bin/python demo/build_demo_data.py [--shared PATH] [--out DIR] [--rows N]

Writes, next to this script:

- boston_neighborhoods.geojson: Boston's 26 neighborhood polygons, properties reduced to
  Name and Neighborhood_ID, simplified (shapely, topology preserved, 0.0001 degree) and
  with coordinates rounded to 6 decimals;
- boston_requests_2015.csv.gz: about 20,000 records of Boston's 2015 case export, with the
  export's own columns and header, chosen by a hash of the case id (so the same records
  whatever the order of the input), at least three of each service type; CASE_TITLE and
  CLOSURE_REASON redacted (civic311.privacy.redaction), photo URLs blanked, coordinates
  rounded to 4 decimals.

The same input gives the same bytes: records keep the input's order, JSON is written with
sorted keys, and gzip's header carries no time stamp.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from civic311.privacy.redaction import find_personal_data, redact_text  # noqa: E402

NEIGHBORHOODS_IN = Path("boston") / "boston_neighborhoods.geojson"
REQUESTS_IN = Path("boston") / "boston_311_2015_by_type_partial.csv.gz"
NEIGHBORHOODS_OUT = "boston_neighborhoods.geojson"
REQUESTS_OUT = "boston_requests_2015.csv.gz"

TOLERANCE = 0.0001  # degrees: about 8 m east-west and 11 m north-south in Boston
COORDINATE_DECIMALS = 6  # about 0.1 m
POINT_DECIMALS = 4  # about 10 m, as Boston's portal publishes them
KEPT_PROPERTIES = ("Name", "Neighborhood_ID")
NEIGHBORHOOD_COUNT = 26

REDACTED_COLUMNS = ("CASE_TITLE", "CLOSURE_REASON")
BLANKED_COLUMNS = ("SubmittedPhoto", "ClosedPhoto")
MIN_PER_TYPE = 3
MAX_GEOJSON_BYTES = 400_000
MAX_CSV_BYTES = 2_000_000

csv.field_size_limit(10_000_000)


def default_shared() -> Path:
    """../shared/data beside the project, or $CIVIC311_SHARED_DATA (as the tests use)."""
    return Path(os.environ.get("CIVIC311_SHARED_DATA", ROOT.parent / "shared" / "data"))


# --- neighborhoods -----------------------------------------------------------------------


def _rounded(value: Any, decimals: int) -> Any:
    """Coordinates (nested lists or tuples of floats) rounded."""
    if isinstance(value, (list, tuple)):
        return [_rounded(v, decimals) for v in value]
    return round(float(value), decimals)


def simplify_neighborhoods(source: dict[str, Any]) -> dict[str, Any]:
    """The FeatureCollection with reduced properties and simplified, rounded geometry."""
    features = []
    for feature in source["features"]:
        original = shape(feature["geometry"])
        simpler = shapely.set_precision(
            original.simplify(TOLERANCE, preserve_topology=True), 10**-COORDINATE_DECIMALS
        )
        if simpler.is_empty or not simpler.is_valid:
            raise SystemExit(f"{feature['properties'].get('Name')}: simplification broke the polygon")
        # Small neighborhoods lose most, relative to their area (Bay Village about 2.7 %).
        lost = original.symmetric_difference(simpler).area / original.area
        if lost > 0.05:
            raise SystemExit(f"{feature['properties'].get('Name')}: simplification changed {lost:.1%} of its area")
        geometry = mapping(simpler)
        properties = {key: feature["properties"][key] for key in KEPT_PROPERTIES}
        features.append(
            {
                "type": "Feature",
                "properties": properties,
                "geometry": {
                    "type": geometry["type"],
                    "coordinates": _rounded(geometry["coordinates"], COORDINATE_DECIMALS),
                },
            }
        )
    if len(features) != NEIGHBORHOOD_COUNT:
        raise SystemExit(f"expected {NEIGHBORHOOD_COUNT} neighborhoods, found {len(features)}")
    return {"type": "FeatureCollection", "name": "boston_neighborhoods", "features": features}


def geojson_text(collection: dict[str, Any]) -> str:
    """Compact JSON, one feature a line (small, and readable in a diff)."""
    head = {key: value for key, value in collection.items() if key != "features"}
    lines = [json.dumps(f, sort_keys=True, separators=(",", ":"), ensure_ascii=False) for f in collection["features"]]
    opening = json.dumps(head, sort_keys=True, separators=(",", ":"), ensure_ascii=False)[:-1]
    return opening + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"


# --- requests ----------------------------------------------------------------------------


def _rank(case_id: str) -> int:
    """A stable pseudo-random number for a case id."""
    return int.from_bytes(hashlib.sha256(case_id.encode("utf-8")).digest()[:8], "big")


def choose(rows: list[dict[str, str]], target: int) -> set[str]:
    """The case ids of about `target` rows: those whose hash falls in the lowest
    target/len(rows) part, and the lowest-hashed MIN_PER_TYPE of each type besides."""
    if not rows:
        return set()
    bound = (2**64) * min(1.0, target / len(rows))
    chosen = {r["CASE_ENQUIRY_ID"] for r in rows if _rank(r["CASE_ENQUIRY_ID"]) < bound}
    by_type: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        by_type[r["TYPE"]].append(r["CASE_ENQUIRY_ID"])
    for ids in by_type.values():
        chosen.update(sorted(ids, key=_rank)[:MIN_PER_TYPE])
    return chosen


def _round_text(value: str, decimals: int) -> str:
    value = value.strip()
    if not value:
        return value
    try:
        return str(round(float(value), decimals))
    except ValueError:
        return ""  # not a number: nothing worth keeping


def _round_pair(value: str, decimals: int) -> str:
    """'(42.35041, -71.08672)' with both numbers rounded."""
    inner = value.strip().strip("()")
    if "," not in inner:
        return value
    lat, long = (_round_text(part, decimals) for part in inner.split(",", 1))
    return f"({lat}, {long})" if lat and long else ""


def scrub(row: dict[str, str], counts: Counter[str]) -> dict[str, str]:
    """The row as it may be published."""
    clean = dict(row)
    for column in REDACTED_COLUMNS:
        for match in find_personal_data(clean[column]):
            counts[f"{column} {match.kind}"] += 1
        clean[column] = redact_text(clean[column])
    for column in BLANKED_COLUMNS:
        counts[f"{column} blanked"] += bool(clean[column].strip())
        clean[column] = ""
    clean["LATITUDE"] = _round_text(clean["LATITUDE"], POINT_DECIMALS)
    clean["LONGITUDE"] = _round_text(clean["LONGITUDE"], POINT_DECIMALS)
    clean["Geocoded_Location"] = _round_pair(clean["Geocoded_Location"], POINT_DECIMALS)
    return clean


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        missing = [c for c in (*REDACTED_COLUMNS, *BLANKED_COLUMNS, "CASE_ENQUIRY_ID", "TYPE") if c not in header]
        if missing:
            raise SystemExit(f"{path}: no column(s) {', '.join(missing)}")
        rows = [dict(zip(header, row, strict=True)) for row in reader if row]
    return header, rows


def csv_bytes(header: list[str], rows: Iterable[dict[str, str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[column] for column in header])
    return text.getvalue().encode("utf-8")


def gzipped(data: bytes, name: str) -> bytes:
    """gzip with no time stamp, so that the same data gives the same bytes."""
    out = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=out, compresslevel=9, mtime=0) as fh:
        fh.write(data)
    return out.getvalue()


# --- the build ---------------------------------------------------------------------------


def build(shared: Path, out: Path, target_rows: int) -> list[str]:
    """Write the demo files; return lines that say what was written."""
    report = []
    source = json.loads((shared / NEIGHBORHOODS_IN).read_text(encoding="utf-8"))
    geojson = geojson_text(simplify_neighborhoods(source)).encode("utf-8")
    if len(geojson) > MAX_GEOJSON_BYTES:
        raise SystemExit(f"{NEIGHBORHOODS_OUT} would be {len(geojson):,} bytes, over {MAX_GEOJSON_BYTES:,}")
    (out / NEIGHBORHOODS_OUT).write_bytes(geojson)
    report.append(f"{NEIGHBORHOODS_OUT}: {NEIGHBORHOOD_COUNT} neighborhoods, {len(geojson):,} bytes")

    header, rows = read_rows(shared / REQUESTS_IN)
    chosen = choose(rows, target_rows)
    counts: Counter[str] = Counter()
    kept = [scrub(row, counts) for row in rows if row["CASE_ENQUIRY_ID"] in chosen]
    data = gzipped(csv_bytes(header, kept), REQUESTS_OUT.removesuffix(".gz"))
    if len(data) > MAX_CSV_BYTES:
        raise SystemExit(f"{REQUESTS_OUT} would be {len(data):,} bytes, over {MAX_CSV_BYTES:,}")
    (out / REQUESTS_OUT).write_bytes(data)
    types = len({row["TYPE"] for row in kept})
    report.append(
        f"{REQUESTS_OUT}: {len(kept):,} of {len(rows):,} records, {types} service types, {len(data):,} bytes"
    )
    report += [f"  {what}: {n}" for what, n in sorted(counts.items())]
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=default_shared(), help="the shared data folder")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write (default: demo/)")
    parser.add_argument("--rows", type=int, default=20_000, help="about how many requests to keep")
    options = parser.parse_args(argv)
    if not (options.shared / REQUESTS_IN).is_file():
        parser.error(f"{options.shared / REQUESTS_IN} not found; pass --shared")
    options.out.mkdir(parents=True, exist_ok=True)
    for line in build(options.shared, options.out, options.rows):
        print(line)


if __name__ == "__main__":
    main()
