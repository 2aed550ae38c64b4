"""When a scan's most likely cluster becomes an alert: the alarm rule of the daily run.

Measured on Boston's real 2015 history (bench/EARLY_WARNING.md), a recurrence interval of
≥ 100 days alone alarms on 66–248 days a year per type: real one-day bursts of a few
requests are genuine space-time clusters, but too small for a department to act on. The
rule therefore also asks for a cluster big enough to matter, and counts a cluster that is
flagged again on the following mornings as the same alert (an episode), not a new one:

- recurrence interval 1/p ≥ `recurrence_days` (the method's own threshold);
- at least `min_cases` requests in the cluster;
- at least `min_relative_risk` times the expected count (observed / expected);
- a new alert only when no alert of the same type touched any of its areas in the previous
  `episode_gap_days` days; otherwise the existing alert gets the new evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class AlarmRule:
    recurrence_days: float = 100.0
    min_cases: int = 12
    min_relative_risk: float = 5.0
    episode_gap_days: int = 7

    def alarms(self, *, recurrence_days: float, observed: int, expected: float) -> bool:
        """Whether a most likely cluster with these figures is an alarm under the rule."""
        if recurrence_days < self.recurrence_days or observed < self.min_cases:
            return False
        return expected <= 0 or observed / expected >= self.min_relative_risk


def new_episodes(flagged: Sequence[Iterable[int]], gap_days: int) -> list[bool]:
    """For each day's flagged areas (empty: no alarm), whether it starts a new episode: no
    alarm in the previous `gap_days` days shared an area with it."""
    sets = [set(day) for day in flagged]
    return [bool(areas) and not any(areas & sets[u] for u in range(max(0, t - gap_days), t))
            for t, areas in enumerate(sets)]
