"""`manage.py import_data`, as an operator runs it: formats detected from names and headers,
a summary line a person can read, the first refused rows with their reasons, and clear
errors (CommandError) instead of tracebacks."""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from civic311.cases.models import ServiceRequest
from civic311.imports.models import ImportRun
from civic311.places.models import District, DistrictLayer, Jurisdiction
from civic311.places.profiles import load_profile

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data]

BBOX = load_profile("boston").bbox  # min_lat, min_long, max_lat, max_long


def import_data(*args: str, derived: bool = False) -> str:
    """Run the command; return what it printed."""
    out = io.StringIO()
    extra = () if derived else ("--skip-derived",)
    call_command("import_data", *args, *extra, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def neighborhoods_file(shared_data: Path) -> Path:
    return shared_data / "boston" / "boston_neighborhoods.geojson"


@pytest.fixture
def boston_with_neighborhoods(neighborhoods_file: Path) -> None:
    import_data(str(neighborhoods_file), "--profile", "boston")


def test_geojson_is_detected_and_loaded_as_the_neighborhood_layer(neighborhoods_file: Path) -> None:
    names = {f["properties"]["Name"] for f in json.loads(neighborhoods_file.read_text())["features"]}

    out = import_data(str(neighborhoods_file), "--profile", "boston")

    assert out == "Neighborhoods: 26 areas created, 0 updated (boston_neighborhoods.geojson)\n"
    layer = DistrictLayer.objects.get()
    assert (layer.slug, layer.is_neighborhoods, layer.source) == (
        "neighborhoods",
        True,
        "boston_neighborhoods.geojson",
    )
    assert set(District.objects.values_list("name", flat=True)) == names
    assert Jurisdiction.objects.get().jurisdiction_id == "boston.gov"

    again = import_data(str(neighborhoods_file), "--profile", "boston")
    assert again == "Neighborhoods: 0 areas created, 26 updated (boston_neighborhoods.geojson)\n"
    assert District.objects.count() == 26


def test_boston_csv_is_detected_from_its_header_and_summarised(
    boston_with_neighborhoods: None, shared_data: Path
) -> None:
    path = shared_data / "boston" / "boston_311_2025_sample.csv.gz"

    out = import_data(str(path), "--profile", "boston")

    assert out == (
        "boston_311_2025_sample.csv.gz (boston-csv): 2424 rows read, 2424 created, 0 updated, 0 unchanged, 0 rejected\n"
    )
    assert ServiceRequest.objects.count() == 2424
    assert ServiceRequest.objects.filter(neighborhood__isnull=False).count() > 2400

    again = import_data(str(path), "--profile", "boston")
    assert again == (
        "boston_311_2025_sample.csv.gz (boston-csv): 2424 rows read, 0 created, 0 updated, 2424 unchanged, 0 rejected\n"
    )


def test_csv_is_detected_whatever_its_name(boston_with_neighborhoods: None, shared_data: Path, tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    with gzip.open(shared_data / "boston" / "boston_311_2025_sample.csv.gz", "rb") as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst)

    out = import_data(str(path), "--profile", "boston")

    assert out.startswith("export.txt (boston-csv): 2424 rows read, 2424 created")


def test_jsonl_is_detected_and_the_first_rejected_rows_are_printed_with_reasons(
    boston_with_neighborhoods: None, shared_data: Path, tmp_path: Path
) -> None:
    """200 requests in Boston and 12 geocoded to the Atlantic (34.24439, -73.65139)."""
    inside: list[str] = []
    outside: list[tuple[str, dict[str, Any]]] = []
    with gzip.open(shared_data / "boston" / "boston_open311_2008-2016.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            obj = json.loads(line)
            lat = obj.get("lat")
            if lat is not None and not (BBOX[0] <= float(lat) <= BBOX[2] and BBOX[1] <= float(obj["long"]) <= BBOX[3]):
                if len(outside) < 12:
                    outside.append((line, obj))
            elif len(inside) < 200:
                inside.append(line)
            if len(inside) == 200 and len(outside) == 12:
                break
    path = tmp_path / "boston_requests.jsonl"
    path.write_text("".join(inside) + "".join(line for line, _ in outside), encoding="utf-8")

    out = import_data(str(path), "--profile", "boston")

    lines = out.splitlines()
    assert lines[0] == (
        "boston_requests.jsonl (open311-json): 212 rows read, 200 created, 0 updated, 0 unchanged, 12 rejected"
    )
    for number, (_, obj) in enumerate(outside[:10], start=201):
        assert lines[number - 200] == (
            f"  rejected line {number} (id {obj['service_request_id']}): lat/long: "
            f"coordinates outside Boston ({float(obj['lat']):.5f}, {float(obj['long']):.5f})"
        )
    assert lines[11] == "  ... and 2 more (see the import run in the admin)"
    assert len(lines) == 12
    assert ServiceRequest.objects.count() == 200
    run = ImportRun.objects.get()
    assert run.rejected == 12 and len(run.rejects) == 12


def test_missing_file_is_a_command_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.csv"

    with pytest.raises(CommandError, match=f"^{re.escape(str(missing))}: no such file$"):
        import_data(str(missing), "--profile", "boston")

    assert not ImportRun.objects.exists()


def test_unknown_profile_is_a_command_error_listing_the_profiles(neighborhoods_file: Path) -> None:
    with pytest.raises(CommandError) as failure:
        import_data(str(neighborhoods_file), "--profile", "atlantis")

    assert str(failure.value) == (
        "No jurisdiction profile 'atlantis'; available: boston, chicago, los_angeles, nyc, san_francisco, st_louis"
    )
    assert not Jurisdiction.objects.exists()


def test_unknown_format_is_a_command_error(neighborhoods_file: Path) -> None:
    with pytest.raises(CommandError, match=r"^unknown --format 'kml'$"):
        import_data(str(neighborhoods_file), "--profile", "boston", "--format", "kml")

    assert not DistrictLayer.objects.exists()


def test_undetectable_format_asks_for_format(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("date,what\n2015-01-01,pothole\n", encoding="utf-8")

    with pytest.raises(CommandError, match="cannot tell the format from its name or header; pass --format"):
        import_data(str(path), "--profile", "boston")

    assert not ImportRun.objects.exists()


def test_malformed_file_is_a_command_error_saying_nothing_was_imported(shared_data: Path, tmp_path: Path) -> None:
    with gzip.open(shared_data / "boston" / "boston_open311_2008-2016.jsonl.gz", "rt", encoding="utf-8") as fh:
        lines = [next(fh) for _ in range(10)]
    lines[6] = lines[6][:40] + "\n"
    path = tmp_path / "broken.jsonl"
    path.write_text("".join(lines), encoding="utf-8")

    with pytest.raises(CommandError) as failure:
        import_data(str(path), "--profile", "boston")

    assert str(failure.value).startswith(f"Nothing imported from {path}: {path}, line 7: invalid JSON")
    assert not ServiceRequest.objects.exists()
    assert ImportRun.objects.get().outcome == ImportRun.Outcome.FAILED


def test_wrong_format_given_names_the_missing_column(shared_data: Path) -> None:
    path = shared_data / "nyc" / "nyc311_pyboot_sample.csv.gz"

    with pytest.raises(CommandError) as failure:
        import_data(str(path), "--profile", "boston", "--format", "boston-csv")

    message = str(failure.value)
    assert message.startswith(f"Nothing imported from {path}: ")
    assert "line 1, field 'case_enquiry_id': missing column(s) case_enquiry_id" in message


def test_another_citys_data_is_refused_in_a_boston_database(boston_with_neighborhoods: None, shared_data: Path) -> None:
    chicago_requests = shared_data / "open311" / "chicago_requests_extended_2014.json"
    chicago_areas = shared_data / "chicago" / "chicago_community_areas.geojson"
    expected = "This database serves Boston (boston.gov); it cannot load data for Chicago (cityofchicago.org)."

    with pytest.raises(CommandError) as requests_refused:
        import_data(str(chicago_requests), "--profile", "chicago")
    with pytest.raises(CommandError) as areas_refused:
        import_data(str(chicago_areas), "--profile", "chicago", "--layer", "community-areas")

    assert str(requests_refused.value) == str(areas_refused.value) == expected
    assert not ServiceRequest.objects.exists()
    assert list(DistrictLayer.objects.values_list("slug", flat=True)) == ["neighborhoods"]
    assert District.objects.count() == 26
    assert list(Jurisdiction.objects.values_list("jurisdiction_id", flat=True)) == ["boston.gov"]


def test_several_files_are_imported_in_order(shared_data: Path, neighborhoods_file: Path, tmp_path: Path) -> None:
    requests = tmp_path / "first.jsonl"
    with gzip.open(shared_data / "boston" / "boston_open311_2008-2016.jsonl.gz", "rt", encoding="utf-8") as fh:
        requests.write_text("".join(next(fh) for _ in range(5)), encoding="utf-8")

    out = import_data(str(neighborhoods_file), str(requests), "--profile", "boston")

    assert out.splitlines() == [
        "Neighborhoods: 26 areas created, 0 updated (boston_neighborhoods.geojson)",
        "first.jsonl (open311-json): 5 rows read, 5 created, 0 updated, 0 unchanged, 0 rejected",
    ]
    assert ServiceRequest.objects.filter(neighborhood__isnull=False).count() == 5


def test_an_import_refreshes_the_trends_counts_and_the_address_index(
    boston_with_neighborhoods: None, shared_data: Path
) -> None:
    from civic311.insight.models import DailyCount
    from civic311.places.models import Address

    path = shared_data / "boston" / "boston_311_2025_sample.csv.gz"
    import_data(str(path), "--profile", "boston", derived=True)

    counted = DailyCount.objects.filter(district__isnull=True).aggregate(n=Sum("opened"))["n"]
    assert counted == ServiceRequest.objects.count() == 2424
    assert Address.objects.exists()
