"""The NYC, Chicago, San Francisco and Los Angeles readers against every real export in
../shared/data: each whole file is imported into its own city's profile, over that city's
neighborhood layer, and checked against the file as the stdlib csv module reads it."""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db.models import F

from civic311.cases.models import ServiceRequest
from civic311.imports.areas import read_geojson
from civic311.imports.models import ImportRun
from civic311.imports.readers import READERS, detect_format
from civic311.imports.readers.base import read_header
from civic311.imports.readers.boston_csv import BostonCsvReader
from civic311.imports.services import ImportSummary
from civic311.places.models import District
from civic311.places.profiles import load_profile
from civic311.places.services import ensure_jurisdiction, load_layer

from .helpers import run_import

pytestmark = [pytest.mark.shared_data, pytest.mark.django_db]

CITY_FORMATS = ("nyc-csv", "chicago-csv", "sf-csv", "la-csv")


@dataclass(frozen=True)
class Layer:
    path: str
    name_field: str
    districts: int  # after features sharing a name are dissolved into one
    min_located: float  # share of located requests that must fall in a district


@dataclass(frozen=True)
class Known:
    """One real row of the file and what it must become."""

    source_id: str
    raw_type: str  # the row's type column, read back from the file
    raw_created: str
    service_name: str
    status: str
    requested: datetime
    closed: datetime | None
    channel: str


@dataclass(frozen=True)
class CityFile:
    path: str
    format: str
    profile: str
    id_column: str
    type_column: str
    created_column: str
    coordinates: tuple[str, str] | str  # (lat column, long column) or a "(lat, long)" column
    layer: Layer
    known: Known


NYC_DISTRICTS = Layer("nyc/nyc_community_districts.geojson", "name", 59, 0.99)
CHICAGO_AREAS = Layer("chicago/chicago_community_areas.geojson", "COMMUNITY", 77, 0.99)
SF_NEIGHBORHOODS = Layer("san_francisco/sf_analysis_neighborhoods.geojson", "nhood", 41, 0.99)
LA_COUNCILS = Layer("los_angeles/la_neighborhood_councils_certified.geojson", "name", 99, 0.98)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


NYC = dict(format="nyc-csv", profile="nyc", id_column="Unique Key", type_column="Complaint Type",
           created_column="Created Date", coordinates=("Latitude", "Longitude"), layer=NYC_DISTRICTS)
SF = dict(format="sf-csv", profile="san_francisco", id_column="CaseID", type_column="Request.Type",
          created_column="Opened", layer=SF_NEIGHBORHOODS)
LA_MYLA311 = dict(format="la-csv", profile="los_angeles", layer=LA_COUNCILS)

CITY_FILES = [
    CityFile(
        "nyc/nyc311_data237_sample.csv.gz", **NYC,  # type: ignore[arg-type]
        known=Known("17559153", "Illegal Animal Kept as Pet", "07/01/2010 05:10:36 PM",
                    "Illegal Animal Kept as Pet", "closed", utc(2010, 7, 1, 21, 10, 36),
                    utc(2010, 7, 2, 14, 28, 4), "phone"),
    ),
    CityFile(
        "nyc/nyc311_nyc311clean_test_sample3.csv.gz", **NYC,  # type: ignore[arg-type]
        known=Known("56924533", "HEAT/HOT WATER", "02/28/2023 11:17:49 PM", "HEAT/HOT WATER", "closed",
                    utc(2023, 3, 1, 4, 17, 49), utc(2023, 3, 5, 21, 41, 19), "web"),
    ),
    CityFile(
        "nyc/nyc311_pyboot_sample.csv.gz", **NYC,  # type: ignore[arg-type]
        known=Known("54046813", "Noise - Street/Sidewalk", "05/01/2022 12:00:09 AM",
                    "Noise - Street/Sidewalk", "closed", utc(2022, 5, 1, 4, 0, 9),
                    utc(2022, 5, 1, 4, 7, 46), "app"),
    ),
    CityFile(
        "chicago/chicago311_2021_sample.csv.gz", "chicago-csv", "chicago", "sr_number", "sr_type",
        "created_date", ("latitude", "longitude"), CHICAGO_AREAS,
        # Flagged duplicate="True" and Completed: a duplicate.
        Known("SR21-00000074", "Dead Animal Pick-Up Request", "2021-01-01T00:30:12.000",
              "Dead Animal Pick-Up Request", "duplicate", utc(2021, 1, 1, 6, 30, 12),
              utc(2021, 1, 4, 18, 44, 43), "phone"),
    ),
    CityFile(
        "san_francisco/sf311_cases_sample_10000.csv.gz", **SF, coordinates="Point",  # type: ignore[arg-type]
        known=Known("1167331", "Sidewalk_Cleaning", "07/15/2012 08:08:00 AM", "Sidewalk_Cleaning",
                    "closed", utc(2012, 7, 15, 15, 8), utc(2012, 7, 18, 3, 15), "phone"),
    ),
    CityFile(
        "san_francisco/sf311_cases_sample_enriched.csv.gz", **SF, coordinates=("Lat", "Long"),  # type: ignore[arg-type]
        known=Known("1834805", "Park - UrbanForestry", "2012-12-30 08:39:28", "Park - UrbanForestry",
                    "closed", utc(2012, 12, 30, 16, 39, 28), utc(2013, 1, 15, 15, 15, 14), "phone"),
    ),
    CityFile(
        "los_angeles/la_311_api_2021-09_2022-09.csv.gz", "la-csv", "los_angeles", "srnumber", "typeName",
        "createdDate", ("latitude", "longitude"), LA_COUNCILS,
        # The API's "Illegal Dumping" is MyLA311's "Illegal Dumping Pickup"; no closed date: open.
        Known("1-2500995771", "Illegal Dumping", "2022-09-19T11:07:12", "Illegal Dumping Pickup", "new",
              utc(2022, 9, 19, 18, 7, 12), None, "phone"),
    ),
    CityFile(
        "los_angeles/la_myla311_2017_subset.csv.gz", **LA_MYLA311, id_column="SRNumber",  # type: ignore[arg-type]
        type_column="RequestType", created_column="CreatedDate", coordinates=("Latitude", "Longitude"),
        known=Known("1-870694601", "Bulky Items", "12/31/2017 11:56:39 PM", "Bulky Items", "closed",
                    utc(2018, 1, 1, 7, 56, 39), utc(2018, 1, 3, 18, 11, 23), "web"),
    ),
    CityFile(
        "los_angeles/la_myla311_2020_seed.csv.gz", **LA_MYLA311, id_column="srnumber",  # type: ignore[arg-type]
        type_column="requesttype", created_column="createddate", coordinates=("latitude", "longitude"),
        known=Known("1-1523591123", "Metal/Household Appliances", "2020-01-01 00:21:00",
                    "Metal/Household Appliances", "closed", utc(2020, 1, 1, 8, 21), utc(2020, 1, 3, 23, 54),
                    "app"),
    ),
]


def run_id(summary: ImportSummary) -> int:
    assert summary.run_id is not None
    return summary.run_id


def csv_records(path: Path) -> list[dict[str, str]]:
    """The file's records as the stdlib csv module reads them (blank lines are no records)."""
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return [dict(zip(header, row, strict=True)) for row in reader if row]


def row_coordinates(row: dict[str, str], columns: tuple[str, str] | str) -> tuple[float, float]:
    if isinstance(columns, str):
        lat, long = row[columns].strip("()").split(",")
        return float(lat), float(long)
    return float(row[columns[0]]), float(row[columns[1]])


def load_neighborhoods(shared_data: Path, profile: str, layer: Layer) -> None:
    """Load the city's neighborhood layer; features sharing a name (SF's census tracts of
    one neighborhood) become one district each."""
    ensure_jurisdiction(load_profile(profile))
    path = shared_data / layer.path
    names = {f["properties"][layer.name_field] for f in json.loads(path.read_text())["features"]}
    features = read_geojson(path, layer.name_field, None, None)
    loaded, created, _ = load_layer(
        slug="neighborhoods", name="Neighborhoods", features=features, is_neighborhoods=True
    )
    assert created == len(names) == layer.districts
    assert District.objects.filter(layer=loaded).count() == created


@pytest.mark.parametrize("city", CITY_FILES, ids=[Path(c.path).name.removesuffix(".csv.gz") for c in CITY_FILES])
def test_whole_real_export_imports_into_its_city(shared_data: Path, city: CityFile) -> None:
    path = shared_data / city.path
    records = csv_records(path)
    ids = [row[city.id_column] for row in records]
    duplicate_ids = len(ids) - len(set(ids))
    load_neighborhoods(shared_data, city.profile, city.layer)

    summary = run_import(path, city.format, profile=city.profile)

    assert summary.rows_read == len(records)
    assert summary.created + summary.rejected == summary.rows_read - duplicate_ids
    assert summary.created >= 0.95 * len(records)
    assert ServiceRequest.objects.count() == summary.created
    assert all(r.field and r.reason for r in summary.rejects)
    run = ImportRun.objects.get(pk=run_id(summary))
    assert (run.rows_read, run.created, run.rejected) == (len(records), summary.created, summary.rejected)

    # A known row, read independently, is stored with its type, status, UTC times, place.
    row = next(r for r in records if r[city.id_column] == city.known.source_id)
    assert (row[city.type_column], row[city.created_column]) == (city.known.raw_type, city.known.raw_created)
    stored = ServiceRequest.objects.select_related("service_type", "detailed_status", "channel").get(
        public_id=city.known.source_id
    )
    assert stored.service_type.name == city.known.service_name
    assert stored.detailed_status.code == city.known.status
    assert stored.requested_at == city.known.requested
    assert stored.closed_at == city.known.closed
    assert (stored.lat, stored.long) == row_coordinates(row, city.coordinates)
    assert stored.neighborhood is not None
    assert stored.channel is not None and stored.channel.code == city.known.channel

    # No stored request closes before it was made; most located requests got a neighborhood.
    assert not ServiceRequest.objects.filter(closed_at__lt=F("requested_at")).exists()
    # Rows on a placeholder point of the city's profile (Chicago's 311 office) count as
    # having no location.
    profile = load_profile(city.profile)
    pinned = 0
    for record in records:
        try:
            lat, long = row_coordinates(record, city.coordinates)
        except ValueError:
            continue
        pinned += not profile.is_placeholder(lat, long)
    located = ServiceRequest.objects.exclude(lat=None)
    assert located.count() >= 0.95 * pinned
    assert located.exclude(neighborhood=None).count() >= city.layer.min_located * located.count()

    # Importing the same file again changes nothing.
    again = run_import(path, city.format, profile=city.profile)
    assert (again.created, again.updated, again.rejected) == (0, 0, summary.rejected)
    assert again.unchanged == summary.created
    assert ServiceRequest.objects.count() == summary.created


@pytest.mark.parametrize("city", CITY_FILES, ids=[Path(c.path).name.removesuffix(".csv.gz") for c in CITY_FILES])
def test_format_is_detected_from_the_real_header(shared_data: Path, city: CityFile) -> None:
    header = read_header(shared_data / city.path)
    assert detect_format(shared_data / city.path) == city.format
    assert not BostonCsvReader.sniff(header)
    claiming = [f for f in CITY_FORMATS if READERS[f].sniff(header)]
    assert claiming == [city.format]


@pytest.mark.parametrize(
    "path",
    ["boston/boston_311_2011_h2.csv.gz", "boston/boston_311_2015_by_type_partial.csv.gz",
     "boston/boston_311_2025_sample.csv.gz", "st_louis/stl_csb_2008-2012.csv.gz"],
)
def test_city_readers_do_not_claim_other_cities_exports(shared_data: Path, path: str) -> None:
    header = read_header(shared_data / path)
    assert header
    assert [f for f in CITY_FORMATS if READERS[f].sniff(header)] == []


def test_nyc_closed_date_before_creation_is_dropped_and_request_kept(shared_data: Path) -> None:
    path = shared_data / "nyc/nyc311_nyc311clean_test_sample3.csv.gz"
    row = next(r for r in csv_records(path) if r["Unique Key"] == "56923577")
    assert (row["Created Date"], row["Closed Date"], row["Status"]) == (
        "02/28/2023 11:45:00 PM", "01/01/2023 01:00:00 AM", "Closed"
    )
    summary = run_import(path, "nyc-csv", profile="nyc")
    assert summary.rejected == 0
    stored = ServiceRequest.objects.get(public_id="56923577")
    assert stored.detailed_status.code == "closed" and stored.status == "closed"
    assert stored.requested_at == utc(2023, 3, 1, 4, 45)
    assert stored.closed_at is None
    # The resolution's own timestamp (03/01/2023 01:00:00 AM) is the last update.
    assert stored.updated_at == utc(2023, 3, 1, 6, 0)
    # The export's text, stored as UTF-8 read as Latin-1, is repaired.
    assert "Transportation’s website" in stored.status_notes


def test_nyc_statuses_map_to_detailed_statuses(shared_data: Path) -> None:
    path = shared_data / "nyc/nyc311_data237_sample.csv.gz"
    expected = {"Closed": "closed", "In Progress": "in_progress", "Assigned": "assigned", "Open": "new",
                "Pending": "on_hold", "Unspecified": "new"}
    by_id = {r["Unique Key"]: expected[r["Status"]] for r in csv_records(path)}
    run_import(path, "nyc-csv", profile="nyc")
    stored = dict(ServiceRequest.objects.values_list("public_id", "detailed_status__code"))
    assert stored == by_id
    # The 01/01/1900 placeholder closed dates sit on open requests and are not kept.
    assert not ServiceRequest.objects.filter(closed_at__year__lt=2000).exists()


def test_sf_closed_dates_hours_before_opening_are_dropped(shared_data: Path) -> None:
    path = shared_data / "san_francisco/sf311_cases_sample_10000.csv.gz"
    fmt = "%m/%d/%Y %I:%M:%S %p"
    early = {
        r["CaseID"] for r in csv_records(path)
        if r["Closed"] and datetime.strptime(r["Closed"], fmt) < datetime.strptime(r["Opened"], fmt)
    }
    assert "3953406" in early and len(early) > 100
    summary = run_import(path, "sf-csv", profile="san_francisco")
    assert summary.rejected == 0
    kept = ServiceRequest.objects.filter(public_id__in=early)
    assert kept.count() == len(early)
    assert not kept.exclude(closed_at=None).exists()
    assert set(kept.values_list("status", flat=True)) == {"closed"}


def test_sf_media_urls_are_kept_only_when_http(shared_data: Path) -> None:
    path = shared_data / "san_francisco/sf311_cases_sample_enriched.csv.gz"
    records = csv_records(path)
    web = {r["CaseID"]: r["Media.URL"] for r in records if r["Media.URL"].startswith(("http://", "https://"))}
    assert web and any(r["Media.URL"] == "NA" for r in records)
    run_import(path, "sf-csv", profile="san_francisco")
    stored = dict(ServiceRequest.objects.exclude(media_url="").values_list("public_id", "media_url"))
    assert stored == web


def test_sf_case_without_request_type_is_filed_under_its_category(shared_data: Path) -> None:
    path = shared_data / "san_francisco/sf311_cases_sample_10000.csv.gz"
    untyped = {r["CaseID"]: r["Category"] for r in csv_records(path) if not r["Request.Type"]}
    assert untyped
    run_import(path, "sf-csv", profile="san_francisco")
    stored = ServiceRequest.objects.filter(public_id__in=untyped).values_list(
        "public_id", "service_type__name", "service_type__group"
    )
    assert len(stored) == len(untyped)
    # Typed cases "Abandoned Vehicle -" share the code of the category "Abandoned Vehicle".
    assert all(name.startswith(untyped[pk]) and group == untyped[pk] for pk, name, group in stored)


def test_chicago_duplicates_are_closed_as_duplicate(shared_data: Path) -> None:
    path = shared_data / "chicago/chicago311_2021_sample.csv.gz"
    records = csv_records(path)
    duplicates = {r["sr_number"] for r in records if r["duplicate"] == "True" and r["status"] != "Open"}
    cancelled = {r["sr_number"] for r in records if r["status"] == "Canceled"} - duplicates
    run_import(path, "chicago-csv", profile="chicago")
    assert set(ServiceRequest.objects.filter(detailed_status__code="duplicate")
               .values_list("public_id", flat=True)) == duplicates
    assert set(ServiceRequest.objects.filter(detailed_status__code="cancelled")
               .values_list("public_id", flat=True)) == cancelled
    assert not ServiceRequest.objects.filter(public_id__in=duplicates, status="open").exists()


def test_la_statuses_and_api_types_share_one_catalog(shared_data: Path) -> None:
    folder = shared_data / "los_angeles"
    for name in ("la_myla311_2017_subset.csv.gz", "la_311_api_2021-09_2022-09.csv.gz"):
        run_import(folder / name, "la-csv", profile="los_angeles")
    counts = {
        code: ServiceRequest.objects.filter(detailed_status__code=code).count()
        for code in ("cancelled", "transferred")
    }
    records = csv_records(folder / "la_myla311_2017_subset.csv.gz")
    assert counts == {
        "cancelled": sum(r["Status"] == "Cancelled" for r in records),
        "transferred": sum(r["Status"] == "Referred Out" for r in records),
    }
    # Both exports file bulky-item pickups under the same service type and department.
    bulky = ServiceRequest.objects.filter(service_type__name="Bulky Items")
    assert bulky.values("service_type").distinct().count() == 1
    assert set(bulky.values_list("department__code", flat=True)) == {"BOS"}
    assert not ServiceRequest.objects.filter(service_type__name__in=["Graffiti", "Illegal Dumping"]).exists()


# Rows that cannot be imported: real rows with one value broken, imported through the
# command's path. Each case: (file, column to break, broken value, field the reject names).
BROKEN = [
    ("nyc/nyc311_pyboot_sample.csv.gz", "nyc-csv", "nyc", "Created Date", "31/02/2022 25:00", "created date"),
    ("nyc/nyc311_pyboot_sample.csv.gz", "nyc-csv", "nyc", "Complaint Type", " ", "complaint type"),
    ("chicago/chicago311_2021_sample.csv.gz", "chicago-csv", "chicago", "latitude", "north", "latitude"),
    ("chicago/chicago311_2021_sample.csv.gz", "chicago-csv", "chicago", "sr_number", "", "sr_number"),
    ("san_francisco/sf311_cases_sample_10000.csv.gz", "sf-csv", "san_francisco", "Point", "somewhere", "point"),
    ("san_francisco/sf311_cases_sample_enriched.csv.gz", "sf-csv", "san_francisco", "Closed", "soon",
     "closed"),
    ("los_angeles/la_311_api_2021-09_2022-09.csv.gz", "la-csv", "los_angeles", "createdDate", "",
     "createddate"),
    ("los_angeles/la_myla311_2017_subset.csv.gz", "la-csv", "los_angeles", "UpdatedDate", "yesterday",
     "updateddate"),
    ("los_angeles/la_myla311_2020_seed.csv.gz", "la-csv", "los_angeles", "requesttype", "", "requesttype"),
]


ID_COLUMNS = {"nyc-csv": "Unique Key", "chicago-csv": "sr_number", "sf-csv": "CaseID", "la-csv": "srnumber"}
BOSTON_CITY_HALL = ("42.3601", "-71.0589")


def _lat_long_columns(header: list[str]) -> tuple[int, int] | None:
    folded = [h.lower() for h in header]
    for lat, long in (("latitude", "longitude"), ("lat", "long")):
        if lat in folded and long in folded:
            return folded.index(lat), folded.index(long)
    return None


@pytest.mark.parametrize(("source", "fmt", "profile", "column", "value", "field"), BROKEN,
                         ids=[f"{Path(b[0]).name.split('_')[0]}-{b[3]}" for b in BROKEN])
def test_broken_real_rows_are_rejected_with_a_reason(
    shared_data: Path, tmp_path: Path, source: str, fmt: str, profile: str, column: str, value: str,
    field: str,
) -> None:
    with gzip.open(shared_data / source, "rt", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [row for _, row in zip(range(40), reader, strict=False)]
    broken, id_at = header.index(column), [h.lower() for h in header].index(ID_COLUMNS[fmt].lower())
    expected = []
    for i in (5, 17):
        rows[i][broken] = value
        expected.append((rows[i][id_at], field))
    lat_long = _lat_long_columns(header)
    if lat_long is not None:
        # A point in Boston is outside this city.
        rows[30][lat_long[0]], rows[30][lat_long[1]] = BOSTON_CITY_HALL
        expected.append((rows[30][id_at], "lat/long"))
    expected.sort()
    sample = tmp_path / f"sample-{fmt}.csv"
    with sample.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, *rows])
    assert detect_format(sample) == fmt

    summary = run_import(sample, fmt, profile=profile)

    assert summary.rows_read == 40
    assert summary.rejected == len(expected)
    assert summary.created == 40 - len(expected)
    assert sorted((r.source_id, r.field) for r in summary.rejects) == expected
    assert all(r.reason for r in summary.rejects)
    assert all("outside Boston" not in r.reason for r in summary.rejects)
    stored = ImportRun.objects.get(pk=run_id(summary)).rejects
    assert sorted((r["source_id"], r["field"]) for r in stored) == expected
    assert all(r["reason"] and r["line"] > 1 for r in stored)
