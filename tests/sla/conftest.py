"""A settable clock and an office calendar for the service-level tests."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from wagtail_tickets.models import Calendar, CalendarHoliday, CalendarRange, SlaPolicy

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BERLIN)


class Clock:
    """What ``django.utils.timezone.now`` answers while a test runs."""

    def __init__(self, now: datetime.datetime):
        self.now = now

    def set(self, *args) -> datetime.datetime:
        self.now = berlin(*args)
        return self.now

    def __call__(self) -> datetime.datetime:
        return self.now.astimezone(datetime.UTC)


@pytest.fixture(autouse=True)
def _fresh_calendars():
    """Calendars of earlier tests had the same ids and save times: forget their specs."""
    from wagtail_tickets.sla import calendars

    calendars.forget()
    yield
    calendars.forget()


@pytest.fixture
def clock(monkeypatch) -> Clock:
    from django.utils import timezone

    current = Clock(berlin(2026, 3, 2, 10))  # a Monday
    monkeypatch.setattr(timezone, "now", current)
    return current


def office_calendar(name: str = "Office", **holidays) -> Calendar:
    """Monday to Friday, 9:00 to 17:00 in Berlin."""
    calendar = Calendar.objects.create(name=name, time_zone="Europe/Berlin")
    CalendarRange.objects.bulk_create(
        CalendarRange(calendar=calendar, weekday=day, start=datetime.time(9), end=datetime.time(17))
        for day in range(5)
    )
    for when in holidays.get("dates", ()):
        CalendarHoliday.objects.create(calendar=calendar, date=when)
    return Calendar.objects.get(pk=calendar.pk)


def office_policy(calendar: Calendar, name: str = "Office hours", **fields) -> SlaPolicy:
    """2 business hours to first response, 1 to the next, 8 to resolution."""
    values = {
        "first_response_minutes": 120,
        "next_response_minutes": 60,
        "resolution_minutes": 480,
        "first_response_calendar": calendar,
        "next_response_calendar": calendar,
        "resolution_calendar": calendar,
        **fields,
    }
    return SlaPolicy.objects.create(name=name, **values)
