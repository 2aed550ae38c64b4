"""Address index: building it from Boston's real request history, and the autocomplete
search (function and JSON endpoint), median and p99, next to floors measured in the same
run (a primary-key lookup of one address; the endpoint answering an empty query, which
touches no table, through the same middleware).

REAL DATA: the addresses and points of Boston's Open311 archive
(`boston/boston_open311_2008-2016.jsonl.gz`, 138,736 requests). In a scratch database (a
temporary SQLite file, or the PostgreSQL database bench_address_search, created and
dropped): migrate, Boston's jurisdiction, then the timed rebuild; then N rounds, each
searching every query once, round-robin with the floors so machine noise hits all alike.
Queries are prefixes residents type: the first 3, 6 and 10 characters of real addresses
and their street names without the house number.

    .venv/bin/python bench/address_search.py                          # SQLite, 300 rounds
    .venv/bin/python bench/address_search.py --db postgresql --rounds 200
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from scratch import scratch_database

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "bench_address_search"
ARCHIVE = "boston/boston_open311_2008-2016.jsonl.gz"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _teardown(db: str, target: str, pg_url: str) -> None:
    from django.db import connections

    connections.close_all()
    if db == "sqlite":
        Path(target).unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")


def _sightings(path: Path) -> Iterator[tuple[str, float, float]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            address, lat, long = record.get("address"), record.get("lat"), record.get("long")
            if address and lat is not None and long is not None:
                yield str(address), float(lat), float(long)


def _timings(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _summary(name: str, values: list[float], floor: list[float] | None) -> str:
    ordered = sorted(values)
    median = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    line = f"  {name:<34} median {median:7.3f} ms   p99 {p99:7.3f} ms"
    if floor is not None:
        line += f"   median ×{median / (statistics.median(floor) * 1000):6.1f} floor"
    return line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("CIVIC311_BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--shared",
                        default=os.environ.get("CIVIC311_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    args = parser.parse_args()
    archive = Path(args.shared) / ARCHIVE
    if not archive.is_file():
        _log(f"{archive} not found: give --shared or CIVIC311_SHARED_DATA")
        return 2
    target = scratch_database(args.db, args.pg_url, PG_DB, prefix="civic311-address-bench-")
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client

        from civic311.places.addresses import AddressSighting, rebuild_address_index, search_addresses, street_key
        from civic311.places.models import Address
        from civic311.places.profiles import load_profile
        from civic311.places.services import ensure_jurisdiction

        call_command("migrate", verbosity=0)
        ensure_jurisdiction(load_profile("boston"))
        rows = list(_sightings(archive))
        build = _timings(lambda: rebuild_address_index(AddressSighting(a, la, lo) for a, la, lo in rows))
        count = Address.objects.count()
        rng = random.Random(311)
        sample = rng.sample(list(Address.objects.values_list("pk", "label", "key")), args.queries)
        queries: list[str] = []
        for _pk, label, key in sample:
            queries.append(label[: rng.choice((3, 6, 10))])
            street = street_key(key)
            queries.append(street[: rng.choice((3, 6, 10))].lower())
        pks = [pk for pk, _label, _key in sample]
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        client = Client()

        def lookup(pk: int) -> object:
            return Address.objects.filter(pk=pk).values_list("label").first()

        floor_pk: list[float] = []
        floor_http: list[float] = []
        search: list[float] = []
        http: list[float] = []
        answered = 0
        started = time.perf_counter()
        for round_no in range(args.rounds):
            for i, query in enumerate(queries):
                pk = pks[i % len(pks)]
                floor_pk.append(_timings(partial(lookup, pk)))
                search.append(_timings(partial(search_addresses, query)))
                if round_no % 10 == 0:
                    floor_http.append(_timings(partial(client.get, "/places/addresses", {"q": ""})))
                    http.append(_timings(partial(client.get, "/places/addresses", {"q": query})))
            if round_no == 0:
                answered = sum(1 for q in queries if search_addresses(q))
        elapsed = time.perf_counter() - started
        load = os.getloadavg()
        print(f"address index on {args.db}: {len(rows):,} real sightings → {count:,} addresses, "
              f"rebuilt in {build:.1f} s ({len(rows) / build:,.0f} sightings/s)")
        print(f"{len(queries)} queries ({answered} with answers) × {args.rounds} rounds in {elapsed:.0f} s; "
              f"load average {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} CPUs")
        print(_summary("floor: primary-key lookup", floor_pk, None))
        print(_summary("search_addresses(prefix)", search, floor_pk))
        print(_summary("floor: GET /places/addresses?q=", floor_http, None))
        print(_summary("GET /places/addresses?q=prefix", http, floor_http))
    finally:
        _teardown(args.db, target, args.pg_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
