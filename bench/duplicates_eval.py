"""Duplicate suggestions against real duplicates: precision@k, recall@k and latency of
`civic311.cases.duplicates.suggest_duplicates` (default radius 150 m, window 14 days, open
or closed at most 3 days before), replaying each city's requests in time order.

For each city, in a scratch database (a fresh SQLite file in bench/.cache, or a PostgreSQL
database with --db postgresql), in a worker process of its own:

1. import the file with `civic311.imports.services.import_requests` and the city's
   profile (untimed);
2. replay every request that has coordinates, oldest first: ask for suggestions as at its
   own filing time (`requested_at` = its OPEN time, itself excluded). Only requests filed
   before it can be suggested, and "open" means open at that time (closed later, or not at
   all), so the replay sees what an agent would have seen. Asked for 20, scored at k = 1,
   3, 5 and 20 (20 approximates "everything within reach");
3. compare with the city's own duplicate marks.

Ground truth:
- Chicago (../shared/data/chicago/chicago311_2021_sample.csv.gz, 5,000 requests of 1–2
  January 2021): a request with duplicate = True names its parent in parent_sr_number. A
  suggestion for it is correct if it is that parent or another request marked duplicate of
  the same parent (the same problem). Duplicates whose parent is not in the sample cannot
  be found and are counted apart.
- Boston (../shared/data/boston/boston_311_2015_by_type_partial.csv.gz, 2015): a case
  closed with the reason "Duplicate of Existing Case" is a duplicate; the export has no
  parent id, so (lenient, the main figure) a suggestion for it is correct if it is a
  request of the same TYPE filed before it and still open when it was filed. Where the
  closure text cites another case's number ("duplicate of case #383215", resolved
  against the file's ids by their last 6–7 digits), the two are one problem: Boston
  sometimes closes the earlier case citing a later one, so the pair counts either way
  round (same-problem recall, below).
- precision@k = correct suggestions ÷ all suggestions shown in the top k, over every
  replayed request (duplicates a city never marked count as wrong: a lower bound);
  recall@k = marked duplicates (with coordinates) whose top k holds a correct suggestion;
  same-problem recall@k (both cities) = requests tied to an earlier one by a duplicate
  mark (duplicate → parent or cited case, grouped per problem) whose top k holds an
  earlier member of their problem. Misses are explained by the first rule of the
  suggester that the latest earlier member fails.

Latency: wall time of each suggest_duplicates call (two queries), percentiles.

    .venv/bin/python bench/duplicates_eval.py
    .venv/bin/python bench/duplicates_eval.py --cities chicago --db postgresql
    .venv/bin/python bench/duplicates_eval.py --radius 50,150,300
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
DEFAULT_SHARED = Path(os.environ.get("CIVIC311_SHARED_DATA", ROOT.parent / "shared" / "data"))
CITIES = {
    "chicago": (Path("chicago") / "chicago311_2021_sample.csv.gz", "chicago-csv", "chicago"),
    "boston": (Path("boston") / "boston_311_2015_by_type_partial.csv.gz", "boston-csv", "boston"),
}
KS = (1, 3, 5, 20)
RESULT_TAG = "BENCH_RESULT "
PG_DB = "bench_civic311_duplicates"
BOSTON_DUPLICATE = "duplicate of existing case"
CITED = re.compile(r"(?<!\d)(\d{6,7}|1010\d{8})(?!\d)")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- ground truth from the raw files


def read_raw(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
        return [{k.strip().lower(): (v or "") for k, v in row.items() if k} for row in csv.DictReader(text)]


@dataclass
class Truth:
    """Marked duplicates and how to tell a correct suggestion (by public id)."""

    duplicates: set[str] = field(default_factory=set)
    # Chicago: duplicate → parent. Boston: duplicate → cited case (where cited).
    parent: dict[str, str] = field(default_factory=dict)
    # Boston lenient: a duplicate's own type (every suggestion of that type filed before and
    # open then is correct).
    lenient: bool = False


def chicago_truth(rows: list[dict[str, str]]) -> Truth:
    truth = Truth()
    for row in rows:
        if row.get("duplicate", "").strip().lower() == "true":
            truth.duplicates.add(row["sr_number"].strip())
            if row.get("parent_sr_number", "").strip():
                truth.parent[row["sr_number"].strip()] = row["parent_sr_number"].strip()
    return truth


def boston_truth(rows: list[dict[str, str]]) -> Truth:
    truth = Truth(lenient=True)
    ids = {row["case_enquiry_id"].strip() for row in rows}
    by_suffix: dict[str, set[str]] = defaultdict(set)
    for case_id in ids:
        by_suffix[case_id[-6:]].add(case_id)
        by_suffix[case_id[-7:]].add(case_id)
    for row in rows:
        reason = row.get("closure_reason", "")
        if BOSTON_DUPLICATE not in reason.lower():
            continue
        case_id = row["case_enquiry_id"].strip()
        truth.duplicates.add(case_id)
        for number in CITED.findall(reason[reason.lower().index(BOSTON_DUPLICATE):]):
            found = {number} & ids if len(number) == 12 else by_suffix.get(number, set())
            found.discard(case_id)
            if len(found) == 1:
                truth.parent[case_id] = found.pop()
                break
    return truth


# ---------------------------------------------------------------- worker: one city, one database


def worker(args: argparse.Namespace) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    if args.db == "sqlite":
        db_path = CACHE / f"duplicates_{args.city}.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    else:
        import psycopg

        with psycopg.connect(args.pg_url, dbname="postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = args.pg_url.rstrip("/") + "/" + PG_DB
    os.environ["DJANGO_SETTINGS_MODULE"] = "civic311.config.settings"
    os.environ["CIVIC311_DEBUG"] = "0"
    os.environ.setdefault("CIVIC311_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    result = measure(args)
    print(RESULT_TAG + json.dumps(result), flush=True)


@dataclass
class Scores:
    shown: dict[int, int] = field(default_factory=lambda: dict.fromkeys(KS, 0))
    correct: dict[int, int] = field(default_factory=lambda: dict.fromkeys(KS, 0))
    found: dict[int, int] = field(default_factory=lambda: dict.fromkeys(KS, 0))
    strict_found: dict[int, int] = field(default_factory=lambda: dict.fromkeys(KS, 0))
    # Suggestions shown for the marked duplicates only (whose parent is findable, for Chicago).
    dup_shown: dict[int, int] = field(default_factory=lambda: dict.fromkeys(KS, 0))
    dup_correct: dict[int, int] = field(default_factory=lambda: dict.fromkeys(KS, 0))
    asked_with_suggestions: int = 0


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from civic311.cases.duplicates import suggest_duplicates
    from civic311.cases.models import ServiceRequest
    from civic311.catalog.models import ServiceType
    from civic311.imports.services import import_requests
    from civic311.places.profiles import load_profile

    relative, source_format, profile = CITIES[args.city]
    path = args.shared / relative
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    summary = import_requests(path=path, source_format=source_format, profile=load_profile(profile))
    log(f"{args.city}: imported {summary.created:,} of {summary.rows_read:,} rows "
        f"({summary.rejected:,} rejected) in {time.perf_counter() - started:.0f} s ({connection.vendor})")
    raw = read_raw(path)
    truth = chicago_truth(raw) if args.city == "chicago" else boston_truth(raw)

    rows = list(
        ServiceRequest.objects.order_by("requested_at", "id")
        .values_list("pk", "public_id", "service_type_id", "requested_at", "closed_at", "lat", "long", "description")
    )
    by_pk = {r[0]: r for r in rows}
    pk_of = {r[1]: r[0] for r in rows}
    kinds = {t.pk: t for t in ServiceType.objects.all()}
    located = [r for r in rows if r[5] is not None and r[6] is not None]
    marked = [r for r in located if r[1] in truth.duplicates]
    family_of = problem_families(truth, pk_of, by_pk)
    # A request of a family filed after another member: when it came in, that member existed.
    first: dict[int, int] = {}
    for pk in sorted(family_of, key=lambda pk: (by_pk[pk][3], pk)):
        first.setdefault(family_of[pk], pk)
    strict = {pk for pk, root in family_of.items() if first[root] != pk}

    def same_problem(query: tuple[Any, ...], suggested_pk: int) -> bool:
        root = family_of.get(query[0])
        return root is not None and family_of.get(suggested_pk) == root

    def correct(query: tuple[Any, ...], suggested_pk: int) -> bool:
        if truth.lenient:
            if query[1] not in truth.duplicates:
                return False
            s = by_pk[suggested_pk]
            return s[2] == query[2] and s[3] <= query[3] and (s[4] is None or s[4] > query[3])
        return query[1] in truth.duplicates and same_problem(query, suggested_pk)

    results = {}
    for radius in args.radii:
        results[str(radius)] = replay(located, kinds, truth, strict, correct, same_problem, radius,
                                      suggest_duplicates)
        results[str(radius)]["misses"] = why_missed(results[str(radius)].pop("missed"), by_pk, family_of, kinds,
                                                    radius)
    plan = query_plan(located[len(located) // 2], kinds) if connection.vendor == "sqlite" else ""
    return {
        "city": args.city, "db": connection.vendor, "rows": len(rows), "located": len(located),
        "duplicates_marked": len(truth.duplicates), "duplicates_located": len(marked),
        "strict_queries": len([r for r in located if r[0] in strict]), "lenient": truth.lenient,
        "rejected": summary.rejected, "results": results, "plan": plan,
        "measured_at": timezone.now().isoformat(),
    }


def problem_families(truth: Truth, pk_of: dict[str, int], by_pk: dict[int, tuple[Any, ...]]) -> dict[int, int]:
    """Requests tied by a duplicate mark (duplicate → parent or cited case), grouped into
    one family per problem (union-find): pk → the family's root pk."""
    root: dict[int, int] = {}

    def find(pk: int) -> int:
        root.setdefault(pk, pk)
        while root[pk] != pk:
            root[pk] = root[root[pk]]
            pk = root[pk]
        return pk

    for dup, parent in truth.parent.items():
        if dup in pk_of and parent in pk_of:
            a, b = find(pk_of[dup]), find(pk_of[parent])
            if a != b:
                root[max(a, b)] = min(a, b)
    return {pk: find(pk) for pk in list(root)}


def replay(located: list[tuple[Any, ...]], kinds: dict[int, Any], truth: Truth, strict: set[int],
           correct: Callable[[tuple[Any, ...], int], bool], same_problem: Callable[[tuple[Any, ...], int], bool],
           radius: float, suggest: Callable[..., Any]) -> dict[str, Any]:
    scores = Scores()
    latencies = []
    strict_queries = 0
    missed: list[int] = []  # strict queries with no earlier member of their family in the top max(KS)
    for n, query in enumerate(located):
        pk, public_id, type_id, requested_at, _closed, lat, long, description = query
        started = time.perf_counter()
        found = suggest(service_type=kinds[type_id], lat=lat, long=long, requested_at=requested_at,
                        description=description, limit=max(KS), exclude_id=pk, radius_m=radius)
        latencies.append(time.perf_counter() - started)
        suggested = [s.request.pk for s in found]
        scores.asked_with_suggestions += bool(suggested)
        is_duplicate = public_id in truth.duplicates
        is_strict = pk in strict
        strict_queries += is_strict
        for k in KS:
            top = suggested[:k]
            scores.shown[k] += len(top)
            hits = [s for s in top if correct(query, s)]
            scores.correct[k] += len(hits)
            if is_duplicate and (truth.lenient or is_strict):
                scores.dup_shown[k] += len(top)
                scores.dup_correct[k] += len(hits)
            scores.found[k] += is_duplicate and bool(hits)
            if is_strict:
                hit = any(same_problem(query, s) for s in top)
                scores.strict_found[k] += hit
                if k == max(KS) and not hit:
                    missed.append(pk)
        if n and n % 20000 == 0:
            log(f"  radius {radius:g} m: {n:,} of {len(located):,} replayed")
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "radius": radius, "queries": len(located), "with_suggestions": scores.asked_with_suggestions,
        "shown": scores.shown, "correct": scores.correct, "found": scores.found,
        "strict_found": scores.strict_found, "strict_queries": strict_queries,
        "dup_shown": scores.dup_shown, "dup_correct": scores.dup_correct, "missed": missed,
        "load_average": os.getloadavg()[0], "cores": os.cpu_count(),
        "latency_ms": {"p50": percentile(0.5), "p95": percentile(0.95), "p99": percentile(0.99),
                       "max": latencies[-1] * 1000, "mean": statistics.fmean(latencies) * 1000},
    }


def why_missed(missed: list[int], by_pk: dict[int, tuple[Any, ...]], family_of: dict[int, int],
               kinds: dict[int, Any], radius: float) -> dict[str, int]:
    """Why a request was not given an earlier member of its family: the first condition of
    the suggester's that the latest earlier member fails."""
    from civic311.cases.duplicates import haversine_m, setting

    window = timedelta(days=setting("window_days"))
    recently = timedelta(days=setting("recently_closed_days"))
    members: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for pk, root in family_of.items():
        members[root].append(by_pk[pk])
    reasons: dict[str, int] = defaultdict(int)
    for pk in missed:
        query = by_pk[pk]
        earlier = max((m for m in members[family_of[pk]] if (m[3], m[0]) < (query[3], query[0])),
                      key=lambda m: (m[3], m[0]))
        query_type, earlier_type = kinds[query[2]], kinds[earlier[2]]
        if earlier[5] is None or earlier[6] is None:
            reason = "it has no coordinates"
        elif earlier_type.pk != query_type.pk and (not query_type.group or earlier_type.group != query_type.group):
            reason = "another service type and group"
        elif query[3] - earlier[3] > window:
            reason = f"filed more than {window.days} days before"
        elif earlier[4] is not None and earlier[4] < query[3] - recently:
            reason = f"closed more than {recently.days} days before"
        elif haversine_m(query[5], query[6], earlier[5], earlier[6]) > radius:
            reason = f"more than {radius:g} m away"
        else:
            reason = "ranked below 20 others"
        reasons[reason] += 1
    return dict(sorted(reasons.items(), key=lambda item: -item[1]))


def query_plan(query: tuple[Any, ...], kinds: dict[int, Any]) -> str:
    """SQLite's plan for the candidate query of one request (which index it uses)."""
    from django.db import connection

    from civic311.cases import duplicates

    captured: list[str] = []

    def grab(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if not captured:
            captured.append(sql)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                captured.append(" | ".join(str(r[-1]) for r in cursor.fetchall()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(grab):
        duplicates.suggest_duplicates(service_type=kinds[query[2]], lat=query[5], long=query[6],
                                      requested_at=query[3], description=query[7], exclude_id=query[0])
    return captured[1] if len(captured) > 1 else ""


# ---------------------------------------------------------------- orchestration and report


def run_worker(city: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--city", city, "--db", args.db,
               "--shared", str(args.shared), "--pg-url", args.pg_url,
               "--radius", ",".join(f"{r:g}" for r in args.radii)]
    log(f"\n== {city} ({args.db})")
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_TAG):
            return json.loads(line[len(RESULT_TAG):])
        print(line)
    raise SystemExit(f"worker for {city} failed (exit {done.returncode})")


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else f"{'-':>6}"


def report(results: list[dict[str, Any]]) -> None:
    print(f"\nDuplicate suggestions replayed against real duplicate marks ({time.strftime('%Y-%m-%d %H:%M')})")
    for city in results:
        print(f"\n{city['city'].title()} ({city['db']}): {city['rows']:,} requests imported, {city['located']:,} "
              f"with coordinates and replayed; {city['duplicates_marked']:,} marked duplicates, "
              f"{city['duplicates_located']:,} with coordinates; {city['strict_queries']:,} located requests filed "
              f"after another request of the same problem (parent/cited pairs in the file)")
        truth = ("lenient: an earlier same-type request open at the time" if city["lenient"]
                 else "the parent_sr_number or another duplicate of it")
        print(f"  correct suggestion for a marked duplicate = {truth}")
        for radius, r in city["results"].items():
            latency = r["latency_ms"]
            print(f"  radius {float(radius):g} m: {r['with_suggestions']:,} of {r['queries']:,} requests got "
                  f"suggestions; latency per call p50 {latency['p50']:.2f} ms, p95 {latency['p95']:.2f} ms, "
                  f"p99 {latency['p99']:.2f} ms, max {latency['max']:.1f} ms (load average {r['load_average']:.1f} "
                  f"on {r['cores']} cores)")
            print(f"    {'k':>4} {'precision@k':>12} {'recall@k':>9} {'precision@k, duplicates':>24} "
                  f"{'same-problem recall@k':>22}")
            for k in KS:
                key = str(k)
                print(f"    {k:>4} {ratio(r['correct'][key], r['shown'][key]):>12} "
                      f"{ratio(r['found'][key], city['duplicates_located']):>9} "
                      f"{ratio(r['dup_correct'][key], r['dup_shown'][key]):>24} "
                      f"{ratio(r['strict_found'][key], r['strict_queries']):>22}")
            if r["misses"]:
                print("    same-problem requests missed in the top 20, by the first rule the latest earlier one fails: "
                      + "; ".join(f"{reason} {n}" for reason, n in r["misses"].items()))
        if city.get("plan"):
            print(f"  SQLite plan of the candidate query: {city['plan']}")
    print("\nprecision@k: over every replayed request (unmarked true duplicates count as wrong: a lower bound). "
          "recall@k: over the marked duplicates with coordinates. precision@k, duplicates: over the suggestions "
          "shown for marked duplicates (Chicago: those whose parent is in the sample). same-problem recall@k: over "
          "requests filed after another member of their problem (a duplicate and its parent, or the case its "
          "closure cites, either way round), a hit when an earlier member is suggested.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cities", default="chicago,boston", help="comma separated: chicago, boston")
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--radius", default="150", help="search radii in metres, comma separated (default 150)")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder of real city data")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server, without a database name")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--city", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.radii = [float(r) for r in args.radius.split(",") if r.strip()]
    if args.worker:
        worker(args)
        return
    for city in args.cities.split(","):
        if city not in CITIES:
            raise SystemExit(f"unknown city {city!r} (chicago, boston)")
        if not (args.shared / CITIES[city][0]).is_file():
            raise SystemExit(f"{args.shared / CITIES[city][0]}: not found (pass --shared)")
    results = [run_worker(city.strip(), args) for city in args.cities.split(",")]
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")

if __name__ == "__main__":
    main()
