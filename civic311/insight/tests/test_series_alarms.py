"""EARS C1/C2/C3, the ESSENCE EWMA and Benjamini–Hochberg on hand-made series."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from civic311.insight.series_alarms import benjamini_hochberg, bh_adjusted, ears, essence_ewma

# A week whose mean is 2 and sample SD exactly 2: deviations ±2 six times and 0 once, 24/6 = 4.
WEEK = [0, 4, 0, 4, 0, 4, 2]


def test_c1_flags_more_than_three_sd_above_last_week() -> None:
    result = ears([[*WEEK, 9], [*WEEK, 8]], "C1")
    # (9 − 2)/2 = 3.5 > 3 alarms; (8 − 2)/2 = 3.0 does not.
    assert result.statistic[:, 7].tolist() == [3.5, 3.0]
    assert result.alarm[:, 7].tolist() == [True, False]
    assert np.isnan(result.statistic[:, :7]).all()
    assert result.p_value[0, 7] == pytest.approx(stats.t.sf(3.5 / math.sqrt(8 / 7), 6))


def test_c2_skips_the_two_guard_days() -> None:
    series = [*WEEK, 50, 50, 9]
    c2 = ears([series], "C2")
    # Day 9 against days 0..6 (mean 2, SD 2): (9 − 2)/2 = 3.5, alarm; the 50s are in the guard band.
    assert c2.statistic[0, 9] == 3.5
    assert c2.alarm[0, 9]
    # C1 on day 9 compares with days 2..8, which include the 50s: far below its mean, no alarm.
    c1 = ears([series], "C1")
    assert c1.statistic[0, 9] < 0
    assert not c1.alarm[0, 9]


def test_c3_sums_three_days_of_c2_excess() -> None:
    # Days 0..8 make three windows (0..6, 1..7, 2..8) of the same multiset {0,4,0,4,0,4,2}: mean 2, SD 2.
    series = [0, 4, 0, 4, 0, 4, 2, 0, 4, 5, 6, 7]
    # C2 on days 9, 10, 11: 1.5, 2.0, 2.5 — none above 3.
    c2 = ears([series], "C2")
    assert c2.statistic[0, 9:].tolist() == [1.5, 2.0, 2.5]
    assert not c2.alarm.any()
    # C3 on day 11: (1.5−1) + (2.0−1) + (2.5−1) = 3.0 > 2: the slow rise is caught.
    c3 = ears([series], "C3")
    assert c3.statistic[0, 11] == 3.0
    assert c3.alarm[0, 11]
    assert not c3.alarm[0, :11].any()
    assert np.isnan(c3.p_value).all()


def test_zero_variance_is_floored_at_one_case() -> None:
    result = ears([[3] * 7 + [4], [3] * 7 + [7]], "C1")
    # SD 0 → 1: (4 − 3)/1 = 1 is quiet, (7 − 3)/1 = 4 alarms; never a division by zero.
    assert result.statistic[:, 7].tolist() == [1.0, 4.0]
    assert result.alarm[:, 7].tolist() == [False, True]


def test_ewma_alarms_on_a_step_and_not_on_flat_noise() -> None:
    rng = np.random.default_rng(3)
    flat = rng.poisson(10, 300)
    step = rng.poisson(10, 80)
    step[60:] += 12
    result = essence_ewma(np.vstack([flat[:80], step]))
    assert not result.alarm[0].any()
    assert not result.alarm[1, :60].any()
    assert result.alarm[1, 60:63].any()  # within three days of the step
    long_flat = essence_ewma([flat])
    assert np.nanmean(long_flat.alarm[0, 30:]) <= 0.03
    assert np.isnan(long_flat.p_value[0, :30]).all()  # 28-day baseline + 2-day guard
    constant = essence_ewma([[5.0] * 60])
    assert not constant.alarm.any()


def test_ewma_p_values_across_many_series_at_once() -> None:
    rng = np.random.default_rng(8)
    matrix = rng.poisson(4, (200, 90))
    result = essence_ewma(matrix)
    assert result.p_value.shape == (200, 90)
    tested = result.p_value[:, 30:]
    assert np.isfinite(tested).all()
    assert tested.min() >= 0 and tested.max() <= 1


def test_benjamini_hochberg_hand_worked() -> None:
    # m = 5, q = 0.05: critical values k·q/m = .01 .02 .03 .04 .05.
    # Sorted p: .01 ≤ .01, .035 > .02, .036 > .03, .039 ≤ .04, .9 > .05 → k = 4: the step-up
    # rejects the four smallest, including .035 and .036 that fail their own critical value.
    p = [0.9, 0.035, 0.01, 0.039, 0.036]
    assert benjamini_hochberg(p, 0.05).tolist() == [False, True, True, True, True]
    assert benjamini_hochberg([0.02, 0.03], 0.01).tolist() == [False, False]
    # NaN is not a test: m = 2 below, so .02 ≤ 1·.05/2 = .025 is rejected.
    assert benjamini_hochberg([0.02, math.nan, 0.5], 0.05).tolist() == [True, False, False]
    # One family per row.
    assert benjamini_hochberg([[0.001, 0.9], [0.04, 0.04]], 0.05).tolist() == [[True, False], [True, True]]
    # Adjusted p: .01·5/1 = .05; .035·5/2 = .0875 → min with later .036·5/3=.06, .039·5/4=.04875 → .04875
    adjusted = bh_adjusted(p)
    assert adjusted[2] == pytest.approx(0.04875)
    assert adjusted[1] == pytest.approx(0.04875)
    assert adjusted[0] == pytest.approx(0.9)
