"""Open311 read latency on ≥ 1 M requests, SQLite and PostgreSQL, next to the framework's
own floor measured in the same run.

DERIVED DATA, SAY SO WHERE FIGURES ARE QUOTED. For each database, one worker process:

1. untimed, cached: migrate; load Boston's 26 neighborhoods; import the derived set
   (bench/derive_requests.py: Boston's Open311 archive replayed 8 times, 1,109,888
   records) with `import_data`; move every date by whole weeks so that the newest request
   is in the current week (the spec's default window is the last 90 days); on PostgreSQL
   VACUUM ANALYZE. The database is kept (bench/.cache/bench_open311.sqlite3, PostgreSQL
   database civic311_bench_open311) and reused by the next run; --rebuild makes it again;
2. timed: N requests of each URL through Django's test client (middleware, URL routing,
   the Open311 views, rendering): GET requests.json with page_size=1000 and no filter,
   with service_code, with status, with a 30-day date window, with all three, in XML, and
   with extensions=true; requests/{id}.json over a rotating set of ids (each asked for
   once: the uncached path), and the same for 20 ids asked for again and again (answered
   from the answer cache, as polling clients are); next to
   - the floor: a bare view returning a constant body (the framework's limit), and
   - for information, views returning the same rows from a hand-written SQL query
     (json.dumps of the rows, no allow-list, no redaction, no districts).

Reported: median and p99 per URL, queries per URL, and each median ÷ the floor's (target
≤ 3× for requests/{id}).

    .venv/bin/python bench/open311_read.py                       # both databases (first run builds: ~10 min)
    .venv/bin/python bench/open311_read.py --db sqlite --requests 50
    .venv/bin/python bench/open311_read.py --rebuild              # import the derived set again

PostgreSQL: --pg-url names the server (trust auth).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from derive_requests import DEFAULT_COPIES, DEFAULT_SHARED, derive  # noqa: E402
from scratch import code_version, process_cpu  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
NEIGHBORHOODS = Path("boston") / "boston_neighborhoods.geojson"
PG_DB = "civic311_bench_open311"
SQLITE_PATH = CACHE / "bench_open311.sqlite3"
RESULT_TAG = "BENCH_RESULT "
MIN_ROWS = 1_000_000
FLOOR = "floor: bare view, constant body"


# ---------------------------------------------------------------- orchestration


def run_worker(db: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--db", db, "--shared", str(args.shared),
               "--pg-url", args.pg_url, "--requests", str(args.requests), "--copies", str(args.copies),
               "--idle-wait", str(args.idle_wait)]
    command += ["--rebuild"] if args.rebuild else []
    print(f"\n== {db}", file=sys.stderr, flush=True)
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        stdout, _ = child.communicate()
    except BaseException:
        child.terminate()
        child.wait()
        raise
    for line in stdout.splitlines():
        if line.startswith(RESULT_TAG):
            result: dict[str, Any] = json.loads(line[len(RESULT_TAG):])
            return result
        print(line)
    raise SystemExit(f"worker for {db} failed (exit {child.returncode})")


def report(results: list[dict[str, Any]]) -> None:
    print(f"\nOpen311 read latency at {code_version()}, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    for r in results:
        print(f"\n{r['db']}: {r['rows']:,} requests in the table (DERIVED: real Boston records replayed "
              f"with new ids); {r['requests']} requests per URL after {r['warmup']} untimed; "
              f"other work on the cores before a URL: at most {r['busy']:.0%}")
        floor = r["urls"][FLOOR]["median_ms"]
        floor_p99 = r["urls"][FLOOR]["p99_ms"]
        floor_cpu = r["urls"][FLOOR]["cpu_ms"]
        header = (f"  {'URL':<44} {'median ms':>10} {'p99 ms':>9} {'CPU ms':>8} {'queries':>8} {'items':>6} "
                  f"{'KiB':>6} {'med ÷ floor':>12} {'p99 ÷ floor':>12} {'CPU ÷ floor':>12}")
        print(header)
        print("  " + "-" * (len(header) - 2))
        for name, u in r["urls"].items():
            print(f"  {name:<44} {u['median_ms']:>10.2f} {u['p99_ms']:>9.2f} {u['cpu_ms']:>8.2f} {u['queries']:>8} "
                  f"{u['items']:>6} {u['kib']:>6.0f} {u['median_ms'] / floor:>11.1f}× "
                  f"{u['p99_ms'] / floor_p99:>11.1f}× {u['cpu_ms'] / floor_cpu:>11.1f}×")
        print("  URLs: " + "; ".join(f"{name}: {u['url']}" for name, u in r["urls"].items()))
    print("\nTarget: requests/{id}.json ≤ 3× the floor (median). CPU ms: this process plus its PostgreSQL "
          "backend per request (steadier than wall time when other work shares the cores).")


# ---------------------------------------------------------------- worker (one database)


def _log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def _cpu_busy(window: float = 1.0) -> float:
    """Fraction of all cores busy over `window` seconds (Linux /proc/stat)."""
    def sample() -> tuple[int, int]:
        with open("/proc/stat") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
        return fields[3] + fields[4], sum(fields)

    try:
        idle1, total1 = sample()
        time.sleep(window)
        idle2, total2 = sample()
    except OSError:
        return 0.0
    return 1 - (idle2 - idle1) / max(1, total2 - total1)


def wait_idle(limit: float, max_busy: float = 0.3) -> float:
    """Wait (at most `limit` s) for other work to stop competing for the cores."""
    busy = _cpu_busy()
    waited = 0.0
    while busy > max_busy and waited < limit:
        time.sleep(2)
        waited += 3
        busy = _cpu_busy()
    return busy


def _marker(vendor: str) -> Path:
    return CACHE / f"bench_open311.{vendor}.built.json"


def _pg_admin(pg_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def _pg_exists(pg_url: str) -> bool:
    import psycopg

    with psycopg.connect(pg_url, dbname="postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone() is not None


def worker(args: argparse.Namespace) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    vendor = "sqlite" if args.db == "sqlite" else "postgresql"
    marker = _marker(vendor)
    if vendor == "sqlite":
        built = SQLITE_PATH.exists() and marker.exists() and not args.rebuild
        if not built:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(SQLITE_PATH) + suffix).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    else:
        built = _pg_exists(args.pg_url) and marker.exists() and not args.rebuild
        if not built:
            _pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            _pg_admin(args.pg_url, f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = args.pg_url.rstrip("/") + "/" + PG_DB
    os.environ["DJANGO_SETTINGS_MODULE"] = "civic311.config.test_settings"
    os.environ["CIVIC311_DEBUG"] = "0"
    os.environ.setdefault("CIVIC311_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    # A kept database still gets the migrations added since it was built.
    call_command("migrate", verbosity=0)
    if not built:
        marker.unlink(missing_ok=True)
        _build(args)
        marker.write_text(json.dumps({"copies": args.copies, "built": time.strftime("%Y-%m-%d %H:%M")}) + "\n")
    else:
        _log(f"reusing the database built {json.loads(marker.read_text())['built']} (--rebuild to import again)")
    result = _measure(args)
    from django.db import connections

    connections.close_all()
    print(RESULT_TAG + json.dumps(result), flush=True)


def _build(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F, Max
    from django.utils import timezone

    from civic311.cases.models import ServiceRequest

    started = time.perf_counter()
    path = derive(args.shared, args.copies)
    call_command("import_data", str(args.shared / NEIGHBORHOODS), "--profile", "boston", "--no-progress",
                 stdout=io.StringIO())
    call_command("import_data", str(path), "--profile", "boston", "--no-progress", stdout=io.StringIO())
    _log(f"imported {path.name} in {time.perf_counter() - started:.0f} s ({connection.vendor})")
    newest = ServiceRequest.objects.aggregate(last=Max("requested_at"))["last"]
    shift = timedelta(weeks=max(0, (timezone.now() - newest).days // 7))
    # Every date moves by whole weeks (weekday and time of day kept), so that the spec's
    # default window, the last 90 days, holds the newest derived requests.
    ServiceRequest.objects.update(
        requested_at=F("requested_at") + shift, updated_at=F("updated_at") + shift,
        expected_at=F("expected_at") + shift, closed_at=F("closed_at") + shift,
    )
    _log(f"dates moved by {shift.days} days ({time.perf_counter() - started:.0f} s)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    rows = ServiceRequest.objects.count()
    if rows < MIN_ROWS:
        raise SystemExit(f"only {rows:,} requests; expected ≥ {MIN_ROWS:,}")
    _log(f"built in {time.perf_counter() - started:.0f} s: {rows:,} requests")


def _backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (0 on SQLite, whose
    work is done in this process and counted by time.process_time)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return process_cpu(pid)


def _hand_written_sql() -> tuple[str, str]:
    """SQL for the same rows the API shows, joined with the service type: a page of the
    newest since a time, and one request by its public id."""
    from civic311.cases.models import ServiceRequest
    from civic311.catalog.models import ServiceType

    request_table = ServiceRequest._meta.db_table
    type_table = ServiceType._meta.db_table
    columns = (
        "r.public_id, r.status, r.status_notes, t.name, t.code, r.description, r.agency_responsible, "
        "r.requested_at, r.updated_at, r.expected_at, r.address, r.address_id, r.zipcode, r.lat, r.long, "
        "r.media_url"
    )
    base = f"SELECT {columns} FROM {request_table} r JOIN {type_table} t ON t.id = r.service_type_id"
    return (f"{base} WHERE r.requested_at >= %s ORDER BY r.requested_at DESC, r.id DESC LIMIT 1000",
            f"{base} WHERE r.public_id = %s")


FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
          "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime", "address",
          "address_id", "zipcode", "lat", "long", "media_url"]


def _bench_urls() -> str:
    """A URL conf: the project's, plus the floor and the hand-written-query views."""
    import types
    from datetime import datetime

    from django.db import connection
    from django.http import HttpRequest, HttpResponse
    from django.urls import include, path
    from django.utils import timezone

    list_sql, one_sql = _hand_written_sql()

    def as_json(rows: list[tuple[Any, ...]]) -> HttpResponse:
        items = [
            {name: (value.isoformat() if isinstance(value, datetime) else value) for name, value in zip(FIELDS, row,
                                                                                                       strict=True)}
            for row in rows
        ]
        return HttpResponse(json.dumps(items, ensure_ascii=False), content_type="application/json; charset=utf-8")

    def constant(request: HttpRequest) -> HttpResponse:
        return HttpResponse(b"[]", content_type="application/json; charset=utf-8")

    def hand_list(request: HttpRequest) -> HttpResponse:
        with connection.cursor() as cursor:
            cursor.execute(list_sql, [timezone.now() - timedelta(days=90)])
            return as_json(cursor.fetchall())

    def hand_one(request: HttpRequest, public_id: str) -> HttpResponse:
        with connection.cursor() as cursor:
            cursor.execute(one_sql, [public_id])
            return as_json(cursor.fetchall())

    module = types.ModuleType("bench_open311_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/constant/", constant),
        path("bench/hand/requests/", hand_list),
        path("bench/hand/requests/<str:public_id>/", hand_one),
        # Only the API (as mounted by the site): the bench does not depend on other apps' pages.
        path("open311/v2/", include("civic311.open311.urls")),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


def _measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client, override_settings
    from django.utils import timezone

    from civic311.cases.models import ServiceRequest

    rows = ServiceRequest.objects.count()
    since = timezone.now() - timedelta(days=90)
    recent = ServiceRequest.objects.filter(requested_at__gte=since)
    top_code = (recent.values("service_type__code").annotate(n=Count("id")).order_by("-n")[0]["service_type__code"])
    a_year_ago = timezone.now() - timedelta(days=365)
    start = a_year_ago.strftime("%Y-%m-%dT00:00:00Z")
    end = (a_year_ago + timedelta(days=30)).strftime("%Y-%m-%dT00:00:00Z")
    # Ids spread over the whole table, requested in turn (not one row kept hot in a cache).
    step = max(1, rows // 500)
    sample_ids = list(ServiceRequest.objects.order_by("id").values_list("public_id", flat=True)[::step][:500])
    base = "/open311/v2/"
    urls: dict[str, str] = {
        FLOOR: "/bench/constant/",
        "hand-written SQL: newest 1000, json.dumps": "/bench/hand/requests/",
        "requests.json page_size=1000": f"{base}requests.json?page_size=1000",
        "requests.xml page_size=1000": f"{base}requests.xml?page_size=1000",
        "requests.json + service_code": f"{base}requests.json?page_size=1000&service_code={top_code}",
        "requests.json + status=closed": f"{base}requests.json?page_size=1000&status=closed",
        "requests.json + 30-day window a year ago": f"{base}requests.json?page_size=1000&start_date={start}"
                                                    f"&end_date={end}",
        "requests.json + code + status + window": f"{base}requests.json?page_size=1000&service_code={top_code}"
                                                  f"&status=closed&start_date={start}&end_date={end}",
        "requests.json + extensions=true": f"{base}requests.json?page_size=1000&extensions=true",
        "hand-written SQL: one by id, json.dumps": "/bench/hand/requests/{id}/",
        "requests/{id}.json": base + "requests/{id}.json",
        "requests/{id}.xml": base + "requests/{id}.xml",
        # The same 20 requests asked for again and again, as clients polling their reports
        # do: answered from the answer cache (open311/answer_cache.py), warmed first.
        "requests/{id}.json asked again (cached)": base + "requests/{hot}.json",
    }
    hot_ids = sample_ids[:20]
    client = Client()
    queries: list[str] = []

    def count_queries(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    results: dict[str, Any] = {}
    warmup = max(3, args.requests // 20)
    busy = []
    turn = 0

    def url_of(template: str) -> str:
        nonlocal turn
        turn += 1
        return template.replace("{id}", sample_ids[turn % len(sample_ids)]).replace("{hot}", hot_ids[turn % 20])

    # The cached row must not expire while the run waits for idle cores; the other rows
    # never ask for the same id and variant twice, so they measure the uncached path.
    with override_settings(ROOT_URLCONF=_bench_urls(), ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
                           CIVIC311_OPEN311_ANSWER_CACHE_SECONDS=3600):
        for name, template in urls.items():
            for _ in range(warmup if "{hot}" not in template else 40):
                response = client.get(url_of(template))
                assert response.status_code == 200, (template, response.status_code, response.content[:300])
            busy.append(wait_idle(args.idle_wait))
            # The reference cache may have expired while waiting: one untimed request reloads
            # it, then the queries of a request in the steady state are counted.
            client.get(url_of(template))
            queries.clear()
            with connection.execute_wrapper(count_queries):
                response = client.get(url_of(template))
            query_count = len(queries)
            items = len(json.loads(response.content)) if "json" in response["Content-Type"] else (
                response.content.count(b"<request>"))
            times = []
            cpu_before = time.process_time() + _backend_cpu()
            for _ in range(args.requests):
                url = url_of(template)
                started = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            cpu_ms = (time.process_time() + _backend_cpu() - cpu_before) * 1000 / args.requests
            times.sort()
            results[name] = {
                "url": template, "median_ms": statistics.median(times),
                "p99_ms": times[min(len(times) - 1, round(0.99 * (len(times) - 1)))],
                "queries": query_count, "items": items, "kib": len(response.content) / 1024, "cpu_ms": cpu_ms,
            }
            _log(f"{name:<44} median {results[name]['median_ms']:8.2f} ms  p99 {results[name]['p99_ms']:8.2f} ms"
                 f"  CPU {cpu_ms:8.2f} ms  ({items} items, busy before {busy[-1]:.0%})")
    return {"db": connection.vendor, "rows": rows, "requests": args.requests, "warmup": warmup,
            "busy": max(busy), "urls": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both (default)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per URL (default 200)")
    parser.add_argument("--copies", type=int, default=DEFAULT_COPIES, help="copies in the derived set (default 8)")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder of real city data")
    parser.add_argument("--pg-url", default=os.environ.get("CIVIC311_BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--idle-wait", type=float, default=60.0,
                        help="seconds to wait for idle cores before each URL (default 60)")
    parser.add_argument("--rebuild", action="store_true", help="import the derived set again")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    results = [run_worker(db.strip(), args) for db in args.db.split(",") if db.strip()]
    report(results)


if __name__ == "__main__":
    main()
