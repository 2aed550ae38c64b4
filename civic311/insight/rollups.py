"""The daily counts behind the trends pages, kept up to date one request at a time.

Each request adds to the rows of its local day of request (opened) and, once closed, of its
local day of closing (closed, time to close): one row per district it lies in (its
neighborhood, and the district of every other layer that contains its point) and one
city-wide row. What a request added is kept in `RequestContribution`; when the request
changes, the old contribution is taken back and the new one added, as increments (upserts
of the rows) inside the caller's transaction. `rebuild()` recomputes everything from
the requests (after a bulk import, which writes rows without the per-row hooks).

Every request counts, duplicates included: the counts say how often residents asked.
"""

from __future__ import annotations

import bisect
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from civic311.cases.models import ServiceRequest
from civic311.config.append_rows import append_rows, send_held, write_later
from civic311.places.lookup import district_layers, index_for_layer
from civic311.places.middleware import jurisdiction_zone
from civic311.places.models import DistrictLayer

from .models import BUCKET_FIELDS, CLOSE_BUCKET_HOURS, DailyCount, RequestContribution

# The request fields a contribution depends on: a save touching none of them is skipped.
WATCHED_FIELDS = frozenset({"service_type", "service_type_id", "requested_at", "closed_at", "status",
                            "neighborhood", "neighborhood_id", "lat", "long"})
REBUILD_BATCH = 5000

# (district id or None for city-wide, its layer id or None, service type id, day)
RowKey = tuple[int | None, int | None, int, date]


@dataclass(frozen=True)
class Contribution:
    """What one request adds: +1 opened on `opened_day` in each of `areas` and city-wide,
    and, if closed, +1 closed with `close_seconds` on `closed_day`."""

    service_type_id: int
    opened_day: date
    closed_day: date | None = None
    close_seconds: int | None = None
    # (district id, layer id) pairs, sorted.
    areas: tuple[tuple[int, int], ...] = ()


@dataclass
class RowDelta:
    opened: int = 0
    closed: int = 0
    close_seconds: int = 0
    buckets: dict[int, int] = field(default_factory=dict)

    def is_zero(self) -> bool:
        return not (self.opened or self.closed or self.close_seconds or any(self.buckets.values()))


def city_zone() -> tzinfo:
    """The jurisdiction's zone (the settings' zone before a city is set up)."""
    return jurisdiction_zone() or zoneinfo.ZoneInfo(settings.TIME_ZONE)


def close_bucket(seconds: int) -> int:
    """The histogram bucket of a time to close (see `models.CLOSE_BUCKET_HOURS`)."""
    return bisect.bisect_left(CLOSE_BUCKET_HOURS, seconds / 3600)


def local_day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def contribution_of(
    *, service_type_id: int, requested_at: datetime, closed_at: datetime | None, status: str,
    areas: Iterable[tuple[int, int]], zone: tzinfo,
) -> Contribution:
    """The contribution of a request with these values (pure)."""
    closed = status == "closed" and closed_at is not None
    seconds = max(0, int((closed_at - requested_at).total_seconds())) if closed and closed_at else None
    return Contribution(
        service_type_id=service_type_id,
        opened_day=local_day(requested_at, zone),
        closed_day=local_day(closed_at, zone) if closed and closed_at else None,
        close_seconds=seconds,
        areas=tuple(sorted(set(areas))),
    )


def add_to(deltas: dict[RowKey, RowDelta], contribution: Contribution, sign: int) -> None:
    """Add (sign=1) or take back (sign=-1) a contribution in `deltas`."""
    places: list[tuple[int | None, int | None]] = [(None, None), *contribution.areas]
    for district_id, layer_id in places:
        opened = deltas.setdefault((district_id, layer_id, contribution.service_type_id, contribution.opened_day),
                                   RowDelta())
        opened.opened += sign
        if contribution.closed_day is not None and contribution.close_seconds is not None:
            closed = deltas.setdefault(
                (district_id, layer_id, contribution.service_type_id, contribution.closed_day), RowDelta())
            closed.closed += sign
            closed.close_seconds += sign * contribution.close_seconds
            bucket = close_bucket(contribution.close_seconds)
            closed.buckets[bucket] = closed.buckets.get(bucket, 0) + sign


# ---------------------------------------------------------------- incremental


def _areas_of(request: ServiceRequest, layers: Sequence[DistrictLayer]) -> list[tuple[int, int]]:
    areas: list[tuple[int, int]] = []
    for layer in layers:
        if layer.is_neighborhoods:
            if request.neighborhood_id is not None:
                areas.append((request.neighborhood_id, layer.pk))
        elif request.lat is not None and request.long is not None:
            district_id = index_for_layer(layer).locate(request.lat, request.long)
            if district_id is not None:
                areas.append((district_id, layer.pk))
    return areas


def _stored(row: RequestContribution) -> Contribution:
    return Contribution(
        service_type_id=row.service_type_id, opened_day=row.opened_day, closed_day=row.closed_day,
        close_seconds=row.close_seconds, areas=tuple((int(d), int(lay)) for d, lay in row.district_ids),
    )


def _increments(delta: RowDelta) -> tuple[tuple[str, int], ...]:
    """The (column, amount) pairs a delta adds, in a fixed order."""
    pairs = [("opened", delta.opened), ("closed", delta.closed), ("close_seconds", delta.close_seconds)]
    pairs += [(BUCKET_FIELDS[bucket], n) for bucket, n in sorted(delta.buckets.items())]
    return tuple((name, n) for name, n in pairs if n)


_COUNT_COLUMNS = ("opened", "closed", "close_seconds", *BUCKET_FIELDS)


def _upsert(type_id: int, day: date, increments: Sequence[tuple[str, int]],
            places: Sequence[tuple[int | None, int | None]]) -> None:
    """Add `increments` to the rows of these (district, layer) places (district None:
    city-wide) on this type and day, making the rows that do not exist yet: one INSERT … ON
    CONFLICT DO UPDATE for the city-wide row and one for the districts (each unique
    constraint is partial, so each needs its own). Nothing is read back, so intake sends it
    with its other writes in one round trip (`write_later`)."""
    adding = dict(increments)
    day_value = connection.ops.adapt_datefield_value(day)
    names = tuple(name for name in _COUNT_COLUMNS if name in adding)  # in the statement's order
    # City-wide first, then districts by id: every transaction takes the row locks of a
    # type and day in this order, so two of them cannot deadlock.
    city = [p for p in places if p[0] is None]
    districts = sorted((p for p in places if p[0] is not None), key=lambda p: p[0] or 0)
    for group, city_wide in ((city, True), (districts, False)):
        if not group:
            continue
        params: list[Any] = []
        for district_id, layer_id in group:
            params += [layer_id, district_id, type_id, day_value, *(adding[name] for name in names)]
        write_later(_upsert_sql(names, len(group), city_wide), params)


@lru_cache(maxsize=128)
def _upsert_sql(names: tuple[str, ...], rows: int, city_wide: bool) -> str:
    """The upsert of `rows` rows adding to the columns `names` (made once for each shape)."""
    quote = connection.ops.quote_name
    table = quote(DailyCount._meta.db_table)
    columns = ("layer_id", "district_id", "service_type_id", "day", *_COUNT_COLUMNS)
    sets = ", ".join(f"{quote(name)} = {table}.{quote(name)} + excluded.{quote(name)}" for name in names)
    # The counts not added to are written as 0 in the statement: fewer values to send.
    row = f"(%s, %s, %s, %s, {', '.join('%s' if name in names else '0' for name in _COUNT_COLUMNS)})"
    target = (f"({quote('service_type_id')}, {quote('day')}) WHERE {quote('district_id')} IS NULL" if city_wide
              else f"({quote('district_id')}, {quote('service_type_id')}, {quote('day')}) "
                   f"WHERE {quote('district_id')} IS NOT NULL")
    return (f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES {', '.join([row] * rows)} ON CONFLICT {target} DO UPDATE SET {sets}")


def _apply(deltas: Mapping[RowKey, RowDelta]) -> None:
    """Write the deltas as increments: one upsert for every group of rows getting the same
    increments on the same type and day (a new request: its city-wide row and each of its
    districts)."""
    groups: dict[tuple[int, date, tuple[tuple[str, int], ...]], list[tuple[int | None, int | None]]] = {}
    for (district_id, layer_id, type_id, day), delta in deltas.items():
        if not delta.is_zero():
            groups.setdefault((type_id, day, _increments(delta)), []).append((district_id, layer_id))
    # A fixed order of rows across transactions, so that two of them cannot deadlock.
    for (type_id, day, increments), places in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1])):
        _upsert(type_id, day, increments, places)


def refresh_request(request: ServiceRequest, *, created: bool = False) -> None:
    """Bring the counts up to date with `request` as it is now (idempotent). `created`: the
    request was just inserted, so it cannot have a contribution yet."""
    # No savepoint: a failure here fails the caller's write, which is what we want.
    with transaction.atomic(savepoint=False):
        if not created:
            send_held()  # the contribution may be among the held writes (made earlier in the block)
        stored = (None if created else
                  RequestContribution.objects.select_for_update().filter(request_id=request.pk).first())
        layers = district_layers()
        new = contribution_of(
            service_type_id=request.service_type_id, requested_at=request.requested_at,
            closed_at=request.closed_at, status=request.status, areas=_areas_of(request, layers),
            zone=city_zone(),
        )
        old = _stored(stored) if stored is not None else None
        if old == new:
            return
        deltas: dict[RowKey, RowDelta] = {}
        if old is not None:
            add_to(deltas, old, -1)
        add_to(deltas, new, 1)
        _apply(deltas)
        values = {"service_type_id": new.service_type_id, "opened_day": new.opened_day,
                  "closed_day": new.closed_day, "close_seconds": new.close_seconds,
                  "district_ids": [list(a) for a in new.areas]}
        if stored is None:
            append_rows([RequestContribution(request_id=request.pk, **values)])
        else:
            RequestContribution.objects.filter(request_id=request.pk).update(**values)


def forget_request(request_id: int) -> None:
    """Take a deleted request's contribution back."""
    with transaction.atomic():
        send_held()
        stored = RequestContribution.objects.select_for_update().filter(request_id=request_id).first()
        if stored is None:
            return
        deltas: dict[RowKey, RowDelta] = {}
        add_to(deltas, _stored(stored), -1)
        _apply(deltas)
        stored.delete()


# ---------------------------------------------------------------- from scratch


def contributions(requests: Iterable[ServiceRequest] | None = None) -> Iterator[tuple[int, Contribution]]:
    """(request id, contribution) of every request, batch by batch with vectorised point
    lookups (for the rebuild, and to check the incremental counts against a recount)."""
    layers = list(DistrictLayer.objects.order_by("pk"))
    other_layers = [layer for layer in layers if not layer.is_neighborhoods]
    neighborhood_layer = next((layer.pk for layer in layers if layer.is_neighborhoods), None)
    zone = city_zone()
    rows = ServiceRequest.objects.order_by("pk").values_list(
        "pk", "service_type_id", "requested_at", "closed_at", "status", "neighborhood_id", "lat", "long")
    batch: list[tuple[Any, ...]] = []

    def flush() -> Iterator[tuple[int, Contribution]]:
        located = [index_for_layer(layer).locate_many([r[6] for r in batch], [r[7] for r in batch])
                   for layer in other_layers]
        for i, (pk, type_id, requested_at, closed_at, status, neighborhood_id, _lat, _long) in enumerate(batch):
            areas = [(district_ids[i], layer.pk) for layer, district_ids in zip(other_layers, located, strict=True)
                     if district_ids[i] is not None]
            if neighborhood_id is not None and neighborhood_layer is not None:
                areas.append((neighborhood_id, neighborhood_layer))
            yield pk, contribution_of(service_type_id=type_id, requested_at=requested_at, closed_at=closed_at,
                                      status=status, areas=areas, zone=zone)  # type: ignore[arg-type]

    for row in rows.iterator(chunk_size=REBUILD_BATCH):
        batch.append(row)
        if len(batch) >= REBUILD_BATCH:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


def recount() -> dict[RowKey, RowDelta]:
    """The daily counts computed from the requests themselves (zero rows left out)."""
    totals: dict[RowKey, RowDelta] = defaultdict(RowDelta)
    for _pk, contribution in contributions():
        add_to(totals, contribution, 1)
    return {key: delta for key, delta in totals.items() if not delta.is_zero()}


def stored_counts() -> dict[RowKey, RowDelta]:
    """The daily counts as stored (zero rows left out), in the shape of `recount()`."""
    result: dict[RowKey, RowDelta] = {}
    for row in DailyCount.objects.all():
        delta = RowDelta(opened=row.opened, closed=row.closed, close_seconds=row.close_seconds,
                         buckets={i: getattr(row, name) for i, name in enumerate(BUCKET_FIELDS)
                                  if getattr(row, name)})
        if not delta.is_zero():
            result[(row.district_id, row.layer_id, row.service_type_id, row.day)] = delta
    return result


def _insert_many(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Plain INSERTs in batches: the rebuild writes a row per request and per day count, and
    Django's bulk_create spends most of its time preparing each model field."""
    sql = (f"INSERT INTO {connection.ops.quote_name(table)} "
           f"({', '.join(connection.ops.quote_name(c) for c in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    batch: list[Sequence[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= REBUILD_BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


@transaction.atomic
def rebuild() -> int:
    """Recompute every daily count and contribution from the requests; the number of
    requests counted. Run it after a bulk import (or any write that bypassed the models)."""
    DailyCount.objects.all().delete()
    RequestContribution.objects.all().delete()
    ops = connection.ops
    totals: dict[RowKey, RowDelta] = defaultdict(RowDelta)
    counted = 0

    def ledger() -> Iterator[Sequence[Any]]:
        nonlocal counted
        for pk, contribution in contributions():
            add_to(totals, contribution, 1)
            counted += 1
            yield (pk, contribution.service_type_id, ops.adapt_datefield_value(contribution.opened_day),
                   ops.adapt_datefield_value(contribution.closed_day), contribution.close_seconds,
                   ops.adapt_json_value([list(a) for a in contribution.areas], None))

    contribution_table = RequestContribution._meta.db_table
    _insert_many(contribution_table, ["request_id", "service_type_id", "opened_day", "closed_day", "close_seconds",
                                      "district_ids"], ledger())
    _insert_many(
        DailyCount._meta.db_table,
        ["district_id", "layer_id", "service_type_id", "day", "opened", "closed", "close_seconds", *BUCKET_FIELDS],
        ((district_id, layer_id, type_id, ops.adapt_datefield_value(day), d.opened, d.closed, d.close_seconds,
          *(d.buckets.get(i, 0) for i in range(len(BUCKET_FIELDS))))
         for (district_id, layer_id, type_id, day), d in totals.items() if not d.is_zero()),
    )
    return counted
