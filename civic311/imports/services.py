"""Importing a city's exported records: validate each row, resolve the catalog, locate the
neighborhood, and write new or changed requests; everything or nothing per file."""

from __future__ import annotations

import statistics
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from civic311.audit.services import record_event
from civic311.cases.models import ServiceRequest, Status
from civic311.cases.sla import settle_imported
from civic311.catalog.models import Channel, Department, Queue, ServiceType
from civic311.places.lookup import AreaIndex, neighborhood_index
from civic311.places.profiles import Profile
from civic311.places.services import ensure_jurisdiction

from .models import ImportRun
from .readers import READERS
from .records import Rejected, RequestRecord
from .writer import RequestWriter, row_hash

BATCH_SIZE = 5000
KEPT_REJECTS = 50


@dataclass
class ImportSummary:
    path: str
    source_format: str
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects: list[Rejected] = field(default_factory=list)
    run_id: int | None = None

    def reject(self, rejected: Rejected) -> None:
        self.rejected += 1
        if len(self.rejects) < KEPT_REJECTS:
            self.rejects.append(rejected)


class CatalogResolver:
    """Ids of catalog rows by their codes, creating unknown ones unless strict."""

    def __init__(self, profile: Profile, *, strict: bool) -> None:
        self.profile, self.strict = profile, strict
        self.service_types = dict(ServiceType.objects.values_list("code", "id"))
        self.departments = dict(Department.objects.values_list("code", "id"))
        self.department_names = dict(Department.objects.values_list("id", "name"))
        self.queues = {
            (d, q): pk for pk, d, q in Queue.objects.values_list("id", "department__code", "code")
        }
        self.channels = dict(Channel.objects.values_list("code", "id"))
        self.statuses = {s.code: (s.pk, s.open311_status) for s in Status.objects.all()}
        self.service_defaults: dict[int, tuple[int | None, int | None]] = {
            pk: (d, q) for pk, d, q in ServiceType.objects.values_list("id", "department_id", "queue_id")
        }

    def department(self, record: RequestRecord) -> int | None:
        code = record.department_code
        if not code:
            return None
        if code not in self.departments:
            name = self.profile.departments.get(code) or record.department_name or code
            department = Department.objects.create(code=code, name=name[:200])
            self.departments[code] = department.pk
            self.department_names[department.pk] = department.name
        return self.departments[code]

    def queue(self, record: RequestRecord, department_id: int | None) -> int | None:
        if not record.queue_code or department_id is None:
            return None
        key = (record.department_code, record.queue_code)
        if key not in self.queues:
            self.queues[key] = Queue.objects.create(
                department_id=department_id, code=record.queue_code[:80], name=record.queue_code[:200]
            ).pk
        return self.queues[key]

    def service_type(self, record: RequestRecord, department_id: int | None, queue_id: int | None) -> int:
        code = record.service_code
        if code not in self.service_types:
            if self.strict:
                raise LookupError(f"unknown service type {code!r} (strict catalog)")
            created = ServiceType.objects.create(
                code=code,
                name=record.service_name,
                group=record.service_group,
                department_id=department_id,
                queue_id=queue_id,
            )
            self.service_types[code] = created.pk
            self.service_defaults[created.pk] = (department_id, queue_id)
        return self.service_types[code]

    def channel(self, label: str) -> int | None:
        if not label:
            return None
        code = self.profile.channels.get(label.casefold(), "other")
        return self.channels.get(code) or self.channels.get("other")


class _Batch:
    def __init__(self) -> None:
        self.records: list[RequestRecord] = []
        self.ids: set[str] = set()

    def add(self, record: RequestRecord) -> None:
        self.records.append(record)
        self.ids.add(record.source_id)


def _progress(items: Iterable[Any], *, enabled: bool, label: str) -> Iterator[Any]:
    if not enabled:
        yield from items
        return
    yield from tqdm(items, desc=label, unit=" rows", file=sys.stderr, mininterval=0.5)


class _Importer:
    def __init__(self, profile: Profile, source_system: str, strict: bool, summary: ImportSummary) -> None:
        self.profile, self.source_system, self.summary = profile, source_system, summary
        self.catalog = CatalogResolver(profile, strict=strict)
        self.index: AreaIndex | None = neighborhood_index()
        self.writer = RequestWriter()

    def locate(self, record: RequestRecord) -> Rejected | None:
        if record.lat is None or record.long is None:
            record.lat = record.long = None
            return None
        if self.profile.is_placeholder(record.lat, record.long):
            record.lat = record.long = None
            return None
        if not self.profile.in_bbox(record.lat, record.long):
            return Rejected(
                record.line, record.source_id, "lat/long",
                f"coordinates outside {self.profile.name} ({record.lat:.5f}, {record.long:.5f})",
            )
        return None

    def row(self, record: RequestRecord, neighborhood_id: int | None) -> tuple[Any, ...] | Rejected:
        status = self.catalog.statuses.get(record.detailed_status)
        if status is None:
            return Rejected(record.line, record.source_id, "status", f"unknown status {record.detailed_status!r}")
        if self.catalog.strict and record.service_code not in self.catalog.service_types:
            return Rejected(record.line, record.source_id, "service type",
                            f"unknown service type {record.service_code!r} (strict catalog)")
        department_id = self.catalog.department(record)
        queue_id = self.catalog.queue(record, department_id)
        try:
            service_type_id = self.catalog.service_type(record, department_id, queue_id)
        except LookupError as exc:
            return Rejected(record.line, record.source_id, "service type", str(exc))
        if department_id is None:
            department_id, queue_id = self.catalog.service_defaults.get(service_type_id, (None, None))
        updated_at = record.updated_at or record.closed_at or record.requested_at
        agency = self.catalog.department_names.get(department_id, "") if department_id else ""
        content = (
            record.source_id, service_type_id, status[1], status[0], record.status_notes,
            record.description, record.address, record.address_id, record.zipcode,
            record.lat, record.long, neighborhood_id, self.catalog.channel(record.channel_label),
            department_id, queue_id, agency or record.agency, record.requested_at, updated_at,
            record.expected_at, record.closed_at, record.media_url, "{}", self.source_system,
            record.source_id, record.source_neighborhood[:200], record.channel_label[:100],
        )
        return (*content, row_hash(content))

    def flush(self, batch: _Batch) -> None:
        records = batch.records
        if not records:
            return
        districts: list[int | None] = (
            self.index.locate_many([r.lat for r in records], [r.long for r in records])
            if self.index is not None
            else [None] * len(records)
        )
        rows: list[tuple[Any, ...]] = []
        for record, district in zip(records, districts, strict=True):
            built = self.row(record, district)
            if isinstance(built, Rejected):
                self.summary.reject(built)
            else:
                rows.append(built)
        stored = self.writer.existing([r[0] for r in rows])
        new, changed = [], []
        for row in rows:
            found = stored.get(row[0])
            if found is None:
                new.append(row)
            elif found[1] != row[-1]:
                changed.append((found[0], row))
            else:
                self.summary.unchanged += 1
        self.writer.insert(new)
        self.writer.update(changed)
        self.summary.created += len(new)
        self.summary.updated += len(changed)

    def run(self, items: Iterable[RequestRecord | Rejected], batch_size: int) -> None:
        batch = _Batch()
        for item in items:
            self.summary.rows_read += 1
            if isinstance(item, Rejected):
                self.summary.reject(item)
                continue
            problem = self.locate(item)
            if problem is not None:
                self.summary.reject(problem)
                continue
            # A later row for the same request must see the earlier one stored.
            if item.source_id in batch.ids or len(batch.records) >= batch_size:
                self.flush(batch)
                batch = _Batch()
            batch.add(item)
        self.flush(batch)


def import_requests(
    *,
    path: Path,
    source_format: str,
    profile: Profile,
    strict: bool = False,
    progress: bool = False,
    batch_size: int = BATCH_SIZE,
) -> ImportSummary:
    """Import one file of service requests. Rejected rows are counted and explained; a
    malformed file raises MalformedFile and imports nothing."""
    reader_class = READERS[source_format]
    run = ImportRun.objects.create(
        path=str(path), source_format=source_format, profile=profile.slug, strict=strict
    )
    summary = ImportSummary(path=str(path), source_format=source_format, run_id=run.pk)
    try:
        with transaction.atomic():
            ensure_jurisdiction(profile)
            importer = _Importer(profile, reader_class.source_system, strict, summary)
            items = reader_class().read(path, ZoneInfo(profile.time_zone))
            importer.run(_progress(items, enabled=progress, label=path.name), batch_size)
            derive_service_levels()
            # Open imported cases get their SLA state now, not at the next SLA job.
            settle_imported(source_system=reader_class.source_system)
            record_event(
                action="import.completed", target=run, actor_label="import",
                changes={"created": summary.created, "updated": summary.updated,
                         "rejected": summary.rejected},
            )
    except Exception as exc:
        # Whatever stopped the file, the run says so; the transaction left nothing behind.
        run.outcome, run.error = ImportRun.Outcome.FAILED, str(exc)[:2000]
        run.finished_at = timezone.now()
        run.save()
        raise
    run.outcome = ImportRun.Outcome.SUCCEEDED
    run.finished_at = timezone.now()
    for name in ("rows_read", "created", "updated", "unchanged", "rejected"):
        setattr(run, name, getattr(summary, name))
    run.rejects = [
        {"line": r.line, "source_id": r.source_id, "field": r.field, "reason": r.reason}
        for r in summary.rejects
    ]
    run.save()
    return summary


def derive_service_levels() -> int:
    """Give service types without an SLA target the median target seen in their imported
    requests (expected − requested), in hours. Returns how many were set."""
    targets: dict[int, list[float]] = {}
    pending = set(ServiceType.objects.filter(sla_hours__isnull=True).values_list("id", flat=True))
    if not pending:
        return 0
    rows = ServiceRequest.objects.filter(
        service_type_id__in=pending, expected_at__isnull=False
    ).values_list("service_type_id", "requested_at", "expected_at")
    for type_id, requested, expected in rows.iterator(chunk_size=5000):
        if expected is None:
            continue
        hours = (expected - requested).total_seconds() / 3600
        if hours > 0:
            targets.setdefault(type_id, []).append(hours)
    for type_id, samples in targets.items():
        ServiceType.objects.filter(pk=type_id).update(
            sla_hours=Decimal(f"{statistics.median(samples):.2f}")
        )
    return len(targets)
