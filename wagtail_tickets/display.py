"""How dates, times and recorded values read to people: one format per language,
everywhere (admin, customer area, external page, reports, mail).

Dates and times follow the active language's Django formats (``SHORT_DATE_FORMAT``,
``SHORT_DATETIME_FORMAT``; a site changes them with ``FORMAT_MODULE_PATH``) and show in
the current time zone. Tables, headers and timelines use the short form; the long form
(``DATE_FORMAT``) is for a date inside a sentence. Templates use the filters
``wt_date``, ``wt_datetime`` (``wagtail_tickets_tags``); Python code the functions here.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.formats import date_format, get_format

from .seeded import change_label

DATE_FORMAT = "SHORT_DATE_FORMAT"
DATETIME_FORMAT = "SHORT_DATETIME_FORMAT"
LONG_DATE_FORMAT = "DATE_FORMAT"

# fields of the ticket whose history values are dates (stored as ISO text)
DATE_FIELDS = frozenset({"target_date"})


def _as_date(value) -> datetime.date | datetime.datetime | None:
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def show_date(value, long: bool = False) -> str:
    """A date (or a datetime's local day, or ISO text) in the active language; "" for
    nothing or for what is not a date."""
    if isinstance(value, datetime.datetime):
        value = local(value).date()
    day = _as_date(value)
    if day is None:
        return ""
    return date_format(day, LONG_DATE_FORMAT if long else DATE_FORMAT)


def show_datetime(value) -> str:
    """A moment in the current time zone and the active language; a plain date shows as
    a date."""
    if isinstance(value, datetime.datetime):
        return date_format(local(value), DATETIME_FORMAT)
    return show_date(value)


def local(value: datetime.datetime) -> datetime.datetime:
    """An aware datetime in the current time zone (a naive one as it is)."""
    return timezone.localtime(value) if timezone.is_aware(value) else value


def formats() -> tuple[str, str]:
    """The active language's ``(date, datetime)`` format strings, for code that formats
    many values (a listing looks them up once per page)."""
    return get_format(DATE_FORMAT), get_format(DATETIME_FORMAT)


def change_text(field: str, value):
    """A value of a ticket's history or a change mail (stored as text when it was
    written) as the reader reads it: dates in their language's format, seeded status
    and priority names in their language, the rest as stored."""
    if field in DATE_FIELDS and isinstance(value, str):
        return show_date(value) or value
    return change_label(field, value)
