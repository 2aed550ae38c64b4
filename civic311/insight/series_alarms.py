"""Per-series alarms for many daily count series at once (neighborhood × service type): EARS C1/C2/C3,
the ESSENCE EWMA detector, and Benjamini–Hochberg control of the false discovery rate across series.

Every detector takes a matrix counts[series, day] and returns arrays of the same shape (NaN where
a day has too little history), so one call covers every series of the city.

EARS (Hutwagner et al. 2003, "The bioterrorism preparedness and response Early Aberration
Reporting System (EARS)", J Urban Health 80(2 Suppl 1); definitions as restated by Fricker,
Hegler & Dunfee 2008, Stat Med 27:3407):
  C1_t = (Y_t − Ȳ_t)/S_t with Ȳ, S the mean and sample SD of days t−7..t−1; alarm when C1 > 3.
  C2_t the same over days t−9..t−3 (a two-day guard band); alarm when C2 > 3.
  C3_t = Σ_{i=t−2..t} max(0, C2_i − 1); alarm when C3 > 2 (the published threshold).
A zero SD (a week of equal counts) is floored at `min_sigma` (default 1 case, our choice; EARS
itself leaves it undefined), so a quiet series does not alarm on its first single request.

ESSENCE EWMA: Burkom's detector as implemented for NSSP-ESSENCE in CDC's Rnssp `alert_ewma`
(B = 28-day baseline ending g = 2 days before the test day, smoothing weights 0.4 for gradual and
0.9 for sudden events, the smaller of the two p-values reported):
  Z_t = ω·Y_t + (1−ω)·Z_{t−1};  σ_Z = max(σ_min, s·√(ω/(2−ω) + 1/B − 2(1−ω)^{g+1}(1−(1−ω)^B)/B) + k)
  with σ_min = (ω/t_{.95})(1 + ½(1−ω)²) and k = (0.1289 − (0.2414 − 0.1826(1−ω)⁴)·ln 0.5)(ω/t_{.95})
  (Burkom's small-count corrections), statistic (Z_t − Ȳ)/σ_Z, p from Student's t with B−1 df;
  red alert at p < 0.01, warning at p < 0.05. A smoothed value beyond the alert limit is pulled
  back to it, so one outbreak does not mask the following weeks. Unlike Rnssp we test only days
  with the full 28-day baseline (Rnssp starts with 11 and grows it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray
from scipy import stats

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
EarsMethod = Literal["C1", "C2", "C3"]

EARS_BASELINE = 7


@dataclass(frozen=True)
class SeriesAlarms:
    """Statistic, p-value and alarm flag for every series × day (NaN / False without history)."""

    method: str
    statistic: FloatArray
    p_value: FloatArray  # NaN where the method has no reference distribution (C3) or no history
    alarm: BoolArray


def _as_matrix(counts: ArrayLike) -> FloatArray:
    matrix = np.asarray(counts, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    if matrix.ndim != 2:
        raise ValueError("counts must be counts[series, day]")
    return matrix


def _ears_c(matrix: FloatArray, guard: int, min_sigma: float) -> tuple[FloatArray, FloatArray]:
    """(statistic, p-value) of C1 (guard 0) or C2 (guard 2) for every series × day."""
    n_series, n_days = matrix.shape
    statistic = np.full((n_series, n_days), np.nan)
    p_value = np.full((n_series, n_days), np.nan)
    first = EARS_BASELINE + guard
    if n_days <= first:
        return statistic, p_value
    # Window j covers days j..j+6; the test day t uses window t − 7 − guard.
    windows = sliding_window_view(matrix, EARS_BASELINE, axis=1)[:, : n_days - first]
    mean = windows.mean(axis=2)
    sd = windows.std(axis=2, ddof=1)
    sigma = np.maximum(sd, min_sigma)
    statistic[:, first:] = (matrix[:, first:] - mean) / sigma
    # Under iid normal counts (Y − Ȳ)/(S·√(1+1/n)) is Student t with n−1 df.
    scale = math.sqrt(1.0 + 1.0 / EARS_BASELINE)
    p_value[:, first:] = stats.t.sf(statistic[:, first:] / scale, df=EARS_BASELINE - 1)
    return statistic, p_value


def ears(
    counts: ArrayLike,
    method: EarsMethod = "C2",
    *,
    threshold: float | None = None,
    min_sigma: float = 1.0,
) -> SeriesAlarms:
    """EARS C1, C2 or C3 on counts[series, day]; threshold defaults to 3 (C1, C2) or 2 (C3)."""
    matrix = _as_matrix(counts)
    if method == "C1":
        statistic, p_value = _ears_c(matrix, 0, min_sigma)
        limit = 3.0 if threshold is None else threshold
    elif method == "C2":
        statistic, p_value = _ears_c(matrix, 2, min_sigma)
        limit = 3.0 if threshold is None else threshold
    elif method == "C3":
        c2, _ = _ears_c(matrix, 2, min_sigma)
        excess = np.maximum(0.0, c2 - 1.0)  # NaN stays NaN: C3 needs three C2 values
        statistic = np.full_like(c2, np.nan)
        statistic[:, 2:] = excess[:, 2:] + excess[:, 1:-1] + excess[:, :-2]
        p_value = np.full_like(c2, np.nan)  # C3 has no published reference distribution
        limit = 2.0 if threshold is None else threshold
    else:
        raise ValueError(f"unknown EARS method {method!r}")
    with np.errstate(invalid="ignore"):
        alarm = np.nan_to_num(statistic, nan=-np.inf) > limit
    return SeriesAlarms(method=f"EARS {method}", statistic=statistic, p_value=p_value, alarm=alarm)


def essence_ewma(
    counts: ArrayLike,
    *,
    baseline_days: int = 28,
    guard_days: int = 2,
    weights: Sequence[float] = (0.4, 0.9),
    alert_p: float = 0.01,
) -> SeriesAlarms:
    """ESSENCE EWMA on counts[series, day]; vectorised over series, one pass over days."""
    matrix = _as_matrix(counts)
    n_series, n_days = matrix.shape
    df = baseline_days - 1
    ucl_alert = float(stats.t.ppf(1 - 0.01, df))
    ucl_warning = float(stats.t.ppf(1 - 0.05, df))
    first = baseline_days + guard_days
    best_p = np.full((n_series, n_days), np.nan)
    best_stat = np.full((n_series, n_days), np.nan)
    if n_days <= first:
        return SeriesAlarms("ESSENCE EWMA", best_stat, best_p, np.zeros((n_series, n_days), dtype=bool))
    windows = sliding_window_view(matrix, baseline_days, axis=1)[:, : n_days - first]
    mean = windows.mean(axis=2)  # [series, t − first]
    sd = windows.std(axis=2, ddof=1)
    b = baseline_days
    for w in weights:
        correction = math.sqrt(w / (2 - w) + 1 / b - 2 * (1 - w) ** (guard_days + 1) * (1 - (1 - w) ** b) / b)
        sigma_min = (w / ucl_warning) * (1 + 0.5 * (1 - w) ** 2)
        constant = (0.1289 - (0.2414 - 0.1826 * (1 - w) ** 4) * math.log(10 * 0.05)) * (w / ucl_warning)
        sigma = np.maximum(sigma_min, sd * correction + constant)
        smoothed = matrix[:, 0].copy()
        for t in range(1, n_days):
            smoothed = w * matrix[:, t] + (1 - w) * smoothed
            if t < first:
                continue
            i = t - first
            stat = (smoothed - mean[:, i]) / sigma[:, i]
            # Pull an out-of-control value back to the alert limit (as ESSENCE does).
            beyond = np.abs(stat) > ucl_alert
            smoothed = np.where(beyond, mean[:, i] + np.sign(stat) * ucl_alert * sigma[:, i], smoothed)
            p = stats.t.sf(stat, df)
            better = ~(best_p[:, t] <= p)  # NaN (first weight) or a smaller p replaces
            best_p[:, t] = np.where(better, p, best_p[:, t])
            best_stat[:, t] = np.where(better, stat, best_stat[:, t])
    alarm = np.nan_to_num(best_p, nan=1.0) < alert_p
    return SeriesAlarms(method="ESSENCE EWMA", statistic=best_stat, p_value=best_p, alarm=alarm)


def benjamini_hochberg(p_values: ArrayLike, q: float = 0.05) -> BoolArray:
    """Which hypotheses are rejected at false discovery rate q (Benjamini & Hochberg 1995).

    Along the last axis (each row is one family, e.g. all series of one day); NaN p-values are
    not tests: they are never rejected and do not count in m.
    """
    p = np.asarray(p_values, dtype=np.float64)
    flat = p.reshape(-1, p.shape[-1]) if p.ndim else p.reshape(1, 1)
    rejected = np.zeros(flat.shape, dtype=bool)
    for row in range(flat.shape[0]):
        values = flat[row]
        tested = np.flatnonzero(~np.isnan(values))
        m = tested.size
        if m == 0:
            continue
        order = tested[np.argsort(values[tested], kind="stable")]
        # Largest k with p_(k) ≤ k·q/m; reject the k smallest.
        ok = values[order] <= q * np.arange(1, m + 1) / m
        if ok.any():
            k = int(np.flatnonzero(ok).max()) + 1
            rejected[row, order[:k]] = True
    return rejected.reshape(p.shape)


def bh_adjusted(p_values: ArrayLike) -> FloatArray:
    """Benjamini–Hochberg adjusted p-values (q-values) of a 1-D array; NaN stays NaN."""
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    m = tested.size
    if m == 0:
        return out
    order = tested[np.argsort(p[tested], kind="stable")]
    scaled = p[order] * m / np.arange(1, m + 1)
    out[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return out
