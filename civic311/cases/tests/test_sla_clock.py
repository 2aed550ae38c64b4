"""The SLA clock against hand-computed dates: business hours across nights, weekends,
holidays and daylight-saving changes; calendar hours keeping the time of day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from civic311.cases.services import submit_request
from civic311.cases.sla import (
    WorkCalendar,
    add_business_hours,
    add_calendar_hours,
    business_time_between,
    expected_at,
    warn_at,
)
from civic311.catalog.models import BusinessCalendar, Holiday, ServiceType, WorkingHours, ensure_default_calendar
from civic311.places.profiles import load_profile
from civic311.places.services import ensure_jurisdiction

from .factories import service_type

BOSTON = ZoneInfo("America/New_York")
WEEKDAYS = {day: [(time(8, 30), time(17))] for day in range(5)}
WEEK = WorkCalendar(zone=BOSTON, week=WEEKDAYS)
MLK = WorkCalendar(zone=BOSTON, week=WEEKDAYS, holidays=frozenset({date(2026, 1, 19), date(2015, 1, 19)}))


def boston(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BOSTON)


@pytest.mark.parametrize(("start", "hours", "expected"), [
    # Tuesday 3 March 2026 (EST, UTC−5): inside one working day.
    (boston(2026, 3, 3, 10), 4, boston(2026, 3, 3, 14)),
    # Across a night: 2 h on Tuesday, 2 h from Wednesday 08:30.
    (boston(2026, 3, 3, 15), 4, boston(2026, 3, 4, 10, 30)),
    # Filed in the evening: the clock starts at the next opening.
    (boston(2026, 3, 3, 20), 1, boston(2026, 3, 4, 9, 30)),
    # Filed before opening.
    (boston(2026, 3, 4, 6, 15), 0.5, boston(2026, 3, 4, 9)),
    # Across a weekend that has the spring-forward Sunday (8 March): Monday is EDT.
    (boston(2026, 3, 6, 16), 3, boston(2026, 3, 9, 10, 30)),
    # Filed on Saturday, one working day: due at Monday's close is due at Tuesday's opening.
    (boston(2026, 3, 7, 11), 8.5, boston(2026, 3, 10, 8, 30)),
    # A deadline exactly at a closing time is the next opening.
    (boston(2026, 3, 3, 13), 4, boston(2026, 3, 4, 8, 30)),
    # Across the fall-back weekend (1 November): Friday EDT, Monday EST.
    (boston(2026, 10, 30, 16), 3, boston(2026, 11, 2, 10, 30)),
    # Zero hours: the next opening.
    (boston(2026, 3, 7, 11), 0, boston(2026, 3, 9, 8, 30)),
])
def test_business_hours_count_only_working_time(start: datetime, hours: float, expected: datetime) -> None:
    assert add_business_hours(start, hours, WEEK) == expected


def test_business_hours_skip_holidays() -> None:
    # Friday 16 January 2026, 14:00: 3 h on Friday, Monday 19 is Martin Luther King Day,
    # the last 5.5 h on Tuesday.
    assert add_business_hours(boston(2026, 1, 16, 14), 8.5, MLK) == boston(2026, 1, 20, 14)
    assert add_business_hours(boston(2026, 1, 16, 14), 8.5, WEEK) == boston(2026, 1, 19, 14)


def test_a_real_boston_target_is_reproduced() -> None:
    # Boston 2015, Street Light Outages (10 working days): opened Tue 13 Jan 03:40:58,
    # target Wed 28 Jan 08:30 (the clock starts Tuesday 08:30; MLK Day is skipped).
    assert add_business_hours(boston(2015, 1, 13, 3, 40, 58), 85, MLK) == boston(2015, 1, 28, 8, 30)


def test_a_day_with_two_working_periods() -> None:
    split = WorkCalendar(zone=BOSTON, week={0: [(time(13), time(17)), (time(8), time(12))]})
    monday = boston(2026, 3, 2, 11)
    assert add_business_hours(monday, 2, split) == boston(2026, 3, 2, 14)
    assert add_business_hours(monday, 1, split) == boston(2026, 3, 2, 13)  # at the lunch break: after it
    assert add_business_hours(monday, 6, split) == boston(2026, 3, 9, 9)  # next Monday


def test_a_round_the_clock_calendar_counts_elapsed_hours_across_dst() -> None:
    always = WorkCalendar(zone=BOSTON, week={day: [(time(0), time(0))] for day in range(7)})
    # Saturday 7 March 12:00 EST + 24 elapsed hours: Sunday has 23 hours, so 13:00 EDT.
    assert add_business_hours(boston(2026, 3, 7, 12), 24, always) == boston(2026, 3, 8, 13)
    assert add_business_hours(boston(2026, 3, 7, 12), 30, always) == boston(2026, 3, 8, 19)


def test_business_time_between_is_the_inverse() -> None:
    start, end = boston(2026, 3, 6, 16), boston(2026, 3, 9, 10, 30)
    assert business_time_between(start, end, WEEK) == timedelta(hours=3)
    assert business_time_between(end, start, WEEK) == timedelta(hours=-3)
    assert business_time_between(boston(2026, 3, 7, 9), boston(2026, 3, 8, 20), WEEK) == timedelta(0)


def test_a_calendar_without_working_time_is_an_error_not_a_hang() -> None:
    with pytest.raises(ValueError, match="no working time"):
        add_business_hours(boston(2026, 3, 3, 10), 1, WorkCalendar(zone=BOSTON, week={}))


@pytest.mark.parametrize(("start", "hours", "expected"), [
    # Whole days keep the local time of day across the spring-forward change (47 elapsed hours).
    (boston(2026, 3, 7, 12), 48, boston(2026, 3, 9, 12)),
    # A day and 6 elapsed hours.
    (boston(2026, 3, 7, 12), 30, boston(2026, 3, 8, 18)),
    # Under a day: elapsed hours (00:30 EST + 5 h = 06:30 EDT).
    (boston(2026, 3, 8, 0, 30), 5, boston(2026, 3, 8, 6, 30)),
    # 30 days across the fall-back change (721 elapsed hours), as Boston's 720-hour targets.
    (boston(2026, 10, 20, 9, 15), 720, boston(2026, 11, 19, 9, 15)),
])
def test_calendar_hours(start: datetime, hours: float, expected: datetime) -> None:
    assert add_calendar_hours(start, hours, BOSTON) == expected


def test_calendar_days_landing_in_the_skipped_hour_move_forward() -> None:
    # 02:30 on 8 March 2026 does not exist in Boston: 03:30 EDT.
    assert add_calendar_hours(boston(2026, 3, 7, 2, 30), 24, BOSTON) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


@pytest.fixture
def boston_city(db: None) -> BusinessCalendar:
    ensure_jurisdiction(load_profile("boston"))
    ensure_default_calendar(BusinessCalendar, WorkingHours)
    return BusinessCalendar.objects.get(is_default=True)


def test_expected_dates_use_the_calendar_and_holidays_of_the_admin(boston_city: BusinessCalendar) -> None:
    kind = service_type(sla_hours="8.5", sla_kind=ServiceType.SlaKind.BUSINESS)
    friday = boston(2026, 1, 16, 14)
    assert expected_at(kind, friday) == boston(2026, 1, 19, 14)
    Holiday.objects.create(calendar=boston_city, date=date(2026, 1, 19), name="Martin Luther King Jr. Day")
    assert expected_at(kind, friday) == boston(2026, 1, 20, 14)


def test_a_service_type_can_count_in_its_own_calendar(boston_city: BusinessCalendar) -> None:
    water = BusinessCalendar.objects.create(name="Water crews", time_zone="America/Chicago")
    WorkingHours.objects.create(calendar=water, weekday=5, opens=time(8), closes=time(12))
    kind = service_type(sla_hours="2", sla_kind=ServiceType.SlaKind.BUSINESS, sla_calendar=water)
    assert expected_at(kind, boston(2026, 3, 2, 10)) == datetime(2026, 3, 7, 10, tzinfo=ZoneInfo("America/Chicago"))


def test_calendar_targets_count_in_the_city_zone(boston_city: BusinessCalendar) -> None:
    kind = service_type(sla_hours="48")
    assert expected_at(kind, boston(2026, 3, 7, 12)) == boston(2026, 3, 9, 12)
    kind.sla_hours = None
    assert expected_at(kind, boston(2026, 3, 7, 12)) is None


def test_the_at_risk_moment_is_a_share_of_the_allowed_time(boston_city: BusinessCalendar) -> None:
    business = service_type("sidewalk", sla_hours="8.5", sla_kind=ServiceType.SlaKind.BUSINESS)
    friday = boston(2026, 3, 6, 16)
    due = expected_at(business, friday)
    assert due == boston(2026, 3, 9, 16)
    # 75 % of 8.5 working hours is 6 h 22 min 30 s: 1 h on Friday, the rest on Monday.
    assert warn_at(business, friday, due) == boston(2026, 3, 9, 13, 52, 30)
    business.sla_warning_percent = 50
    assert warn_at(business, friday, due) == boston(2026, 3, 9, 11, 45)
    calendar = service_type("litter", sla_hours="40")
    start = datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert warn_at(calendar, start, start + timedelta(hours=40)) == start + timedelta(hours=30)


def test_intake_sets_the_expected_date_and_the_at_risk_moment(boston_city: BusinessCalendar) -> None:
    kind = service_type(sla_hours=str(Decimal("8.5")), sla_kind=ServiceType.SlaKind.BUSINESS)
    request = submit_request(service_type=kind, channel=None, address="1 City Hall Sq",
                             requested_at=boston(2026, 3, 6, 16))
    assert request.expected_at == boston(2026, 3, 9, 16)
    assert request.sla_warn_at == boston(2026, 3, 9, 13, 52, 30)
    assert request.sla_state == "on_track"
