"""When a scan's most likely cluster becomes an alert: the alarm rule of the daily run.

Measured on Boston's real history (bench/EARLY_WARNING.md), a Monte Carlo recurrence interval
of ≥ 100 days alone alarms on 66–248 days a year per type: a city's requests hold genuine
space-time clusters all year, which the permutation null (nothing unusual at all) rejects
easily. The rule therefore also asks whether today's cluster is unusual *for this city*: its
log-likelihood ratio must be one reached on few of the past `history_days` analysis days (the
*historical recurrence interval*: the same scan of each past day's data, observed statistic
only, in place of Monte Carlo replicates). In full:

- Monte Carlo recurrence interval 1/p ≥ `recurrence_days` (the method's own threshold);
- historical recurrence interval ≥ `historical_recurrence_days` (40 by default: at most 8 of
  the last 365 days reached today's statistic; 0 switches it off);
- while the history is too short to reach that threshold, a cluster alarms only when large:
  at least `large_min_cases` requests and `large_min_relative_risk` × the expected count
  (with `large_alarms`, a cluster that large alarms whatever the history says);
- at least `min_cases` requests and `min_relative_risk` × the expected count (off by default);
- a neighborhood flagged by a per-series detector (EWMA) alerts only with at least
  `series_min_cases` requests today and `series_min_relative_risk` × its baseline;
- a new alert only when no alert of the same type touched any of its areas in the previous
  `episode_gap_days` days; otherwise the existing alert gets the new evidence.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Log-likelihood ratios equal up to rounding count as ties (as in the Monte Carlo comparison).
LLR_TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class AlarmRule:
    recurrence_days: float = 100.0
    historical_recurrence_days: float = 40.0
    history_days: int = 365
    history_block_days: int = 1
    min_cases: int = 2
    min_relative_risk: float = 0.0
    large_min_cases: int = 12
    large_min_relative_risk: float = 5.0
    large_alarms: bool = False
    series_min_cases: int = 12
    series_min_relative_risk: float = 5.0
    episode_gap_days: int = 7

    @property
    def uses_history(self) -> bool:
        return self.historical_recurrence_days > 0

    def alarms(self, *, recurrence_days: float, observed: int, expected: float,
               historical_recurrence_days: float | None = math.inf) -> bool:
        """Whether a most likely cluster with these figures is an alarm under the rule.

        `historical_recurrence_days` is None when the history is too short to tell (see
        `historical_recurrence_interval`): the cluster must then be large."""
        if recurrence_days < self.recurrence_days or observed < self.min_cases:
            return False
        if not _risk_at_least(observed, expected, self.min_relative_risk):
            return False
        if not self.uses_history:
            return True
        large = observed >= self.large_min_cases and _risk_at_least(observed, expected, self.large_min_relative_risk)
        if historical_recurrence_days is None:
            return large
        return historical_recurrence_days >= self.historical_recurrence_days or (self.large_alarms and large)

    def series_alarms(self, *, observed: int, expected: float) -> bool:
        """Whether a neighborhood a per-series detector flagged today is large enough to alert."""
        return observed >= self.series_min_cases and _risk_at_least(observed, expected, self.series_min_relative_risk)

    def historical_interval(self, llr: float, past_llrs: Sequence[float]) -> float | None:
        """The historical recurrence interval of `llr` against the last `history_days` past
        analyses (oldest first), or None when they are too few to reach the threshold."""
        return historical_recurrence_interval(llr, past_llrs[-self.history_days:] if self.history_days else [],
                                              needed=self.historical_recurrence_days,
                                              block_days=self.history_block_days)


def _risk_at_least(observed: int, expected: float, min_relative_risk: float) -> bool:
    return min_relative_risk <= 0 or expected <= 0 or observed / expected >= min_relative_risk


def historical_recurrence_interval(llr: float, past_llrs: Sequence[float], *, needed: float = 0.0,
                                   block_days: int = 1) -> float | None:
    """b·(n + 1) / (1 + k) days, where k of the n past blocks of `block_days` = b analysis days
    (the most recent complete ones; b = 1: single days) reached at least `llr` on some day: the
    rank form of a recurrence interval, with past days in place of Monte Carlo replicates.
    Blocks of a week count one long past episode once instead of once per day.

    No cluster today (llr ≤ 0) gives 1 day. None when even a record (k = 0) could not reach
    `needed` days (too short a history)."""
    b = max(1, block_days)
    usable = len(past_llrs) - len(past_llrs) % b
    recent = list(past_llrs[len(past_llrs) - usable:])
    blocks = [max(recent[i : i + b]) for i in range(0, usable, b)]
    n = len(blocks)
    if b * (n + 1) < needed - 1e-9:
        return None
    if llr <= 0:
        return 1.0
    reached = sum(1 for past in blocks if past >= llr * (1 - LLR_TIE_TOLERANCE))
    return b * (n + 1) / (1 + reached)


def new_episodes(flagged: Sequence[Iterable[int]], gap_days: int) -> list[bool]:
    """For each day's flagged areas (empty: no alarm), whether it starts a new episode: no
    alarm in the previous `gap_days` days shared an area with it."""
    sets = [set(day) for day in flagged]
    return [bool(areas) and not any(areas & sets[u] for u in range(max(0, t - gap_days), t))
            for t, areas in enumerate(sets)]
