"""Getis-Ord Gi*, Mann-Kendall and Emerging Hot Spot categories on hand-checked grids and series."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from civic311.insight.hotspots import (
    distance_band_weights,
    emerging_hot_spots,
    getis_ord_gi_star,
    knn_weights,
    mann_kendall,
    troubled_neighborhoods,
)


def grid(side: int) -> np.ndarray:
    return np.array([(i, j) for i in range(side) for j in range(side)], dtype=float) * 1000


def test_gi_star_on_a_three_by_three_grid() -> None:
    # Rook neighbours + self (band 1 km), all ones except the corner (index 8) = 10.
    # X̄ = 18/9 = 2, S² = 108/9 − 4 = 8.
    # Corner: w = {5, 7, 8}: (12 − 2·3) / (√8 · √((9·3 − 9)/8)) = 6 / (√8 · 1.5) = √2.
    # Centre: w = {1, 3, 4, 5, 7}: (5 − 2·5) / (√8 · √((9·5 − 25)/8)) = −5 / √20 = −√5/2.
    w = distance_band_weights(grid(3), 1000)
    assert w.sum(axis=1).tolist() == [3, 4, 3, 4, 5, 4, 3, 4, 3]
    z = getis_ord_gi_star([1, 1, 1, 1, 1, 1, 1, 1, 10], w)
    assert z[8] == pytest.approx(math.sqrt(2))
    assert z[4] == pytest.approx(-math.sqrt(5) / 2)
    # Every week at once gives the same as one week at a time.
    weeks = np.array([[1, 1, 1, 1, 1, 1, 1, 1, 10], [2, 1, 3, 1, 5, 1, 1, 0, 1]])
    assert np.allclose(getis_ord_gi_star(weeks, w)[1], getis_ord_gi_star(weeks[1], w))
    assert (getis_ord_gi_star(np.ones(9), w) == 0).all()  # no variation, no hot spot


def test_knn_weights_include_self_and_k_nearest() -> None:
    xy = [[0, 0], [1, 0], [3, 0], [10, 0]]
    w = knn_weights(xy, 1)
    assert w.tolist() == [[1, 1, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]]


def test_mann_kendall_by_hand() -> None:
    # 1 3 2 5 4: ten pairs, eight rising and two falling: S = 6; Var = 5·4·15/18 = 50/3;
    # Z = (6 − 1)/√(50/3) = 1.2247; p = 2(1 − Φ(1.2247)) = 0.2207.
    result = mann_kendall([1, 3, 2, 5, 4])
    assert int(result.s) == 6
    assert float(result.variance) == pytest.approx(50 / 3)
    assert float(result.z) == pytest.approx(5 / math.sqrt(50 / 3))
    assert float(result.p_value) == pytest.approx(0.2207, abs=1e-4)
    assert float(result.tau) == pytest.approx(stats.kendalltau(range(5), [1, 3, 2, 5, 4]).statistic)
    # Ties: 1 2 2 3 → S = 5, Var = (4·3·13 − 2·1·9)/18 = 138/18.
    tied = mann_kendall([[1, 2, 2, 3], [4, 3, 2, 1]])
    assert tied.s.tolist() == [5, -6]
    assert float(tied.variance[0]) == pytest.approx(138 / 18)


def plus(center: int, side: int) -> list[int]:
    i, j = divmod(center, side)
    return [a * side + b for a, b in [(i, j), (i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)]]


WEEKS = 12
HIGH = 10.0


def profile(weeks: list[int], value: float = HIGH) -> np.ndarray:
    extra = np.zeros(WEEKS)
    extra[weeks] = value
    return extra


@pytest.mark.parametrize(
    ("extra", "category"),
    [
        (profile([11]), "new hot spot"),
        (profile([9, 10, 11]), "consecutive hot spot"),
        (profile(list(range(12))), "persistent hot spot"),
        (np.linspace(6, 16, WEEKS), "intensifying hot spot"),
        (np.linspace(16, 6, WEEKS), "diminishing hot spot"),
        (profile([2, 6, 11]), "sporadic hot spot"),
        (profile([2, 6]) - profile([4], 5.0) + profile([11]), "oscillating hot spot"),
        (profile(list(range(11))), "historical hot spot"),
        (-profile([11], 5.0), "new cold spot"),
        (profile([3]), "no pattern detected"),
    ],
)
def test_emerging_hot_spot_categories(extra: np.ndarray, category: str) -> None:
    # A 9 × 9 city around 5 requests per area-week; a plus-shaped cluster at the centre (40)
    # follows `extra` week by week (oldest first).
    side = 9
    values = np.random.default_rng(0).uniform(4.5, 5.5, (WEEKS, side * side))
    values[:, plus(40, side)] += extra[:, None]
    spots = emerging_hot_spots(values, distance_band_weights(grid(side), 1000))
    assert spots[40].category == category
    assert spots[0].category == "no pattern detected"


def test_trend_of_intensifying_and_diminishing_spots() -> None:
    side = 9
    values = np.random.default_rng(0).uniform(4.5, 5.5, (WEEKS, side * side))
    values[:, plus(40, side)] += np.linspace(6, 16, WEEKS)[:, None]
    spot = emerging_hot_spots(values, distance_band_weights(grid(side), 1000))[40]
    assert spot.trend_tau > 0.5 and spot.trend_p < 0.05
    assert spot.hot_weeks == WEEKS and spot.last_significant


def test_troubled_neighborhoods_combine_types_and_name_the_evidence() -> None:
    rng = np.random.default_rng(1)
    side, weeks = 7, 10
    dumping = rng.poisson(20, (weeks, side * side)).astype(float)
    graffiti = rng.poisson(2, (weeks, side * side)).astype(float)
    streetlights = rng.poisson(50, (weeks, side * side)).astype(float)
    trouble = plus(24, side)
    dumping[-1, trouble] += 40
    graffiti[-1, trouble] += 6
    result = troubled_neighborhoods(
        {"illegal dumping": dumping, "graffiti": graffiti, "streetlight out": streetlights},
        distance_band_weights(grid(side), 1000),
    )
    assert result and result[0].area == 24
    assert result[0].hot_spot.category == "new hot spot"
    top_two = {e.service_type for e in result[0].evidence[:2]}
    assert top_two == {"illegal dumping", "graffiti"}
    assert result[0].evidence[-1].service_type == "streetlight out"
