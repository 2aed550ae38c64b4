"""The daily early-warning run through Django on the real Boston 2015 case export (121,145 rows,
158 service types): the first morning, which computes the alarm rule's history (observed-only
scans of the 365 previous days of every type) and stores it, then the same morning again, which
reads it. In a scratch SQLite database under bench/.cache/ (built once; --rebuild starts over).

    nice -n 19 .venv/bin/python bench/early_warning_first_run.py
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
SHARED = Path(os.environ.get("CIVIC311_SHARED_DATA", ROOT.parent / "shared" / "data"))
CASE_EXPORT = Path("boston") / "boston_311_2015_by_type_partial.csv.gz"
NEIGHBORHOODS = Path("boston") / "boston_neighborhoods.geojson"
DAY = date(2015, 12, 31)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--replications", type=int, default=999)
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / "early_warning_first_run.sqlite3"
    if args.rebuild:
        path.unlink(missing_ok=True)
    built = path.exists()
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "civic311.config.test_settings"
    os.environ.setdefault("CIVIC311_LOG_LEVEL", "WARNING")
    os.environ["CIVIC311_INSIGHT_REPLICATIONS"] = str(args.replications)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from civic311.insight import early_warning
    from civic311.insight.models import Alert, EarlyWarningRun, ScanStatistic

    if not built:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("import_data", str(SHARED / NEIGHBORHOODS), "--profile", "boston", "--no-progress",
                     stdout=io.StringIO())
        call_command("import_data", str(SHARED / CASE_EXPORT), "--profile", "boston", "--no-progress",
                     stdout=io.StringIO())
        print(f"built the scratch database in {time.perf_counter() - started:.0f} s", flush=True)
    # Start from no history and no runs, as a new installation would.
    ScanStatistic.objects.all().delete()
    EarlyWarningRun.objects.all().delete()
    Alert.objects.all().delete()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, {args.replications} replications")
    for label in ("first morning (computes and stores the history)", "the same morning again (reads it)"):
        started = time.perf_counter()
        runs = early_warning.run_all(DAY)
        seconds = time.perf_counter() - started
        print(f"{label}: {len(runs)} types, {seconds:.1f} s, {ScanStatistic.objects.count()} stored statistics, "
              f"{Alert.objects.count()} alerts", flush=True)


if __name__ == "__main__":
    main()
