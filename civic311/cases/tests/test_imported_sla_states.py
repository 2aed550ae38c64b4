"""Imported open cases carry their SLA state as soon as the import ends: a backlog whose
target dates passed is breached, not "on track" until the SLA job runs."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from civic311.audit.models import AuditEvent
from civic311.cases import signals
from civic311.cases.models import ServiceRequest
from civic311.cases.sla import evaluate_sla, settle_imported
from civic311.imports.services import import_requests
from civic311.places.profiles import load_profile

from .factories import request_in, service_type

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 25, 16, tzinfo=UTC)
# The columns of Boston's 2015 export (the reader needs them all).
HEADER = [
    "CASE_ENQUIRY_ID", "OPEN_DT", "TARGET_DT", "CLOSED_DT", "OnTime_Status", "CASE_STATUS", "CLOSURE_REASON",
    "CASE_TITLE", "SUBJECT", "REASON", "TYPE", "QUEUE", "Department", "SubmittedPhoto", "ClosedPhoto",
    "Location", "fire_district", "pwd_district", "city_council_district", "police_district", "neighborhood",
    "neighborhood_services_district", "ward", "precinct", "land_usage", "LOCATION_STREET_NAME",
    "LOCATION_ZIPCODE", "Property_Type", "Property_ID", "LATITUDE", "LONGITUDE", "Source",
    "Geocoded_Location",
]


def row(case_id: str, opened: str, target: str, status: str = "Open", closed: str = "") -> dict[str, str]:
    return {
        "CASE_ENQUIRY_ID": case_id, "OPEN_DT": opened, "TARGET_DT": target, "CLOSED_DT": closed,
        "OnTime_Status": "ONTIME", "CASE_STATUS": status, "CLOSURE_REASON": "Case Closed Case Resolved" if closed
        else "", "CASE_TITLE": "Pothole", "SUBJECT": "Public Works Department", "REASON": "Highway Maintenance",
        "TYPE": "Request for Pothole Repair", "QUEUE": "PWDx_District 1A: North End", "Department": "PWDx",
        "Location": "10 Hanover St  Boston  MA  02113", "LATITUDE": "42.3612", "LONGITUDE": "-71.0570",
        "Source": "Constituent Call", "neighborhood": "Downtown / Financial District",
        "LOCATION_STREET_NAME": "10 Hanover St", "LOCATION_ZIPCODE": "2113.0",
    }


ROWS = [
    # Due in 2015, still open: late.
    row("900000000001", "03/02/2015 09:00:00 AM", "03/05/2015 09:00:00 AM"),
    # 1 June → 1 July (30 days), 24.3 days gone on 25 June: past 75 %, at risk.
    row("900000000002", "06/01/2026 08:00:00 AM", "07/01/2026 08:00:00 AM"),
    # 20 June → 31 July: 5 of 41 days gone, on track.
    row("900000000003", "06/20/2026 08:00:00 AM", "07/31/2026 08:00:00 AM"),
    # No target date: no SLA, on track.
    row("900000000004", "03/02/2015 09:00:00 AM", ""),
    # Closed late: closed cases are not evaluated.
    row("900000000005", "03/02/2015 09:00:00 AM", "03/05/2015 09:00:00 AM", "Closed", "03/09/2015 09:00:00 AM"),
]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "boston_sample.csv"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=HEADER, restval="")
        writer.writeheader()
        writer.writerows(ROWS)
    return path


def test_an_import_ends_with_the_sla_state_of_its_open_cases(export: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    heard: list[object] = []

    def listener(**kwargs: object) -> None:
        heard.append(kwargs)

    signals.sla_breached.connect(listener)
    signals.sla_at_risk.connect(listener)
    try:
        summary = import_requests(path=export, source_format="boston-csv", profile=load_profile("boston"))
    finally:
        signals.sla_breached.disconnect(listener)
        signals.sla_at_risk.disconnect(listener)
    assert summary.created == 5
    states = dict(ServiceRequest.objects.values_list("source_id", "sla_state"))
    assert states == {
        "900000000001": "breached", "900000000002": "at_risk", "900000000003": "on_track",
        "900000000004": "on_track", "900000000005": "on_track",
    }
    # Quiet: the source system dealt with its backlog; one audit event for the lot.
    assert heard == []
    event = AuditEvent.objects.get(action="sla.imported_settled")
    assert (event.changes["breached"], event.changes["at_risk"]) == (1, 1)
    # The job then has nothing to announce about them.
    counts = evaluate_sla(NOW + timedelta(minutes=5))
    assert (counts.breached, counts.at_risk) == (0, 0)


def test_a_reimport_that_moves_a_target_later_puts_the_case_back_on_track() -> None:
    kind = service_type("pothole", sla_hours="72")
    start = NOW - timedelta(days=10)
    moved = request_in("new", kind=kind, source_system="boston-csv", requested_at=start,
                       expected_at=NOW + timedelta(days=30), sla_warn_at=NOW + timedelta(days=20),
                       sla_state=ServiceRequest.SlaState.BREACHED)
    other_source = request_in("new", kind=kind, source_system="chicago-csv", requested_at=start,
                              expected_at=NOW - timedelta(days=1))
    staff_written = request_in("new", kind=kind, requested_at=start, expected_at=NOW - timedelta(days=1))
    settle_imported(source_system="boston-csv", now=NOW)
    states = dict(ServiceRequest.objects.values_list("pk", "sla_state"))
    assert states[moved.pk] == "on_track"
    # Only the import's own rows are settled; the others wait for the job.
    assert states[other_source.pk] == states[staff_written.pk] == "on_track"
