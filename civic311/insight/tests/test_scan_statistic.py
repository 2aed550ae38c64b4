"""The space-time permutation and expectation-based Poisson scans on small hand-checked cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from civic311.insight.scan_reference import space_time_permutation_scan_reference
from civic311.insight.scan_statistic import (
    build_circles,
    expectation_based_poisson_scan,
    permutation_expected,
    permutation_llr,
    permutation_replicates,
    project_lonlat,
    space_time_permutation_scan,
)


def city_grid(seed: int = 7) -> np.ndarray:
    """36 areas on a jittered 1 km grid; areas 14 and 15 are each other's nearest neighbours."""
    rng = np.random.default_rng(seed)
    xy = np.array([(i, j) for i in range(6) for j in range(6)], dtype=float) * 1000
    xy += rng.uniform(-150, 150, xy.shape)
    xy[15] = xy[14] + np.array([0.0, 550.0])
    return xy


def test_llr_matches_hand_computation() -> None:
    # C = 20 cases, 8 in the cylinder where 4 were expected:
    # 8·ln(8/4) + 12·ln(12/16) = 8·0.693147 − 12·0.287682 = 5.545177 − 3.452185 = 2.092992
    assert float(permutation_llr(8, 4.0, 20.0)) == pytest.approx(2.092992, abs=1e-6)
    # No excess, no score.
    assert float(permutation_llr(3, 4.0, 20.0)) == 0.0
    # All cases inside: the outside term vanishes, 20·ln(20/10) = 13.862944.
    assert float(permutation_llr(20, 10.0, 20.0)) == pytest.approx(13.862944, abs=1e-6)


def test_expected_counts_condition_on_both_margins() -> None:
    # Area totals (3, 3), day totals (1, 5), C = 6: μ_zd = C_z·C_d/C.
    mu = permutation_expected([[1, 0], [2, 3]])
    assert mu.tolist() == [[0.5, 0.5], [2.5, 2.5]]


def test_most_likely_cluster_by_hand() -> None:
    # Two far-apart areas (each circle holds one area), four days:
    counts = [[3, 3], [3, 3], [1, 3], [5, 1]]
    # C_A = 12, C_B = 10, C = 22. Area A, last day: c = 5, μ = 12·6/22 = 36/11.
    # Area A, last two days: c = 6, μ = 12·10/22 = 60/11, a weaker excess. Area B: c = 1 < 2 and
    # c = 4 < μ = 100/22, never a cluster.
    hand = 5 * math.log(5 / (36 / 11)) + 17 * math.log(17 / (22 - 36 / 11))
    assert hand == pytest.approx(0.47402, abs=1e-5)
    circles = build_circles([[0.0, 0.0], [50_000.0, 0.0]])
    # Area A holds 12 of 22 cases, over the default 50 % cap: lift the cap for this example.
    result = space_time_permutation_scan(counts, circles, replications=99, seed=1, max_case_share=1.0)
    assert result.areas == (0,)
    assert result.window_days == 1
    assert result.observed == 5
    assert result.expected == pytest.approx(36 / 11)
    assert result.llr == pytest.approx(hand, rel=1e-12)


def test_circles_take_tied_neighbours_together() -> None:
    # A centre with four neighbours at exactly 1 km: sizes 1 and 5 only, never 2–4.
    xy = [
        [0, 0],
        [1000, 0],
        [-1000, 0],
        [0, 1000],
        [0, -1000],
        [5000, 5000],
        [6000, 6000],
        [7000, 7000],
        [9000, 9000],
        [9999, 0],
    ]
    circles = build_circles(xy, max_area_share=0.5)
    sizes = sorted(int(s) for c, s in zip(circles.center, circles.size, strict=True) if c == 0)
    assert sizes == [1, 5]


def test_lonlat_projection_is_metres() -> None:
    xy = project_lonlat([-71.06, -71.06], [42.35, 42.36])
    assert np.hypot(*(xy[1] - xy[0])) == pytest.approx(1112, rel=0.01)


def test_finds_planted_cluster_and_stays_quiet_on_noise() -> None:
    circles = build_circles(city_grid(), max_radius_m=3000)
    rng = np.random.default_rng(100)
    background = rng.poisson(1.0, (365, 36))
    quiet = space_time_permutation_scan(background, circles, replications=199, seed=0)
    assert not quiet.alarm
    assert quiet.p_value > 0.05

    planted = background.copy()
    planted[-3:, [14, 15]] += rng.poisson(4, (3, 2))
    found = space_time_permutation_scan(planted, circles, replications=199, seed=0)
    assert set(found.areas) == {14, 15}
    assert found.window_days == 3
    assert found.p_value == pytest.approx(1 / 200)
    assert found.recurrence_interval_days == pytest.approx(200)
    assert found.alarm


def test_sequential_monte_carlo_stops_early_with_the_same_decision() -> None:
    circles = build_circles(city_grid(), max_radius_m=3000)
    rng = np.random.default_rng(100)
    background = rng.poisson(1.0, (365, 36))
    full = space_time_permutation_scan(background, circles, replications=999, seed=3)
    fast = space_time_permutation_scan(background, circles, replications=999, seed=3, sequential=True)
    assert fast.stopped_early and fast.replications < 999
    assert fast.exceedances == 10  # (1 + 10)/1000 > 1/100: no alarm possible any more
    assert fast.alarm == full.alarm is False
    assert fast.llr == full.llr


def test_parallel_workers_give_the_same_p_value() -> None:
    circles = build_circles(city_grid(), max_radius_m=3000)
    counts = np.random.default_rng(5).poisson(1.0, (120, 36))
    one = space_time_permutation_scan(counts, circles, replications=199, seed=9)
    two = space_time_permutation_scan(counts, circles, replications=199, seed=9, workers=2)
    assert one == two


def test_calibration_on_null_data() -> None:
    # Separable rates (busy areas × busy weekdays), no space-time interaction: under the null
    # the Monte Carlo p-value is uniform, so p ≤ 0.05 about 5 % of the time.
    circles = build_circles(city_grid(), max_radius_m=2500)
    p_values = []
    for seed in range(80):
        rng = np.random.default_rng(1000 + seed)
        area_rate = rng.uniform(0.2, 1.5, 36)
        day_rate = np.tile([1.2, 1.1, 1.0, 1.0, 1.1, 0.6, 0.5], 9)[:60]
        counts = rng.poisson(np.outer(day_rate, area_rate))
        result = space_time_permutation_scan(counts, circles, replications=99, seed=seed, max_window_days=7)
        p_values.append(result.p_value)
    share = np.mean(np.array(p_values) <= 0.05)
    assert 0.0125 <= share <= 0.125
    assert 0.4 <= float(np.mean(p_values)) <= 0.6


@pytest.mark.parametrize("seed", range(6))
def test_vectorised_equals_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 14))
    xy = rng.uniform(0, 5000, (n, 2))
    if seed % 2:
        xy = np.round(xy / 1000) * 1000  # a coarse grid: many tied distances
    days = int(rng.integers(20, 60))
    counts = rng.poisson(rng.uniform(0.1, 1.5, n), (days, n))
    counts[-2:, 0] += seed  # sometimes a real excess
    circles = build_circles(xy, max_radius_m=3000)
    fast = space_time_permutation_scan(counts, circles, replications=49, seed=seed, max_window_days=7)
    tables = permutation_replicates(counts, max_window_days=7, replications=49, seed=seed)
    slow = space_time_permutation_scan_reference(
        counts.tolist(),
        [(float(x), float(y)) for x, y in xy],
        max_radius_m=3000,
        max_window_days=7,
        replicate_tables=tables.tolist(),
    )
    assert fast.areas == slow.areas
    assert fast.window_days == slow.window_days
    assert fast.observed == slow.observed
    assert fast.llr == pytest.approx(slow.llr, rel=1e-12)
    assert fast.expected == pytest.approx(slow.expected, rel=1e-12)
    assert fast.p_value == slow.p_value


def test_replicates_are_permutations_of_the_case_days() -> None:
    # Every random table keeps the day totals, and on average each cell holds μ_zd = C_z·C_d/C.
    rng = np.random.default_rng(11)
    counts = rng.poisson(rng.uniform(0.5, 3, 5), (30, 5))
    tables = permutation_replicates(counts, max_window_days=3, replications=3000, seed=2)
    day_totals = counts.sum(axis=1)[::-1][:3]
    assert (tables.sum(axis=2) == day_totals[None, :]).all()
    mu = permutation_expected(counts)[::-1][:3]
    z = (tables.mean(axis=0) - mu) / np.sqrt(mu / 3000)
    assert np.abs(z).max() < 4.5


def test_expectation_based_poisson_finds_a_wide_outbreak() -> None:
    circles = build_circles(city_grid(), max_radius_m=4000)
    rng = np.random.default_rng(21)
    counts = rng.poisson(2.0, (120, 36))
    wide = [a for a in range(36) if a % 6 < 3 and a < 18]  # nine areas, a 3 × 3 km corner
    counts[-3:, wide] += rng.poisson(2.0, (3, len(wide)))
    result = expectation_based_poisson_scan(counts, circles, replications=199, seed=4)
    assert result.alarm
    hit = set(result.areas) & set(wide)
    assert len(hit) / len(wide) >= 0.6  # recall
    assert len(hit) / len(result.areas) >= 0.6  # precision
    quiet = expectation_based_poisson_scan(counts[:-3], circles, replications=199, seed=4)
    assert not quiet.alarm
