"""The demo data shipped in demo/ is safe to publish, small, and what its build script
makes of the real files."""

from __future__ import annotations

import csv
import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from civic311.privacy.redaction import find_personal_data

DEMO = Path(__file__).resolve().parents[3] / "demo"
REQUESTS = DEMO / "boston_requests_2015.csv.gz"
NEIGHBORHOODS = DEMO / "boston_neighborhoods.geojson"
PHOTO_COLUMNS = ("SubmittedPhoto", "ClosedPhoto")
# Where Boston's case photos are served from, and what photo links look like.
PHOTO_LINK = re.compile(r"cityworker\.cityofboston\.gov|mayors24|/photos?/|\.(?:jpe?g|png|gif|heic)\b", re.I)
EMAIL = re.compile(r"[\w.+'%-]+@[\w-]+(?:\.[\w-]+)+")

csv.field_size_limit(10_000_000)


def demo_rows() -> tuple[list[str], list[list[str]]]:
    with gzip.open(REQUESTS, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, list(reader)


def test_demo_requests_hold_no_email_address_or_phone_number() -> None:
    header, rows = demo_rows()
    found = [
        (row[0], column, kind)
        for row in rows
        for column, value in zip(header, row, strict=True)
        for kind in {m.kind for m in find_personal_data(value)}
        if kind in ("email", "phone")
    ]
    assert found == []
    assert not any(EMAIL.search(value) for row in rows for value in row)


def test_demo_requests_hold_no_photo_link() -> None:
    header, rows = demo_rows()
    photo = [header.index(column) for column in PHOTO_COLUMNS]
    assert all(row[i] == "" for row in rows for i in photo)
    assert [value for row in rows for value in row if PHOTO_LINK.search(value)] == []


def test_demo_requests_are_a_year_of_boston_across_its_types() -> None:
    header, rows = demo_rows()
    assert REQUESTS.stat().st_size < 2_000_000
    assert 19_000 <= len(rows) <= 21_000
    assert len({row[header.index("TYPE")] for row in rows}) == 158
    assert {row[header.index("OPEN_DT")][6:10] for row in rows} == {"2015"}
    for column in ("LATITUDE", "LONGITUDE"):
        assert all(len(v.partition(".")[2]) <= 4 for v in (row[header.index(column)] for row in rows))


def test_demo_neighborhoods_are_small_and_plain() -> None:
    document = json.loads(NEIGHBORHOODS.read_text(encoding="utf-8"))
    assert NEIGHBORHOODS.stat().st_size < 400_000
    assert len(document["features"]) == 26
    assert all(set(f["properties"]) == {"Name", "Neighborhood_ID"} for f in document["features"])
    assert not re.search(r"\d\.\d{7}", NEIGHBORHOODS.read_text(encoding="utf-8"))


@pytest.mark.shared_data
def test_the_shipped_files_are_what_the_build_makes(shared_data: Path, tmp_path: Path) -> None:
    """Rebuilt from the real files, the demo comes out byte for byte as shipped: the build is
    deterministic and nobody edited its output by hand."""
    subprocess.run(
        [sys.executable, str(DEMO / "build_demo_data.py"), "--shared", str(shared_data), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for shipped in (REQUESTS, NEIGHBORHOODS):
        assert (tmp_path / shipped.name).read_bytes() == shipped.read_bytes(), shipped.name


@pytest.mark.shared_data
def test_the_demo_keeps_the_exports_header(shared_data: Path) -> None:
    with gzip.open(shared_data / "boston" / "boston_311_2015_by_type_partial.csv.gz", "rt", newline="") as fh:
        source_header = next(csv.reader(fh))
    assert demo_rows()[0] == source_header
