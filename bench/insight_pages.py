"""Trends, neighborhood report and early-warning run on the real Boston 2015 case export
(121,145 rows), next to a straight recount of the same trend figures from the requests.

In a scratch database (SQLite by default; --db postgresql for a server with trust auth):
untimed, migrate and import Boston's 26 neighborhoods and the 2015 export with the project's
importer; timed, the rollup rebuild (what runs after an import), then N requests of each page
through Django's test client as an administrator (the whole stack): the trends page for the
whole city and for one neighborhood (2015, per week), its CSV, the neighborhood report page and
its PDF; the trends page's figures recomputed by one straightforward GROUP BY over the requests
(the "recount" the rollups avoid); and one morning's early-warning run over every type.

    .venv/bin/python bench/insight_pages.py                    # SQLite, 10 requests a page
    .venv/bin/python bench/insight_pages.py --db postgresql --requests 5
    .venv/bin/python bench/insight_pages.py --reuse            # keep and reuse the scratch database
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
SHARED = Path(os.environ.get("CIVIC311_SHARED_DATA", ROOT.parent / "shared" / "data"))
CASE_EXPORT = Path("boston") / "boston_311_2015_by_type_partial.csv.gz"
NEIGHBORHOODS = Path("boston") / "boston_neighborhoods.geojson"
PG_DB = "bench_insight_pages"


def timed(fn: Callable[[], object], n: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(n):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    reuse = False
    if args.db == "sqlite":
        path = CACHE / "insight_pages.sqlite3"
        reuse = args.reuse and path.exists()
        if not reuse:
            path.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(args.pg_url + "/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone()
            reuse = args.reuse and exists is not None
            if not reuse:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = f"{args.pg_url}/{PG_DB}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "civic311.config.test_settings"
    os.environ["CIVIC311_DEBUG"] = "0"
    os.environ["CIVIC311_ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("CIVIC311_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db.models import Count
    from django.db.models.functions import TruncWeek
    from django.test import Client

    from civic311.cases.models import ServiceRequest
    from civic311.insight import early_warning, rollups
    from civic311.places.models import District

    if not reuse:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("import_data", str(args.shared / NEIGHBORHOODS), "--profile", "boston", "--no-progress",
                     stdout=io.StringIO())
        call_command("import_data", str(args.shared / CASE_EXPORT), "--profile", "boston", "--no-progress",
                     stdout=io.StringIO())
        print(f"built the scratch database in {time.perf_counter() - started:.0f} s", flush=True)
    requests = ServiceRequest.objects.count()
    started = time.perf_counter()
    rollups.rebuild()
    rebuild_s = time.perf_counter() - started
    admin = User.objects.filter(username="bench-admin").first() or User.objects.create_superuser(
        "bench-admin", "bench@example.org", "bench-password")
    client = Client()
    client.force_login(admin)
    district = District.objects.filter(layer__is_neighborhoods=True, name="Dorchester").first() or \
        District.objects.filter(layer__is_neighborhoods=True).first()
    assert district is not None
    year = {"start": "2015-01-01", "end": "2015-12-31", "granularity": "week"}
    report = {"neighborhood": district.pk, "start": "2015-10-01", "end": "2015-12-31"}

    def get(url: str, params: Any) -> Callable[[], int]:
        def fetch() -> int:
            response = client.get(url, params)
            assert response.status_code == 200, (url, response.status_code)
            return len(response.content)
        return fetch

    def recount() -> int:
        # The trends page's map and series straight from the requests: one GROUP BY.
        rows = (ServiceRequest.objects.filter(requested_at__date__gte=date(2015, 1, 1),
                                              requested_at__date__lte=date(2015, 12, 31))
                .annotate(week=TruncWeek("requested_at")).values("neighborhood_id", "week")
                .annotate(n=Count("id")))
        return len(list(rows))

    n = args.requests
    load = os.getloadavg()[0]
    figures = [
        ("trends page, whole city, 2015 by week", *timed(get("/insight/trends/", year), n)),
        ("trends page, one neighborhood", *timed(get("/insight/trends/", {**year, "districts": district.pk}), n)),
        ("trends CSV, one neighborhood", *timed(get("/insight/trends.csv", {**year, "districts": district.pk}), n)),
        ("recount of the trend figures from the requests (one GROUP BY)", *timed(recount, n)),
        ("neighborhood report page", *timed(get("/insight/report/", report), n)),
        ("neighborhood report PDF", *timed(get("/insight/report.pdf", report), max(1, n // 2))),
        ("early-warning run, every type, 31 Dec 2015 (999 replications)",
         *timed(lambda: len(early_warning.run_all(date(2015, 12, 31))), 1)),
    ]
    recount_s = figures[3][1]
    print(f"\n{args.db}: {requests:,} requests; rollup rebuild {rebuild_s:.1f} s "
          f"({requests / rebuild_s:,.0f} requests/s); load average {load:.1f} on {os.cpu_count()} cores; "
          f"median of {n} runs\n")
    print("| what | median s | ÷ recount |")
    print("|---|---:|---:|")
    for label, seconds, _ in figures:
        print(f"| {label} | {seconds:.3f} | {seconds / recount_s:.2f} |")


if __name__ == "__main__":
    main()
