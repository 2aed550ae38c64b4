"""Weekly hot spots by area: Getis-Ord Gi*, the Mann-Kendall trend test, Emerging Hot Spot categories,
and the cross-type "troubled neighborhoods" view built from them.

Gi* (Getis & Ord 1992; Ord & Getis 1995), with w_ii included:
  G*_i = (Σ_j w_ij x_j − X̄ Σ_j w_ij) / (S √((n Σ_j w_ij² − (Σ_j w_ij)²)/(n−1))),
  X̄ and S the mean and (population) SD of x over all n areas; G*_i is itself a z-score.
Mann-Kendall (Mann 1945; Kendall 1975): S = Σ_{i<j} sgn(x_j − x_i),
  Var S = [n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5)]/18 over tie groups, Z = (S ∓ 1)/√Var S.
Emerging Hot Spot Analysis follows ESRI's published categories ("How Emerging Hot Spot Analysis
works", ArcGIS Pro): per week, Gi* with an FDR correction decides significant hot/cold bins; the
Mann-Kendall test on each area's Gi* z-scores decides the trend; then new, consecutive,
intensifying, persistent, diminishing, sporadic, oscillating and historical hot (and cold) spots.
Deviation: the Gi* neighbourhood is spatial only (ESRI can also include earlier time steps).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from .series_alarms import benjamini_hochberg

FloatArray = NDArray[np.float64]

# ESRI's rule: "at least 90 percent of the time-step intervals".
MOST_OF_THE_TIME = 0.9


def distance_band_weights(xy_m: ArrayLike, band_m: float) -> FloatArray:
    """Binary weights: 1 for areas whose centroids are within `band_m` metres (each area itself included)."""
    xy = np.asarray(xy_m, dtype=np.float64)
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    return (d <= band_m).astype(np.float64)


def knn_weights(xy_m: ArrayLike, k: int) -> FloatArray:
    """Binary weights: each area and its k nearest areas by centroid distance."""
    xy = np.asarray(xy_m, dtype=np.float64)
    n = xy.shape[0]
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    nearest = np.argsort(d, axis=1, kind="stable")[:, : min(n, k + 1)]
    w = np.zeros((n, n))
    np.put_along_axis(w, nearest, 1.0, axis=1)
    np.fill_diagonal(w, 1.0)
    return w


def getis_ord_gi_star(values: ArrayLike, weights: ArrayLike) -> FloatArray:
    """Gi* z-scores of values[..., area] (e.g. [week, area]) under weights[area, area]."""
    x = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    n = x.shape[-1]
    mean = x.mean(axis=-1, keepdims=True)
    s = np.sqrt(np.maximum((x * x).mean(axis=-1, keepdims=True) - mean * mean, 0.0))
    w_sum = w.sum(axis=1)
    w_sq = (w * w).sum(axis=1)
    numerator = x @ w.T - mean * w_sum
    spread = np.sqrt(np.maximum(n * w_sq - w_sum**2, 0.0) / (n - 1))
    denominator = s * spread
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(denominator > 0, numerator / denominator, 0.0)
    return z


@dataclass(frozen=True)
class MannKendall:
    """Mann-Kendall trend test of each series (arrays over series)."""

    s: NDArray[np.int64]
    variance: FloatArray
    z: FloatArray
    p_value: FloatArray  # two-sided
    tau: FloatArray  # Kendall's tau-a = S / (n(n−1)/2)


def mann_kendall(series: ArrayLike) -> MannKendall:
    """Mann-Kendall test on series[..., time] (each row one series), with the tie correction."""
    x = np.asarray(series, dtype=np.float64)
    rows = x.reshape(-1, x.shape[-1])
    n = rows.shape[1]
    diff = rows[:, None, :] - rows[:, :, None]  # [row, i, j] = x_j − x_i
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    s = np.sign(diff[:, upper]).sum(axis=1).astype(np.int64)
    ties = np.zeros(rows.shape[0])
    for r in range(rows.shape[0]):
        _, t = np.unique(rows[r], return_counts=True)
        ties[r] = float((t * (t - 1) * (2 * t + 5)).sum())
    variance = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(variance > 0, (s - np.sign(s)) / np.sqrt(variance), 0.0)
    p = 2.0 * stats.norm.sf(np.abs(z))
    tau = s / (n * (n - 1) / 2.0) if n > 1 else np.zeros(rows.shape[0])
    shape = x.shape[:-1]
    return MannKendall(
        s=s.reshape(shape),
        variance=variance.reshape(shape),
        z=z.reshape(shape),
        p_value=p.reshape(shape),
        tau=np.asarray(tau, dtype=np.float64).reshape(shape),
    )


@dataclass(frozen=True)
class EmergingHotSpot:
    """One area's Emerging Hot Spot category and the evidence behind it."""

    area: int
    category: str  # e.g. "new hot spot", "intensifying hot spot", "no pattern detected"
    last_z: float  # Gi* z-score of the final week
    last_significant: bool
    hot_weeks: int  # weeks as a significant hot spot
    cold_weeks: int
    trend_tau: float  # Mann-Kendall tau of the Gi* z-scores
    trend_p: float


def _final_run(flags: NDArray[np.bool_]) -> int:
    """Length of the run of True that ends at the last element."""
    run = 0
    for value in flags[::-1]:
        if not value:
            break
        run += 1
    return run


def _classify(
    hot: NDArray[np.bool_], cold: NDArray[np.bool_], trend_z: float, trend_p: float, alpha: float, kind: str
) -> str | None:
    """ESRI's hot (kind="hot", flags of hot bins) or cold categories for one area, or None."""
    n = hot.size
    share = hot.sum() / n
    last = bool(hot[-1])
    trending = trend_p < alpha
    rising = trending and (trend_z > 0 if kind == "hot" else trend_z < 0)
    falling = trending and (trend_z < 0 if kind == "hot" else trend_z > 0)
    if last and hot[:-1].sum() == 0:
        return f"new {kind} spot"
    run = _final_run(hot)
    if last and run >= 2 and hot[: n - run].sum() == 0 and share < MOST_OF_THE_TIME:
        return f"consecutive {kind} spot"
    if share >= MOST_OF_THE_TIME:
        if last and rising:
            return f"intensifying {kind} spot"
        if last and falling:
            return f"diminishing {kind} spot"
        if not last:
            return f"historical {kind} spot"
        return f"persistent {kind} spot"  # hot nearly always, no significant trend
    if last and cold.any():
        return f"oscillating {kind} spot"
    if last:
        return f"sporadic {kind} spot"
    return None


def emerging_hot_spots(
    weekly_values: ArrayLike, weights: ArrayLike, *, alpha: float = 0.05, fdr: bool = True
) -> list[EmergingHotSpot]:
    """Emerging Hot Spot categories of every area from values[week, area] (oldest week first)."""
    x = np.asarray(weekly_values, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError("need values[week, area] with at least two weeks")
    z = getis_ord_gi_star(x, weights)
    p = 2.0 * stats.norm.sf(np.abs(z))
    significant = benjamini_hochberg(p, q=alpha) if fdr else p < alpha
    hot = significant & (z > 0)
    cold = significant & (z < 0)
    trend = mann_kendall(z.T)
    out = []
    for area in range(x.shape[1]):
        h = hot[:, area]
        c = cold[:, area]
        tz = float(trend.z[area])
        tp = float(trend.p_value[area])
        category = _classify(h, c, tz, tp, alpha, "hot") or _classify(c, h, tz, tp, alpha, "cold")
        out.append(
            EmergingHotSpot(
                area=area,
                category=category or "no pattern detected",
                last_z=float(z[-1, area]),
                last_significant=bool(significant[-1, area]),
                hot_weeks=int(h.sum()),
                cold_weeks=int(c.sum()),
                trend_tau=float(trend.tau[area]),
                trend_p=tp,
            )
        )
    return out


@dataclass(frozen=True)
class TypeEvidence:
    """How one service type contributes to an area's final week."""

    service_type: str
    last_week: float  # requests in the final week
    usual: float  # the area's mean weekly requests of this type over the earlier weeks
    last_z: float  # Gi* z-score of this type alone in the final week


@dataclass(frozen=True)
class TroubledNeighborhood:
    """An area whose combined multi-type index is an emerging/persistent hot spot, with its evidence."""

    area: int
    hot_spot: EmergingHotSpot
    evidence: tuple[TypeEvidence, ...]  # strongest contribution first


def troubled_neighborhoods(
    weekly_counts_by_type: Mapping[str, ArrayLike],
    weights: ArrayLike,
    *,
    alpha: float = 0.05,
) -> list[TroubledNeighborhood]:
    """Areas that are hot spots of several service types together (weekly, cross-department).

    Each type's counts[week, area] are divided by that type's mean per area-week before summing,
    so a high-volume type (streetlights) does not drown a low-volume one (vacant buildings); the
    Emerging Hot Spot categories of that combined index decide which areas are listed.
    """
    if not weekly_counts_by_type:
        return []
    arrays = {name: np.asarray(v, dtype=np.float64) for name, v in weekly_counts_by_type.items()}
    shape = next(iter(arrays.values())).shape
    combined = np.zeros(shape)
    for counts in arrays.values():
        if counts.shape != shape:
            raise ValueError("every type needs the same [week, area] shape")
        mean = counts.mean()
        if mean > 0:
            combined += counts / mean
    spots = emerging_hot_spots(combined, weights, alpha=alpha)
    per_type_z = {name: getis_ord_gi_star(counts[-1], weights) for name, counts in arrays.items()}
    out = []
    for spot in spots:
        if not spot.category.endswith("hot spot"):
            continue
        evidence = sorted(
            (
                TypeEvidence(
                    service_type=name,
                    last_week=float(counts[-1, spot.area]),
                    usual=float(counts[:-1, spot.area].mean()),
                    last_z=float(per_type_z[name][spot.area]),
                )
                for name, counts in arrays.items()
            ),
            key=lambda e: -e.last_z,
        )
        out.append(TroubledNeighborhood(area=spot.area, hot_spot=spot, evidence=tuple(evidence)))
    out.sort(key=lambda t: -t.hot_spot.last_z)
    return out
