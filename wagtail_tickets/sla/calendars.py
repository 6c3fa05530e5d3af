"""Calendars as ``sla.hours`` reads them: a process-wide cache keyed by the calendar's id
and the time it was last saved, so every worker sees an edit at once and an unchanged
calendar costs no query (its row comes with the policy through ``select_related``)."""

from __future__ import annotations

from ..models import Calendar
from . import hours

_CACHE_SIZE = 256
_specs: dict[tuple[int, object], hours.CalendarSpec] = {}


def spec_for(calendar: Calendar | None) -> hours.CalendarSpec:
    """The spec of ``calendar``; ``None`` means the default calendar (24/7 in UTC when no
    calendar is marked default)."""
    if calendar is None:
        calendar = default_calendar()
        if calendar is None:
            return hours.ALWAYS_OPEN
    key = (calendar.pk, calendar.updated_at)
    spec = _specs.get(key)
    if spec is None:
        spec = calendar.spec()
        try:
            hours.validate(spec)
        except hours.CalendarError:
            # a calendar saved without open hours (e.g. through the ORM): never loop on it
            spec = hours.ALWAYS_OPEN
        if len(_specs) >= _CACHE_SIZE:
            _specs.clear()
        _specs[key] = spec
    return spec


def default_calendar() -> Calendar | None:
    return Calendar.objects.filter(is_default=True).only("pk", "updated_at").first()


def forget() -> None:
    """Drop the cached specs (tests whose clock stands still)."""
    _specs.clear()
