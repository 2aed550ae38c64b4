"""Importing Boston's real exports: the 2011, 2015 and 2025 case CSVs and the 2008-2016
Open311 archive. Every expected figure is computed here from the file itself with the
standard csv/json modules (records, not lines), never taken from the importer.

Runtime: the 2015 export (121,145 records) is imported whole, once; every other test imports
a deterministic sample written to tmp_path: every 100th 2015 record plus a few named rows,
every 20th 2011 record, the first 20,000 lines of the Open311 archive (whose whole line
count is checked separately). The 2025 file (2,424 records) is imported whole."""

from __future__ import annotations

import csv
import functools
import gzip
import json
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import Point, shape
from shapely.prepared import prep

from civic311.cases.models import ServiceRequest
from civic311.catalog.models import Department, Queue, ServiceType
from civic311.imports.areas import read_geojson
from civic311.imports.models import ImportRun
from civic311.imports.services import ImportSummary
from civic311.places.models import DistrictLayer
from civic311.places.profiles import load_profile
from civic311.places.services import ensure_jurisdiction, load_layer

from .helpers import run_import

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data]

BOSTON_ZONE = ZoneInfo("America/New_York")
# The extent the city's profile accepts; the City Hall placeholder documented in
# ../shared/data/README.md, as the exports spell it.
BBOX = load_profile("boston").bbox  # min_lat, min_long, max_lat, max_long
CITY_HALL = ("42.3594", "-71.0587")
CHANNEL_OF_SOURCE = {
    "Constituent Call": "phone",
    "Citizens Connect App": "app",
    "Self Service": "web",
    "Employee Generated": "employee",
    "City Worker App": "employee",
    "Maximo Integration": "employee",
    "Twitter": "social",
}

# Named rows of the 2015 export (see the comments where they are used).
HEREFORD = "101001242404"  # 29 Hereford St, Back Bay, 2015-01-05 (EST), City Worker App, no TARGET_DT
DUPLICATE = "101001251797"  # closed "Duplicate of Existing Case", Constituent Call
SUMMER_APP = "101001420969"  # 2015-07-01 (EDT), Citizens Connect App, TARGET_DT set
AFTER_DST_START = "101001327610"  # 2015-03-09, the day after clocks went forward, Constituent Call
ALLSTON = "101001242542"  # source neighborhood "Allston / Brighton"
TWITTER_AT_CITY_HALL = "101001636623"  # Twitter, on the City Hall placeholder point
CORNHILL = "101001356719"  # 38-66 Cornhill, a real point at 42.3595, -71.0587 (next to City Hall)
NAMED_2015 = frozenset({HEREFORD, DUPLICATE, SUMMER_APP, AFTER_DST_START, ALLSTON, TWITTER_AT_CITY_HALL})
SAMPLE_STRIDE = 100
SAMPLE_STRIDE_2011 = 20


def boston(shared_data: Path, name: str) -> Path:
    return shared_data / "boston" / name


def read_records(path: Path) -> Iterator[tuple[list[str], list[str]]]:
    """(header, record) for each CSV record of a (gzipped) file."""
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        for record in reader:
            yield header, record


def local_to_utc(text: str) -> datetime | None:
    """A Boston local timestamp ("01/05/2015 12:40:41 PM" or "2011-07-01 01:32:33") in UTC."""
    text = text.strip()
    if not text:
        return None
    if text[2] == "/":  # MM/DD/YYYY hh:mm:ss AM, sliced (fast, and not the importer's strptime)
        hour = int(text[11:13]) % 12 + (12 if text[20:22] == "PM" else 0)
        local = datetime(int(text[6:10]), int(text[0:2]), int(text[3:5]), hour, int(text[14:16]), int(text[17:19]))
    else:
        local = datetime.fromisoformat(text)
    return local.replace(tzinfo=BOSTON_ZONE).astimezone(UTC)


@dataclass
class CsvFacts:
    """What a Boston CSV export holds, counted with the csv module."""

    header: list[str] = field(default_factory=list)
    records: int = 0
    placeholder_ids: set[str] = field(default_factory=set)
    no_point_ids: set[str] = field(default_factory=set)
    outside_ids: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    departments: set[str] = field(default_factory=set)
    queues: set[tuple[str, str]] = field(default_factory=set)
    sources: Counter[str] = field(default_factory=Counter)
    source_neighborhoods: Counter[str] = field(default_factory=Counter)
    no_target: int = 0
    open: int = 0
    duplicate_phrase_ids: set[str] = field(default_factory=set)
    duplicate_word: int = 0
    target_hours: dict[str, list[float]] = field(default_factory=dict)  # type name → hours
    sample: list[list[str]] = field(default_factory=list)
    named: dict[str, list[str]] = field(default_factory=dict)

    def median_target_hours(self) -> dict[str, float]:
        return {name: statistics.median(hours) for name, hours in self.target_hours.items()}


def collect(records: Iterable[tuple[list[str], list[str]]], stride: int = 0) -> CsvFacts:
    """Facts of the records; every `stride`-th record and the named rows go to .sample."""
    facts = CsvFacts()
    for index, (header, record) in enumerate(records):
        facts.header = header
        row = {k.lower(): v for k, v in zip(header, record, strict=True)}
        facts.records += 1
        case_id, type_name = row["case_enquiry_id"].strip(), row["type"].strip()
        lat, long = row["latitude"].strip(), row["longitude"].strip()
        if (lat, long) == CITY_HALL:
            facts.placeholder_ids.add(case_id)
        elif not lat or not long:
            facts.no_point_ids.add(case_id)
        elif not (BBOX[0] <= float(lat) <= BBOX[2] and BBOX[1] <= float(long) <= BBOX[3]):
            facts.outside_ids.add(case_id)
        facts.types.add(type_name)
        facts.departments.add(row["department"].strip())
        if row["queue"].strip():
            facts.queues.add((row["department"].strip(), row["queue"].strip()))
        facts.sources[row["source"].strip()] += 1
        facts.source_neighborhoods[row["neighborhood"].strip()] += 1
        opened = local_to_utc(row["open_dt"])
        target = local_to_utc(row.get("target_dt", row.get("sla_target_dt", "")))
        if target is None:
            facts.no_target += 1
        elif opened is not None and target > opened:
            facts.target_hours.setdefault(type_name, []).append((target - opened).total_seconds() / 3600)
        closed = row["case_status"].strip() == "Closed"
        facts.open += not closed
        if closed and "Duplicate of Existing Case" in row["closure_reason"]:
            facts.duplicate_phrase_ids.add(case_id)
        if closed and re.search(r"\bduplicate\b", row["closure_reason"], re.IGNORECASE):
            facts.duplicate_word += 1
        if stride and (index % stride == 0 or case_id in NAMED_2015):
            facts.sample.append(record)
        if case_id in NAMED_2015 or case_id == CORNHILL:
            facts.named[case_id] = record
    return facts


@functools.cache
def csv_facts(path: Path, stride: int = SAMPLE_STRIDE) -> CsvFacts:
    return collect(read_records(path), stride)


def write_csv(path: Path, header: list[str], records: Iterable[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(records)
    return path


def as_dicts(header: list[str], records: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(header, r, strict=True)) for r in records]


@functools.cache
def neighborhood_features(path: Path) -> tuple[Any, ...]:
    return tuple(read_geojson(path, "Name", None, None))


@functools.cache
def neighborhood_polygons(path: Path) -> dict[str, Any]:
    """Name → prepared shapely geometry, read straight from the GeoJSON."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return {f["properties"]["Name"]: prep(shape(f["geometry"])) for f in document["features"]}


def polygon_of(polygons: dict[str, Any], lat: float, long: float) -> str | None:
    point = Point(long, lat)
    names = [name for name, geom in polygons.items() if geom.contains(point)]
    assert len(names) <= 1, names
    return names[0] if names else None


@pytest.fixture
def neighborhoods(shared_data: Path) -> DistrictLayer:
    """Boston and its 26 neighborhood polygons, as `import_data` loads them."""
    features = neighborhood_features(boston(shared_data, "boston_neighborhoods.geojson"))
    ensure_jurisdiction(load_profile("boston"))
    layer, created, _ = load_layer(slug="neighborhoods", name="Neighborhoods", features=features, is_neighborhoods=True)
    assert created == 26
    return layer


@pytest.fixture
def export_2015(shared_data: Path) -> Path:
    return boston(shared_data, "boston_311_2015_by_type_partial.csv.gz")


@pytest.fixture
def sample_2015(export_2015: Path, tmp_path: Path) -> tuple[Path, list[dict[str, str]]]:
    """Every 100th record of the 2015 export plus the named rows, as a plain CSV."""
    facts = csv_facts(export_2015)
    path = write_csv(tmp_path / "boston_2015_sample.csv", facts.header, facts.sample)
    return path, as_dicts(facts.header, facts.sample)


def stored(public_id: str) -> ServiceRequest:
    return ServiceRequest.objects.select_related(
        "neighborhood", "channel", "detailed_status", "department", "queue", "service_type"
    ).get(public_id=public_id)


def assert_consistent(summary: ImportSummary, records: int) -> None:
    assert summary.rows_read == records
    assert summary.created + summary.updated + summary.unchanged + summary.rejected == records
    assert summary.run_id is not None
    run = ImportRun.objects.get(pk=summary.run_id)
    assert run.outcome == ImportRun.Outcome.SUCCEEDED
    assert (run.rows_read, run.created, run.updated, run.unchanged, run.rejected) == (
        summary.rows_read,
        summary.created,
        summary.updated,
        summary.unchanged,
        summary.rejected,
    )


# --- whole files -------------------------------------------------------------------------


def test_2015_export_loads_every_record_with_catalog_channels_and_service_levels(
    neighborhoods: DistrictLayer, export_2015: Path
) -> None:
    facts = csv_facts(export_2015)
    assert facts.records == 121_145  # as documented; lines would not be records in general

    summary = run_import(export_2015, "boston-csv")

    assert_consistent(summary, facts.records)
    assert summary.rejected == len(facts.outside_ids) == 0
    assert summary.created == facts.records == ServiceRequest.objects.count()

    # The City Hall placeholder means "no location": 17,070 rows in the file.
    assert len(facts.placeholder_ids) == 17_070
    no_location = set(ServiceRequest.objects.filter(lat__isnull=True).values_list("public_id", flat=True))
    assert facts.placeholder_ids <= no_location
    assert no_location == facts.placeholder_ids | facts.no_point_ids
    assert not ServiceRequest.objects.filter(lat__isnull=True, neighborhood__isnull=False).exists()

    # The catalog comes from the export: one service type per TYPE, departments, queues.
    assert ServiceType.objects.count() == len(facts.types) == 158
    assert set(ServiceType.objects.values_list("name", flat=True)) == facts.types
    assert set(Department.objects.values_list("code", flat=True)) == facts.departments
    assert Department.objects.get(code="PWDx").name == "Public Works Department"
    assert Department.objects.get(code="ISD").name == "Inspectional Services"
    assert Queue.objects.count() == len(facts.queues)

    # Channels, by the source's labels.
    expected_channels: Counter[str] = Counter()
    for source, count in facts.sources.items():
        expected_channels[CHANNEL_OF_SOURCE[source]] += count
    stored_channels = Counter(dict(_count_by("channel__code")))
    assert stored_channels == expected_channels
    assert stored_channels["phone"] == facts.sources["Constituent Call"] == 62_285
    assert stored_channels["app"] == facts.sources["Citizens Connect App"] == 18_838
    assert Counter(dict(_count_by("source_channel"))) == facts.sources

    # Statuses, targets, the source's neighborhood names kept as text.
    assert ServiceRequest.objects.filter(status="open").count() == facts.open == 19_873
    assert ServiceRequest.objects.filter(expected_at__isnull=True).count() == facts.no_target == 26_991
    duplicates = ServiceRequest.objects.filter(detailed_status__code="duplicate")
    assert set(duplicates.values_list("public_id", flat=True)) >= facts.duplicate_phrase_ids
    assert duplicates.count() == facts.duplicate_word
    assert Counter(dict(_count_by("source_neighborhood"))) == facts.source_neighborhoods
    assert ServiceRequest.objects.filter(source_neighborhood="").count() == 10_955

    # derive_service_levels: types with target dates got their median target, the others none.
    medians = facts.median_target_hours()
    assert medians, "the export has target dates"
    for service_type in ServiceType.objects.all():
        if service_type.name in medians:
            assert service_type.sla_hours is not None, service_type.name
            assert abs(float(service_type.sla_hours) - medians[service_type.name]) <= 0.006, service_type.name
        else:
            assert service_type.sla_hours is None, service_type.name


def _count_by(column: str) -> list[tuple[Any, int]]:
    from django.db.models import Count

    return [(row[column], row["n"]) for row in ServiceRequest.objects.values(column).annotate(n=Count("id")).order_by()]


def test_2011_export_sample_loads_every_record(neighborhoods: DistrictLayer, shared_data: Path, tmp_path: Path) -> None:
    whole = csv_facts(boston(shared_data, "boston_311_2011_h2.csv.gz"), SAMPLE_STRIDE_2011)
    assert whole.records == 58_251
    path = write_csv(tmp_path / "boston_2011_every_20th.csv", whole.header, whole.sample)
    facts = collect((whole.header, r) for r in whole.sample)
    assert facts.records == 2_913 and facts.placeholder_ids

    summary = run_import(path, "boston-csv")

    assert_consistent(summary, facts.records)
    assert summary.rejected == len(facts.outside_ids)
    assert summary.created == ServiceRequest.objects.count() == facts.records - summary.rejected
    assert (
        set(ServiceRequest.objects.filter(lat__isnull=True).values_list("public_id", flat=True))
        == facts.placeholder_ids | facts.no_point_ids
    )
    assert ServiceType.objects.count() == len(facts.types)
    assert set(Department.objects.values_list("code", flat=True)) == facts.departments
    assert ServiceRequest.objects.filter(expected_at__isnull=True).count() == facts.no_target
    assert ServiceRequest.objects.filter(status="open").count() == facts.open
    # 2011 dates are ISO-like local times: 2011-07-01 01:32:33 EDT.
    first = stored("101000295613")
    assert first.requested_at == datetime(2011, 7, 1, 5, 32, 33, tzinfo=UTC)
    assert first.expected_at == datetime(2011, 7, 15, 5, 32, 32, tzinfo=UTC)
    assert first.channel is not None and first.channel.code == "employee"
    assert first.neighborhood is not None and first.neighborhood.name == "Mattapan"
    assert first.source_neighborhood == "Greater Mattapan"


def test_2025_sample_loads_every_record_with_its_sla_target_dates(
    neighborhoods: DistrictLayer, shared_data: Path
) -> None:
    path = boston(shared_data, "boston_311_2025_sample.csv.gz")
    facts = csv_facts(path)
    assert facts.records == 2_424

    summary = run_import(path, "boston-csv")

    assert_consistent(summary, facts.records)
    assert summary.rejected == len(facts.outside_ids) == 0
    assert summary.created == ServiceRequest.objects.count() == facts.records
    # Two rows have no coordinates at all; none sits on City Hall.
    assert len(facts.no_point_ids) == 2 and not facts.placeholder_ids
    assert (
        set(ServiceRequest.objects.filter(lat__isnull=True).values_list("public_id", flat=True)) == facts.no_point_ids
    )
    assert ServiceRequest.objects.filter(expected_at__isnull=True).count() == facts.no_target == 0
    assert ServiceRequest.objects.filter(status="open").count() == facts.open == facts.records
    row = stored("101005870246")  # opened 2025-01-24 03:24:56 EST, target 2025-02-07 03:30
    assert row.requested_at == datetime(2025, 1, 24, 8, 24, 56, tzinfo=UTC)
    assert row.expected_at == datetime(2025, 2, 7, 8, 30, tzinfo=UTC)
    assert row.closed_at is None
    assert row.detailed_status.code == "assigned"  # open, in a queue
    assert row.channel is not None and row.channel.code == "app"
    assert row.neighborhood is not None and row.neighborhood.name == "East Boston"
    assert row.zipcode == "02128"


OPEN311_SAMPLE_LINES = 20_000


def test_open311_archive_has_one_request_a_line(shared_data: Path) -> None:
    with gzip.open(boston(shared_data, "boston_open311_2008-2016.jsonl.gz"), "rt", encoding="utf-8") as fh:
        assert sum(1 for line in fh if line.strip()) == 138_736


def test_open311_archive_sample_loads_and_refuses_points_outside_boston(
    neighborhoods: DistrictLayer, shared_data: Path, tmp_path: Path
) -> None:
    source = boston(shared_data, "boston_open311_2008-2016.jsonl.gz")
    with gzip.open(source, "rt", encoding="utf-8") as fh:
        lines = [next(fh) for _ in range(OPEN311_SAMPLE_LINES)]
    path = tmp_path / "boston_open311_first_20000.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    objects = [json.loads(line) for line in lines]
    outside = {
        o["service_request_id"]
        for o in objects
        if o.get("lat") is not None
        and not (BBOX[0] <= float(o["lat"]) <= BBOX[2] and BBOX[1] <= float(o["long"]) <= BBOX[3])
    }
    assert len(outside) == 57  # geocoded to 34.24439, -73.65139 (the Atlantic)

    summary = run_import(path, "open311-json")

    assert_consistent(summary, OPEN311_SAMPLE_LINES)
    assert summary.rejected == len(outside)
    assert summary.created == ServiceRequest.objects.count() == OPEN311_SAMPLE_LINES - len(outside)
    assert {r.source_id for r in summary.rejects} <= outside
    first_reject = summary.rejects[0]
    assert first_reject.field == "lat/long"
    assert "outside Boston" in first_reject.reason and "34.24439, -73.65139" in first_reject.reason
    assert first_reject.line == 1 + next(i for i, o in enumerate(objects) if o["service_request_id"] in outside)

    assert set(ServiceType.objects.values_list("code", "name")) == {
        (o["service_code"], o["service_name"]) for o in objects
    }
    assert ServiceRequest.objects.filter(status="open").count() == sum(o["status"] == "open" for o in objects)
    row = stored("101000001849")  # requested 2008-10-06T11:25:57-04:00, closed, updated 10-21
    assert row.requested_at == datetime(2008, 10, 6, 15, 25, 57, tzinfo=UTC)
    assert row.closed_at == row.updated_at == datetime(2008, 10, 21, 14, 4, 30, tzinfo=UTC)
    assert row.detailed_status.code == "closed"
    assert row.source_system == "open311"
    assert row.neighborhood is not None and row.neighborhood.name == "Jamaica Plain"
    with_newline = next(
        o for o in objects if "\n" in (o.get("description") or "") and o["service_request_id"] not in outside
    )
    assert stored(with_newline["service_request_id"]).description == with_newline["description"].strip()


# --- behaviours, on a sample of the 2015 export -------------------------------------------


def test_city_hall_placeholder_rows_are_stored_without_a_location(
    neighborhoods: DistrictLayer, sample_2015: tuple[Path, list[dict[str, str]]]
) -> None:
    path, rows = sample_2015
    placeholder = {r["CASE_ENQUIRY_ID"] for r in rows if (r["LATITUDE"], r["LONGITUDE"]) == CITY_HALL}
    assert len(placeholder) > 100

    summary = run_import(path, "boston-csv")

    assert summary.created == len(rows)
    no_location = ServiceRequest.objects.filter(lat__isnull=True, long__isnull=True)
    assert set(no_location.values_list("public_id", flat=True)) == placeholder
    assert not no_location.filter(neighborhood__isnull=False).exists()
    twitter = stored(TWITTER_AT_CITY_HALL)
    assert twitter.address == "2 Champney Pl Boston MA 02114"  # kept, double spaces collapsed
    assert twitter.source_neighborhood == "Beacon Hill"


def test_point_next_to_city_hall_keeps_its_location(
    neighborhoods: DistrictLayer, export_2015: Path, tmp_path: Path
) -> None:
    facts = csv_facts(export_2015)
    path = write_csv(tmp_path / "cornhill.csv", facts.header, [facts.named[CORNHILL], facts.named[HEREFORD]])

    run_import(path, "boston-csv")

    cornhill = stored(CORNHILL)
    assert (cornhill.lat, cornhill.long) == (42.3595, -71.0587)
    assert cornhill.neighborhood is not None


def test_neighborhood_is_derived_from_the_point_and_the_source_name_kept_as_text(
    neighborhoods: DistrictLayer, shared_data: Path, sample_2015: tuple[Path, list[dict[str, str]]]
) -> None:
    path, rows = sample_2015
    polygons = neighborhood_polygons(boston(shared_data, "boston_neighborhoods.geojson"))

    run_import(path, "boston-csv")

    hereford = stored(HEREFORD)  # 29 Hereford St: 42.3504, -71.0867
    assert polygon_of(polygons, 42.3504, -71.0867) == "Back Bay"
    assert hereford.neighborhood is not None and hereford.neighborhood.name == "Back Bay"
    assert hereford.source_neighborhood == "Back Bay"

    allston = stored(ALLSTON)  # 163-177 Allston St, filed by Boston under "Allston / Brighton"
    assert allston.source_neighborhood == "Allston / Brighton"
    assert allston.neighborhood is not None
    assert allston.neighborhood.name == polygon_of(polygons, 42.348, -71.1382) == "Allston"

    # Every located row of the sample sits in the polygon that contains its point.
    expected = {
        r["CASE_ENQUIRY_ID"]: polygon_of(polygons, float(r["LATITUDE"]), float(r["LONGITUDE"]))
        for r in rows
        if (r["LATITUDE"], r["LONGITUDE"]) != CITY_HALL
    }
    actual = dict(ServiceRequest.objects.filter(lat__isnull=False).values_list("public_id", "neighborhood__name"))
    assert actual == expected
    # Rows Boston left without a neighborhood name still get one from their point.
    blank = [r["CASE_ENQUIRY_ID"] for r in rows if not r["neighborhood"] and expected.get(r["CASE_ENQUIRY_ID"])]
    assert blank and all(actual[i] for i in blank)


def test_local_times_are_stored_in_utc_with_the_offset_of_their_day(
    neighborhoods: DistrictLayer, sample_2015: tuple[Path, list[dict[str, str]]]
) -> None:
    run_import(sample_2015[0], "boston-csv")

    winter = stored(HEREFORD)  # 01/05/2015 12:40:41 PM EST (UTC-5), closed 01/06 01:46:56 PM
    assert winter.requested_at == datetime(2015, 1, 5, 17, 40, 41, tzinfo=UTC)
    assert winter.closed_at == datetime(2015, 1, 6, 18, 46, 56, tzinfo=UTC)
    summer = stored(SUMMER_APP)  # 07/01/2015 06:06:00 AM EDT (UTC-4), target 07/02 08:30 AM
    assert summer.requested_at == datetime(2015, 7, 1, 10, 6, tzinfo=UTC)
    assert summer.expected_at == datetime(2015, 7, 2, 12, 30, tzinfo=UTC)
    assert summer.closed_at == datetime(2015, 7, 1, 15, 31, 23, tzinfo=UTC)
    march = stored(AFTER_DST_START)  # 03/09/2015 10:18:37 AM: EDT since the night of 03/08
    assert march.requested_at == datetime(2015, 3, 9, 14, 18, 37, tzinfo=UTC)
    assert march.expected_at == datetime(2015, 3, 16, 14, 18, 37, tzinfo=UTC)


def test_missing_target_date_gives_no_expected_time(
    neighborhoods: DistrictLayer, sample_2015: tuple[Path, list[dict[str, str]]]
) -> None:
    path, rows = sample_2015
    without = {r["CASE_ENQUIRY_ID"] for r in rows if not r["TARGET_DT"].strip()}
    assert 0 < len(without) < len(rows)

    run_import(path, "boston-csv")

    assert set(ServiceRequest.objects.filter(expected_at__isnull=True).values_list("public_id", flat=True)) == without
    assert stored(HEREFORD).expected_at is None
    assert stored(SUMMER_APP).expected_at is not None


def test_source_channels_are_mapped_to_civic311_channels(
    neighborhoods: DistrictLayer, sample_2015: tuple[Path, list[dict[str, str]]]
) -> None:
    path, rows = sample_2015

    run_import(path, "boston-csv")

    summer, phone = stored(SUMMER_APP), stored(AFTER_DST_START)
    assert summer.source_channel == "Citizens Connect App"
    assert summer.channel is not None and summer.channel.code == "app"
    assert phone.source_channel == "Constituent Call"
    assert phone.channel is not None and phone.channel.code == "phone"
    twitter = stored(TWITTER_AT_CITY_HALL)
    assert twitter.channel is not None and twitter.channel.code == "social"
    stored_codes = dict(ServiceRequest.objects.values_list("public_id", "channel__code"))
    assert stored_codes == {r["CASE_ENQUIRY_ID"]: CHANNEL_OF_SOURCE[r["Source"]] for r in rows}


def test_duplicate_closure_gives_the_duplicate_status(
    neighborhoods: DistrictLayer, sample_2015: tuple[Path, list[dict[str, str]]]
) -> None:
    path, rows = sample_2015

    run_import(path, "boston-csv")

    duplicate = stored(DUPLICATE)  # "Case Closed Duplicate of Existing Case Duplicate"
    assert duplicate.detailed_status.code == "duplicate"
    assert duplicate.status == "closed"
    assert duplicate.status_notes == "Case Closed Duplicate of Existing Case Duplicate"
    resolved = stored(SUMMER_APP)  # "... Case Resolved"
    assert (resolved.status, resolved.detailed_status.code) == ("closed", "closed")
    open_in_queue = next(r for r in rows if r["CASE_STATUS"] == "Open" and r["QUEUE"].strip())
    waiting = stored(open_in_queue["CASE_ENQUIRY_ID"])
    assert (waiting.status, waiting.detailed_status.code, waiting.closed_at) == ("open", "assigned", None)
    assert waiting.queue is not None and waiting.queue.code == open_in_queue["QUEUE"]


def test_strict_import_with_an_empty_catalog_rejects_every_row_naming_its_type(
    neighborhoods: DistrictLayer, sample_2015: tuple[Path, list[dict[str, str]]], tmp_path: Path
) -> None:
    path, rows = sample_2015
    assert not ServiceType.objects.exists()

    summary = run_import(path, "boston-csv", strict=True)

    assert summary.rows_read == summary.rejected == len(rows)
    assert summary.created == 0 and not ServiceRequest.objects.exists()
    assert not ServiceType.objects.exists()
    first = summary.rejects[0]
    assert first.line == 2 and first.source_id == rows[0]["CASE_ENQUIRY_ID"]
    assert first.field == "service type"
    assert "unknown service type 'abandoned-bicycle'" in first.reason  # TYPE "Abandoned Bicycle"
    run = ImportRun.objects.get(pk=summary.run_id or 0)
    assert run.outcome == ImportRun.Outcome.SUCCEEDED and run.strict
    assert run.rejected == len(rows) and len(run.rejects) == 50
    assert run.rejects[0]["reason"] == first.reason


def test_strict_import_keeps_the_rows_of_known_types(
    neighborhoods: DistrictLayer, sample_2015: tuple[Path, list[dict[str, str]]]
) -> None:
    path, rows = sample_2015
    ServiceType.objects.create(code="abandoned-bicycle", name="Abandoned Bicycle")
    known = {r["CASE_ENQUIRY_ID"] for r in rows if r["TYPE"].strip() == "Abandoned Bicycle"}
    assert known

    summary = run_import(path, "boston-csv", strict=True)

    assert summary.created == len(known)
    assert summary.rejected == len(rows) - len(known)
    assert set(ServiceRequest.objects.values_list("public_id", flat=True)) == known
    assert ServiceType.objects.count() == 1


def test_strict_import_of_unknown_types_leaves_the_catalog_untouched(
    neighborhoods: DistrictLayer, sample_2015: tuple[Path, list[dict[str, str]]]
) -> None:
    summary = run_import(sample_2015[0], "boston-csv", strict=True)

    assert summary.created == 0
    assert Department.objects.count() == 0
    assert Queue.objects.count() == 0


def test_reimport_is_idempotent_and_a_changed_row_is_updated(
    neighborhoods: DistrictLayer, sample_2015: tuple[Path, list[dict[str, str]]], tmp_path: Path
) -> None:
    path, rows = sample_2015
    first = run_import(path, "boston-csv")
    assert first.created == len(rows)
    before = dict(ServiceRequest.objects.values_list("public_id", "source_hash"))

    again = run_import(path, "boston-csv")

    assert (again.rows_read, again.created, again.updated, again.unchanged, again.rejected) == (
        len(rows),
        0,
        0,
        len(rows),
        0,
    )
    assert dict(ServiceRequest.objects.values_list("public_id", "source_hash")) == before

    # Boston reopens 29 Hereford St: Closed → Open, no closed date.
    changed = [dict(r) for r in rows]
    hereford = next(r for r in changed if r["CASE_ENQUIRY_ID"] == HEREFORD)
    assert hereford["CASE_STATUS"] == "Closed"
    hereford["CASE_STATUS"], hereford["CLOSED_DT"] = "Open", ""
    edited = write_csv(tmp_path / "boston_2015_sample_edited.csv", list(rows[0]), [list(r.values()) for r in changed])

    third = run_import(edited, "boston-csv")

    assert (third.created, third.updated, third.unchanged, third.rejected) == (0, 1, len(rows) - 1, 0)
    assert ServiceRequest.objects.count() == len(rows)
    reopened = stored(HEREFORD)
    assert reopened.status == "open"
    assert reopened.detailed_status.code == "assigned"
    assert reopened.closed_at is None
    assert reopened.source_hash != before[HEREFORD]


def test_rows_outside_boston_are_rejected_with_their_coordinates(
    neighborhoods: DistrictLayer, sample_2015: tuple[Path, list[dict[str, str]]], tmp_path: Path
) -> None:
    _, rows = sample_2015
    some = [dict(r) for r in rows[:5]]
    some[2]["LATITUDE"], some[2]["LONGITUDE"] = "40.7128", "-74.006"  # Manhattan
    path = write_csv(tmp_path / "outside.csv", list(some[0]), [list(r.values()) for r in some])

    summary = run_import(path, "boston-csv")

    assert (summary.rows_read, summary.created, summary.rejected) == (5, 4, 1)
    rejected = summary.rejects[0]
    assert (rejected.line, rejected.source_id, rejected.field) == (4, some[2]["CASE_ENQUIRY_ID"], "lat/long")
    assert rejected.reason == "coordinates outside Boston (40.71280, -74.00600)"
    assert not ServiceRequest.objects.filter(public_id=some[2]["CASE_ENQUIRY_ID"]).exists()


def test_rows_with_bad_dates_are_rejected_naming_the_field(
    neighborhoods: DistrictLayer, sample_2015: tuple[Path, list[dict[str, str]]], tmp_path: Path
) -> None:
    _, rows = sample_2015
    some = [dict(r) for r in rows[:6]]
    assert all(r["CASE_STATUS"] == "Closed" for r in some)
    some[1]["OPEN_DT"] = "13/45/2015 99:00:00 PM"
    some[2]["OPEN_DT"] = ""
    some[3]["TARGET_DT"] = "next Tuesday"
    some[4]["CLOSED_DT"] = "2015-02-30 10:00:00"
    path = write_csv(tmp_path / "bad_dates.csv", list(some[0]), [list(r.values()) for r in some])

    summary = run_import(path, "boston-csv")

    assert (summary.rows_read, summary.created, summary.rejected) == (6, 2, 4)
    by_line = {r.line: (r.source_id, r.field.upper(), r.reason) for r in summary.rejects}
    assert by_line[3][:2] == (some[1]["CASE_ENQUIRY_ID"], "OPEN_DT")
    assert "13/45/2015 99:00:00 PM" in by_line[3][2]
    assert by_line[4][1:] == ("OPEN_DT", "missing date")
    assert by_line[5][1] == "TARGET_DT" and "next Tuesday" in by_line[5][2]
    assert by_line[6][1] == "CLOSED_DT" and "2015-02-30" in by_line[6][2]
    assert set(ServiceRequest.objects.values_list("public_id", flat=True)) == {
        some[0]["CASE_ENQUIRY_ID"],
        some[5]["CASE_ENQUIRY_ID"],
    }


def test_a_service_level_already_set_is_kept(
    neighborhoods: DistrictLayer, sample_2015: tuple[Path, list[dict[str, str]]]
) -> None:
    """derive_service_levels only fills types without a target: a city's own SLA stays."""
    ServiceType.objects.create(code="empty-litter-basket", name="Empty Litter Basket", sla_hours=Decimal("48.00"))

    run_import(sample_2015[0], "boston-csv")

    assert ServiceType.objects.get(code="empty-litter-basket").sla_hours == Decimal("48.00")
    derived = ServiceType.objects.exclude(code="empty-litter-basket").filter(sla_hours__isnull=False)
    assert derived.exists()
