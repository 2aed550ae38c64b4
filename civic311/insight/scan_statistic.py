"""Prospective space-time scan statistics over daily counts by area: the space-time permutation scan
(Kulldorff et al. 2005) and the expectation-based Poisson scan (Neill et al. 2005), vectorised with numpy.

Reference: M. Kulldorff, R. Heffernan, J. Hartman, R. Assunção, F. Mostashari. "A space-time
permutation scan statistic for disease outbreak detection." PLoS Medicine 2(3): e59, 2005.
Equation numbers in comments refer to that paper's Methods section:

  (1) expected cases of area z on day d:  μ_zd = C_z · C_d / C  (C_z, C_d marginal totals, C the total)
  (2) expected cases of a cylinder A:     μ_A = Σ_{(z,d)∈A} μ_zd
  (3) generalised likelihood ratio:       GLR = (c_A/μ_A)^c_A · ((C−c_A)/(C−μ_A))^(C−c_A), for c_A > μ_A
  Monte Carlo: the days of the cases are shuffled among the cases (area totals and day totals kept),
  the maximum log GLR of each random table is compared with the observed one, p = rank/(R+1);
  for a daily prospective analysis the recurrence interval is 1/p days.

Cylinders are as in SaTScan: a circle around each area centroid that grows to include the
nearest areas (areas at the same distance enter together), capped by radius, share of areas and
share of all cases in the study period, times every window of 1..W days that ends on the last day.
A cluster needs at least `min_cases` cases (SaTScan's default 2) and more cases than expected.

Expectation-based Poisson (D. B. Neill, A. W. Moore, M. Sabhnani, K. Daniel, "Detection of
emerging space-time clusters", KDD 2005): the expected count b_zd comes from each area's recent
baseline mean per day; the score of a cylinder with c cases and B expected is
c·ln(c/B) + B − c for c > B, and replicates are drawn as Poisson(b_zd) under that baseline.

Optional sequential Monte Carlo (Besag & Clifford 1991): stop as soon as enough replicates beat
the observed statistic that no alarm is possible; p is then h/L (h exceedances in L replicates),
and the result says so (`stopped_early`).
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

EARTH_RADIUS_M = 6_371_008.8
# Replicates are drawn in fixed blocks, each from its own child seed, so that the random tables
# (and so every p-value) depend only on the seed, never on the number of worker processes or on
# how the work is cut for memory.
BLOCK_REPLICATES = 32
# Largest number of cylinder cells (circles × replicates × windows) held at once.
CELL_BUDGET = 2_000_000
# c* of a cylinder that cannot reach the observed maximum in any replicate.
NO_CHANCE = np.inf
# Replicates whose maximum is within this relative distance of the observed one count as ties
# (≥), so float rounding in different code paths cannot move a p-value.
TIE_TOLERANCE = 1e-10

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
ScanMethod = Literal["space-time permutation", "expectation-based Poisson"]
# score(c, μ) of a cylinder with c cases and μ expected, rising in c above μ.
ScoreFunction = Callable[[IntArray, FloatArray], FloatArray]


def project_lonlat(lon: ArrayLike, lat: ArrayLike) -> FloatArray:
    """Longitude/latitude in degrees → (n, 2) metres, equirectangular about the mean latitude.

    At city scale (tens of km) the distance error is far below a block, which is all a circle
    of nearest areas needs.
    """
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    lat0 = math.radians(float(np.mean(lat_a)))
    x = np.radians(lon_a) * EARTH_RADIUS_M * math.cos(lat0)
    y = np.radians(lat_a) * EARTH_RADIUS_M
    return np.column_stack([x, y])


@dataclass(frozen=True)
class Circles:
    """The circular bases of the cylinders: for each centre area, its neighbours nearest first."""

    order: IntArray  # (areas, k_max): area indices by distance from each centre (centre first)
    distance_m: FloatArray  # (areas, k_max): their distances
    center: IntArray  # (circles,): centre area of each circle
    size: IntArray  # (circles,): number of areas in each circle
    radius_m: FloatArray  # (circles,): distance to the farthest area in each circle

    @property
    def n_areas(self) -> int:
        return int(self.order.shape[0])

    def areas(self, circle: int) -> tuple[int, ...]:
        """Area indices of one circle, nearest to the centre first."""
        return tuple(int(a) for a in self.order[self.center[circle], : self.size[circle]])


def build_circles(xy_m: ArrayLike, *, max_radius_m: float = math.inf, max_area_share: float = 0.5) -> Circles:
    """All circles around area centroids (metres), each one area larger than the last.

    As in SaTScan, a circle grows continuously, so areas at exactly the same distance from the
    centre enter together: a circle size that would split such a tie is skipped.
    """
    xy = np.asarray(xy_m, dtype=np.float64)
    n = xy.shape[0]
    if n == 0:
        raise ValueError("no areas")
    k_max = max(1, int(max_area_share * n))
    dx = xy[None, :, 0] - xy[:, None, 0]
    dy = xy[None, :, 1] - xy[:, None, 1]
    dist = np.sqrt(dx * dx + dy * dy)
    # Stable sort: ties are ordered by area index, the same rule as the reference implementation.
    order_full = np.argsort(dist, axis=1, kind="stable")
    dist_sorted = np.take_along_axis(dist, order_full, axis=1)
    order = order_full[:, :k_max].astype(np.int64)
    distance = dist_sorted[:, :k_max]
    # A size k is allowed when the (k+1)-th nearest area is strictly farther than the k-th.
    nxt = np.full((n, k_max), np.inf)
    upto = min(k_max, n - 1)
    nxt[:, :upto] = dist_sorted[:, 1 : upto + 1]
    allowed = (distance < nxt) & (distance <= max_radius_m)
    centers, ks = np.nonzero(allowed)
    # Keep only as many neighbours as the largest circle uses: with a radius cap that is far fewer
    # than the share cap, and every Monte Carlo replicate gathers this many columns per centre.
    k_used = int(ks.max()) + 1 if ks.size else 1
    return Circles(
        order=order[:, :k_used],
        distance_m=distance[:, :k_used],
        center=centers.astype(np.int64),
        size=(ks + 1).astype(np.int64),
        radius_m=distance[centers, ks],
    )


@dataclass(frozen=True)
class ScanResult:
    """The most likely cluster of one prospective analysis and its Monte Carlo significance."""

    method: ScanMethod
    llr: float  # log likelihood ratio of the most likely cluster (0.0 when there is none)
    areas: tuple[int, ...]  # area indices of the most likely cluster, nearest to its centre first
    center: int  # centre area (-1 when there is no cluster)
    radius_m: float
    window_days: int  # the cluster covers the last `window_days` days of the study period
    observed: int  # cases in the cluster
    expected: float  # expected cases in the cluster (μ_A, or the Poisson baseline B)
    p_value: float
    recurrence_interval_days: float  # 1/p for one analysis a day
    alarm: bool  # recurrence interval ≥ the alarm threshold
    replications: int  # replicates the p-value rests on (fewer when stopped early)
    replications_requested: int
    exceedances: int  # replicates whose maximum was ≥ the observed one
    stopped_early: bool  # sequential Monte Carlo stopped: p is Besag–Clifford's h/L
    total_cases: int  # cases in the study period (permutation) or in the scanned windows (Poisson)

    @property
    def relative_risk(self) -> float:
        """Observed over expected inside the cluster (what SaTScan prints as Obs/Exp)."""
        return self.observed / self.expected if self.expected > 0 else math.inf


def permutation_llr(c: ArrayLike, mu: ArrayLike, total: float) -> FloatArray:
    """Log of the GLR, eq. (3): c·ln(c/μ) + (C−c)·ln((C−c)/(C−μ)) where c > μ, else 0."""
    c_a = np.asarray(c, dtype=np.float64)
    mu_a = np.asarray(mu, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = c_a * np.log(c_a / mu_a)
        rest = total - c_a
        outside = np.where(rest > 0, rest * np.log(rest / (total - mu_a)), 0.0)
        llr = inside + outside
    return np.where((c_a > mu_a) & (mu_a > 0), llr, 0.0)


def poisson_llr(c: ArrayLike, b: ArrayLike) -> FloatArray:
    """Expectation-based Poisson score: c·ln(c/B) + B − c where c > B, else 0 (Neill et al. 2005)."""
    c_a = np.asarray(c, dtype=np.float64)
    b_a = np.asarray(b, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = c_a * np.log(c_a / b_a) + b_a - c_a
    return np.where((c_a > b_a) & (b_a > 0), score, 0.0)


def permutation_expected(counts: ArrayLike) -> FloatArray:
    """μ_zd = C_z·C_d/C for every day and area, eq. (1) (for display and tests)."""
    table = np.asarray(counts, dtype=np.float64)
    total = table.sum()
    if total == 0:
        return np.zeros_like(table)
    return np.outer(table.sum(axis=1), table.sum(axis=0)) / total


def space_time_permutation_scan(
    counts: ArrayLike,
    circles: Circles,
    *,
    max_window_days: int = 14,
    max_case_share: float = 0.5,
    min_cases: int = 2,
    replications: int = 999,
    seed: int = 0,
    alarm_recurrence_days: float = 100.0,
    sequential: bool = False,
    workers: int = 1,
) -> ScanResult:
    """Prospective space-time permutation scan of counts[day, area], studying the last day.

    The whole array is the study period (e.g. 365 days ending today); μ is conditioned on its
    area totals and day totals, so busy areas and busy days do not alarm by themselves.
    """
    table = _as_count_table(counts, circles)
    n_days, n_areas = table.shape
    windows = min(max_window_days, n_days)
    total = int(table.sum())
    area_totals = table.sum(axis=0)
    day_totals = table.sum(axis=1)
    # Slot 0 is the last day, slot w the day w days before it.
    slot_totals = day_totals[::-1][:windows]
    window_totals = np.cumsum(slot_totals)

    circle_totals = _circle_sums(area_totals[None, :], circles)[0]  # Σ_{z∈circle} C_z
    in_cap = circle_totals <= max_case_share * total
    # μ_A factorises over a cylinder (circle × window): Σ_z Σ_d C_z C_d / C = (Σ_z C_z)(Σ_d C_d)/C.
    expected = (
        circle_totals[:, None].astype(np.float64) * window_totals[None, :].astype(np.float64) / total
        if total > 0
        else np.zeros((circles.center.size, windows))
    )
    observed = _cylinder_counts(_recent_window_sums(table, windows)[None], circles)[0]
    llr = permutation_llr(observed, expected, float(total))
    valid = in_cap[:, None] & (observed >= min_cases) & (observed > expected)
    llr = np.where(valid, llr, 0.0)

    def llr_of(c: IntArray, mu: FloatArray) -> FloatArray:
        return permutation_llr(c, mu, float(total))

    # At most min(Σ_{z∈circle} C_z, Σ_{d∈window} C_d) cases can fall in a cylinder in any permutation.
    max_possible = np.minimum(circle_totals[:, None], window_totals[None, :])
    job_base = {
        "kind": "permutation",
        "area_totals": area_totals,
        "slot_totals": slot_totals,
        "expected_slots": np.zeros((windows, n_areas)),
    }
    return _finish(
        method="space-time permutation",
        llr=llr,
        observed=observed,
        expected=expected,
        valid_mask=in_cap[:, None] & np.ones((1, windows), dtype=bool),
        max_possible=max_possible,
        score=llr_of,
        min_cases=min_cases,
        circles=circles,
        job_base=job_base,
        windows=windows,
        replications=replications,
        seed=seed,
        alarm_recurrence_days=alarm_recurrence_days,
        sequential=sequential,
        workers=workers,
        total_cases=total,
    )


def expectation_based_poisson_scan(
    counts: ArrayLike,
    circles: Circles,
    *,
    max_window_days: int = 14,
    baseline_days: int | None = 56,
    weekday_adjust: bool = True,
    max_case_share: float = 0.5,
    min_cases: int = 2,
    replications: int = 999,
    seed: int = 0,
    alarm_recurrence_days: float = 100.0,
    sequential: bool = False,
    workers: int = 1,
) -> ScanResult:
    """Expectation-based Poisson scan of the last `max_window_days` days of counts[day, area].

    b_zd is area z's mean daily count over the `baseline_days` days before the scanned windows
    (all of them when None), times a city-wide day-of-week factor when `weekday_adjust`
    (day index modulo 7, so the array only needs to be in calendar order). Unlike the
    permutation scan it does not condition on today's city-wide total, so it also finds
    outbreaks that lift many areas at once.
    """
    table = _as_count_table(counts, circles)
    n_days, n_areas = table.shape
    windows = min(max_window_days, n_days - 1)
    if windows < 1:
        raise ValueError("need at least one baseline day before the scanned window")
    history = table[: n_days - windows]
    if baseline_days is not None:
        history = history[-baseline_days:]
    n_hist = history.shape[0]
    # An area with no baseline case gets half a case over the baseline, so a first case there
    # has a finite score (a zero expectation would make any count infinitely unlikely).
    area_mean = np.maximum(history.mean(axis=0), 0.5 / n_hist)
    if weekday_adjust and n_hist >= 7:
        hist_days = np.arange(n_days - windows - n_hist, n_days - windows)
        city = history.sum(axis=1).astype(np.float64)
        overall = city.mean()
        factor = np.ones(7)
        for dow in range(7):
            sel = hist_days % 7 == dow
            if overall > 0 and sel.any():
                factor[dow] = city[sel].mean() / overall
        slot_days = n_days - 1 - np.arange(windows)
        expected_slots = area_mean[None, :] * factor[slot_days % 7][:, None]
    else:
        expected_slots = np.repeat(area_mean[None, :], windows, axis=0)
    recent = table[::-1][:windows]
    observed = _cylinder_counts(np.cumsum(recent, axis=0)[None], circles)[0]
    expected = _cylinder_sums_float(np.cumsum(expected_slots, axis=0), circles)
    # The share cap uses the baseline: a circle may hold at most that share of expected cases.
    circle_base = _circle_sums(area_mean[None, :], circles)[0]
    in_cap = circle_base <= max_case_share * float(area_mean.sum()) + 1e-12
    llr = poisson_llr(observed, expected)
    valid = in_cap[:, None] & (observed >= min_cases) & (observed > expected)
    llr = np.where(valid, llr, 0.0)
    # A Poisson count is unbounded; the bisection for the critical count stops at this cap.
    cap = int(max(10 * float(expected.max(initial=0.0)) + 100, 2 * int(observed.max(initial=0)) + 100))
    max_possible = np.full(expected.shape, cap, dtype=np.int64)
    job_base = {
        "kind": "poisson",
        "area_totals": np.zeros(n_areas, dtype=np.int64),
        "slot_totals": np.zeros(windows, dtype=np.int64),
        "expected_slots": expected_slots,
    }
    return _finish(
        method="expectation-based Poisson",
        llr=llr,
        observed=observed,
        expected=expected,
        valid_mask=in_cap[:, None] & np.ones((1, windows), dtype=bool),
        max_possible=max_possible,
        score=lambda c, b: poisson_llr(c, b),
        min_cases=min_cases,
        circles=circles,
        job_base=job_base,
        windows=windows,
        replications=replications,
        seed=seed,
        alarm_recurrence_days=alarm_recurrence_days,
        sequential=sequential,
        workers=workers,
        total_cases=int(recent.sum()),
    )


def permutation_replicates(
    counts: ArrayLike, *, max_window_days: int = 14, replications: int = 999, seed: int = 0
) -> IntArray:
    """The random tables the permutation scan draws, as counts[replicate, slot, area] of the last days.

    Slot 0 is the last day. Exposed so the pure-Python reference can be fed the very same
    replicates and must then give the very same p-value.
    """
    table = np.asarray(counts, dtype=np.int64)
    windows = min(max_window_days, table.shape[0])
    job = _MonteCarloJob(
        kind="permutation",
        area_totals=table.sum(axis=0),
        slot_totals=table.sum(axis=1)[::-1][:windows],
        expected_slots=np.zeros((windows, table.shape[1])),
        seed=seed,
        replications=replications,
    )
    blocks = [job.draw(b) for b in range(job.n_blocks)]
    return np.concatenate(blocks, axis=0)[:replications]


# ---------------------------------------------------------------------------------------------
# internals


def _as_count_table(counts: ArrayLike, circles: Circles) -> IntArray:
    table = np.asarray(counts)
    if table.ndim != 2:
        raise ValueError("counts must be a 2-D array counts[day, area]")
    if table.shape[1] != circles.n_areas:
        raise ValueError(f"counts has {table.shape[1]} areas, the circles {circles.n_areas}")
    if table.size and (table < 0).any():
        raise ValueError("counts must be non-negative")
    return table.astype(np.int64)


def _recent_window_sums(table: IntArray, windows: int) -> IntArray:
    """[w, z] = cases of area z in the last w+1 days."""
    return np.cumsum(table[::-1][:windows], axis=0)


def _circle_sums(values: IntArray, circles: Circles) -> IntArray:
    """values[..., area] → [..., circle] summed over each circle's areas (prefix sums along order)."""
    prefix = np.cumsum(values[..., circles.order], axis=-1)
    return prefix[..., circles.center, circles.size - 1]


def _cylinder_counts(window_sums: IntArray, circles: Circles) -> IntArray:
    """window_sums[rep, w, area] → [rep, circle, w]."""
    per = _circle_sums(window_sums, circles)  # (rep, w, circle)
    return np.swapaxes(per, 1, 2)


def _cylinder_sums_float(window_sums: FloatArray, circles: Circles) -> FloatArray:
    prefix = np.cumsum(window_sums[:, circles.order], axis=-1)  # (w, centre, k)
    return prefix[:, circles.center, circles.size - 1].T


@dataclass
class _MonteCarloJob:
    """Everything a worker needs to draw replicate blocks and test them against the observed LLR."""

    kind: str
    area_totals: IntArray
    slot_totals: IntArray
    expected_slots: FloatArray
    seed: int
    replications: int
    # The circles that can beat the observed maximum (all circles of their centres, in order), as
    # increments: row i holds the areas circle i adds to the previous circle of the same centre.
    # Rows are laid out [centre, slot]: slot s of a centre is its (s+1)-th smallest circle; unused
    # slots are empty rows with NO_CHANCE.
    increments: sparse.csr_matrix | None = None
    slots: int = 0
    needed: FloatArray | None = None  # (rows, windows): c* of each cylinder, NO_CHANCE where impossible

    @property
    def n_blocks(self) -> int:
        return -(-self.replications // BLOCK_REPLICATES)

    def block_size(self, block: int) -> int:
        return min(BLOCK_REPLICATES, self.replications - block * BLOCK_REPLICATES)

    def draw(self, block: int) -> IntArray:
        """Replicate tables of one block: [rep, slot, area] counts of the last days."""
        n = self.block_size(block)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(block,))))
        windows, n_areas = self.expected_slots.shape
        if self.kind == "poisson":
            return rng.poisson(self.expected_slots[None], size=(n, windows, n_areas)).astype(np.int64)
        # Shuffling the days of all C cases puts a uniformly random subset of n_last cases in the
        # last `windows` days: its area mix is multivariate hypergeometric over the area totals,
        # and its arrangement over those days a uniform permutation. Drawing exactly that is the
        # case-list permutation in distribution, at O(areas + n_last) per replicate instead of O(C).
        n_last = int(self.slot_totals.sum())
        if n_last == 0:
            return np.zeros((n, windows, n_areas), dtype=np.int64)
        mix = rng.multivariate_hypergeometric(self.area_totals, n_last, size=n, method="marginals")
        areas = np.repeat(np.tile(np.arange(n_areas), n), mix.ravel()).reshape(n, n_last)
        arranged = rng.permuted(areas, axis=1)
        slot_of_position = np.repeat(np.arange(windows), self.slot_totals)
        codes = (np.arange(n)[:, None] * windows + slot_of_position[None, :]) * n_areas + arranged
        return np.bincount(codes.ravel(), minlength=n * windows * n_areas).reshape(n, windows, n_areas)

    def exceedances(self, block: int) -> NDArray[np.bool_]:
        """For each replicate of the block: does its maximum LLR reach the observed one?"""
        assert self.increments is not None and self.needed is not None
        tables = self.draw(block)
        n, windows, n_areas = tables.shape
        out = np.zeros(n, dtype=bool)
        rows = self.needed.shape[0]
        if rows == 0:
            return out
        centers = rows // self.slots
        needed = self.needed.reshape(centers, self.slots, 1, windows)
        step = max(1, CELL_BUDGET // (rows * windows))
        for start in range(0, n, step):
            chunk = tables[start : start + step]
            m = chunk.shape[0]
            # [area, rep·window]: cases in the last w+1 days. Counts below 2^24 are exact in float32.
            window_sums = np.cumsum(chunk, axis=1).transpose(2, 0, 1).reshape(n_areas, m * windows)
            exact = np.float32 if window_sums.max(initial=0) < 2**24 else np.float64
            cases = np.asarray(self.increments @ window_sums.astype(exact)).reshape(centers, self.slots, m, windows)
            # A centre's circles are nested: adding each circle's increment to the previous circle
            # (slot by slot, all centres at once) gives the cases in every circle.
            for slot in range(1, self.slots):
                cases[:, slot] += cases[:, slot - 1]
            out[start : start + m] = (cases >= needed.astype(exact, copy=False)).any(axis=(0, 1, 3))
        return out


def _increment_matrix(circles: Circles, rows: IntArray) -> tuple[sparse.csr_matrix, int, IntArray]:
    """Sparse [centre·slot, area] = 1 for the areas circle rows[i] adds to the previous circle of its
    centre; the number of slots; and where each of `rows` sits. `rows` keeps whole centres in order."""
    center = circles.center[rows]
    size = circles.size[rows]
    first_of_center = np.r_[True, center[1:] != center[:-1]]
    starts = np.flatnonzero(first_of_center)
    center_pos = np.cumsum(first_of_center) - 1
    slot = np.arange(rows.size) - starts[center_pos]
    slots = int(slot.max()) + 1 if rows.size else 1
    position = center_pos * slots + slot
    previous = np.where(first_of_center, 0, np.r_[0, size[:-1]])
    lengths = size - previous
    entry_row = np.repeat(np.arange(rows.size), lengths)
    rank = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    area = circles.order[center[entry_row], previous[entry_row] + rank]
    n_rows = (int(center_pos[-1]) + 1) * slots if rows.size else 0
    matrix = sparse.csr_matrix(
        (np.ones(area.size, dtype=np.float32), (position[entry_row], area)), shape=(n_rows, circles.n_areas)
    )
    return matrix, slots, position


_WORKER_JOB: _MonteCarloJob | None = None


def _init_worker(job: _MonteCarloJob) -> None:
    global _WORKER_JOB
    _WORKER_JOB = job


def _worker_exceedances(block: int) -> NDArray[np.bool_]:
    assert _WORKER_JOB is not None
    return _WORKER_JOB.exceedances(block)


def _critical_counts(mu: FloatArray, low: IntArray, high: IntArray, threshold: float, score: ScoreFunction) -> IntArray:
    """Smallest integer c in [low, high] with score(c, μ) ≥ threshold (score rises with c above μ);
    high + 1 where none. Vectorised bisection."""
    lo = low.copy()
    hi = high.copy()
    reachable = score(hi, mu) >= threshold
    hi = np.where(reachable, hi, lo)
    while True:
        active = lo < hi
        if not active.any():
            break
        mid = (lo + hi) // 2
        ok = score(mid, mu) >= threshold
        hi = np.where(active & ok, mid, hi)
        lo = np.where(active & ~ok, mid + 1, lo)
    return np.where(reachable, lo, high + 1)


def _finish(
    *,
    method: ScanMethod,
    llr: FloatArray,
    observed: IntArray,
    expected: FloatArray,
    valid_mask: NDArray[np.bool_],
    max_possible: IntArray,
    score: ScoreFunction,
    min_cases: int,
    circles: Circles,
    job_base: dict[str, object],
    windows: int,
    replications: int,
    seed: int,
    alarm_recurrence_days: float,
    sequential: bool,
    workers: int,
    total_cases: int,
) -> ScanResult:
    """Most likely cluster, then the Monte Carlo p-value against the cylinders that could beat it."""
    best = int(np.argmax(llr)) if llr.size else 0
    best_llr = float(llr.flat[best]) if llr.size else 0.0
    if best_llr <= 0.0:
        return ScanResult(
            method=method,
            llr=0.0,
            areas=(),
            center=-1,
            radius_m=0.0,
            window_days=0,
            observed=0,
            expected=0.0,
            p_value=1.0,
            recurrence_interval_days=1.0,
            alarm=False,
            replications=0,
            replications_requested=replications,
            exceedances=0,
            stopped_early=False,
            total_cases=total_cases,
        )
    circle, w = divmod(best, windows)
    threshold = best_llr * (1.0 - TIE_TOLERANCE)

    # c*: the fewest cases each cylinder needs to reach the observed maximum. A replicate beats the
    # observed statistic exactly when some cylinder holds at least its c*, so the Monte Carlo loop
    # compares integers and never takes a logarithm.
    mu = expected
    low = np.maximum(min_cases, np.floor(mu).astype(np.int64) + 1)
    high = np.maximum(max_possible, low)
    needed = _critical_counts(mu, low, high, threshold, score)
    possible = valid_mask & (needed <= max_possible)
    chance = possible.any(axis=1)
    if not chance.any():
        # No cylinder can reach the observed maximum in any permutation: every replicate falls
        # short, so p = 1/(R+1) without drawing them.
        return _result(
            method,
            best_llr,
            circles,
            circle,
            w,
            observed,
            expected,
            replications,
            0,
            False,
            replications,
            alarm_recurrence_days,
            total_cases,
        )
    rows = np.flatnonzero(np.isin(circles.center, circles.center[chance]))
    increments, slots, position = _increment_matrix(circles, rows)
    needed_rows = np.full((increments.shape[0], windows), NO_CHANCE)
    needed_rows[position] = np.where(possible[rows], needed[rows], NO_CHANCE)
    job = _MonteCarloJob(
        kind=str(job_base["kind"]),
        area_totals=np.asarray(job_base["area_totals"], dtype=np.int64),
        slot_totals=np.asarray(job_base["slot_totals"], dtype=np.int64),
        expected_slots=np.asarray(job_base["expected_slots"], dtype=np.float64),
        seed=seed,
        replications=replications,
        increments=increments,
        slots=slots,
        needed=needed_rows,
    )
    # Alarm ⇔ (1+n)/(R+1) ≤ 1/RI*; once n reaches `stop_at` no alarm is possible any more.
    # (With too few replications for any alarm, the first exceedance already settles it.)
    stop_at = max(1, math.floor((replications + 1) / alarm_recurrence_days - 1 + 1e-9) + 1) if sequential else None
    drawn, exceed, stopped = _run_monte_carlo(job, workers, stop_at)
    return _result(
        method,
        best_llr,
        circles,
        circle,
        w,
        observed,
        expected,
        drawn,
        exceed,
        stopped,
        replications,
        alarm_recurrence_days,
        total_cases,
    )


def _result(
    method: ScanMethod,
    llr: float,
    circles: Circles,
    circle: int,
    w: int,
    observed: IntArray,
    expected: FloatArray,
    drawn: int,
    exceed: int,
    stopped: bool,
    replications: int,
    alarm_recurrence_days: float,
    total_cases: int,
) -> ScanResult:
    if stopped:
        p_value = exceed / drawn  # Besag & Clifford (1991) sequential p-value h/L
    else:
        p_value = (1 + exceed) / (replications + 1)
    ri = 1.0 / p_value
    return ScanResult(
        method=method,
        llr=llr,
        areas=circles.areas(circle),
        center=int(circles.center[circle]),
        radius_m=float(circles.radius_m[circle]),
        window_days=w + 1,
        observed=int(observed[circle, w]),
        expected=float(expected[circle, w]),
        p_value=p_value,
        recurrence_interval_days=ri,
        alarm=(not stopped) and ri >= alarm_recurrence_days - 1e-9,
        replications=drawn if stopped else replications,
        replications_requested=replications,
        exceedances=exceed,
        stopped_early=stopped,
        total_cases=total_cases,
    )


def _run_monte_carlo(job: _MonteCarloJob, workers: int, stop_at: int | None) -> tuple[int, int, bool]:
    """(replicates drawn, exceedances, stopped early) — blocks in order, optionally in parallel."""
    drawn = 0
    exceed = 0
    for flags in _block_results(job, workers):
        if stop_at is not None:
            hits = np.flatnonzero(flags)
            if exceed + hits.size >= stop_at:
                last = int(hits[stop_at - exceed - 1])
                return drawn + last + 1, stop_at, True
        drawn += flags.size
        exceed += int(flags.sum())
    return drawn, exceed, False


def _block_results(job: _MonteCarloJob, workers: int) -> Iterator[NDArray[np.bool_]]:
    blocks = range(job.n_blocks)
    if workers <= 1 or job.n_blocks <= 1:
        for b in blocks:
            yield job.exceedances(b)
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ctx.Pool(processes=workers, initializer=_init_worker, initargs=(job,)) as pool:
        # imap keeps block order, so a sequential stop is the same as in one process.
        yield from pool.imap(_worker_exceedances, blocks, chunksize=1)
