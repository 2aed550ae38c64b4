"""The alarm rule of the daily early-warning run (civic311/insight/alarm_rule.py), measured on
real Boston history: new alerts a year per service type with nothing injected (2015, and 2014 as a
second year), and detection of injected outbreaks, for a grid of rules next to the bare
"recurrence interval ≥ 100 days" rule and the former size-limit default.

Each daily space-time permutation scan (365-day study period, windows 1–14 days, circles ≤ 3 km
around the 26 neighborhood centroids, 999 replications with the sequential stop at RI 100) is run
once and its most likely cluster (LLR, observed, expected, recurrence interval, areas) cached in
bench/.cache/early_warning_rule/. The historical rules also need the observed LLR of every past
analysis day (2013–2015; no Monte Carlo), computed once per type. The rules are then applied to
the cached clusters, so `--report-only` reprints the tables instantly and a stopped run continues
where it left off (`--max-minutes`).

History of a rule ("trailing"): the 365 analysis days before the day studied, as the daily run
keeps it (for an outbreak, the outbreak's own earlier days are in it, injected); "fixed 2014": the
365 analysis days of 2014 only, never 2015 (for 2015 only).

    .venv/bin/python bench/early_warning_rule.py --per-cell 100 --jobs 2   # the full grid (48 cells)
    .venv/bin/python bench/early_warning_rule.py --report-only
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from early_warning_data import CACHE, BostonHistory, day_index, load_history
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
)

from civic311.insight.alarm_rule import AlarmRule, new_episodes
from civic311.insight.scan_statistic import build_circles, project_lonlat, space_time_permutation_scan

FIRST_HISTORY_DAY = day_index(dt.date(2013, 1, 1))  # first analysis day whose observed LLR is kept
NULL_YEARS = {2014: day_index(dt.date(2014, 1, 1)), 2015: YEAR_FIRST}


@dataclass(frozen=True)
class Candidate:
    rule: AlarmRule
    history: str = "trailing"  # or "fixed 2014"


RULES: dict[str, Candidate] = {
    "MC RI ≥ 100 only": Candidate(AlarmRule(historical_recurrence_days=0)),
    "MC RI ≥ 100, ≥ 12 cases, RR ≥ 5 (former default)": Candidate(
        AlarmRule(historical_recurrence_days=0, min_cases=12, min_relative_risk=5.0)),
    "hist RI ≥ 100 only (no Monte Carlo)": Candidate(AlarmRule(recurrence_days=0, historical_recurrence_days=100)),
    "MC RI ≥ 100 + hist RI ≥ 100": Candidate(AlarmRule(historical_recurrence_days=100)),
    "MC RI ≥ 100 + hist RI ≥ 100, fixed 2014 history": Candidate(
        AlarmRule(historical_recurrence_days=100), "fixed 2014"),
    "MC RI ≥ 100 + hist RI ≥ 60": Candidate(AlarmRule(historical_recurrence_days=60)),
    "MC RI ≥ 100 + hist RI ≥ 40": Candidate(AlarmRule(historical_recurrence_days=40)),  # the default
    "MC RI ≥ 100 + hist RI ≥ 25": Candidate(AlarmRule(historical_recurrence_days=25)),
    "MC RI ≥ 100 + hist RI ≥ 40 over 180 days": Candidate(AlarmRule(historical_recurrence_days=40, history_days=180)),
    "MC RI ≥ 100 + hist RI ≥ 60 over 180 days": Candidate(AlarmRule(historical_recurrence_days=60, history_days=180)),
    "MC RI ≥ 100 + weekly hist RI ≥ 100": Candidate(
        AlarmRule(historical_recurrence_days=100, history_block_days=7)),
    "MC RI ≥ 100 + weekly hist RI ≥ 60": Candidate(AlarmRule(historical_recurrence_days=60, history_block_days=7)),
    "MC RI ≥ 100 + weekly hist RI ≥ 40": Candidate(AlarmRule(historical_recurrence_days=40, history_block_days=7)),
    "MC RI ≥ 100 + (hist RI ≥ 100 or ≥ 12 cases & RR ≥ 5)": Candidate(
        AlarmRule(historical_recurrence_days=100, large_alarms=True)),
    "MC RI ≥ 100 + (hist RI ≥ 100 or ≥ 15 cases & RR ≥ 6)": Candidate(
        AlarmRule(historical_recurrence_days=100, large_alarms=True, large_min_cases=15,
                  large_min_relative_risk=6.0)),
    "MC RI ≥ 100 + (hist RI ≥ 60 or ≥ 15 cases & RR ≥ 6)": Candidate(
        AlarmRule(historical_recurrence_days=60, large_alarms=True, large_min_cases=15, large_min_relative_risk=6.0)),
    "MC RI ≥ 100 + (hist RI ≥ 100 or ≥ 20 cases & RR ≥ 5)": Candidate(
        AlarmRule(historical_recurrence_days=100, large_alarms=True, large_min_cases=20,
                  large_min_relative_risk=5.0)),
    "MC RI ≥ 100 + hist RI ≥ 40, ≥ 8 cases, RR ≥ 3": Candidate(
        AlarmRule(historical_recurrence_days=40, min_cases=8, min_relative_risk=3.0)),
    "MC RI ≥ 100 + hist RI ≥ 20, ≥ 8 cases, RR ≥ 3": Candidate(
        AlarmRule(historical_recurrence_days=20, min_cases=8, min_relative_risk=3.0)),
    "MC RI ≥ 100 + hist RI ≥ 20, ≥ 10 cases, RR ≥ 4": Candidate(
        AlarmRule(historical_recurrence_days=20, min_cases=10, min_relative_risk=4.0)),
}


@dataclass
class Setup:
    history: BostonHistory
    ctx: Context
    replications: int
    seed: int


def make_setup(replications: int, seed: int) -> Setup:
    history = load_history()
    xy = project_lonlat(history.area_lonlat[:, 0], history.area_lonlat[:, 1])
    circles = build_circles(xy, max_radius_m=3000.0)
    first_day = FIRST_HISTORY_DAY - STUDY_DAYS
    n_days = YEAR_FIRST + YEAR_DAYS + 30 - first_day
    counts = {k: history.counts(k, first_day, n_days) for k in range(len(history.type_names))}
    return Setup(history, Context(history, circles, counts, first_day, replications, seed), replications, seed)


def cluster(ctx: Context, counts: np.ndarray, day: int, seed: int, replications: int) -> dict:
    end = day - ctx.first_day + 1
    result = space_time_permutation_scan(counts[end - STUDY_DAYS : end], ctx.circles, max_window_days=MAX_WINDOW,
                                         replications=replications, seed=seed, alarm_recurrence_days=100.0,
                                         sequential=True)
    return {"llr": result.llr, "ri": result.recurrence_interval_days, "observed": result.observed,
            "expected": result.expected, "areas": list(result.areas), "window": result.window_days}


# --- the cached computations (each a pool task) -------------------------------------------------

_SETUP: Setup | None = None


def _init(replications: int, seed: int) -> None:
    global _SETUP
    _SETUP = make_setup(replications, seed)


def _llr_task(args: tuple[int, str]) -> str:
    """Observed LLR of every analysis day 2013–2015 of one type, nothing injected (no Monte Carlo)."""
    service_type, cache = args
    assert _SETUP is not None
    path = Path(cache) / f"llr_{service_type}.json"
    if not path.exists():
        ctx = _SETUP.ctx
        days = range(FIRST_HISTORY_DAY, YEAR_FIRST + YEAR_DAYS)
        llr = [cluster(ctx, ctx.counts[service_type], d, 0, 0)["llr"] for d in days]
        path.write_text(json.dumps({"first_day": FIRST_HISTORY_DAY, "llr": llr}))
    return path.name


def _null_task(args: tuple[int, int, str]) -> str:
    service_type, year, cache = args
    assert _SETUP is not None
    path = Path(cache) / f"null_{year}_{service_type}.json"
    if not path.exists():
        ctx = _SETUP.ctx
        first = NULL_YEARS[year]
        days = [cluster(ctx, ctx.counts[service_type], day, _SETUP.seed + day, _SETUP.replications)
                for day in range(first, first + YEAR_DAYS)]
        path.write_text(json.dumps(days))
    return path.name


def cell_name(cell: tuple[str, int, str, int]) -> str:
    return f"cell_{cell[0]}_{cell[1]}d_{cell[2]}_{cell[3]}.json"


def outbreak(setup: Setup, cell: tuple[str, int, str, int], index: int) -> dict:
    ctx = setup.ctx
    footprint, duration, shape, size = cell
    key = (FOOTPRINTS.index(footprint), duration, SHAPES.index(shape), size)
    rng = np.random.default_rng(np.random.SeedSequence([setup.seed, *key, index, 7]))
    names = setup.history.type_names
    service_type = names.index(OUTBREAK_TYPES[int(rng.integers(len(OUTBREAK_TYPES)))])
    onset = int(rng.integers(YEAR_FIRST + 14, YEAR_FIRST + YEAR_DAYS - 14))
    extra, per_area = inject(ctx, rng, service_type, onset, footprint, duration, shape, size)
    counts = ctx.counts[service_type].copy()
    start = onset - ctx.first_day
    counts[start : start + duration] += extra
    seeds = [int(s) for s in rng.integers(2**31, size=DETECT_WITHIN)]
    days = [cluster(ctx, counts, onset + k, seeds[k], setup.replications) for k in range(DETECT_WITHIN)]
    return {"type": service_type, "onset": onset, "truth": sorted(np.flatnonzero(per_area).tolist()), "days": days}


def _cell_task(args: tuple[tuple[str, int, str, int], int, str, float]) -> str:
    cell, per_cell, cache, deadline = args
    assert _SETUP is not None
    path = Path(cache) / cell_name(cell)
    done: list[dict] = json.loads(path.read_text()) if path.exists() else []
    while len(done) < per_cell and time.time() < deadline:
        done.append(outbreak(_SETUP, cell, len(done)))
        if len(done) % 10 == 0:
            path.write_text(json.dumps(done))
    path.write_text(json.dumps(done))
    return f"{path.name} ({len(done)})"


# --- applying the rules to the cached clusters --------------------------------------------------


class Histories:
    """Observed LLRs of past analysis days per type, nothing injected."""

    def __init__(self, cache: Path, n_types: int) -> None:
        self.llr: dict[int, list[float]] = {}
        for k in range(n_types):
            path = cache / f"llr_{k}.json"
            if path.exists():
                self.llr[k] = json.loads(path.read_text())["llr"]

    def past(self, service_type: int, day: int, history: str, days: int = STUDY_DAYS) -> list[float]:
        series = self.llr[service_type]
        if history == "fixed 2014":
            start = NULL_YEARS[2014] - FIRST_HISTORY_DAY
            return series[start : start + YEAR_DAYS]
        end = day - FIRST_HISTORY_DAY
        return series[max(0, end - days) : end]


def flagged(candidate: Candidate, c: dict, past: list[float]) -> set[int]:
    rule = candidate.rule
    historical = rule.historical_interval(c["llr"], past) if rule.uses_history else math.inf
    alarm = c["llr"] > 0 and rule.alarms(recurrence_days=c["ri"], observed=c["observed"], expected=c["expected"],
                                        historical_recurrence_days=historical)
    return set(c["areas"]) if alarm else set()


def null_flags(candidate: Candidate, histories: Histories, service_type: int, year: int,
               days: list[dict]) -> list[set[int]]:
    first = NULL_YEARS[year]
    return [flagged(candidate, c, histories.past(service_type, first + i, candidate.history))
            for i, c in enumerate(days)]


def first_alarm(candidate: Candidate, histories: Histories, record: dict) -> tuple[int, set[int]] | None:
    """(days from onset, flagged areas) of the first alarm overlapping the injected areas."""
    truth = set(record["truth"])
    for k, c in enumerate(record["days"]):
        past = histories.past(record["type"], record["onset"], candidate.history, STUDY_DAYS - k)
        if candidate.history == "trailing":
            past = past + [d["llr"] for d in record["days"][:k]]  # the outbreak's own days, injected
        areas = flagged(candidate, c, past)
        if areas & truth:
            return k, areas
    return None


def fmt(value: float | None, pattern: str = "{:.2f}") -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else pattern.format(value)


def report(cache: Path, per_cell: int, type_names: list[str], rules: dict[str, Candidate]) -> None:
    histories = Histories(cache, len(type_names))
    nulls: dict[tuple[int, int], list[dict]] = {}
    for year in NULL_YEARS:
        for k in range(len(type_names)):
            path = cache / f"null_{year}_{k}.json"
            if path.exists() and k in histories.llr:
                nulls[(year, k)] = json.loads(path.read_text())
    for year in sorted(NULL_YEARS, reverse=True):
        present = [k for k in range(len(type_names)) if (year, k) in nulls]
        if not present:
            continue
        print(f"\nNothing injected, {year} (365 daily analyses per type): new alerts a year [alarm days a year]\n")
        print("| rule | " + " | ".join(type_names[k] for k in present) + " |")
        print("|---|" + "---:|" * len(present))
        for label, candidate in rules.items():
            if candidate.history == "fixed 2014" and year == 2014:
                continue
            row = []
            for k in present:
                flags = null_flags(candidate, histories, k, year, nulls[(year, k)])
                row.append(f"{sum(new_episodes(flags, candidate.rule.episode_gap_days))} "
                           f"[{sum(1 for f in flags if f)}]")
            print(f"| {label} | " + " | ".join(row) + " |")

    cells = list(itertools.product(FOOTPRINTS, DURATIONS, SHAPES, SIZES))
    outbreaks: dict[tuple[str, int, str, int], list[dict]] = {}
    for cell in cells:
        path = cache / cell_name(cell)
        if path.exists():
            outbreaks[cell] = json.loads(path.read_text())[:per_cell]
    n = sum(len(r) for r in outbreaks.values())
    if not n:
        return
    hits: dict[str, dict[tuple[str, int, str, int], list[tuple[int, set[int]] | None]]] = {
        label: {cell: [first_alarm(c, histories, r) for r in records] for cell, records in outbreaks.items()}
        for label, c in rules.items()
    }
    # The same check on the same days and areas with nothing injected (the null-year clusters).
    background: dict[str, list[bool]] = {}
    for label, candidate in rules.items():
        chance = []
        for records in outbreaks.values():
            for r in records:
                days = nulls.get((2015, r["type"]))
                if days is None:
                    continue
                i = r["onset"] - YEAR_FIRST
                chance.append(any(flagged(candidate, c, histories.past(r["type"], r["onset"] + k, candidate.history))
                                  & set(r["truth"]) for k, c in enumerate(days[i : i + DETECT_WITHIN])))
        background[label] = chance
    print("\nDetected within 7 days by the outbreak's service type\n")
    present = sorted({r["type"] for records in outbreaks.values() for r in records})
    print("| rule | " + " | ".join(f"{type_names[k]} (n)" for k in present) + " |")
    print("|---|" + "---:|" * len(present))
    for label in rules:
        row = []
        for k in present:
            found = [h for cell, records in outbreaks.items() for h, r in zip(hits[label][cell], records, strict=True)
                     if r["type"] == k]
            row.append(f"{sum(1 for h in found if h) / len(found):.2f} ({len(found)})")
        print(f"| {label} | " + " | ".join(row) + " |")
    per = sorted({len(r) for r in outbreaks.values()})
    print(f"\nInjected outbreaks ({n}; {len(outbreaks)} cells of {per[0]}–{per[-1]}): PD = detected within "
          f"{DETECT_WITHIN} days (an alarm overlapping the injected neighborhoods); bg = the same check with "
          "nothing injected\n")
    groups = {**{f"{f}": [c for c in cells if c[0] == f] for f in FOOTPRINTS},
              **{f"{d} d": [c for c in cells if c[1] == d] for d in DURATIONS},
              **{f"{s}": [c for c in cells if c[2] == s] for s in SHAPES},
              **{f"{z}/day": [c for c in cells if c[3] == z] for z in SIZES}}
    print("| rule | " + " | ".join(groups) + " | all PD | bg | median days | precision | recall |")
    print("|---|" + "---:|" * (len(groups) + 5))
    for label in rules:
        row = []
        for members in groups.values():
            found = [h for c in members for h in hits[label].get(c, [])]
            row.append(f"{sum(1 for h in found if h) / len(found):.2f}" if found else "–")
        found = [h for c in cells for h in hits[label].get(c, [])]
        detected = [h for h in found if h]
        truths = [set(r["truth"]) for c in cells for r in outbreaks.get(c, [])]
        pairs = [(h, t) for h, t in zip(found, truths, strict=True) if h]
        precision = float(np.mean([len(h[1] & t) / len(h[1]) for h, t in pairs])) if pairs else None
        recall = float(np.mean([len(h[1] & t) / len(t) for h, t in pairs])) if pairs else None
        delay = float(np.median([h[0] for h in detected])) if detected else None
        bg = float(np.mean(background[label])) if background[label] else None
        print(f"| {label} | " + " | ".join(row) + f" | {len(detected) / len(found):.3f} | {fmt(bg)} "
              f"| {fmt(delay, '{:.0f}')} | {fmt(precision)} | {fmt(recall)} |")
    return


def report_cells(cache: Path, per_cell: int, rules: dict[str, Candidate], type_names: list[str]) -> None:
    """The per-cell table: PD / median days / precision / recall for each rule."""
    histories = Histories(cache, len(type_names))
    print(f"\nPer cell: PD / median days to first alarm / precision / recall ({', '.join(rules)})\n")
    print("| footprint | days | shape | size/day | n | " + " | ".join(rules) + " |")
    print("|---|---:|---|---:|---:|" + "---|" * len(rules))
    for cell in itertools.product(FOOTPRINTS, DURATIONS, SHAPES, SIZES):
        path = cache / cell_name(cell)
        if not path.exists():
            continue
        records = json.loads(path.read_text())[:per_cell]
        out = []
        for candidate in rules.values():
            found = [(first_alarm(candidate, histories, r), set(r["truth"])) for r in records]
            pairs = [(h, t) for h, t in found if h]
            if not pairs:
                out.append("0.00 / – / – / –")
                continue
            delay = float(np.median([h[0] for h, _ in pairs]))
            precision = float(np.mean([len(h[1] & t) / len(h[1]) for h, t in pairs]))
            recall = float(np.mean([len(h[1] & t) / len(t) for h, t in pairs]))
            out.append(f"{len(pairs) / len(records):.2f} / {delay:.0f} / {precision:.2f} / {recall:.2f}")
        print(f"| {cell[0]} | {cell[1]} | {cell[2]} | {cell[3]} | {len(records)} | " + " | ".join(out) + " |")


CHOSEN = "MC RI ≥ 100 + hist RI ≥ 40"
PER_CELL_RULES = ("MC RI ≥ 100 only", "MC RI ≥ 100, ≥ 12 cases, RR ≥ 5 (former default)", CHOSEN)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-cell", type=int, default=100)
    parser.add_argument("--replications", type=int, default=999)
    parser.add_argument("--seed", type=int, default=20150101)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--max-minutes", type=float, default=math.inf)
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--cells", action="store_true", help="also print the per-cell table")
    args = parser.parse_args()
    cache = CACHE / "early_warning_rule" / f"v2_R{args.replications}_seed{args.seed}"
    cache.mkdir(parents=True, exist_ok=True)
    started = time.time()
    deadline = started + args.max_minutes * 60 if math.isfinite(args.max_minutes) else math.inf
    type_names = load_history().type_names
    load = os.getloadavg()
    print(f"replications {args.replications} (sequential stop at RI 100), seed {args.seed}, {args.per_cell} "
          f"outbreaks per cell; load average at start {load[0]:.1f} on {os.cpu_count()} cores; "
          f"cache {cache.relative_to(CACHE.parent.parent)}")
    if not args.report_only:
        tasks: list[tuple[object, tuple]] = [(_llr_task, (k, str(cache))) for k in range(len(type_names))]
        tasks += [(_null_task, (k, year, str(cache))) for year in NULL_YEARS for k in range(len(type_names))]
        cell_tasks = [(c, args.per_cell, str(cache), deadline)
                      for c in itertools.product(FOOTPRINTS, DURATIONS, SHAPES, SIZES)]
        with multiprocessing.get_context("fork").Pool(args.jobs, initializer=_init,
                                                      initargs=(args.replications, args.seed)) as pool:
            for name in pool.imap_unordered(_llr_task, [t[1] for t in tasks if t[0] is _llr_task]):
                print(f"  done {name} ({time.time() - started:.0f} s)", flush=True)
            if time.time() < deadline:
                for name in pool.imap_unordered(_null_task, [t[1] for t in tasks if t[0] is _null_task]):
                    print(f"  done {name} ({time.time() - started:.0f} s)", flush=True)
            for name in pool.imap_unordered(_cell_task, cell_tasks):
                print(f"  done {name} ({time.time() - started:.0f} s)", flush=True)
    report(cache, args.per_cell, type_names, RULES)
    if args.cells:
        report_cells(cache, args.per_cell, {k: RULES[k] for k in PER_CELL_RULES}, type_names)
    end = os.getloadavg()
    print(f"\nwall time {time.time() - started:.0f} s (cached results are reused); load average at end "
          f"{end[0]:.1f} / {end[1]:.1f} / {end[2]:.1f}")


if __name__ == "__main__":
    main()
