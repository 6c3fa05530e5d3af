"""Unique, short ticket numbers, safe when many workers open tickets at once.

One counter row per numbering period is incremented with an ``UPDATE ... SET value =
value + 1``: the database row lock serialises concurrent openers, and the unique constraint
on ``Ticket.number`` stays the last guard. The lock lasts until the opener's transaction
ends; a long transaction that opens many tickets (the mail import's groups) takes its
numbers on a ``separate_connection`` instead (``actions.batch(numbers_outside=True)``), so
that it never keeps other openers waiting.
"""

from __future__ import annotations

import datetime
import string
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.utils import timezone

from .conf import app_settings
from .models import NumberSequence

FIELDS = {"year", "year2", "month", "seq"}


@contextmanager
def separate_connection() -> Iterator[BaseDatabaseWrapper | None]:
    """A connection of the block's own to take numbers on (``next_number(connection=...)``),
    where each number is committed at once: the counter row is locked for one statement,
    not for the caller's whole transaction. A ticket whose transaction then rolls back
    leaves a gap, as any rolled-back open does. ``None`` (take numbers on the caller's own
    connection) where it would not help: on databases other than PostgreSQL writers take
    turns anyway, and inside a transaction the caller is already in, the counter row it
    may have written would be locked against our connection for as long as the caller
    waits for us. ``actions.batch`` is the one user of this."""
    alias = router.db_for_write(NumberSequence)
    caller = connections[alias]
    if caller.vendor != "postgresql" or caller.in_atomic_block:
        yield None
        return
    own = connections.create_connection(alias)  # autocommit: every statement commits
    try:
        yield own
    finally:
        own.close()


def format_fields(fmt: str) -> set[str]:
    """The field names a number format uses; raises ``ValueError`` on a broken format."""
    names = {name for _, name, _, _ in string.Formatter().parse(fmt) if name is not None}
    unknown = names - FIELDS
    if unknown:
        raise ValueError(f"unknown field(s) in number format: {', '.join(sorted(unknown))}")
    if "seq" not in names:
        raise ValueError("a number format needs {seq}")
    return names


def period_key(fmt: str, now: datetime.datetime) -> str:
    names = format_fields(fmt)
    if "month" in names:
        return f"{now.year:04d}-{now.month:02d}"
    if names & {"year", "year2"}:
        return f"{now.year:04d}"
    return "all"


def next_number(
    now: datetime.datetime | None = None, *, connection: BaseDatabaseWrapper | None = None
) -> str:
    """Take the next number. Gaps are possible (a rolled-back open), duplicates are not.
    ``connection`` is one from ``separate_connection`` (``None``: the caller's own)."""
    fmt = app_settings.NUMBER_FORMAT
    now = timezone.localtime(now or timezone.now())
    key = period_key(fmt, now)
    connection = connection or connections[router.db_for_write(NumberSequence)]
    if connection.vendor == "postgresql":
        return _format(fmt, _upsert(connection, key), now)
    # no savepoint of its own inside a caller's transaction (opening a ticket): a failure
    # here fails the caller's block, which rolls back to its own savepoint anyway
    with transaction.atomic(savepoint=False):
        if not NumberSequence.objects.filter(key=key).update(value=F("value") + 1):
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(key=key, value=1)
            except IntegrityError:
                NumberSequence.objects.filter(key=key).update(value=F("value") + 1)
        value = NumberSequence.objects.values_list("value", flat=True).get(key=key)
    return _format(fmt, value, now)


def _format(fmt: str, value: int, now: datetime.datetime) -> str:
    return fmt.format(seq=value, year=now.year, year2=now.year % 100, month=now.month)


def _upsert(connection, key: str) -> int:
    """PostgreSQL: the period's next value in one statement, its counter made if need be."""
    quote = connection.ops.quote_name
    table, value = quote(NumberSequence._meta.db_table), quote("value")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} AS s ({quote('key')}, {value}) VALUES (%s, 1) "
            f"ON CONFLICT ({quote('key')}) DO UPDATE SET {value} = s.{value} + 1 "
            f"RETURNING {value}",
            [key],
        )
        return cursor.fetchone()[0]
