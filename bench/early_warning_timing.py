"""Run time of one daily early-warning run (issue 7), and the speed-up of the vectorised scan over the
straightforward pure-Python one on the same input with the same result.

A daily run, per service type: the space-time permutation scan and the expectation-based Poisson
scan over the 365 days ending today (windows 1–14 days, 999 replications, no early stop unless
said), the ESSENCE EWMA and EARS C2 over every neighborhood series, Benjamini–Hochberg across them.

Cities:
- Boston: the 26 neighborhoods, the four service types of the Open311 archive, the 365 days
  ending 2015-12-31 (real counts, ../shared/data/boston/);
- derived: 2,000 synthetic areas on a 500 m grid (20 × 25 km) with 10× Boston's volume: for
  each type and day, 10× the real Boston daily total of that type, spread over the areas with
  fixed per-area propensities (gamma-distributed, so some areas are busy and most are quiet).
  It is a derived data set (real daily totals, synthetic places), not a real city.

    .venv/bin/python bench/early_warning_timing.py
    .venv/bin/python bench/early_warning_timing.py --workers 2 --reference-replications 999
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from early_warning_data import day_index, load_history

from civic311.insight.scan_reference import space_time_permutation_scan_reference
from civic311.insight.scan_statistic import (
    Circles,
    build_circles,
    expectation_based_poisson_scan,
    permutation_replicates,
    project_lonlat,
    space_time_permutation_scan,
)
from civic311.insight.series_alarms import benjamini_hochberg, ears, essence_ewma

T = TypeVar("T")
LAST_DAY = dt.date(2015, 12, 31)
STUDY_DAYS = 365
SERIES_DAYS = 60  # the EWMA needs 28 + 2 days before today; 60 are passed


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def daily_run(
    counts_by_type: list[NDArray[np.int64]], circles: Circles, *, replications: int, workers: int, sequential: bool
) -> dict[str, float]:
    """Seconds spent by each part of one morning's run over every type."""
    spent = {"STP": 0.0, "EBP": 0.0, "series": 0.0}
    for k, counts in enumerate(counts_by_type):
        study = counts[-STUDY_DAYS:]
        for name, scan in (("STP", space_time_permutation_scan), ("EBP", expectation_based_poisson_scan)):
            run = partial(
                scan, study, circles, replications=replications, seed=k, workers=workers, sequential=sequential
            )
            _, seconds = timed(run)
            spent[name] += seconds

        def series(counts: NDArray[np.int64] = counts) -> None:
            matrix = counts[-SERIES_DAYS:].T
            for result in (essence_ewma(matrix), ears(matrix, "C1"), ears(matrix, "C2")):
                benjamini_hochberg(result.p_value[:, -1], 0.01)
            ears(matrix, "C3")

        _, seconds = timed(series)
        spent["series"] += seconds
    spent["total"] = sum(spent.values())
    return spent


def history_backfill(counts_by_type: list[NDArray[np.int64]], circles: Circles, days: int) -> float:
    """Seconds for the observed statistic (no Monte Carlo) of `days` past analyses of every
    type: what the daily run computes once when it has no stored history (same table size)."""
    start = time.perf_counter()
    for counts in counts_by_type:
        study = counts[-STUDY_DAYS:]
        for _ in range(days):
            space_time_permutation_scan(study, circles, replications=0)
    return time.perf_counter() - start


def derived_city(
    boston: list[NDArray[np.int64]], *, side_x: int = 40, side_y: int = 50, seed: int = 1
) -> tuple[NDArray[np.float64], list[NDArray[np.int64]]]:
    """2,000 grid areas (500 m apart) and counts[day, area] with 10× the real daily totals."""
    rng = np.random.default_rng(seed)
    xy = np.array([(i, j) for i in range(side_x) for j in range(side_y)], dtype=float) * 500.0
    n = xy.shape[0]
    out = []
    for counts in boston:
        weights = np.asarray(rng.gamma(0.7, 1.0, n), dtype=np.float64)
        propensity = weights / weights.sum()
        totals = counts.sum(axis=1) * 10
        out.append(np.array([rng.multinomial(int(t), propensity) for t in totals], dtype=np.int64))
    return xy, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replications", type=int, default=999)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--reference-replications", type=int, default=999, help="for the Boston speed-up")
    parser.add_argument("--derived-reference-replications", type=int, default=3)
    parser.add_argument("--max-radius-km", type=float, default=3.0, help="Boston circles")
    parser.add_argument("--derived-max-radius-km", type=float, default=2.0)
    parser.add_argument("--history-only", action="store_true", help="only the history backfill timing")
    args = parser.parse_args()

    history = load_history()
    first = day_index(LAST_DAY) - STUDY_DAYS - SERIES_DAYS + 1
    boston = [history.counts(k, first, STUDY_DAYS + SERIES_DAYS) for k in range(len(history.type_names))]
    xy_boston = project_lonlat(history.area_lonlat[:, 0], history.area_lonlat[:, 1])
    circles_boston = build_circles(xy_boston, max_radius_m=args.max_radius_km * 1000)
    xy_derived, derived = derived_city(boston)
    circles_derived = build_circles(xy_derived, max_radius_m=args.derived_max_radius_km * 1000)
    print(f"Boston: {len(history.area_names)} areas, {circles_boston.center.size} circles, types {history.type_names}")
    print("  cases in the 365-day study period per type: " + ", ".join(str(int(c[-STUDY_DAYS:].sum())) for c in boston))
    radius = f"≤ {args.derived_max_radius_km:g} km"
    print(f"Derived: {xy_derived.shape[0]} areas, {circles_derived.center.size} circles ({radius})")
    print("  cases per type: " + ", ".join(str(int(c[-STUDY_DAYS:].sum())) for c in derived))
    print(f"replications {args.replications}, windows 1–14 days, machine cores {os.cpu_count()}\n")

    print("## The alarm rule's history: observed-only scans of 365 past days, all types (first run only)\n")
    print("| city | types | past days | seconds | per scan (ms) |")
    print("|---|---:|---:|---:|---:|")
    for city, counts, circles in (("Boston", boston, circles_boston),
                                  ("derived 2,000 areas ×10", derived, circles_derived)):
        seconds = history_backfill(counts, circles, STUDY_DAYS)
        per_scan = 1000 * seconds / STUDY_DAYS / len(counts)
        print(f"| {city} | {len(counts)} | {STUDY_DAYS} | {seconds:.1f} | {per_scan:.1f} |", flush=True)
    if args.history_only:
        return

    print("\n## One daily run (all service types), seconds\n")
    print("| city | types | workers | sequential stop | STP | EBP | EWMA+C1–C3+BH | total |")
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    for city, counts, circles in (
        ("Boston", boston, circles_boston),
        ("derived 2,000 areas ×10", derived, circles_derived),
    ):
        for workers in sorted({1, args.workers}):
            for sequential in (False, True):
                spent = daily_run(
                    counts, circles, replications=args.replications, workers=workers, sequential=sequential
                )
                print(
                    f"| {city} | {len(counts)} | {workers} | {'yes' if sequential else 'no'} | {spent['STP']:.2f} "
                    f"| {spent['EBP']:.2f} | {spent['series']:.2f} | {spent['total']:.2f} |",
                    flush=True,
                )

    print("\n## Vectorised vs pure-Python reference (space-time permutation scan, one type, same input)\n")
    print(
        "| city | type | cases | replications | reference s | vectorised s (1 worker) | speed-up | same cluster "
        "| LLR ref | LLR vec | p ref | p vec | p with shared replicates |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|")
    k = history.type_names.index("Other")
    cases = [
        ("Boston", boston[k][-STUDY_DAYS:], xy_boston, args.max_radius_km, args.reference_replications),
        (
            "derived",
            derived[k][-STUDY_DAYS:],
            xy_derived,
            args.derived_max_radius_km,
            args.derived_reference_replications,
        ),
    ]
    for city, study, xy, radius_km, reps in cases:
        circles = build_circles(xy, max_radius_m=radius_km * 1000)
        points = [(float(x), float(y)) for x, y in xy]
        table = study.tolist()
        ref, ref_s = timed(
            partial(
                space_time_permutation_scan_reference,
                table,
                points,
                max_radius_m=radius_km * 1000,
                replications=reps,
                seed=1,
            )
        )
        vec, vec_s = timed(partial(space_time_permutation_scan, study, circles, replications=reps, seed=1))
        # Fed the vectorised module's own random tables, the reference must give its p-value exactly.
        shared = permutation_replicates(study, replications=min(reps, 99), seed=3)
        ref_shared = space_time_permutation_scan_reference(
            table, points, max_radius_m=radius_km * 1000, replicate_tables=shared.tolist()
        )
        vec_shared = space_time_permutation_scan(study, circles, replications=min(reps, 99), seed=3)
        same = ref.areas == vec.areas and ref.window_days == vec.window_days and ref.observed == vec.observed
        same_p = (
            "yes" if ref_shared.p_value == vec_shared.p_value else f"no ({ref_shared.p_value} vs {vec_shared.p_value})"
        )
        print(
            f"| {city} | Other | {int(study.sum())} | {reps} | {ref_s:.2f} | {vec_s:.3f} | {ref_s / vec_s:.0f}× "
            f"| {'yes' if same else 'NO'} | {ref.llr:.6f} | {vec.llr:.6f} | {ref.p_value:.3f} | {vec.p_value:.3f} "
            f"| {same_p} ({min(reps, 99)} replicates) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
