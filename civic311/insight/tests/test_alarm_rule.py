"""The alarm rule on small hand-checked cases: the historical recurrence interval (today's
cluster against the city's own past days), the size limits, and episodes."""

from __future__ import annotations

import math

from civic311.insight.alarm_rule import AlarmRule, historical_recurrence_interval, new_episodes


def test_the_historical_interval_ranks_today_among_the_past_days() -> None:
    past = [5.0, 1.0, 3.0, 8.0]
    # 2 of 4 past days (5 and 8) reached 4.0: (4 + 1) / (1 + 2) days.
    assert historical_recurrence_interval(4.0, past) == 5 / 3
    assert historical_recurrence_interval(9.0, past) == 5.0  # a record: (n + 1) / 1
    assert historical_recurrence_interval(8.0, past) == 5 / 2  # a tie counts as reached
    assert historical_recurrence_interval(0.0, past) == 1.0  # no cluster today


def test_a_history_too_short_for_the_threshold_says_so() -> None:
    assert historical_recurrence_interval(9.0, [1.0] * 38, needed=40) is None  # 39 days at best
    assert historical_recurrence_interval(9.0, [1.0] * 39, needed=40) == 40.0


def test_weekly_blocks_count_a_long_past_episode_once() -> None:
    # The oldest day is dropped (no complete week); the blocks' maxima are 9 and 7.
    past = [1.0, 9.0, 2.0, 3.0, 4.0, 5.0, 7.0]
    assert historical_recurrence_interval(8.0, past, block_days=3) == 3 * 3 / 2
    # Day by day, the same 8.0 was reached once in 7 days.
    assert historical_recurrence_interval(8.0, past) == 8 / 2


def test_the_default_rule_needs_both_intervals() -> None:
    rule = AlarmRule()  # Monte Carlo RI ≥ 100 and historical RI ≥ 40
    assert rule.alarms(recurrence_days=1000, observed=5, expected=1.0, historical_recurrence_days=40.0)
    assert not rule.alarms(recurrence_days=1000, observed=5, expected=1.0, historical_recurrence_days=39.0)
    assert not rule.alarms(recurrence_days=99, observed=5, expected=1.0, historical_recurrence_days=366.0)
    assert not rule.alarms(recurrence_days=1000, observed=1, expected=0.1, historical_recurrence_days=366.0)
    # Against 365 past days, 40 days means at most 8 days reached today's statistic.
    past = [10.0] * 8 + [1.0] * 357
    assert rule.historical_interval(5.0, past) == 366 / 9
    assert rule.historical_interval(5.0, [*past, 10.0]) == 366 / 9  # only the last 365 days count
    assert rule.historical_interval(5.0, [*past, 10.0, 10.0]) == 366 / 9
    assert rule.historical_interval(5.0, [1.0, *past[::-1], 10.0]) == 366 / 10


def test_without_enough_history_only_a_large_cluster_alarms() -> None:
    rule = AlarmRule()
    assert rule.historical_interval(50.0, [1.0] * 20) is None
    assert rule.alarms(recurrence_days=1000, observed=12, expected=2.4, historical_recurrence_days=None)
    assert not rule.alarms(recurrence_days=1000, observed=11, expected=1.0, historical_recurrence_days=None)
    assert not rule.alarms(recurrence_days=1000, observed=12, expected=2.5, historical_recurrence_days=None)  # RR 4.8
    # With large_alarms a large cluster alarms even when the city has seen bigger ones.
    either = AlarmRule(large_alarms=True)
    assert either.alarms(recurrence_days=1000, observed=12, expected=2.0, historical_recurrence_days=2.0)
    assert not rule.alarms(recurrence_days=1000, observed=12, expected=2.0, historical_recurrence_days=2.0)


def test_size_limits_and_the_monte_carlo_only_rule() -> None:
    rule = AlarmRule(historical_recurrence_days=0, min_cases=8, min_relative_risk=3.0)  # the history off
    assert not rule.uses_history
    assert rule.alarms(recurrence_days=1000, observed=8, expected=2.0)
    assert not rule.alarms(recurrence_days=1000, observed=7, expected=1.0)  # too few requests
    assert not rule.alarms(recurrence_days=1000, observed=12, expected=5.0)  # RR 2.4
    assert not rule.alarms(recurrence_days=99, observed=30, expected=1.0)  # could be chance
    assert rule.alarms(recurrence_days=1000, observed=8, expected=2.0, historical_recurrence_days=math.nan)


def test_per_series_alarms_need_a_large_count() -> None:
    rule = AlarmRule()
    assert rule.series_alarms(observed=12, expected=2.0)
    assert not rule.series_alarms(observed=11, expected=0.5)
    assert not rule.series_alarms(observed=20, expected=5.0)  # RR 4


def test_a_cluster_flagged_again_within_a_week_is_the_same_episode() -> None:
    assert new_episodes([{1}, {1, 2}, set(), {3}, set(), set(), set(), set(), set(), set(), set(), {1}], 7) == [
        True, False, False, True, False, False, False, False, False, False, False, True]
