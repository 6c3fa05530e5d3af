"""Registers the package's django-q2 schedules (``tasks.SCHEDULES``): after ``migrate`` and
by ``manage.py setup_ticket_schedules``.

A schedule is found by its task function, so registering twice never duplicates it, and an
existing one is left alone: an interval (or name) an administrator edited is kept.
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

DAY = 24 * 60
NIGHTLY_HOUR = 3


def _first_run(minutes: int) -> datetime.datetime:
    """Daily jobs run at night (03:00 local time); frequent ones start now."""
    now = timezone.now()
    if minutes < DAY:
        return now
    local = timezone.localtime(now)
    run = local.replace(hour=NIGHTLY_HOUR, minute=0, second=0, microsecond=0)
    if run <= local:
        run += datetime.timedelta(days=1)
    return run


def ensure_schedules(using: str = DEFAULT_DB_ALIAS) -> list[tuple[str, bool]]:
    """Create the missing schedules; returns ``(name, created)`` for each."""
    if not apps.is_installed("django_q"):
        return []
    from django_q.models import Schedule

    from .tasks import SCHEDULES

    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return []  # django_q's tables are not migrated on this database
    result = []
    for name, func, minutes in SCHEDULES:
        if Schedule.objects.using(using).filter(func=func).exists():
            result.append((name, False))
            continue
        Schedule.objects.using(using).create(
            name=name,
            func=func,
            schedule_type=Schedule.MINUTES,
            minutes=minutes,
            repeats=-1,
            next_run=_first_run(minutes),
        )
        result.append((name, True))
    return result


def register_after_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """``post_migrate`` receiver (connected in ``apps.py``)."""
    ensure_schedules(using)
