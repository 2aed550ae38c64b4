"""Staff queue page latency with a department of ≥ 50,000 open cases, SQLite and
PostgreSQL side by side, next to the framework's own floor measured in the same run.

DERIVED DATA, SAY SO WHERE FIGURES ARE QUOTED. For each database, in a fresh scratch
database (one worker process each, so the two never share a Django configuration):

1. untimed: migrate; load Boston's 26 neighborhoods; import the real Boston 2015 case
   export (../shared/data/boston/boston_311_2015_by_type_partial.csv.gz, 121,145 rows)
   with the project's importer (`import_data`);
2. untimed, DERIVED: every 2015 record of Public Works (department PWDx, ≈ 51,600 rows,
   mostly closed) is replayed once as an OPEN case with a new id "D1-<CASE_ENQUIRY_ID>"
   (text, type, queue, address, point unchanged), its dates shifted by whole weeks so the
   newest lands in the current week; a third of them are assigned to 20 staff accounts;
   the SLA job (`cases.sla.evaluate_sla`) then marks them on track / at risk / breached;
   PostgreSQL is then vacuumed and analysed (what autovacuum does on a live database);
   PWDx then holds its real open cases plus the replayed ones: ≥ 50,000 open cases;
3. timed: N requests of each page through Django's test client, logged in as the
   department's supervisor (sessions, auth, middleware, templates: the whole stack):
   the default queue page, a filtered + sorted page, all breached cases due first, a text
   search, page 500, the map's GeoJSON (2,000 points), a case page and the SLA page; and
   two floors: a view returning a constant, and one that also loads the logged-in user
   (session + user queries).

Reported: median and p99 per page, queries per page, and page ÷ floor ratios.

    .venv/bin/python bench/staff_queue_latency.py                     # both databases
    .venv/bin/python bench/staff_queue_latency.py --db sqlite --requests 50
    .venv/bin/python bench/staff_queue_latency.py --keep              # keep the scratch dbs…
    .venv/bin/python bench/staff_queue_latency.py --reuse             # …and measure them again

PostgreSQL: --pg-url names the server (trust auth); the worker creates and drops the
database bench_staff_queue.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from scratch import code_version

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
DEFAULT_SHARED = Path(os.environ.get("CIVIC311_SHARED_DATA", ROOT.parent / "shared" / "data"))
CASE_EXPORT = Path("boston") / "boston_311_2015_by_type_partial.csv.gz"
NEIGHBORHOODS = Path("boston") / "boston_neighborhoods.geojson"
DEPARTMENT = "PWDx"
MIN_OPEN = 50_000
PG_DB = "bench_staff_queue"
RESULT_TAG = "BENCH_RESULT "
FLOORS = ("constant", "constant + user")


# ---------------------------------------------------------------- orchestration


def run_worker(db: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--db", db, "--shared", str(args.shared),
               "--pg-url", args.pg_url, "--requests", str(args.requests), "--idle-wait", str(args.idle_wait)]
    command += ["--keep"] if args.keep else []
    command += ["--reuse"] if args.reuse else []
    print(f"\n== {db}", file=sys.stderr, flush=True)
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        stdout, _ = child.communicate()
    except BaseException:
        child.terminate()  # the worker drops its database on SIGTERM
        child.wait()
        raise
    for line in stdout.splitlines():
        if line.startswith(RESULT_TAG):
            result: dict[str, Any] = json.loads(line[len(RESULT_TAG):])
            return result
        print(line)
    raise SystemExit(f"worker for {db} failed (exit {child.returncode})")


def report(results: list[dict[str, Any]]) -> None:
    print(f"\nStaff queue latency at {code_version()}, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores")
    for r in results:
        print(f"\n{r['db']}: {r['rows']:,} requests in the table; department {DEPARTMENT}: {r['open']:,} open "
              f"({r['derived']:,} of them DERIVED: real 2015 records replayed with new ids); "
              f"{r['requests']} requests per page after {r['warmup']} untimed; "
              f"other work on the cores before a page: at most {r['busy']:.0%}")
        floor = r["pages"]["constant + user"]["median_ms"]
        header = (f"  {'page':<34} {'median ms':>10} {'p99 ms':>9} {'queries':>8} {'KiB':>6} "
                  f"{'÷ constant':>11} {'÷ const+user':>13}")
        print(header)
        print("  " + "-" * (len(header) - 2))
        constant = r["pages"]["constant"]["median_ms"]
        for name, p in r["pages"].items():
            print(f"  {name:<34} {p['median_ms']:>10.2f} {p['p99_ms']:>9.2f} {p['queries']:>8} {p['kib']:>6.0f} "
                  f"{p['median_ms'] / constant:>10.1f}× {p['median_ms'] / floor:>12.1f}×")
        print("  URLs: " + "; ".join(f"{name}: {p['url']}" for name, p in r["pages"].items()
                                     if name not in FLOORS))
    print("\n÷ constant: the page's median over a view returning a constant through the same middleware;\n"
          "÷ const+user: over a view that also loads the session's user (the floor every staff page pays).")


# ---------------------------------------------------------------- worker (one database)


def _sqlite_path() -> Path:
    return CACHE / "bench_staff_queue.sqlite3"


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _pg_admin(pg_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def _pg_exists(pg_url: str) -> bool:
    import psycopg

    with psycopg.connect(pg_url, dbname="postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone() is not None


def _log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def wait_idle(limit: float, max_busy: float = 0.25) -> float:
    """On a shared machine, wait (at most `limit` s) until other work stops competing for
    the cores, so the figures are not someone else's test run. Returns the busy share."""
    busy = _cpu_busy()
    waited = 0.0
    while busy > max_busy and waited < limit:
        if waited == 0:
            _log(f"waiting for idle cores (busy {busy:.0%}) …")
        time.sleep(4)
        waited += 5
        busy = _cpu_busy()
    return busy


def _cpu_busy(window: float = 1.0) -> float:
    """Fraction of all cores busy over `window` seconds (Linux /proc/stat), 0.0 elsewhere."""
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


def worker(args: argparse.Namespace) -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup below
    CACHE.mkdir(parents=True, exist_ok=True)
    reuse = False
    if args.db == "sqlite":
        db_path = _sqlite_path()
        reuse = args.reuse and db_path.exists()
        if not reuse:
            _remove_sqlite(db_path)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    else:
        reuse = args.reuse and _pg_exists(args.pg_url)
        if not reuse:
            _pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            _pg_admin(args.pg_url, f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = args.pg_url.rstrip("/") + "/" + PG_DB
    # The test settings serve static files from the apps (no collectstatic manifest).
    os.environ["DJANGO_SETTINGS_MODULE"] = "civic311.config.test_settings"
    os.environ["CIVIC311_DEBUG"] = "0"  # no query log
    os.environ.setdefault("CIVIC311_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    try:
        if not reuse:
            _build(args)
        result = _measure(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            if args.db == "sqlite":
                _remove_sqlite(_sqlite_path())
            else:
                _pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    print(RESULT_TAG + json.dumps(result), flush=True)


def _build(args: argparse.Namespace) -> None:
    """The scratch city: the real 2015 export, then the department's records replayed open."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from civic311.cases.models import ServiceRequest, Status
    from civic311.cases.sla import evaluate_sla
    from civic311.catalog.models import Department
    from civic311.staff.models import StaffProfile

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("import_data", str(args.shared / NEIGHBORHOODS), "--profile", "boston", "--no-progress",
                 stdout=io.StringIO())
    call_command("import_data", str(args.shared / CASE_EXPORT), "--profile", "boston", "--no-progress",
                 stdout=io.StringIO())
    _log(f"migrated and imported the 2015 export in {time.perf_counter() - started:.0f} s ({connection.vendor})")

    department = Department.objects.get(code=DEPARTMENT)
    originals = ServiceRequest.objects.filter(department=department, source_system="boston-case-export")
    newest = originals.aggregate(last=Max("requested_at"))["last"]
    now = timezone.now()
    shift = timedelta(weeks=(now - newest).days // 7)
    statuses = {s.code: s for s in Status.objects.filter(code__in=["new", "assigned"])}
    skip = {"id", "public_id", "token", "status", "detailed_status", "closed_at", "sla_state", "sla_warn_at",
            "duplicate_count", "source_system", "source_hash", "status_notes"}
    fields = [f.attname for f in ServiceRequest._meta.concrete_fields if f.name not in skip]
    copies: list[ServiceRequest] = []
    derived = 0
    with transaction.atomic():
        for row in originals.values(*fields).iterator(chunk_size=5000):
            for name in ("requested_at", "updated_at", "expected_at"):
                if row[name] is not None:
                    row[name] += shift
            status = statuses["assigned" if row["queue_id"] else "new"]
            copies.append(ServiceRequest(
                **row, public_id=f"D1-{row['source_id']}", status="open", detailed_status=status,
                source_system="bench-derived",
            ))
            if len(copies) >= 5000:
                ServiceRequest.objects.bulk_create(copies)
                derived += len(copies)
                copies = []
        ServiceRequest.objects.bulk_create(copies)
        derived += len(copies)
    user_model = get_user_model()
    supervisor = user_model.objects.create_user("bench-supervisor", first_name="Bench", last_name="Supervisor")
    StaffProfile.objects.create(user=supervisor, role=StaffProfile.Role.SUPERVISOR, department=department)
    crew = []
    for i in range(20):
        user = user_model.objects.create_user(f"bench-crew-{i}", first_name="Crew", last_name=f"Member {i}")
        StaffProfile.objects.create(user=user, role=StaffProfile.Role.DEPARTMENT_STAFF, department=department)
        crew.append(user)
    ids = list(ServiceRequest.objects.filter(source_system="bench-derived").order_by("id").values_list("id", flat=True))
    with transaction.atomic():
        for n, user in enumerate(crew):
            ServiceRequest.objects.filter(pk__in=ids[n::60]).update(assignee=user)
    _log(f"derived {derived:,} open cases (shifted {shift.days} days) in {time.perf_counter() - started:.0f} s")
    counts = evaluate_sla(now)
    _log(f"SLA job: {counts}")
    if connection.vendor == "postgresql":
        # The steady state autovacuum keeps a live database in after bulk writes: dead row
        # versions gone, the visibility map set (index-only scans), statistics fresh.
        # Django never runs ANALYZE on SQLite: its figures are for a database as Django
        # leaves it.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    open_cases = ServiceRequest.objects.filter(department=department, status="open").count()
    if open_cases < MIN_OPEN:
        raise SystemExit(f"only {open_cases:,} open cases in {DEPARTMENT}; expected ≥ {MIN_OPEN:,}")
    _log(f"built in {time.perf_counter() - started:.0f} s: {open_cases:,} open cases in {DEPARTMENT}")


def _bench_urls() -> str:
    """A URL conf: the project's, plus the two floors."""
    import types

    from django.http import HttpRequest, HttpResponse
    from django.urls import include, path

    def constant(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok", content_type="text/plain")

    def constant_user(request: HttpRequest) -> HttpResponse:
        return HttpResponse(request.user.get_username(), content_type="text/plain")

    module = types.ModuleType("bench_staff_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/constant/", constant),
        path("bench/constant-user/", constant_user),
        path("", include("civic311.config.urls")),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


def _measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client, override_settings

    from civic311.cases.models import ServiceRequest

    department_cases = ServiceRequest.objects.filter(department__code=DEPARTMENT, status="open")
    top_type = department_cases.values("service_type_id").annotate(n=Count("id")).order_by("-n")[0]
    top_area = (department_cases.filter(neighborhood__isnull=False).values("neighborhood_id")
                .annotate(n=Count("id")).order_by("-n")[0])
    some_case = department_cases.filter(lat__isnull=False).order_by("id").values_list("public_id", flat=True)[0]
    pages = {
        "constant": "/bench/constant/",
        "constant + user": "/bench/constant-user/",
        "queue: default (newest open)": "/staff/queue/",
        "queue: type+neighborhood+SLA, due": (f"/staff/queue/?service_type={top_type['service_type_id']}"
                                              f"&neighborhood={top_area['neighborhood_id']}&sla=breached&sort=due"),
        "queue: breached, due first": "/staff/queue/?sla=breached&sort=due",
        "queue: search 'washington'": "/staff/queue/?q=washington",
        "queue: page 500": "/staff/queue/?page=500",
        "queue map: GeoJSON ≤ 2,000 points": "/staff/queue/map.geojson",
        "case page": f"/staff/requests/{some_case}/",
        "SLA page": "/staff/sla/",
    }
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-supervisor"))
    queries: list[str] = []

    def count_queries(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    results: dict[str, Any] = {}
    warmup = max(3, args.requests // 20)
    busy = []
    # The test client's host name, without setup_test_environment(): that one also
    # instruments every template render, which would be measured too.
    with override_settings(ROOT_URLCONF=_bench_urls(), ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        for name, url in pages.items():
            for _ in range(warmup):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            queries.clear()
            with connection.execute_wrapper(count_queries):
                response = client.get(url)
            query_count = len(queries)
            busy.append(wait_idle(args.idle_wait))
            times = []
            for _ in range(args.requests):
                started = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            results[name] = {
                "url": url, "median_ms": statistics.median(times),
                "p99_ms": times[min(len(times) - 1, round(0.99 * (len(times) - 1)))],
                "queries": query_count, "kib": len(response.content) / 1024,
            }
            _log(f"{name:<34} median {results[name]['median_ms']:7.2f} ms  p99 {results[name]['p99_ms']:7.2f} ms"
                 f"  (busy before {busy[-1]:.0%})")
    return {
        "db": connection.vendor, "rows": ServiceRequest.objects.count(), "open": department_cases.count(),
        "derived": ServiceRequest.objects.filter(source_system="bench-derived").count(),
        "requests": args.requests, "warmup": warmup, "busy": max(busy), "pages": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both (default)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder of real city data")
    parser.add_argument("--pg-url", default=os.environ.get("CIVIC311_BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--idle-wait", type=float, default=120.0,
                        help="seconds to wait for idle cores before each page (default 120)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--reuse", action="store_true", help="measure kept scratch databases again")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    if not (args.shared / CASE_EXPORT).is_file():
        raise SystemExit(f"{args.shared / CASE_EXPORT}: not found (pass --shared, or set CIVIC311_SHARED_DATA)")
    results = [run_worker(db.strip(), args) for db in args.db.split(",") if db.strip()]
    report(results)


if __name__ == "__main__":
    main()
