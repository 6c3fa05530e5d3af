"""Report periods are calendar arithmetic: the same answer whatever day the tests run on.

Every case names its dates; nothing here reads today's date.
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from wagtail_tickets.admin.reports import views as reports
from wagtail_tickets.admin.reports.queries import (
    Period,
    bucket_start,
    last_days,
    last_months,
    months_before,
    next_bucket,
)


def every_day(year: int):
    day = datetime.date(year, 1, 1)
    while day.year == year:
        yield day
        day += datetime.timedelta(days=1)


# a leap year, a common year and the turn of a century that is not a leap year
YEARS = (2024, 2026, 2100)


@pytest.mark.parametrize("year", YEARS)
def test_twelve_months_end_with_this_month_on_every_day_of_the_year(year):
    for today in every_day(year):
        period = reports.PeriodForm({"period": "12m"}).get_period(today)
        buckets = period.buckets()
        assert len(buckets) == 12, today
        assert buckets[-1] == today.replace(day=1), today
        assert period.first == buckets[0] and period.first.day == 1, today
        assert period.last == today
        # eleven months before this one, counted on the calendar
        back = (today.month - 1 - 11) % 12 + 1
        assert period.first.month == back, today
        assert period.first.year == today.year - (1 if today.month < 12 else 0), today


@pytest.mark.parametrize("year", YEARS)
def test_thirty_days_are_thirty_days_on_every_day_of_the_year(year):
    for today in every_day(year):
        period = reports.PeriodForm({"period": "30d"}).get_period(today)
        assert period.last == today
        assert (period.last - period.first).days == 29, today
        assert len(period.buckets()) == 30, today


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 12, 5), 11, datetime.date(2026, 1, 1)),
        (datetime.date(2026, 1, 31), 11, datetime.date(2025, 2, 1)),
        (datetime.date(2024, 2, 29), 12, datetime.date(2023, 2, 1)),
        (datetime.date(2024, 3, 31), 1, datetime.date(2024, 2, 1)),
        (datetime.date(2025, 12, 31), -1, datetime.date(2026, 1, 1)),
        (datetime.date(2024, 1, 1), 0, datetime.date(2024, 1, 1)),
        (datetime.date(2024, 5, 15), 120, datetime.date(2014, 5, 1)),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


def test_last_months_and_days_on_leap_days():
    assert last_months(datetime.date(2024, 2, 29)) == (
        datetime.date(2023, 3, 1),
        datetime.date(2024, 2, 29),
    )
    assert last_days(datetime.date(2024, 3, 1)) == (
        datetime.date(2024, 2, 1),
        datetime.date(2024, 3, 1),
    )
    assert last_days(datetime.date(2023, 3, 1)) == (
        datetime.date(2023, 1, 31),
        datetime.date(2023, 3, 1),
    )


@pytest.mark.parametrize("year", YEARS)
def test_month_buckets_follow_the_calendar(year):
    day = datetime.date(year, 1, 1)
    for month in range(1, 13):
        assert day == datetime.date(year, month, 1)
        day = next_bucket(day, "month")
    assert day == datetime.date(year + 1, 1, 1)


@pytest.mark.parametrize("year", YEARS)
def test_week_buckets_start_on_monday_across_the_turn_of_the_year(year):
    period = Period(datetime.date(year - 1, 12, 20), datetime.date(year, 1, 12), "week")
    buckets = period.buckets()
    assert all(bucket.weekday() == 0 for bucket in buckets)
    assert buckets[0] <= period.first < buckets[0] + datetime.timedelta(days=7)
    assert buckets[-1] <= period.last < buckets[-1] + datetime.timedelta(days=7)
    steps = {b - a for a, b in zip(buckets, buckets[1:], strict=False)}
    assert steps == {datetime.timedelta(days=7)}
    for day in every_day(year):
        assert bucket_start(day, "week").weekday() == 0
        assert 0 <= (day - bucket_start(day, "week")).days < 7


def elapsed(period: Period) -> datetime.timedelta:
    """Real time between the bounds (Python subtracts datetimes of one zone on the wall clock)."""
    utc = datetime.UTC
    return period.end.astimezone(utc) - period.start.astimezone(utc)


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/Berlin", datetime.date(2026, 3, 29), 23),  # clocks go forward
        ("Europe/Berlin", datetime.date(2026, 10, 25), 25),  # and back
        ("America/New_York", datetime.date(2026, 3, 8), 23),
        ("America/New_York", datetime.date(2026, 11, 1), 25),
        ("Australia/Lord_Howe", datetime.date(2026, 4, 5), 24.5),  # half an hour back
        ("UTC", datetime.date(2026, 3, 29), 24),
    ],
)
def test_a_day_is_from_local_midnight_to_local_midnight_across_dst(zone, day, hours):
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        period = Period(day, day, "day")
        assert timezone.localtime(period.start).time() == datetime.time.min
        assert timezone.localtime(period.end).date() == day + datetime.timedelta(days=1)
        assert elapsed(period).total_seconds() == hours * 3600


def test_the_period_of_a_month_with_a_dst_change_covers_every_hour():
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        period = Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), "month")
        assert elapsed(period) == datetime.timedelta(days=31, hours=-1)
        late = timezone.make_aware(datetime.datetime(2026, 3, 31, 23, 59))
        early = timezone.make_aware(datetime.datetime(2026, 3, 1, 0, 0))
        assert period.start <= early < period.end and period.start <= late < period.end
