"""Business-hours arithmetic on a plain calendar description, with no database.

A calendar is open during weekly ranges of local time in its time zone, except on its
holidays. "Business seconds" are real elapsed seconds while it is open: a working day on
which the clocks change lasts one hour more or less, as it does for the people working it.

Rules:

- A range ``(start, end)`` belongs to a weekday. ``end == 00:00`` means until midnight;
  ``end <= start`` otherwise crosses midnight, and the hours after midnight belong to the
  next date (closed when that date is a holiday). Overlapping ranges count once.
- A holiday closes a whole local date: single dates, and yearly ones given as
  ``(month, day)`` (a yearly 29 February closes that date in leap years only).
- Local times that do not exist (clocks jumping forward) or exist twice (clocks going
  back) are read as the first offset (``fold=0``); the result is always measured in UTC.

Every loop is bounded: a calendar that stays closed for ``MAX_CLOSED_DAYS`` days in a row
raises ``CalendarError`` instead of searching forever.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MIDNIGHT = time(0, 0)
ONE_DAY = timedelta(days=1)
# the longest closed stretch searched through before a calendar counts as never open
MAX_CLOSED_DAYS = 800

Range = tuple[time, time]


class CalendarError(ValueError):
    """A calendar that cannot be used: unknown time zone, a broken range, never open."""


@dataclass(frozen=True)
class CalendarSpec:
    """What a calendar is, as hashable values (``Calendar.spec()`` builds it from rows)."""

    time_zone: str = "UTC"
    # seven tuples of ranges, Monday first
    week: tuple[tuple[Range, ...], ...] = ((),) * 7
    holidays: frozenset[date] = frozenset()
    yearly_holidays: frozenset[tuple[int, int]] = frozenset()
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "_hash",
            hash((self.time_zone, self.week, self.holidays, self.yearly_holidays)),
        )

    def __hash__(self) -> int:
        return self._hash

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.time_zone)

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays or (day.month, day.day) in self.yearly_holidays


FULL_DAY: Range = (MIDNIGHT, MIDNIGHT)
ALWAYS_OPEN = CalendarSpec("UTC", ((FULL_DAY,),) * 7)


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarError(f"unknown time zone {name!r}") from exc


def validate(spec: CalendarSpec) -> None:
    """Raise ``CalendarError`` for a calendar that cannot be computed with."""
    _zone(spec.time_zone)
    if len(spec.week) != 7:
        raise CalendarError("a week has seven days")
    for ranges in spec.week:
        for start, end in ranges:
            if start == end and end != MIDNIGHT:
                raise CalendarError(f"the range {start}-{end} is empty")
    if not any(spec.week):
        raise CalendarError("the calendar has no open hours")
    for month, day in spec.yearly_holidays:
        try:
            date(2000, month, day)  # a leap year: 29 February is a valid yearly holiday
        except (TypeError, ValueError) as exc:
            raise CalendarError(f"no such yearly date {month}-{day}") from exc


def _local_ranges(spec: CalendarSpec, day: date) -> list[tuple[datetime, datetime]]:
    """The open ranges of a local date as naive local datetimes, merged and sorted."""
    if spec.is_holiday(day):
        return []
    found: list[tuple[datetime, datetime]] = []
    next_day = day + ONE_DAY
    for start, end in spec.week[day.weekday()]:
        if end == MIDNIGHT or end <= start:
            found.append((datetime.combine(day, start), datetime.combine(next_day, MIDNIGHT)))
        else:
            found.append((datetime.combine(day, start), datetime.combine(day, end)))
    for start, end in spec.week[(day.weekday() - 1) % 7]:
        if MIDNIGHT < end <= start:
            found.append((datetime.combine(day, MIDNIGHT), datetime.combine(day, end)))
    found.sort()
    merged: list[tuple[datetime, datetime]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


@functools.lru_cache(maxsize=8192)
def day_intervals(spec: CalendarSpec, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The open intervals of a local date in UTC (aware), in order."""
    zone = spec.zone
    result = []
    for start, end in _local_ranges(spec, day):
        utc_start = start.replace(tzinfo=zone).astimezone(UTC)
        utc_end = end.replace(tzinfo=zone).astimezone(UTC)
        if utc_end > utc_start:
            result.append((utc_start, utc_end))
    return tuple(result)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is needed")
    return moment.astimezone(UTC)


def _local_date(spec: CalendarSpec, moment: datetime) -> date:
    return moment.astimezone(spec.zone).date()


def add_business_seconds(spec: CalendarSpec, start: datetime, seconds: float) -> datetime:
    """The moment ``seconds`` of open time after ``start`` (UTC). Zero returns ``start``."""
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    remaining = timedelta(seconds=seconds)
    start = _utc(start)
    if not remaining:
        return start
    # the day before too: its ranges may end after the local date of ``start`` begins
    day = _local_date(spec, start) - ONE_DAY
    closed_days = 0
    while closed_days <= MAX_CLOSED_DAYS:
        intervals = day_intervals(spec, day)
        closed_days = closed_days + 1 if not intervals else 0
        for open_at, close_at in intervals:
            if close_at <= start:
                continue
            open_at = max(open_at, start)
            available = close_at - open_at
            if remaining <= available:
                return open_at + remaining
            remaining -= available
        day += ONE_DAY
    raise CalendarError("the calendar has no open hours")


def business_seconds_between(spec: CalendarSpec, start: datetime, end: datetime) -> int:
    """Whole seconds of open time from ``start`` to ``end`` (0 when ``end <= start``)."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return 0
    day = _local_date(spec, start) - ONE_DAY
    last = _local_date(spec, end)
    total = timedelta()
    while day <= last:
        for open_at, close_at in day_intervals(spec, day):
            low, high = max(open_at, start), min(close_at, end)
            if high > low:
                total += high - low
        day += ONE_DAY
    return int(total.total_seconds())


def is_open(spec: CalendarSpec, moment: datetime) -> bool:
    """Whether the calendar is open at ``moment``."""
    moment = _utc(moment)
    day = _local_date(spec, moment)
    return any(
        open_at <= moment < close_at
        for d in (day - ONE_DAY, day)
        for open_at, close_at in day_intervals(spec, d)
    )
