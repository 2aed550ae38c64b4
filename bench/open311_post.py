"""Open311 POST requests.json throughput and latency under concurrent load, on PostgreSQL,
behind gunicorn with several workers, next to floors measured the same way in the same run.

1. untimed: the scratch database (civic311_bench_open311_post), by default a copy of the
   ≥ 1 M-request derived database that bench/open311_read.py builds (civic311_bench_open311:
   Boston's archive replayed 8×, dates moved to end this week, analysed; DERIVED, not real
   records), migrated to the code measured, so that every index, the duplicate search's
   window and the daily counts are as large as a city's, plus 250,000 synthetic constituents
   (the archive has no people; the e-mail lookup runs against a city's worth), then
   ANALYZE; `--base empty` starts from an
   empty database instead (Boston's 26 neighborhoods only). One API key (as FixMyStreet
   has one) with a rate limit far above the load;
2. gunicorn (`--workers W`, sync workers, the project's WSGI application plus two floor
   views) on 127.0.0.1, production settings (DEBUG off);
3. a load generator in this process: C threads, each opening a connection per request
   (sync workers close them) and sending the form a FixMyStreet-like client sends:
   service_code (the real record's type; with `--base empty` one "Pothole" type routed to a
   department with an SLA target), lat/long (real Boston request coordinates), a real Boston description
   (some with phone numbers and e-mail addresses: the redactor's input), first/last
   name and e-mail (to `contacts`), api_key; first an untimed warm-up, then D seconds
   timed, for
   - floor 1: a view returning a constant body (gunicorn + Django, nothing else);
   - floor 2: a view that INSERTs the description into a one-column table and commits
     (the cost of one durable write on this machine);
   - POST /open311/v2/requests.json;
4. afterwards: the rows in the database against the answers: every 200 carried a
   distinct service_request_id, and exactly those requests exist (none lost, none twice).

Reported: requests/s, median and p99 latency, status counts, each run's share of the
floor's throughput, the machine's load, the CPU a request costs in gunicorn, in PostgreSQL
(when it runs on this machine) and in the load generator; the targets (≥ 300 req/s, p99
< 100 ms).

    .venv/bin/python bench/open311_post.py                          # 4 workers, 16 threads, 20 s each
    .venv/bin/python bench/open311_post.py --workers 3 --threads 8 --seconds 10

PostgreSQL: --pg-url names the server (trust auth); the database is dropped at the end
(--keep to keep it).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import itertools
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from scratch import code_version, process_cpu  # noqa: E402

DEFAULT_SHARED = Path(os.environ.get("CIVIC311_SHARED_DATA", ROOT.parent / "shared" / "data"))
ARCHIVE = Path("boston") / "boston_open311_2008-2016.jsonl.gz"
NEIGHBORHOODS = Path("boston") / "boston_neighborhoods.geojson"
PG_DB = "civic311_bench_open311_post"
DERIVED_DB = "civic311_bench_open311"  # bench/open311_read.py's
FLOOR_TABLE = "bench_open311_post_floor"
SERVICE_CODE = "bench-pothole"
URLCONF = "open311_post_bench_urls"
CONSTITUENTS = 250_000


# ---------------------------------------------------------------- the application (in gunicorn)


def wsgi_application() -> Any:
    """gunicorn's entry (`open311_post:wsgi_application()`): the project's application with
    the two floor views mounted under /bench/."""
    import types

    import django
    from django.conf import settings

    django.setup()
    from django.db import connection, transaction
    from django.db.models.signals import post_save
    from django.http import HttpRequest, HttpResponse

    from civic311.cases.models import ServiceRequest

    # Diagnosis only (--without-receiver): what a post_save receiver on ServiceRequest costs.
    for uid in filter(None, os.environ.get("BENCH_OPEN311_WITHOUT_RECEIVERS", "").split(",")):
        if not post_save.disconnect(sender=ServiceRequest, dispatch_uid=uid):
            raise SystemExit(f"no post_save receiver {uid!r} on ServiceRequest")
    from django.urls import include, path
    from django.views.decorators.csrf import csrf_exempt

    @csrf_exempt
    def constant(request: HttpRequest) -> HttpResponse:
        return HttpResponse(b'[{"service_request_id":"0"}]', content_type="application/json; charset=utf-8")

    @csrf_exempt
    def one_insert(request: HttpRequest) -> HttpResponse:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FLOOR_TABLE} (body) VALUES (%s) RETURNING id",
                           [request.POST.get("description", "")])
            (new_id,) = cursor.fetchone()
        return HttpResponse(json.dumps([{"service_request_id": str(new_id)}]),
                            content_type="application/json; charset=utf-8")

    module = types.ModuleType(URLCONF)
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/constant/", constant),
        path("bench/insert/", one_insert),
        # Only the API: the bench does not depend on the rest of the site loading.
        path("open311/v2/", include("civic311.open311.urls")),
    ]
    sys.modules[URLCONF] = module
    settings.ROOT_URLCONF = URLCONF
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


# ---------------------------------------------------------------- set-up


def _log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def _pg_admin(pg_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def build(args: argparse.Namespace, env: dict[str, str]) -> str:
    """The scratch database; returns the API key."""
    import psycopg

    _pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    if args.base == "derived":
        with psycopg.connect(args.pg_url, dbname="postgres", autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DERIVED_DB]).fetchone() is None:
                raise SystemExit(f"no database {DERIVED_DB}: build it with "
                                 "`.venv/bin/python bench/open311_read.py --db postgresql` (or use --base empty)")
            conn.execute(f"CREATE DATABASE {PG_DB} TEMPLATE {DERIVED_DB}")
    else:
        _pg_admin(args.pg_url, f"CREATE DATABASE {PG_DB}")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import io
    from decimal import Decimal

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from civic311.catalog.models import Department, ServiceType
    from civic311.open311.models import ApiKey
    from civic311.open311.services import save_new_api_key

    call_command("migrate", verbosity=0)
    if args.base == "empty":
        call_command("import_data", str(args.shared / NEIGHBORHOODS), "--profile", "boston", "--no-progress",
                     stdout=io.StringIO())
        works = Department.objects.create(code="BENCH-PWD", name="Public Works")
        ServiceType.objects.create(code=SERVICE_CODE, name="Pothole", group="Streets", department=works,
                                   sla_hours=Decimal("48"))
    key = save_new_api_key(ApiKey(name="Load generator", rate_limit_per_minute=10_000_000), actor_label="bench")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {FLOOR_TABLE} (id bigserial PRIMARY KEY, body text NOT NULL)")
        if args.base == "derived":
            cursor.execute("SELECT count(*) FROM cases_servicerequest")
            _log(f"copied {DERIVED_DB}: {cursor.fetchone()[0]:,} requests (derived)")
            # The archive has no people in it; a city with a million requests has reporters
            # on file, and the e-mail lookup and the reporter link's key check run against
            # them. Statistics made now, as autovacuum would have made them in production
            # (a server with autovacuum off would otherwise plan for an empty table).
            cursor.execute(
                "INSERT INTO contacts_constituent (name, email, phone, phone_key, device_id, account_id, "
                "preferred_language, consent_contact, consent_updates, created_at) "
                "SELECT 'Resident ' || n, 'resident.' || n || '@example.org', '', '', '', '', 'en', false, false, "
                "now() - n * interval '1 minute' FROM generate_series(1, %s) AS n", [CONSTITUENTS])
            cursor.execute("ANALYZE")
            _log(f"added {CONSTITUENTS:,} constituents (synthetic) and analysed")
    connection.close()
    return key


def real_forms(shared: Path, key: str, count: int = 5000, service_code: str | None = None) -> list[bytes]:
    """Form bodies from real Boston requests (coordinates and descriptions), of the record's
    own service type or of `service_code`."""
    rng = random.Random(311)
    rows = []
    with gzip.open(shared / ARCHIVE, "rt", encoding="utf-8") as fh:
        for line in itertools.islice(fh, 60_000):
            record = json.loads(line)
            if record.get("lat") and record.get("long") and record.get("description"):
                rows.append(record)
    picked = rng.sample(rows, min(count, len(rows)))
    forms = []
    for n, record in enumerate(picked):
        forms.append(urllib.parse.urlencode({
            "api_key": key, "service_code": service_code or record["service_code"],
            "lat": str(record["lat"]), "long": str(record["long"]),
            "description": str(record["description"])[:4000], "first_name": "Load", "last_name": f"Tester {n}",
            "email": f"load.tester.{n}@example.org",
        }).encode())
    return forms


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(args: argparse.Namespace, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).parent / "gunicorn"), "open311_post:wsgi_application()",
               "--pythonpath", f"{ROOT / 'bench'},{ROOT}", "--bind", f"127.0.0.1:{port}",
               "--workers", str(args.workers), "--worker-class", "sync", "--backlog", "2048",
               "--log-level", "warning", "--timeout", "60"]
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/open311/v2/services.json")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


# ---------------------------------------------------------------- load


def load(port: int, path: str, forms: list[bytes], threads: int, seconds: float) -> dict[str, Any]:
    """`threads` clients POSTing `forms` in turn for `seconds`: latencies, statuses, ids."""
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    counter = itertools.count()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    ids: list[str] = []
    failures: list[str] = []

    def client() -> None:
        own_latencies: list[float] = []
        own_ids: list[str] = []
        own_statuses: dict[int, int] = {}
        while time.monotonic() < stop:
            body = forms[next(counter) % len(forms)]
            started = time.perf_counter()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("POST", path, body=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Connection": "close"})
                response = connection.getresponse()
                data = response.read()
                connection.close()
            except OSError as error:
                with lock:
                    failures.append(repr(error))
                continue
            own_latencies.append((time.perf_counter() - started) * 1000)
            own_statuses[response.status] = own_statuses.get(response.status, 0) + 1
            if response.status == 200:
                own_ids.append(json.loads(data)[0]["service_request_id"])
            elif len(failures) < 5:
                with lock:
                    failures.append(f"{response.status}: {data[:200]!r}")
        with lock:
            latencies.extend(own_latencies)
            ids.extend(own_ids)
            for status, n in own_statuses.items():
                statuses[status] = statuses.get(status, 0) + n

    started = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    ok = statuses.get(200, 0)
    return {
        "path": path, "seconds": elapsed, "answers": len(latencies), "ok": ok, "statuses": statuses,
        "per_second": ok / elapsed, "median_ms": statistics.median(latencies) if latencies else 0.0,
        "p99_ms": latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))] if latencies else 0.0,
        "ids": ids, "failures": failures[:5],
    }


def cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (Linux /proc/stat)."""
    with open("/proc/stat") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    total = sum(fields) / ticks
    return total - (fields[3] + fields[4]) / ticks, total


CpuTimes = dict[str, dict[int, float]]


def component_cpu(server_pid: int, pg_url: str) -> CpuTimes:
    """CPU seconds so far, process by process, of the gunicorn master and workers, of the
    PostgreSQL backends serving the scratch database (read from /proc: only when the server
    runs on this machine) and of this process (the load generator)."""
    import psycopg

    with open(f"/proc/{server_pid}/task/{server_pid}/children") as fh:
        workers = [int(p) for p in fh.read().split()]
    with psycopg.connect(pg_url, dbname="postgres", autocommit=True) as conn:
        backends = [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [PG_DB])]
    return {"gunicorn": {p: process_cpu(p) for p in [server_pid, *workers]},
            "postgres": {p: process_cpu(p) for p in backends}, "client": {0: time.process_time()}}


def cpu_between(start: CpuTimes, end: CpuTimes, requests: int) -> dict[str, float]:
    """CPU ms a request per component (a process that started in between counts from 0)."""
    return {name: sum(t - start[name].get(pid, 0.0) for pid, t in end[name].items()) * 1000 / max(1, requests)
            for name in end}


def newest_request_id(pg_url: str) -> int:
    import psycopg

    with psycopg.connect(pg_url, dbname=PG_DB) as conn:
        row = conn.execute("SELECT coalesce(max(id), 0) FROM cases_servicerequest").fetchone()
    return int(row[0]) if row else 0


def count_check(pg_url: str, ids: list[str], floor_ids: list[str], before: int) -> dict[str, Any]:
    """The requests stored since the load began (ids above `before`) against the answers."""
    import psycopg

    with psycopg.connect(pg_url, dbname=PG_DB) as conn:
        stored = [r[0] for r in conn.execute("SELECT public_id FROM cases_servicerequest WHERE id > %s", [before])]
        floor_rows = conn.execute(f"SELECT count(*) FROM {FLOOR_TABLE}").fetchone()
    return {
        "rows": len(stored), "answers_200": len(ids), "distinct_ids_answered": len(set(ids)),
        "rows_equal_answers": sorted(stored) == sorted(ids),
        "missing": len(set(ids) - set(stored)), "unanswered_rows": len(set(stored) - set(ids)),
        "floor_rows": floor_rows[0] if floor_rows else 0, "floor_answers": len(floor_ids),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--threads", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--seconds", type=float, default=20.0, help="timed seconds per run (default 20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="untimed seconds before each run (default 3)")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder of real city data")
    parser.add_argument("--pg-url", default=os.environ.get("CIVIC311_BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--base", choices=("derived", "empty"), default="derived",
                        help="start from a copy of the ≥ 1 M derived database (default) or an empty one")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--without-receiver", default="", metavar="UID[,UID]",
                        help="diagnosis: disconnect these post_save receivers of ServiceRequest (dispatch_uid) "
                             "in the server, to measure what they cost")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="civic311-bench-post-")
    env = {
        "DATABASE_URL": args.pg_url.rstrip("/") + "/" + PG_DB,
        "DJANGO_SETTINGS_MODULE": "civic311.config.settings",
        "CIVIC311_DEBUG": "0",
        "CIVIC311_LOG_LEVEL": "WARNING",
        "CIVIC311_VAR_DIR": var_dir,
        "CIVIC311_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Connections kept through every run: a backend replaced mid-run would take its CPU
        # with it (the PostgreSQL figure is read from the live backends' /proc).
        "CIVIC311_DB_CONN_MAX_AGE": "3600",
        "BENCH_OPEN311_WITHOUT_RECEIVERS": args.without_receiver,
    }
    _log("building the scratch database …")
    key = build(args, env)
    forms = real_forms(args.shared, key, service_code=SERVICE_CODE if args.base == "empty" else None)
    before = newest_request_id(args.pg_url)
    port = _free_port()
    server = start_gunicorn(args, env, port)
    results: dict[str, Any] = {}
    answered: dict[str, list[str]] = {}
    try:
        for name, path in (("floor: constant view", "/bench/constant/"),
                           ("floor: one INSERT + commit", "/bench/insert/"),
                           ("POST requests.json", "/open311/v2/requests.json")):
            warm = load(port, path, forms, args.threads, args.warmup)
            busy0, total0 = cpu_seconds()
            parts0 = component_cpu(server.pid, args.pg_url)
            result = load(port, path, forms, args.threads, args.seconds)
            parts1 = component_cpu(server.pid, args.pg_url)
            result["cpu_ms"] = cpu_between(parts0, parts1, result["answers"])
            # The warm-up's writes are in the database too: the check counts every 200.
            answered[name] = warm["ids"] + result.pop("ids")
            busy1, total1 = cpu_seconds()
            result["cpu_busy"] = (busy1 - busy0) / max(1e-9, total1 - total0)
            results[name] = result
            _log(f"{name:<28} {result['per_second']:7.1f} req/s  median {result['median_ms']:7.1f} ms  "
                 f"p99 {result['p99_ms']:7.1f} ms  statuses {result['statuses']}  cpu {result['cpu_busy']:.0%}  "
                 + ", ".join(f"{k} {v:.2f}" for k, v in result["cpu_ms"].items()) + " CPU ms/req"
                 + (f"  failures {result['failures']}" if result["failures"] else ""))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    check = count_check(args.pg_url, answered["POST requests.json"], answered["floor: one INSERT + commit"],
                        before)
    report(args, results, check)
    if not args.keep:
        _pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def report(args: argparse.Namespace, results: dict[str, Any], check: dict[str, Any]) -> None:
    base = ("a copy of the derived database (≥ 1 M requests, DERIVED from real records)" if args.base == "derived"
            else "an empty database")
    print(f"\nOpen311 POST load at {code_version()}, {time.strftime('%Y-%m-%d %H:%M')}, on {base}, "
          f"{os.cpu_count()} cores, gunicorn "
          f"{args.workers} sync workers, {args.threads} client threads in the same machine, "
          f"{args.seconds:.0f} s per run; load average now {os.getloadavg()[0]:.2f}"
          + (f"; DIAGNOSIS: post_save receivers disconnected: {args.without_receiver}" if args.without_receiver
             else ""))
    floor = results["floor: constant view"]["per_second"]
    header = (f"  {'run':<28} {'req/s':>8} {'median ms':>10} {'p99 ms':>8} {'÷ floor req/s':>14} "
              f"{'CPU busy':>9}  statuses")
    print(header)
    print("  " + "-" * (len(header) - 2))
    for name, r in results.items():
        print(f"  {name:<28} {r['per_second']:>8.1f} {r['median_ms']:>10.1f} {r['p99_ms']:>8.1f} "
              f"{r['per_second'] / floor:>13.0%} {r['cpu_busy']:>9.0%}  {r['statuses']}")
    post = results["POST requests.json"]
    print("\nCPU ms per request (gunicorn: master and workers; postgres: the backends serving the scratch "
          "database, from /proc; client: the load generator):")
    for name, r in results.items():
        print(f"  {name:<28} " + ", ".join(f"{k} {v:.2f}" for k, v in r["cpu_ms"].items()))
    print(f"\nTargets: ≥ 300 req/s → {post['per_second']:.0f}; p99 < 100 ms → {post['p99_ms']:.0f} ms.")
    print(f"Count check: {check['rows']:,} requests stored during the load, {check['answers_200']:,} answers 200 with "
          f"{check['distinct_ids_answered']:,} distinct ids; the same set: {check['rows_equal_answers']} "
          f"(answered but missing: {check['missing']}, stored but never answered: {check['unanswered_rows']}). "
          f"Floor table: {check['floor_rows']:,} rows for {check['floor_answers']:,} answers.")


if __name__ == "__main__":
    main()
