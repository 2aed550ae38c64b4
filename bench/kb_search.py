"""Knowledge-base search quality and latency on SQLite and PostgreSQL, next to a naive
baseline measured in the same run.

The judged set (bench/kb_search_judged.csv) holds real resident wording: descriptions
from Boston's Open311 records (../shared/data/boston/boston_open311_2008-2016.jsonl.gz,
by service_request_id) and Newport's SeeClickFix issues
(../shared/data/text/seeclickfix_newport_ri_2017.csv, by id), each with the demo FAQ
article (its translation key) that answers it, and any other article that would also be
a fair answer. The text is stored in the CSV, so the benchmark runs without ../shared.

For each database, in a fresh scratch database (one worker process each): migrate, load
the demo FAQ (civic311/knowledge/seed/faq.json, 88 articles in English and Spanish), then
for every judged query:
- `search_articles(query)` (the product: FTS5 / tsvector, synonyms, typo fallback);
- the baseline: articles containing any of the query's words (`icontains` on title,
  keywords and body), ranked by how many words they contain;
and a floor: one article fetched by primary key.

Reported: top-1 and top-3 hit rate (expected or also-acceptable article), median and p95
latency of each, ratios to the floor, and the machine's load.

    .venv/bin/python bench/kb_search.py                       # both databases
    .venv/bin/python bench/kb_search.py --db sqlite --repeat 5 --show-misses
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
JUDGED = ROOT / "bench" / "kb_search_judged.csv"
PG_DB = "bench_kb_search"
RESULT_TAG = "BENCH_RESULT "


def read_judged() -> list[dict[str, str]]:
    with JUDGED.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# ---------------------------------------------------------------- worker


def worker(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    scratch = None
    if args.db == "sqlite":
        scratch = Path(tempfile.mkdtemp(prefix="kb-bench-")) / "kb.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"
    else:
        import psycopg

        with psycopg.connect(f"{args.pg_url}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            admin.execute(f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = f"{args.pg_url}/{PG_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic311.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    try:
        call_command("migrate", verbosity=0)
        result = measure(args)
    finally:
        connections.close_all()
        if scratch is not None:
            scratch.unlink(missing_ok=True)
        elif args.db == "postgres":
            import psycopg

            with psycopg.connect(f"{args.pg_url}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
    print(RESULT_TAG + json.dumps(result), flush=True)


def baseline(query: str, limit: int) -> list[str]:
    """The naive search: any query word contained in the title, keywords or body."""
    from django.db.models import Q

    from civic311.knowledge.models import Article
    from civic311.knowledge.search import query_terms

    counts: dict[str, int] = {}
    for word in query_terms(query):
        matches = Article.objects.filter(
            Q(title__icontains=word) | Q(keywords__icontains=word) | Q(body__icontains=word),
            language="en", audience="public", published=True,
        ).values_list("translation_key", flat=True)
        for key in matches:
            counts[key] = counts.get(key, 0) + 1
    return [key for key, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))][:limit]


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from civic311.knowledge.models import Article
    from civic311.knowledge.search import search_articles
    from civic311.knowledge.seeds import load_faq

    load_faq()
    keys = dict(Article.objects.values_list("slug", "translation_key"))
    judged = read_judged()

    def product(query: str) -> list[str]:
        return [keys[hit.slug] for hit in search_articles(query, language="en", limit=3)]

    first_id = Article.objects.order_by("pk").values_list("pk", flat=True)[0]

    def floor(query: str) -> list[str]:
        Article.objects.filter(pk=first_id).first()
        return []

    engines = {"search_articles": product, "icontains baseline": lambda query: baseline(query, 3), "floor": floor}
    for engine in engines.values():  # warm caches (the vocabulary, prepared statements)
        engine(judged[0]["query"])
    report: dict[str, Any] = {"db": args.db, "queries": len(judged), "engines": {}}
    for name, engine in engines.items():
        top1 = top3 = 0
        times: list[float] = []
        misses: list[str] = []
        for row in judged:
            good = {row["expected"], *row["also_acceptable"].split()}
            ranked: list[str] = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                ranked = engine(row["query"])
                times.append(time.perf_counter() - start)
            top1 += bool(ranked[:1]) and ranked[0] in good
            top3 += any(key in good for key in ranked[:3])
            if name != "floor" and not any(key in good for key in ranked[:3]):
                misses.append(f"{row['row_id']}: {row['query'][:70]!r} → {ranked} (want {row['expected']})")
        times.sort()
        report["engines"][name] = {
            "top1": top1 / len(judged), "top3": top3 / len(judged),
            "median_ms": statistics.median(times) * 1000, "p95_ms": times[int(len(times) * 0.95) - 1] * 1000,
            "misses": misses,
        }
    return report


# ---------------------------------------------------------------- orchestration


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each query")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    load_before = os.getloadavg()
    print(f"judged queries: {len(read_judged())} (real resident wording, {JUDGED.name}); "
          f"load average {load_before[0]:.2f} on {os.cpu_count()} cores")
    for db in databases:
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--db", db,
                   "--pg-url", args.pg_url, "--repeat", str(args.repeat)]
        output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        lines = [line for line in output.stdout.splitlines() if line.startswith(RESULT_TAG)]
        if not lines:
            print(f"\n== {db}: failed\n{output.stderr[-2000:]}")
            continue
        report = json.loads(lines[-1][len(RESULT_TAG):])
        floor = report["engines"]["floor"]["median_ms"]
        print(f"\n== {db} ({report['queries']} queries × {args.repeat} runs)")
        print(f"{'engine':22} {'top-1':>7} {'top-3':>7} {'median ms':>10} {'p95 ms':>8} {'÷ floor':>8}")
        for name, figures in report["engines"].items():
            quality = ("", "") if name == "floor" else (f"{figures['top1']:.0%}", f"{figures['top3']:.0%}")
            print(f"{name:22} {quality[0]:>7} {quality[1]:>7} {figures['median_ms']:10.2f} "
                  f"{figures['p95_ms']:8.2f} {figures['median_ms'] / floor:8.1f}")
        if args.show_misses:
            for name in ("search_articles", "icontains baseline"):
                print(f"  misses of {name}:")
                for miss in report["engines"][name]["misses"]:
                    print(f"    {miss}")
    load_after = os.getloadavg()
    print(f"\nload average after: {load_after[0]:.2f}")


if __name__ == "__main__":
    main()
