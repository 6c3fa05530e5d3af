"""The numbers of the reports, computed in the database.

``build`` gives everything the page shows but the time spent table (``time_spent``), from
the tickets the viewer may see (``permissions.agent_tickets``) and a ``Period``. The page
needs the same few slices of the ticket table many times, so ``build`` reads each slice
once, grouped finely, and sums the groups up in Python:

- tickets opened in the period, per bucket, type and status (with first-response totals);
- tickets closed in the period, per bucket, type and assignee (with resolution totals);
- open tickets, per type and assignee (with the overdue ones);
- hours logged in the period, per author.

Each of them reads one narrow index (the ticket model's ``wt_ticket_report_*``) alone (an
index-only scan), never the wide ticket or message rows: a year of tickets is half the
table. Names of types, statuses and users are read afterwards by their ids. Medians use
PostgreSQL's ``percentile_cont``; other databases read the middle values with ORDER BY +
OFFSET.

On PostgreSQL the first two slices come from the daily totals of ``db.daily_totals`` instead
(a few thousand rows for a year), when the caller says which types the tickets are of
(``build``'s ``types``) and the report's time zone is the one the totals are kept in.
"""

from __future__ import annotations

import datetime
import logging
import queue
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import DatabaseError, connections, transaction
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Trunc
from django.utils import timezone

from ...conf import app_settings
from ...db import daily_totals
from ...models import Message, Status, TicketType
from ...models.tickets import agent_names
from ...seeded import status_label

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    """Local dates ``first`` to ``last`` (both included), shown in ``granularity`` buckets."""

    first: datetime.date
    last: datetime.date
    granularity: str = "day"

    @property
    def start(self) -> datetime.datetime:
        return _local_midnight(self.first)

    @property
    def end(self) -> datetime.datetime:
        """Exclusive end: midnight after the last day."""
        return _local_midnight(self.last + datetime.timedelta(days=1))

    def buckets(self) -> list[datetime.date]:
        """The first day of every bucket from ``first`` to ``last``."""
        current = bucket_start(self.first, self.granularity)
        result = []
        while current <= self.last:
            result.append(current)
            current = next_bucket(current, self.granularity)
        return result


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def bucket_start(day: datetime.date, granularity: str) -> datetime.date:
    if granularity == "week":
        return day - datetime.timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` calendar months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def last_months(today: datetime.date, months: int = 12) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the ``months`` calendar months that end with today's
    (today's month counts whole up to today)."""
    return months_before(today, months - 1), today


def last_days(today: datetime.date, days: int = 30) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the ``days`` days that end with today."""
    return today - datetime.timedelta(days=days - 1), today


def next_bucket(day: datetime.date, granularity: str) -> datetime.date:
    if granularity == "week":
        return day + datetime.timedelta(days=7)
    if granularity == "month":
        return months_before(day, -1)
    return day + datetime.timedelta(days=1)


def _in(period: Period, name: str) -> Q:
    return Q(**{f"{name}__gte": period.start, f"{name}__lt": period.end})


def _closed_in(period: Period) -> Q:
    # is_open mirrors the status (a trigger keeps it): no join to the status table
    return _in(period, "closed_at") & Q(is_open=False)


def _postgres(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


ANALYTICS_SETTINGS = "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off"


class Session:
    """Where the report's queries run: ``together`` runs independent parts of the report at
    once on extra connections that read the snapshot of ours (PostgreSQL,
    ``REPORT_CONNECTIONS``); otherwise one after the other."""

    def __init__(self, using: str, workers: int = 1, snapshot: str | None = None):
        self.using = using
        self.workers = workers if snapshot else 1
        self.snapshot = snapshot

    def together(self, *calls: Callable[[], Any]) -> list[Any]:
        """The calls' results, in order. Each connection takes the next call waiting when
        it is done with one, so list the longest first."""
        if self.workers < 2 or len(calls) < 2:
            return [call() for call in calls]
        results: list[Any] = [None] * len(calls)
        waiting: queue.SimpleQueue[int] = queue.SimpleQueue()
        for index in range(len(calls)):
            waiting.put(index)

        def work() -> None:
            while True:
                try:
                    index = waiting.get_nowait()
                except queue.Empty:
                    return
                results[index] = calls[index]()

        helpers = min(self.workers, len(calls)) - 1
        with ThreadPoolExecutor(max_workers=helpers) as pool:
            futures = [pool.submit(self._on_own_connection, work) for _ in range(helpers)]
            work()
            for future in futures:
                future.result()
        return results

    def _on_own_connection(self, work: Callable[[], None]) -> None:
        """Run ``work`` on this thread's own connection, in the snapshot of the page's
        transaction. A connection that cannot be opened or cannot take the snapshot (no
        connection left on the server, say) takes no part: the request's own connection
        does the parts waiting."""
        connection = connections[self.using]  # this thread's own
        working = False
        try:
            with transaction.atomic(using=self.using):
                if not self._share_snapshot(connection):
                    transaction.set_rollback(True, using=self.using)
                    return
                working = True
                work()
        except DatabaseError:
            if working:
                raise
            logger.warning("A report connection could not be opened", exc_info=True)
        finally:
            connection.close()

    def _share_snapshot(self, connection) -> bool:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SET TRANSACTION SNAPSHOT %s", [self.snapshot])
                cursor.execute(ANALYTICS_SETTINGS)
        except DatabaseError:
            logger.warning("A report connection could not share the snapshot", exc_info=True)
            return False
        return True


@contextmanager
def analytics(using: str = "default") -> Iterator[Session]:
    """Run the report's queries in one transaction with room to sort and hash a year of
    rows in memory (PostgreSQL's default ``work_mem`` spills them to disk) and without JIT
    compilation, which costs more than it saves on queries this short.

    The extra connections of ``Session.together`` import this transaction's snapshot. They
    are used only when this transaction is the outermost: rows written by an enclosing
    transaction that has not committed yet (a test's) would be invisible to them."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield Session(using)
        return
    workers = 1 if connection.in_atomic_block else app_settings.REPORT_CONNECTIONS
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            snapshot = None
            if workers > 1:
                # one snapshot for the whole report, ours and the extra connections'
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT pg_export_snapshot()")
                (snapshot,) = cursor.fetchone()
            cursor.execute(ANALYTICS_SETTINGS)
        yield Session(using, workers, snapshot)


class _BucketNumber(Func):
    """PostgreSQL: which bucket a moment falls in (1 for the first), found by a binary
    search over the buckets' starts; cheaper per row than converting every timestamp to
    local time and truncating it."""

    output_field = IntegerField()

    def __init__(self, name: str, starts: list[datetime.datetime]):
        super().__init__(F(name))
        self.starts = starts

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"WIDTH_BUCKET({sql}, %s::timestamptz[])", [*params, self.starts]


def _bucket(tickets: QuerySet, name: str, period: Period) -> Func:
    """The bucket of a row, as a number (PostgreSQL) or the bucket's first day."""
    if _postgres(tickets):
        return _BucketNumber(name, [_local_midnight(day) for day in period.buckets()])
    return Trunc(
        name, period.granularity, output_field=DateField(), tzinfo=timezone.get_current_timezone()
    )


def _bucket_days(rows: list[dict], period: Period) -> list[dict]:
    """Bucket numbers replaced by the buckets' first days."""
    days = period.buckets()
    for row in rows:
        if isinstance(row["bucket"], int):
            row["bucket"] = days[row["bucket"] - 1]
    return rows


def _duration(until: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(until) - F("created_at"), output_field=DurationField())


# ---------------------------------------------------------------- the grouped slices
# Counting "*" rather than a column keeps the id out of the query, so the ticket model's
# indexes (``wt_ticket_report_*``) answer it alone.


def opened_rows(tickets: QuerySet, period: Period) -> list[dict]:
    """Tickets opened in the period per bucket, type and current status, with the number
    answered by staff and the total time to that first answer."""
    rows = (
        tickets.filter(_in(period, "created_at"))
        .annotate(bucket=_bucket(tickets, "created_at", period))
        .order_by()
        .values("bucket", "ticket_type_id", "status_id")
        .annotate(
            n=Count("*"),
            answered=Count("first_response_at"),
            waited=Sum(_duration("first_response_at")),
        )
    )
    return _bucket_days(list(rows), period)


def closed_rows(tickets: QuerySet, period: Period) -> list[dict]:
    """Tickets closed in the period per bucket, type and assignee, with their total time
    from opening to closing."""
    rows = (
        tickets.filter(_closed_in(period))
        .annotate(bucket=_bucket(tickets, "closed_at", period))
        .order_by()
        .values("bucket", "ticket_type_id", "assignee_id")
        .annotate(n=Count("*"), took=Sum(_duration("closed_at")))
    )
    return _bucket_days(list(rows), period)


def open_rows(tickets: QuerySet) -> list[dict]:
    """Open tickets per type and assignee, with those whose target date has passed."""
    today = timezone.localdate()
    return list(
        tickets.filter(is_open=True)
        .order_by()
        .values("ticket_type_id", "assignee_id")
        .annotate(
            n=Count("*"),
            overdue=Count("target_date", filter=Q(target_date__lt=today)),
        )
    )


def logged_time(tickets: QuerySet, period: Period) -> QuerySet[Message]:
    """Messages with hours, written in the period on the visible tickets. An unfiltered
    ``tickets`` (the viewer manages every type) needs no look-up in the ticket table."""
    messages = Message.objects.filter(_in(period, "created_at"), hours__isnull=False)
    if tickets.query.has_filters():
        messages = messages.filter(ticket__in=tickets.values("pk"))
    return messages


def hours_rows(tickets: QuerySet, period: Period) -> list[dict]:
    """Hours logged in the period per author (``None``: messages without an author)."""
    rows = (
        logged_time(tickets, period)
        .order_by()
        .values("author_id")
        .annotate(total=Sum("hours"))
        .values_list("author_id", "total")
    )
    return [{"author_id": author_id, "hours": _hours(total)} for author_id, total in rows]


def _hours(value) -> Decimal | None:
    """A sum of hours as the database gave it (SQLite: a float) as a Decimal of cents."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT)


# ---------------------------------------------------------------- the same from daily totals


def days_serve(using: str) -> bool:
    """Whether the daily totals can answer a report in the current time zone."""
    zone = daily_totals.zone(using)
    return zone is not None and zone == timezone.get_current_timezone_name()


# the first day of a day's bucket (as ``bucket_start``)
DAY_BUCKETS = {
    "day": "day",
    "week": "day - (EXTRACT(ISODOW FROM day)::integer - 1)",
    "month": "date_trunc('month', day)::date",
}


def _from_days(
    using: str, sql: str, period: Period, types: frozenset[int] | None, keys: list[str]
) -> list[dict]:
    """Rows of one daily table summed per bucket and two keys; ``types``: the type ids to
    read, ``None`` for every type."""
    where = ["day >= %s", "day <= %s"]
    params: list[Any] = [period.first, period.last]
    if types is not None:
        where.append("ticket_type_id = ANY(%s)")
        params.append(sorted(types))
    query = sql.format(bucket=DAY_BUCKETS[period.granularity], where=" AND ".join(where))
    with connections[using].cursor() as cursor:
        cursor.execute(query, params)
        rows = [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]
    return _bucket_days(rows, period)


def hours_rows_from_days(using: str, period: Period) -> list[dict]:
    """``hours_rows`` of every ticket, from ``db.daily_totals`` (author 0 there is ``None``
    here; an author whose messages with hours were all removed is left out, as there)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT NULLIF(author_id, 0), SUM(hours) FROM {daily_totals.HOURS} "
            "WHERE day >= %s AND day <= %s GROUP BY 1 HAVING SUM(logged) <> 0",
            [period.first, period.last],
        )
        return [
            {"author_id": author_id, "hours": _hours(total)}
            for author_id, total in cursor.fetchall()
        ]


def _microseconds(value) -> datetime.timedelta:
    return datetime.timedelta(microseconds=int(value))


def opened_rows_from_days(using: str, period: Period, types: frozenset[int] | None) -> list[dict]:
    """``opened_rows``, from ``db.daily_totals``."""
    sql = (
        "SELECT {bucket}, ticket_type_id, status_id, SUM(opened), "
        f"SUM(answered), SUM(waited_us) FROM {daily_totals.OPENED} WHERE {{where}} "
        "GROUP BY 1, 2, 3 HAVING SUM(opened) <> 0"
    )
    keys = ["bucket", "ticket_type_id", "status_id", "n", "answered", "waited"]
    rows = _from_days(using, sql, period, types, keys)
    for row in rows:
        row["n"], row["answered"] = int(row["n"]), int(row["answered"])
        row["waited"] = _microseconds(row["waited"]) if row["answered"] else None
    return rows


def closed_rows_from_days(using: str, period: Period, types: frozenset[int] | None) -> list[dict]:
    """``closed_rows``, from ``db.daily_totals`` (assignee 0 there is ``None`` here)."""
    sql = (
        "SELECT {bucket}, ticket_type_id, NULLIF(assignee_id, 0), "
        f"SUM(closed), SUM(took_us) FROM {daily_totals.CLOSED} WHERE {{where}} "
        "GROUP BY 1, 2, 3 HAVING SUM(closed) <> 0"
    )
    keys = ["bucket", "ticket_type_id", "assignee_id", "n", "took"]
    rows = _from_days(using, sql, period, types, keys)
    for row in rows:
        row["n"], row["took"] = int(row["n"]), _microseconds(row["took"])
    return rows


# ---------------------------------------------------------------- durations


class Median(Aggregate):
    """PostgreSQL's continuous median."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


class _Seconds(Func):
    """PostgreSQL: an interval in seconds, as a float: sorted faster than intervals."""

    template = "DATE_PART('epoch', %(expressions)s)"
    output_field = FloatField()


@dataclass
class Durations:
    count: int = 0
    average: datetime.timedelta | None = None
    median: datetime.timedelta | None = None


def median_seconds(tickets: QuerySet, until: str) -> float | None:
    """PostgreSQL: the median of ``until - created_at`` in seconds (``None`` for none)."""
    return tickets.order_by().aggregate(
        median=Median(_Seconds(_duration(until)), output_field=FloatField())
    )["median"]


def _durations(
    tickets: QuerySet,
    until: str,
    count: int,
    total: datetime.timedelta | None,
    median: float | None = None,
) -> Durations:
    """The average from the slice's totals; the median as given (seconds), else in one
    more query (none when there is nothing to take the middle of)."""
    result = Durations(count)
    if not count:
        return result
    result.average = (total or datetime.timedelta()) / count
    if median is None and _postgres(tickets):
        median = median_seconds(tickets, until)
    if median is not None:
        result.median = datetime.timedelta(microseconds=round(median * 1_000_000))
        return result
    duration = _duration(until)
    tickets = tickets.order_by()
    low, high = (count - 1) // 2, count // 2
    middle = list(
        tickets.annotate(duration=duration)
        .order_by("duration", "pk")
        .values_list("duration", flat=True)[low : high + 1]
    )
    result.median = sum(middle, datetime.timedelta()) / len(middle)
    return result


def _first_response(
    tickets: QuerySet, period: Period, opened: list[dict], median: float | None = None
) -> Durations:
    return _durations(
        tickets.filter(_in(period, "created_at"), first_response_at__isnull=False),
        "first_response_at",
        sum(row["answered"] for row in opened),
        _total(row["waited"] for row in opened),
        median,
    )


def _resolution(
    tickets: QuerySet, period: Period, closed: list[dict], median: float | None = None
) -> Durations:
    return _durations(
        tickets.filter(_closed_in(period)),
        "closed_at",
        sum(row["n"] for row in closed),
        _total(row["took"] for row in closed),
        median,
    )


def _total(values) -> datetime.timedelta | None:
    present = [value for value in values if value is not None]
    return sum(present, datetime.timedelta()) if present else None


# ---------------------------------------------------------------- tickets over time


@dataclass
class Bucket:
    day: datetime.date
    opened: int = 0
    closed: int = 0


def _over_time(period: Period, opened: list[dict], closed: list[dict]) -> list[Bucket]:
    counts: dict[datetime.date, Bucket] = {day: Bucket(day) for day in period.buckets()}
    for row in opened:
        if row["bucket"] in counts:
            counts[row["bucket"]].opened += row["n"]
    for row in closed:
        if row["bucket"] in counts:
            counts[row["bucket"]].closed += row["n"]
    return list(counts.values())


# ---------------------------------------------------------------- per type, per status


def _per_type(opened: list[dict], closed: list[dict], still_open: list[dict]) -> list[dict]:
    counts: dict[int, dict] = defaultdict(lambda: {"opened": 0, "closed": 0, "open_now": 0})
    for rows, key in ((opened, "opened"), (closed, "closed"), (still_open, "open_now")):
        for row in rows:
            counts[row["ticket_type_id"]][key] += row["n"]
    types = TicketType.objects.filter(pk__in=list(counts)).order_by("sort_order", "name")
    return [
        {"ticket_type_id": pk, "ticket_type__name": name, **counts[pk]}
        for pk, name in types.values_list("pk", "name")
    ]


def _per_status(opened: list[dict]) -> list[dict]:
    counts: dict[int, int] = defaultdict(int)
    for row in opened:
        counts[row["status_id"]] += row["n"]
    statuses = Status.objects.filter(pk__in=list(counts)).order_by("sort_order", "name")
    return [
        {
            "status_id": pk,
            "status__name": status_label(name),
            "status__colour": colour,
            "status__is_closed": is_closed,
            "count": counts[pk],
        }
        for pk, name, colour, is_closed in statuses.values_list("pk", "name", "colour", "is_closed")
    ]


# ---------------------------------------------------------------- agents


@dataclass
class AgentLoad:
    user_id: int
    name: str
    open_assigned: int = 0
    closed: int = 0
    hours: Decimal = Decimal("0")


def _workload(closed: list[dict], still_open: list[dict], hours: list[dict]) -> list[AgentLoad]:
    open_assigned: dict[int, int] = defaultdict(int)
    closed_by: dict[int, int] = defaultdict(int)
    for row in still_open:
        if row["assignee_id"] is not None:
            open_assigned[row["assignee_id"]] += row["n"]
    for row in closed:
        if row["assignee_id"] is not None:
            closed_by[row["assignee_id"]] += row["n"]
    logged = {row["author_id"]: row["hours"] for row in hours if row["author_id"] is not None}
    ids = set(open_assigned) | set(closed_by) | set(logged)
    names = agent_names(ids)
    agents = [
        AgentLoad(
            pk,
            names.get(pk, ""),
            open_assigned.get(pk, 0),
            closed_by.get(pk, 0),
            logged.get(pk) or Decimal("0"),
        )
        for pk in ids
    ]
    return sorted(agents, key=lambda a: (-a.open_assigned, -a.closed, -a.hours, a.name.lower()))


# ---------------------------------------------------------------- totals


def _totals(
    opened: list[dict], closed: list[dict], still_open: list[dict], hours: list[dict]
) -> dict:
    return {
        "opened": sum(row["n"] for row in opened),
        "closed": sum(row["n"] for row in closed),
        "open_now": sum(row["n"] for row in still_open),
        "unassigned": sum(row["n"] for row in still_open if row["assignee_id"] is None),
        "overdue": sum(row["overdue"] for row in still_open),
        "hours": sum((row["hours"] or Decimal("0") for row in hours), Decimal("0.00")),
    }


# ---------------------------------------------------------------- the whole page


@dataclass
class Report:
    """Everything the reports page shows but the time spent table."""

    totals: dict
    buckets: list[Bucket]
    per_type: list[dict]
    per_status: list[dict]
    first_response: Durations
    resolution: Durations
    agents: list[AgentLoad] = field(default_factory=list)


ANY_TYPES = object()


def build(
    tickets: QuerySet,
    period: Period,
    session: Session | None = None,
    *,
    types: frozenset[int] | None | object = ANY_TYPES,
) -> Report:
    """The page's numbers from four grouped slices, two medians and three name look-ups
    (call it inside ``analytics`` and pass its session, which reads the independent parts
    side by side on PostgreSQL).

    ``types``: the ids of the types ``tickets`` holds every ticket of, ``None`` for every
    type (``permissions.agent_types``); given, the opened and closed slices may come from
    the daily totals, and for every type the hours too."""
    session = session or Session(tickets.db)
    answered = tickets.filter(_in(period, "created_at"), first_response_at__isnull=False)
    resolved = tickets.filter(_closed_in(period))
    medians: list[float | None] = [None, None]
    if _postgres(tickets) and types is not ANY_TYPES and days_serve(tickets.db):
        hours_part = (
            partial(hours_rows_from_days, tickets.db, period)
            if types is None
            else partial(hours_rows, tickets, period)
        )
        # longest first, as measured on a year at a million tickets (the hours of a few
        # types read from their messages take longer): the slowest start at once
        *medians, closed, still_open, opened, hours = session.together(
            lambda: median_seconds(answered, "first_response_at"),
            lambda: median_seconds(resolved, "closed_at"),
            lambda: closed_rows_from_days(tickets.db, period, types),
            lambda: open_rows(tickets),
            lambda: opened_rows_from_days(tickets.db, period, types),
            hours_part,
        )
    elif _postgres(tickets):
        # longest first, as measured on a year at a million tickets
        opened, hours, *medians, closed, still_open = session.together(
            lambda: opened_rows(tickets, period),
            lambda: hours_rows(tickets, period),
            lambda: median_seconds(answered, "first_response_at"),
            lambda: median_seconds(resolved, "closed_at"),
            lambda: closed_rows(tickets, period),
            lambda: open_rows(tickets),
        )
    else:
        opened, closed = opened_rows(tickets, period), closed_rows(tickets, period)
        hours = hours_rows(tickets, period)
        still_open = open_rows(tickets)
    return Report(
        totals=_totals(opened, closed, still_open, hours),
        buckets=_over_time(period, opened, closed),
        per_type=_per_type(opened, closed, still_open),
        per_status=_per_status(opened),
        first_response=_first_response(tickets, period, opened, medians[0]),
        resolution=_resolution(tickets, period, closed, medians[1]),
        agents=_workload(closed, still_open, hours),
    )


# ---------------------------------------------------------------- time spent


def time_spent(tickets: QuerySet, period: Period) -> QuerySet:
    """Hours per ticket, agent and rate in the period, as rows of values; the amount is
    hours times the rate's value, computed in the database."""
    return (
        logged_time(tickets, period)
        .order_by()
        .values(
            "ticket_id",
            "ticket__number",
            "ticket__subject",
            "author_id",
            "author_name",
            "rate__name",
            "rate__value",
        )
        .annotate(
            total_hours=Sum("hours"),
            amount=Sum(
                ExpressionWrapper(
                    F("hours") * F("rate__value"),
                    output_field=DecimalField(max_digits=20, decimal_places=2),
                )
            ),
        )
        .order_by("-ticket__created_at", "ticket__number", "author_name", "rate__name")
    )
