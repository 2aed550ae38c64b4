"""The alarm rule of the daily early-warning run (civic311/insight/alarm_rule.py), measured on
real Boston history: false alarms a year per service type with nothing injected, and what the
rule costs in detection of injected outbreaks, for a grid of rules next to the bare
"recurrence interval ≥ 100 days" rule.

Each daily space-time permutation scan (365-day study period, windows 1–14 days, circles ≤ 3 km
around the 26 neighborhood centroids, 999 replications with the sequential stop) is run once and
its most likely cluster (observed, expected, recurrence interval, areas) cached in
bench/.cache/early_warning_rule/; the rules are then applied to the cached clusters, so
`--report-only` reprints the tables instantly and a stopped run continues where it left off.

    .venv/bin/python bench/early_warning_rule.py                  # null year (4 types) + 10 outbreaks per cell
    .venv/bin/python bench/early_warning_rule.py --per-cell 20    # more outbreaks
    .venv/bin/python bench/early_warning_rule.py --report-only
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from early_warning_data import CACHE
from early_warning_eval import (
    DETECT_WITHIN,
    DURATIONS,
    FOOTPRINTS,
    MAX_WINDOW,
    OUTBREAK_TYPES,
    SHAPES,
    SIZES,
    STUDY_DAYS,
    YEAR_DAYS,
    YEAR_FIRST,
    Context,
    inject,
    make_context,
)

from civic311.insight.alarm_rule import AlarmRule, new_episodes
from civic311.insight.scan_statistic import space_time_permutation_scan

RULES = {
    "RI ≥ 100 only": AlarmRule(min_cases=2, min_relative_risk=0.0),
    "≥ 5 cases, RR ≥ 2": AlarmRule(min_cases=5, min_relative_risk=2.0),
    "≥ 8 cases, RR ≥ 3": AlarmRule(min_cases=8, min_relative_risk=3.0),
    "≥ 10 cases, RR ≥ 3": AlarmRule(min_cases=10, min_relative_risk=3.0),
    "≥ 10 cases, RR ≥ 4": AlarmRule(min_cases=10, min_relative_risk=4.0),
    "≥ 12 cases, RR ≥ 5 (default)": AlarmRule(),
    "≥ 15 cases, RR ≥ 4": AlarmRule(min_cases=15, min_relative_risk=4.0),
    "≥ 15 cases, RR ≥ 6": AlarmRule(min_cases=15, min_relative_risk=6.0),
    "≥ 20 cases, RR ≥ 5": AlarmRule(min_cases=20, min_relative_risk=5.0),
}


def cluster(ctx: Context, counts: np.ndarray, day: int, seed: int) -> dict:
    end = day - ctx.first_day + 1
    result = space_time_permutation_scan(counts[end - STUDY_DAYS : end], ctx.circles, max_window_days=MAX_WINDOW,
                                         replications=ctx.replications, seed=seed, alarm_recurrence_days=100.0,
                                         sequential=True)
    return {"ri": result.recurrence_interval_days, "observed": result.observed, "expected": result.expected,
            "areas": list(result.areas), "window": result.window_days}


def flagged(rule: AlarmRule, c: dict) -> set[int]:
    return set(c["areas"]) if rule.alarms(recurrence_days=c["ri"], observed=c["observed"],
                                           expected=c["expected"]) else set()


def null_year(ctx: Context, service_type: int, path: Path) -> list[dict]:
    if path.exists():
        return json.loads(path.read_text())
    counts = ctx.counts[service_type]
    days = [cluster(ctx, counts, day, ctx.seed + day) for day in range(YEAR_FIRST, YEAR_FIRST + YEAR_DAYS)]
    path.write_text(json.dumps(days))
    return days


def outbreak(ctx: Context, cell: tuple[str, int, str, int], index: int, path: Path) -> dict:
    if path.exists():
        return json.loads(path.read_text())
    footprint, duration, shape, size = cell
    key = (FOOTPRINTS.index(footprint), duration, SHAPES.index(shape), size)
    rng = np.random.default_rng(np.random.SeedSequence([ctx.seed, *key, index, 7]))
    names = ctx.history.type_names
    service_type = names.index(OUTBREAK_TYPES[int(rng.integers(len(OUTBREAK_TYPES)))])
    onset = int(rng.integers(YEAR_FIRST + 14, YEAR_FIRST + YEAR_DAYS - 14))
    extra, per_area = inject(ctx, rng, service_type, onset, footprint, duration, shape, size)
    counts = ctx.counts[service_type].copy()
    start = onset - ctx.first_day
    counts[start : start + duration] += extra
    seeds = [int(s) for s in rng.integers(2**31, size=DETECT_WITHIN)]
    days = [cluster(ctx, counts, onset + k, seeds[k]) for k in range(DETECT_WITHIN)]
    record = {"truth": sorted(np.flatnonzero(per_area).tolist()), "days": days}
    path.write_text(json.dumps(record))
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-cell", type=int, default=10)
    parser.add_argument("--replications", type=int, default=999)
    parser.add_argument("--seed", type=int, default=20150101)
    parser.add_argument("--max-minutes", type=float, default=0.0)
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    cache = CACHE / "early_warning_rule" / f"R{args.replications}_seed{args.seed}"
    cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    deadline = started + args.max_minutes * 60 if args.max_minutes else float("inf")
    ctx = make_context(args.replications, args.seed, 3.0)
    load = os.getloadavg()[0]
    print(f"replications {args.replications}, seed {args.seed}, load average at start {load:.1f} "
          f"on {os.cpu_count()} cores")

    nulls: dict[str, list[dict]] = {}
    for k, name in enumerate(ctx.history.type_names):
        path = cache / f"null_{k}.json"
        if args.report_only and not path.exists():
            continue
        if time.perf_counter() > deadline:
            break
        nulls[name] = null_year(ctx, k, path)

    cells = [(f, d, s, z) for f in FOOTPRINTS for d in DURATIONS for s in SHAPES for z in SIZES]
    outbreaks: dict[tuple[str, int, str, int], list[dict]] = {}
    for cell in cells:
        records = []
        for i in range(args.per_cell):
            path = cache / f"cell_{cell[0]}_{cell[1]}d_{cell[2]}_{cell[3]}_{i}.json"
            if (args.report_only and not path.exists()) or time.perf_counter() > deadline:
                continue
            records.append(outbreak(ctx, cell, i, path))
        outbreaks[cell] = records
    elapsed = time.perf_counter() - started

    print("\nNothing injected, 2015 (365 daily analyses per type): alarm days a year [new alerts a year]")
    header = "| rule | " + " | ".join(nulls) + " |"
    print(header)
    print("|---|" + "---:|" * len(nulls))
    for label, rule in RULES.items():
        cells_out = []
        for days in nulls.values():
            flags = [flagged(rule, c) for c in days]
            cells_out.append(f"{sum(1 for f in flags if f)} [{sum(new_episodes(flags, rule.episode_gap_days))}]")
        print(f"| {label} | " + " | ".join(cells_out) + " |")

    n = sum(len(r) for r in outbreaks.values())
    print(f"\nInjected outbreaks ({n}): detected within {DETECT_WITHIN} days (an alarm overlapping the injected "
          "neighborhoods), by footprint and by size")
    groups = {**{f"footprint {f}": [c for c in cells if c[0] == f] for f in FOOTPRINTS},
              **{f"size {z}/day": [c for c in cells if c[3] == z] for z in SIZES},
              **{f"duration {d} d": [c for c in cells if c[1] == d] for d in DURATIONS}}
    print("| rule | " + " | ".join(groups) + " | all |")
    print("|---|" + "---:|" * (len(groups) + 1))
    for label, rule in RULES.items():
        row = []
        for members in [*groups.values(), cells]:
            records = [r for c in members for r in outbreaks.get(c, [])]
            hits = sum(1 for r in records if any(flagged(rule, c) & set(r["truth"]) for c in r["days"]))
            row.append(f"{hits / len(records):.2f}" if records else "—")
        print(f"| {label} | " + " | ".join(row) + " |")
    print(f"\n{elapsed:.0f} s (cached results are reused)")


if __name__ == "__main__":
    main()
