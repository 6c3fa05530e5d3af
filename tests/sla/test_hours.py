"""Business-hours arithmetic: weekly ranges, holidays, daylight saving, bounded loops."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wagtail_tickets.sla.hours import (
    ALWAYS_OPEN,
    MIDNIGHT,
    CalendarError,
    CalendarSpec,
    add_business_seconds,
    business_seconds_between,
    is_open,
    validate,
)

BERLIN = ZoneInfo("Europe/Berlin")
NINE_TO_FIVE = ((time(9), time(17)),)
HOUR = 3600


def office(zone="Europe/Berlin", **kwargs) -> CalendarSpec:
    """Monday to Friday, 9 to 17."""
    return CalendarSpec(zone, (NINE_TO_FIVE,) * 5 + ((), ()), **kwargs)


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_always_open_is_plain_elapsed_time():
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert add_business_seconds(ALWAYS_OPEN, start, 90) == start + timedelta(seconds=90)
    assert business_seconds_between(ALWAYS_OPEN, start, start + timedelta(days=9)) == 9 * 86400


def test_zero_seconds_return_the_start_even_when_closed():
    saturday = berlin(2026, 3, 7, 12)
    assert add_business_seconds(office(), saturday, 0) == saturday


def test_negative_seconds_are_refused():
    with pytest.raises(ValueError):
        add_business_seconds(office(), berlin(2026, 3, 2, 9), -1)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_business_seconds(office(), datetime(2026, 3, 2, 9), 60)


def test_within_one_day():
    assert add_business_seconds(office(), berlin(2026, 3, 2, 10), 2 * HOUR) == berlin(
        2026, 3, 2, 12
    )


def test_before_opening_starts_at_opening():
    assert add_business_seconds(office(), berlin(2026, 3, 2, 6), HOUR) == berlin(2026, 3, 2, 10)


def test_overflow_to_the_next_day_and_over_the_weekend():
    # Friday 16:00 + 2 hours: one hour on Friday, one on Monday
    assert add_business_seconds(office(), berlin(2026, 3, 6, 16), 2 * HOUR) == berlin(
        2026, 3, 9, 10
    )


def test_exactly_at_closing_stays_at_closing():
    assert add_business_seconds(office(), berlin(2026, 3, 2, 9), 8 * HOUR) == berlin(2026, 3, 2, 17)


def test_target_longer_than_a_week():
    # 10 working days of 8 hours from Monday 9:00 end on Friday of the next week at 17:00
    assert add_business_seconds(office(), berlin(2026, 3, 2, 9), 80 * HOUR) == berlin(
        2026, 3, 13, 17
    )
    assert business_seconds_between(office(), berlin(2026, 3, 2, 9), berlin(2026, 3, 13, 17)) == (
        80 * HOUR
    )


def test_several_ranges_a_day():
    split = CalendarSpec("UTC", (((time(8), time(12)), (time(13), time(17))),) * 7)
    start = datetime(2026, 3, 2, 11, tzinfo=UTC)
    assert add_business_seconds(split, start, 2 * HOUR) == datetime(2026, 3, 2, 14, tzinfo=UTC)
    assert business_seconds_between(split, start, datetime(2026, 3, 2, 14, tzinfo=UTC)) == 2 * HOUR


def test_overlapping_ranges_count_once():
    overlapping = CalendarSpec("UTC", (((time(8), time(12)), (time(10), time(14))),) * 7)
    day = datetime(2026, 3, 2, tzinfo=UTC)
    assert business_seconds_between(overlapping, day, day + timedelta(days=1)) == 6 * HOUR


def test_range_across_midnight_belongs_to_the_next_date_after_midnight():
    # Friday night shift 22:00 to 02:00: two hours Friday, two hours early Saturday
    night = CalendarSpec("UTC", ((),) * 4 + (((time(22), time(2)),), (), ()))
    friday = datetime(2026, 3, 6, 20, tzinfo=UTC)
    assert add_business_seconds(night, friday, 3 * HOUR) == datetime(2026, 3, 7, 1, tzinfo=UTC)
    assert business_seconds_between(night, friday, friday + timedelta(days=2)) == 4 * HOUR
    assert is_open(night, datetime(2026, 3, 7, 1, 30, tzinfo=UTC))
    assert not is_open(night, datetime(2026, 3, 7, 2, tzinfo=UTC))


def test_range_across_midnight_is_closed_after_midnight_on_a_holiday():
    night = CalendarSpec(
        "UTC", ((),) * 4 + (((time(22), time(2)),), (), ()), holidays=frozenset({date(2026, 3, 7)})
    )
    friday = datetime(2026, 3, 6, 20, tzinfo=UTC)
    assert business_seconds_between(night, friday, friday + timedelta(days=2)) == 2 * HOUR


def test_end_at_midnight_means_until_midnight():
    evening = CalendarSpec("UTC", (((time(20), MIDNIGHT),),) * 7)
    day = datetime(2026, 3, 2, tzinfo=UTC)
    assert business_seconds_between(evening, day, day + timedelta(days=1)) == 4 * HOUR


def test_single_holiday_is_skipped():
    spec = office(holidays=frozenset({date(2026, 3, 3)}))
    # Monday 16:00 + 2h: Monday 1h, Tuesday closed, Wednesday 10:00
    assert add_business_seconds(spec, berlin(2026, 3, 2, 16), 2 * HOUR) == berlin(2026, 3, 4, 10)


def test_holiday_on_a_weekend_changes_nothing():
    spec = office(holidays=frozenset({date(2026, 3, 7)}))
    assert add_business_seconds(spec, berlin(2026, 3, 6, 16), 2 * HOUR) == berlin(2026, 3, 9, 10)


def test_yearly_holiday_every_year():
    spec = office(yearly_holidays=frozenset({(12, 25)}))
    for year in (2026, 2030):
        christmas = datetime(year, 12, 25, 10, tzinfo=BERLIN)
        if christmas.weekday() < 5:
            assert not is_open(spec, christmas)
            assert is_open(office(), christmas)


def test_yearly_29_february_closes_leap_years_only():
    spec = CalendarSpec("UTC", (((MIDNIGHT, MIDNIGHT),),) * 7, yearly_holidays=frozenset({(2, 29)}))
    assert not is_open(spec, datetime(2028, 2, 29, 12, tzinfo=UTC))
    assert is_open(spec, datetime(2027, 2, 28, 12, tzinfo=UTC))
    assert is_open(spec, datetime(2027, 3, 1, 12, tzinfo=UTC))
    start = datetime(2028, 2, 28, 23, tzinfo=UTC)
    assert add_business_seconds(spec, start, 2 * HOUR) == datetime(2028, 3, 1, 1, tzinfo=UTC)


def test_pause_across_a_holiday_counts_no_time_on_it():
    spec = office(holidays=frozenset({date(2026, 12, 24)}))
    assert business_seconds_between(spec, berlin(2026, 12, 23, 17), berlin(2026, 12, 25, 9)) == 0


def test_daylight_saving_spring_forward_day_is_an_hour_shorter():
    all_day = CalendarSpec("Europe/Berlin", (((MIDNIGHT, MIDNIGHT),),) * 7)
    day = berlin(2026, 3, 29)
    assert business_seconds_between(all_day, day, berlin(2026, 3, 30)) == 23 * HOUR
    # 01:00 + 2 business hours = 04:00 local (02:00-03:00 does not exist)
    assert add_business_seconds(all_day, berlin(2026, 3, 29, 1), 2 * HOUR) == berlin(2026, 3, 29, 4)


def test_daylight_saving_fall_back_day_is_an_hour_longer():
    all_day = CalendarSpec("Europe/Berlin", (((MIDNIGHT, MIDNIGHT),),) * 7)
    assert business_seconds_between(all_day, berlin(2026, 10, 25), berlin(2026, 10, 26)) == (
        25 * HOUR
    )


def test_office_hours_keep_their_local_time_across_daylight_saving():
    # Friday before the spring change: 16:00 + 2h ends Monday 10:00 local (08:00 UTC, not 09:00)
    due = add_business_seconds(office(), berlin(2026, 3, 27, 16), 2 * HOUR)
    assert due == berlin(2026, 3, 30, 10)
    assert due.astimezone(UTC).hour == 8
    due = add_business_seconds(office(), berlin(2026, 10, 23, 16), 2 * HOUR)
    assert due == berlin(2026, 10, 26, 10)
    assert due.astimezone(UTC).hour == 9


def test_range_inside_the_repeated_hour_lasts_two_hours():
    night = CalendarSpec("Europe/Berlin", (((time(2), time(3)),),) * 7)
    day = berlin(2026, 10, 25)
    assert business_seconds_between(night, day, berlin(2026, 10, 26)) == 2 * HOUR


def test_new_york_time_zone():
    spec = office("America/New_York")
    start = datetime(2026, 3, 6, 16, tzinfo=ZoneInfo("America/New_York"))
    due = add_business_seconds(spec, start, 2 * HOUR)
    assert due == datetime(2026, 3, 9, 10, tzinfo=ZoneInfo("America/New_York"))
    assert due.astimezone(UTC).hour == 14  # EDT began on 8 March


def test_a_calendar_closed_forever_raises_instead_of_looping():
    every_day = frozenset((m, d) for m in range(1, 13) for d in range(1, 32) if _valid(m, d))
    spec = CalendarSpec("UTC", (((MIDNIGHT, MIDNIGHT),),) * 7, yearly_holidays=every_day)
    started = clock.monotonic()
    with pytest.raises(CalendarError):
        add_business_seconds(spec, datetime(2026, 1, 1, tzinfo=UTC), 60)
    assert clock.monotonic() - started < 2


def _valid(month: int, day: int) -> bool:
    try:
        date(2000, month, day)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    "spec",
    [
        CalendarSpec("Not/AZone", (NINE_TO_FIVE,) * 7),
        CalendarSpec("UTC", ((),) * 7),
        CalendarSpec("UTC", (((time(9), time(9)),),) * 7),
        CalendarSpec("UTC", (NINE_TO_FIVE,) * 6),
        CalendarSpec("UTC", (NINE_TO_FIVE,) * 7, yearly_holidays=frozenset({(2, 30)})),
        CalendarSpec("../../etc/passwd", (NINE_TO_FIVE,) * 7),
    ],
)
def test_validate_refuses_broken_calendars(spec):
    with pytest.raises(ValueError):
        validate(spec)


def test_validate_accepts_a_good_calendar():
    validate(office(yearly_holidays=frozenset({(2, 29)})))


def test_a_year_of_business_time_is_fast():
    spec = office(yearly_holidays=frozenset({(1, 1), (12, 25)}))
    start = berlin(2026, 1, 5, 9)
    began = clock.perf_counter()
    for offset in range(200):
        add_business_seconds(spec, start + timedelta(hours=offset), 2000 * HOUR)
    assert clock.perf_counter() - began < 2


# property-based: the two functions agree, and time only moves forward

ZONES = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"])
TIMES = st.times().map(lambda t: t.replace(second=0, microsecond=0))
RANGES = st.lists(st.tuples(TIMES, TIMES).filter(lambda r: r[0] != r[1] or r[1] == MIDNIGHT))
WEEKS = st.lists(RANGES.map(tuple), min_size=7, max_size=7).filter(any).map(tuple)
MOMENTS = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)
HOLIDAYS = st.frozensets(st.dates(date(2020, 1, 1), date(2036, 1, 1)), max_size=20)


@settings(max_examples=150, deadline=None)
@given(
    zone=ZONES,
    week=WEEKS,
    holidays=HOLIDAYS,
    start=MOMENTS,
    seconds=st.integers(0, 400 * HOUR),
)
def test_adding_then_measuring_gives_the_seconds_back(zone, week, holidays, start, seconds):
    spec = CalendarSpec(zone, week, holidays=holidays)
    due = add_business_seconds(spec, start, seconds)
    assert due >= start
    assert abs(business_seconds_between(spec, start, due) - seconds) <= 1


@settings(max_examples=100, deadline=None)
@given(
    zone=ZONES,
    week=WEEKS,
    start=MOMENTS,
    first=st.integers(0, 50 * HOUR),
    second=st.integers(0, 50 * HOUR),
)
def test_adding_in_two_steps_is_adding_once(zone, week, start, first, second):
    spec = CalendarSpec(zone, week)
    once = add_business_seconds(spec, start, first + second)
    twice = add_business_seconds(spec, add_business_seconds(spec, start, first), second)
    assert (
        abs((once - twice).total_seconds()) <= 1
        or business_seconds_between(spec, min(once, twice), max(once, twice)) <= 1
    )
