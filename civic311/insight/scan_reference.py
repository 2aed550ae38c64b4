"""Straightforward pure-Python space-time permutation scan (loops, no numpy): the yardstick that the
vectorised `scan_statistic` must match (same most likely cluster, same LLR) and beat on speed.

It follows Kulldorff et al. (2005) literally: μ_zd = C_z·C_d/C for every cell (eq. 1), μ_A summed
cell by cell (eq. 2), the log GLR of eq. (3) for every cylinder with c ≥ 2 and c > μ, and Monte
Carlo replicates made by shuffling the list of case days among the cases.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

# Same tie rule as the vectorised module: a replicate within this relative distance counts as ≥.
TIE_TOLERANCE = 1e-10


@dataclass(frozen=True)
class ReferenceResult:
    """The most likely cluster found by the reference scan and its Monte Carlo p-value."""

    llr: float
    areas: tuple[int, ...]
    center: int
    window_days: int
    observed: int
    expected: float
    p_value: float
    exceedances: int
    replications: int


def reference_circles(
    xy_m: Sequence[tuple[float, float]], *, max_radius_m: float = math.inf, max_area_share: float = 0.5
) -> list[tuple[int, list[int], float]]:
    """(centre, areas nearest first, radius) for every allowed circle, centre by centre, smallest first."""
    n = len(xy_m)
    k_max = max(1, int(max_area_share * n))
    circles: list[tuple[int, list[int], float]] = []
    for i in range(n):
        xi, yi = xy_m[i]
        dists = []
        for j in range(n):
            dx = xy_m[j][0] - xi
            dy = xy_m[j][1] - yi
            dists.append((math.sqrt(dx * dx + dy * dy), j))
        dists.sort()
        for k in range(1, k_max + 1):
            radius = dists[k - 1][0]
            if radius > max_radius_m:
                break
            # Areas at the same distance enter a growing circle together.
            if k < n and dists[k][0] == radius:
                continue
            circles.append((i, [j for _, j in dists[:k]], radius))
    return circles


def _max_llr(
    recent: Sequence[Sequence[int]],
    circles: list[tuple[int, list[int], float]],
    mu_cell: list[list[float]],
    total: int,
    min_cases: int,
) -> tuple[float, int, int, int, float]:
    """(llr, circle index, window days, observed, expected) of the best cylinder; recent[slot][area]."""
    best = (0.0, -1, 0, 0, 0.0)
    for index, (_, areas, _) in enumerate(circles):
        c = 0
        mu = 0.0
        for w in range(len(recent)):
            for z in areas:
                c += recent[w][z]
                mu += mu_cell[w][z]
            if c < min_cases or c <= mu:
                continue
            llr = c * math.log(c / mu)
            if total - c > 0:
                llr += (total - c) * math.log((total - c) / (total - mu))
            if llr > best[0]:
                best = (llr, index, w + 1, c, mu)
    return best


def space_time_permutation_scan_reference(
    counts: Sequence[Sequence[int]],
    xy_m: Sequence[tuple[float, float]],
    *,
    max_window_days: int = 14,
    max_radius_m: float = math.inf,
    max_area_share: float = 0.5,
    max_case_share: float = 0.5,
    min_cases: int = 2,
    replications: int = 999,
    seed: int = 0,
    replicate_tables: Sequence[Sequence[Sequence[int]]] | None = None,
) -> ReferenceResult:
    """Prospective space-time permutation scan of counts[day][area], studying the last day.

    `replicate_tables`, when given, are used instead of shuffling: [replicate][slot][area] counts of
    the last days (slot 0 = last day), e.g. from `scan_statistic.permutation_replicates`.
    """
    n_days = len(counts)
    n_areas = len(xy_m)
    windows = min(max_window_days, n_days)
    area_totals = [0] * n_areas
    day_totals = [0] * n_days
    for d in range(n_days):
        for z in range(n_areas):
            area_totals[z] += counts[d][z]
            day_totals[d] += counts[d][z]
    total = sum(day_totals)
    circles = []
    for centre, areas, radius in reference_circles(xy_m, max_radius_m=max_radius_m, max_area_share=max_area_share):
        if sum(area_totals[z] for z in areas) <= max_case_share * total:
            circles.append((centre, areas, radius))
    # Eq. (1), cell by cell, for the days a prospective cylinder can cover (slot 0 = last day).
    mu_cell = [[area_totals[z] * day_totals[n_days - 1 - w] / total for z in range(n_areas)] for w in range(windows)]
    recent = [list(counts[n_days - 1 - w]) for w in range(windows)]
    llr, index, window_days, observed, expected = _max_llr(recent, circles, mu_cell, total, min_cases)
    if index < 0:
        return ReferenceResult(0.0, (), -1, 0, 0, 0.0, 1.0, 0, 0)

    threshold = llr * (1.0 - TIE_TOLERANCE)
    exceed = 0
    tables: list[Sequence[Sequence[int]]]
    if replicate_tables is not None:
        tables = list(replicate_tables)
    else:
        tables = []
        rng = random.Random(seed)
        case_areas = []
        case_days = []
        for d in range(n_days):
            for z in range(n_areas):
                for _ in range(counts[d][z]):
                    case_areas.append(z)
                    case_days.append(d)
        for _ in range(replications):
            rng.shuffle(case_days)
            table = [[0] * n_areas for _ in range(windows)]
            for z, d in zip(case_areas, case_days, strict=True):
                slot = n_days - 1 - d
                if slot < windows:
                    table[slot][z] += 1
            tables.append(table)
    for replicate in tables:
        if _max_llr(replicate, circles, mu_cell, total, min_cases)[0] >= threshold:
            exceed += 1
    centre, areas, _ = circles[index]
    return ReferenceResult(
        llr=llr,
        areas=tuple(areas),
        center=centre,
        window_days=window_days,
        observed=observed,
        expected=expected,
        p_value=(1 + exceed) / (len(tables) + 1),
        exceedances=exceed,
        replications=len(tables),
    )
