"""Early-warning evaluation (issue 7): synthetic outbreaks injected into real Boston history, and the
same detectors on the history with nothing injected.

Background: the Boston Open311 archive 2008–2016 (../shared/data/boston/), located requests mapped
to the 26 neighborhood polygons (shapely STRtree). Every daily analysis uses the 365 days ending
on the analysis day. Analysis days are in 2015.

Detectors, each run as it would run every morning:
- STP   space-time permutation scan (Kulldorff 2005), alarm at recurrence interval ≥ 100 days;
- EBP   expectation-based Poisson scan (Neill 2005; 56-day baseline, weekday factors), RI ≥ 100;
- EWMA  ESSENCE EWMA per neighborhood series, Benjamini–Hochberg across the 26 series at q = 0.01;
- C2    EARS C2 per neighborhood series (t p-values), Benjamini–Hochberg at q = 0.01.
Scans use circles around neighborhood centroids up to --max-radius-km and 50 % of cases, windows of
1–14 days. Scans use sequential Monte Carlo (Besag–Clifford): a run stops once no alarm is possible;
p-values are then h/L, still valid for the calibration figures.

Outbreaks (reproducible: one seed per cell and outbreak): a type among Abandoned Vehicle, Illegal
Parking, Other (the year-round types); an onset day in 2015; a centre at a real request location
of that type; footprint "area" (all extra requests in the centre's neighborhood) or "1km"/"2km"
(extra requests at uniform points in a disc of that radius, mapped to neighborhoods); duration 1,
3, 7 or 14 days; shape "spike" (the same extra requests every day) or "ramp" (rising linearly,
same total); size 3 or 6 extra requests a day on average. Measured for each detector: detection
within 7 days of onset (an alarm whose flagged neighborhoods overlap the injected ones), days from
onset to that first alarm, and precision/recall of the flagged neighborhoods then. With nothing
injected: false alarms per year per service type, and the share of p ≤ 0.05 (calibration), also on
the real data with its case days permuted (the STP null exactly).

    .venv/bin/python bench/early_warning_eval.py --quick            # 10 outbreaks a cell, 99 replications
    .venv/bin/python bench/early_warning_eval.py --replicates 100   # the full grid, 999 replications
Results are cached per cell in bench/.cache/early_warning_eval/ (resumable; --max-minutes stops
cleanly and a later run continues).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import multiprocessing
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from early_warning_data import CACHE, BostonHistory, day_index, load_history, locate

from civic311.insight.scan_statistic import (
    Circles,
    build_circles,
    expectation_based_poisson_scan,
    project_lonlat,
    space_time_permutation_scan,
)
from civic311.insight.series_alarms import benjamini_hochberg, ears, essence_ewma

STUDY_DAYS = 365
MAX_WINDOW = 14
DETECT_WITHIN = 7
Q_SERIES = 0.01
ALARM_RI = 100.0
YEAR_FIRST = day_index(dt.date(2015, 1, 1))
YEAR_DAYS = 365
OUTBREAK_TYPES = ("Abandoned Vehicle", "Illegal Parking", "Other")
FOOTPRINTS = ("area", "1km", "2km")
DURATIONS = (1, 3, 7, 14)
SHAPES = ("spike", "ramp")
SIZES = (3, 6)
DETECTORS = ("STP", "EBP", "EWMA", "C2")
# Series detectors need history before the study year: 28 + 2 days for the EWMA.
SERIES_HISTORY = 60


@dataclass
class Context:
    history: BostonHistory
    circles: Circles
    counts: dict[int, NDArray[np.int64]]  # per type: counts[day − first_day, area]
    first_day: int
    replications: int
    seed: int


def make_context(replications: int, seed: int, max_radius_km: float) -> Context:
    history = load_history()
    xy = project_lonlat(history.area_lonlat[:, 0], history.area_lonlat[:, 1])
    circles = build_circles(xy, max_radius_m=max_radius_km * 1000)
    first_day = YEAR_FIRST - STUDY_DAYS
    n_days = STUDY_DAYS + YEAR_DAYS + 30
    counts = {k: history.counts(k, first_day, n_days) for k in range(len(history.type_names))}
    return Context(history, circles, counts, first_day, replications, seed)


def scan_day(
    ctx: Context, counts: NDArray[np.int64], day: int, seed: int
) -> dict[str, tuple[bool, float, tuple[int, ...]]]:
    """STP and EBP on the 365 days ending `day` (absolute day index): (alarm, p, areas)."""
    end = day - ctx.first_day + 1
    window = counts[end - STUDY_DAYS : end]
    out = {}
    for name, scan in (("STP", space_time_permutation_scan), ("EBP", expectation_based_poisson_scan)):
        result = scan(
            window,
            ctx.circles,
            max_window_days=MAX_WINDOW,
            replications=ctx.replications,
            seed=seed,
            alarm_recurrence_days=ALARM_RI,
            sequential=True,
        )
        out[name] = (result.alarm, result.p_value, result.areas)
    return out


def series_flags(counts: NDArray[np.int64], days: range, first_day: int) -> dict[str, list[set[int]]]:
    """Neighborhoods flagged by EWMA and EARS C2 (BH across series) on each of `days`."""
    start = days.start - first_day - SERIES_HISTORY
    stop = days.stop - first_day
    matrix = counts[start:stop].T  # [area, day]
    offset = SERIES_HISTORY
    out: dict[str, list[set[int]]] = {}
    for name, result in (("EWMA", essence_ewma(matrix)), ("C2", ears(matrix, "C2"))):
        rejected = benjamini_hochberg(result.p_value[:, offset:].T, Q_SERIES)  # [day, area]
        out[name] = [set(np.flatnonzero(row).tolist()) for row in rejected]
    return out


# --- nothing injected -------------------------------------------------------------------------


def null_run(ctx: Context, service_type: int) -> dict[str, object]:
    """A year of daily analyses of one type with nothing injected."""
    counts = ctx.counts[service_type]
    days = range(YEAR_FIRST, YEAR_FIRST + YEAR_DAYS)
    alarms = {d: 0 for d in DETECTORS}
    alarms["C2 raw"] = 0
    p_small = {"STP": 0, "EBP": 0}
    flagged: dict[str, list[set[int]]] = {"STP": [], "EBP": []}
    for day in days:
        for name, (alarm, p, areas) in scan_day(ctx, counts, day, ctx.seed + day).items():
            alarms[name] += int(alarm)
            p_small[name] += int(p <= 0.05)
            flagged[name].append(set(areas) if alarm else set())
    flagged.update(series_flags(counts, days, ctx.first_day))
    for name in ("EWMA", "C2"):
        alarms[name] = sum(1 for f in flagged[name] if f)
    episodes = {name: new_episodes(flagged[name]) for name in DETECTORS}
    start = days.start - ctx.first_day - SERIES_HISTORY
    matrix = counts[start : days.stop - ctx.first_day].T
    c2 = ears(matrix, "C2")
    ewma = essence_ewma(matrix)
    alarms["C2 raw"] = int(c2.alarm[:, SERIES_HISTORY:].any(axis=0).sum())
    series_p = {
        "EWMA": float(np.nanmean(ewma.p_value[:, SERIES_HISTORY:] <= 0.05)),
        "C2": float(np.nanmean(c2.p_value[:, SERIES_HISTORY:] <= 0.05)),
    }
    # The same type with its case days shuffled among its cases: the permutation null exactly.
    rng = np.random.default_rng(ctx.seed + 7 * service_type)
    permuted_small = 0
    permuted_runs = 60
    for i in range(permuted_runs):
        day = int(rng.integers(days.start, days.stop))
        end = day - ctx.first_day + 1
        window = counts[end - STUDY_DAYS : end]
        area_of_case = np.repeat(np.tile(np.arange(window.shape[1]), STUDY_DAYS), window.ravel())
        day_of_case = np.repeat(np.arange(STUDY_DAYS), window.sum(axis=1))
        shuffled = rng.permutation(day_of_case)
        table = np.zeros_like(window)
        np.add.at(table, (shuffled, area_of_case), 1)
        result = space_time_permutation_scan(
            table, ctx.circles, replications=ctx.replications, seed=ctx.seed + i, sequential=True
        )
        permuted_small += int(result.p_value <= 0.05)
    return {
        "type": ctx.history.type_names[service_type],
        "days": YEAR_DAYS,
        "cases": int(counts[days.start - ctx.first_day : days.stop - ctx.first_day].sum()),
        "alarm_days": alarms,
        "new_episodes": episodes,
        "scan_p_le_05": {k: v / YEAR_DAYS for k, v in p_small.items()},
        "series_p_le_05": series_p,
        "stp_permuted_p_le_05": permuted_small / permuted_runs,
        "permuted_runs": permuted_runs,
    }


def new_episodes(flagged: list[set[int]], gap: int = DETECT_WITHIN) -> int:
    """Alarms that start something new: no alarm in the previous `gap` days shared a neighborhood.

    A cluster that stays in the 1–14 day windows is flagged again every morning; operationally it
    is one alert (the NYC health department's "new versus ongoing cluster" rule).
    """
    count = 0
    for t, areas in enumerate(flagged):
        if areas and not any(areas & flagged[u] for u in range(max(0, t - gap), t)):
            count += 1
    return count


# --- outbreaks ----------------------------------------------------------------------------------


@dataclass
class Outbreak:
    service_type: str
    onset: int
    truth: list[int]
    injected: int
    detected: dict[str, bool]
    delay: dict[str, int | None]
    precision: dict[str, float | None]
    recall: dict[str, float | None]
    detected_without_injection: dict[str, bool]


def cell_key(footprint: str, duration: int, shape: str, size: int) -> str:
    return f"{footprint}_{duration}d_{shape}_{size}"


def inject(
    ctx: Context,
    rng: np.random.Generator,
    service_type: int,
    onset: int,
    footprint: str,
    duration: int,
    shape: str,
    size: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(extra counts[day offset, area] over the outbreak, per-area totals)."""
    h = ctx.history
    n_areas = len(h.area_names)
    # The centre: a real request location of this type in the year before onset.
    prior = np.flatnonzero((h.service_type == service_type) & (h.day < onset) & (h.day >= onset - 365))
    centre = int(rng.choice(prior))
    total = size * duration
    profile = np.ones(duration) if shape == "spike" else np.arange(1, duration + 1, dtype=float)
    per_day = rng.multinomial(total, profile / profile.sum())
    extra = np.zeros((duration, n_areas), dtype=np.int64)
    if footprint == "area":
        extra[:, h.area[centre]] = per_day
        return extra, extra.sum(axis=0)
    radius = 1000.0 if footprint == "1km" else 2000.0
    lat0 = math.radians(h.lat[centre])
    for d, n in enumerate(per_day):
        placed: list[int] = []
        while len(placed) < n:
            k = 2 * (n - len(placed)) + 4
            r = radius * np.sqrt(rng.uniform(0, 1, k))
            theta = rng.uniform(0, 2 * math.pi, k)
            lon = h.lon[centre] + np.degrees(r * np.cos(theta) / (6_371_008.8 * math.cos(lat0)))
            lat = h.lat[centre] + np.degrees(r * np.sin(theta) / 6_371_008.8)
            area = locate(h.polygons, lon, lat)
            placed.extend(area[area >= 0][: n - len(placed)].tolist())
        np.add.at(extra[d], np.array(placed, dtype=np.int64), 1)
    return extra, extra.sum(axis=0)


def first_hits(
    ctx: Context, counts: NDArray[np.int64], onset: int, truth: set[int], scan_seeds: list[int]
) -> dict[str, tuple[int, set[int]] | None]:
    """Per detector: (days from onset, flagged neighborhoods) of the first alarm overlapping `truth`."""
    days = range(onset, onset + DETECT_WITHIN)
    flagged = series_flags(counts, days, ctx.first_day)
    hits: dict[str, tuple[int, set[int]] | None] = {"STP": None, "EBP": None}
    for offset, day in enumerate(days):
        pending = [n for n, hit in hits.items() if hit is None]
        if not pending:
            break
        results = scan_day(ctx, counts, day, scan_seeds[offset])
        for name in pending:
            alarm, _, areas = results[name]
            if alarm and truth & set(areas):
                hits[name] = (offset, set(areas))
    for name in ("EWMA", "C2"):
        hits[name] = next(((o, f) for o, f in enumerate(flagged[name]) if f & truth), None)
    return hits


def run_outbreak(ctx: Context, footprint: str, duration: int, shape: str, size: int, index: int) -> Outbreak:
    cell = (FOOTPRINTS.index(footprint), duration, SHAPES.index(shape), size)
    rng = np.random.default_rng(np.random.SeedSequence([ctx.seed, *cell, index]))
    type_names = ctx.history.type_names
    service_type = type_names.index(OUTBREAK_TYPES[int(rng.integers(len(OUTBREAK_TYPES)))])
    onset = int(rng.integers(YEAR_FIRST + 14, YEAR_FIRST + YEAR_DAYS - 14))
    extra, per_area = inject(ctx, rng, service_type, onset, footprint, duration, shape, size)
    truth = set(np.flatnonzero(per_area).tolist())
    clean = ctx.counts[service_type]
    counts = clean.copy()
    start = onset - ctx.first_day
    counts[start : start + duration] += extra
    scan_seeds = [int(s) for s in rng.integers(2**31, size=DETECT_WITHIN)]
    hits = first_hits(ctx, counts, onset, truth, scan_seeds)
    # The same days and neighborhoods with nothing injected (same Monte Carlo seeds): how often
    # the real background alone would have "detected" this outbreak.
    chance = first_hits(ctx, clean, onset, truth, scan_seeds)
    return Outbreak(
        service_type=type_names[service_type],
        onset=onset,
        truth=sorted(truth),
        injected=int(extra.sum()),
        detected={d: hits[d] is not None for d in DETECTORS},
        delay={d: h[0] if (h := hits[d]) else None for d in DETECTORS},
        precision={d: len(h[1] & truth) / len(h[1]) if (h := hits[d]) else None for d in DETECTORS},
        recall={d: len(h[1] & truth) / len(truth) if (h := hits[d]) else None for d in DETECTORS},
        detected_without_injection={d: chance[d] is not None for d in DETECTORS},
    )


# --- driver -------------------------------------------------------------------------------------

_CTX: Context | None = None


def _init(replications: int, seed: int, max_radius_km: float) -> None:
    global _CTX
    _CTX = make_context(replications, seed, max_radius_km)


def _cell_task(args: tuple[str, int, str, int, int, str, float]) -> str:
    footprint, duration, shape, size, per_cell, cache_dir, deadline = args
    assert _CTX is not None
    path = Path(cache_dir) / f"cell_{cell_key(footprint, duration, shape, size)}.json"
    done: list[dict[str, object]] = json.loads(path.read_text()) if path.exists() else []
    while len(done) < per_cell and time.time() < deadline:
        done.append(asdict(run_outbreak(_CTX, footprint, duration, shape, size, len(done))))
        if len(done) % 5 == 0 or len(done) == per_cell:
            path.write_text(json.dumps(done))
    path.write_text(json.dumps(done))
    return path.name


def _null_task(args: tuple[int, str]) -> str:
    service_type, cache_dir = args
    assert _CTX is not None
    path = Path(cache_dir) / f"null_{service_type}.json"
    if not path.exists():
        path.write_text(json.dumps(null_run(_CTX, service_type)))
    return path.name


def fmt(value: float | None, pattern: str = "{:.2f}") -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else pattern.format(value)


def report(cache_dir: Path, per_cell: int, n_types: int) -> None:
    print("\n## Nothing injected: false alarms per year and calibration (2015, 365 daily analyses per type)\n")
    print("Alarm days per year (new alarm episodes per year in brackets: no alarm sharing a neighborhood in the")
    print("previous 7 days), and the share of analyses with p ≤ 0.05 (series: of series-days).\n")
    print(
        "| service type | cases | STP alarms/yr | EBP alarms/yr | EWMA+BH alarms/yr | C2+BH alarms/yr "
        "| C2>3 raw alarm days/yr | STP p≤.05 | EBP p≤.05 | STP p≤.05 permuted | EWMA p≤.05 | C2 p≤.05 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for k in range(n_types):
        path = cache_dir / f"null_{k}.json"
        if not path.exists():
            continue
        r = json.loads(path.read_text())
        a = r["alarm_days"]
        e = r["new_episodes"]
        scale = 365 / r["days"]
        per = {d: f"{a[d] * scale:.0f} ({e[d] * scale:.0f})" for d in DETECTORS}
        print(
            f"| {r['type']} | {r['cases']} | {per['STP']} | {per['EBP']} | {per['EWMA']} "
            f"| {per['C2']} | {a['C2 raw'] * scale:.0f} | {r['scan_p_le_05']['STP']:.3f} "
            f"| {r['scan_p_le_05']['EBP']:.3f} | {r['stp_permuted_p_le_05']:.3f} ({r['permuted_runs']} runs) "
            f"| {r['series_p_le_05']['EWMA']:.3f} | {r['series_p_le_05']['C2']:.3f} |"
        )
    print("\n## Outbreaks: detection within 7 days / median days to first alarm / precision / recall\n")
    header = " | ".join(f"{d} PD | {d} days | {d} prec | {d} rec" for d in DETECTORS)
    print(f"| footprint | days | shape | size/day | n | {header} |")
    print("|---|---:|---|---:|---:|" + "---:|" * (4 * len(DETECTORS)))
    totals: dict[str, list[dict[str, Any]]] = {}
    for footprint, duration, shape, size in itertools.product(FOOTPRINTS, DURATIONS, SHAPES, SIZES):
        path = cache_dir / f"cell_{cell_key(footprint, duration, shape, size)}.json"
        if not path.exists():
            continue
        rows = json.loads(path.read_text())[:per_cell]
        totals.setdefault(footprint, []).extend(rows)
        cells = []
        for d in DETECTORS:
            hits = [r for r in rows if r["detected"][d]]
            pd_ = len(hits) / len(rows) if rows else math.nan
            delay = float(np.median([r["delay"][d] for r in hits])) if hits else None
            prec = float(np.mean([r["precision"][d] for r in hits])) if hits else None
            rec = float(np.mean([r["recall"][d] for r in hits])) if hits else None
            cells.append(f"{pd_:.2f} | {fmt(delay, '{:.0f}')} | {fmt(prec)} | {fmt(rec)}")
        print(f"| {footprint} | {duration} | {shape} | {size} | {len(rows)} | " + " | ".join(cells) + " |")
    print("\n## By footprint (all durations, shapes, sizes)\n")
    print("PD: detected within 7 days; bg: the same check on the same days with nothing injected (a")
    print("real background cluster that happens to overlap the outbreak's neighborhoods).\n")
    print("| footprint | n | " + " | ".join(f"{d} PD | {d} bg | {d} days" for d in DETECTORS) + " |")
    print("|---|---:|" + "---:|" * (3 * len(DETECTORS)))
    for footprint, rows in totals.items():
        cells = []
        for d in DETECTORS:
            hits = [r for r in rows if r["detected"][d]]
            delay = float(np.median([r["delay"][d] for r in hits])) if hits else None
            background = np.mean([r.get("detected_without_injection", {}).get(d, np.nan) for r in rows])
            cells.append(f"{len(hits) / len(rows):.2f} | {fmt(float(background))} | {fmt(delay, '{:.0f}')}")
        print(f"| {footprint} | {len(rows)} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 outbreaks per cell, 99 replications")
    parser.add_argument("--replicates", type=int, default=None, help="outbreaks per cell (full: 100)")
    parser.add_argument(
        "--replications", type=int, default=None, help="Monte Carlo replications (999; 99 with --quick)"
    )
    parser.add_argument("--seed", type=int, default=20150101)
    parser.add_argument("--max-radius-km", type=float, default=3.0)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (the cells run in parallel)")
    parser.add_argument("--max-minutes", type=float, default=math.inf, help="stop cleanly after this long")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    per_cell = args.replicates or (10 if args.quick else 100)
    replications = args.replications or (99 if args.quick else 999)
    cache_dir = CACHE / "early_warning_eval" / f"v2_R{replications}_r{args.max_radius_km:g}km_seed{args.seed}"
    cache_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    deadline = started + args.max_minutes * 60
    history = load_history()
    n_types = len(history.type_names)
    print(
        f"Early-warning evaluation: {per_cell} outbreaks per cell, {replications} Monte Carlo replications, "
        f"circles ≤ {args.max_radius_km:g} km, cache {cache_dir.relative_to(CACHE.parent.parent)}"
    )
    if not args.report_only:
        init_args = (replications, args.seed, args.max_radius_km)
        null_tasks = [(k, str(cache_dir)) for k in range(n_types)]
        cell_tasks = [
            (f, d, s, z, per_cell, str(cache_dir), deadline)
            for f, d, s, z in itertools.product(FOOTPRINTS, DURATIONS, SHAPES, SIZES)
        ]
        if args.jobs <= 1:
            _init(*init_args)
            for t in null_tasks:
                _null_task(t)
            for c in cell_tasks:
                _cell_task(c)
        else:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(args.jobs, initializer=_init, initargs=init_args) as pool:
                for name in pool.imap_unordered(_null_task, null_tasks):
                    print(f"  done {name} ({time.time() - started:.0f} s)", flush=True)
                for name in pool.imap_unordered(_cell_task, cell_tasks):
                    print(f"  done {name} ({time.time() - started:.0f} s)", flush=True)
    report(cache_dir, per_cell, n_types)
    print(f"\nwall time {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
