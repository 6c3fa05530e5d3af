"""The numbers of the reports (D10, E4), computed in the database.

Every function takes the tickets the viewer may see (``permissions.agent_tickets``) and a
``Period``; each runs one or two queries whatever the number of tickets. Medians use
PostgreSQL's ``percentile_cont``; other databases count first and then read the one or two
middle values with ORDER BY + OFFSET, never loading all tickets.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DateField,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Trunc
from django.utils import timezone

from ..models import Message

GRANULARITIES = ("day", "week", "month")


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


def next_bucket(day: datetime.date, granularity: str) -> datetime.date:
    if granularity == "week":
        return day + datetime.timedelta(days=7)
    if granularity == "month":
        return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return day + datetime.timedelta(days=1)


def _in(period: Period, name: str) -> Q:
    return Q(**{f"{name}__gte": period.start, f"{name}__lt": period.end})


def _closed_in(period: Period) -> Q:
    return _in(period, "closed_at") & Q(status__is_closed=True)


# ---------------------------------------------------------------- tickets over time


@dataclass
class Bucket:
    day: datetime.date
    opened: int = 0
    closed: int = 0


def _per_bucket(tickets: QuerySet, period: Period, name: str, extra: Q) -> dict:
    trunc = Trunc(
        name, period.granularity, output_field=DateField(), tzinfo=timezone.get_current_timezone()
    )
    rows = (
        tickets.filter(_in(period, name) & extra)
        .annotate(bucket=trunc)
        .order_by()
        .values("bucket")
        .annotate(n=Count("pk"))
    )
    return {row["bucket"]: row["n"] for row in rows}


def over_time(tickets: QuerySet, period: Period) -> list[Bucket]:
    """Tickets opened and closed in each bucket of the period (two queries)."""
    opened = _per_bucket(tickets, period, "created_at", Q())
    closed = _per_bucket(tickets, period, "closed_at", Q(status__is_closed=True))
    return [Bucket(day, opened.get(day, 0), closed.get(day, 0)) for day in period.buckets()]


# ---------------------------------------------------------------- per type, per status


def per_type(tickets: QuerySet, period: Period) -> list[dict]:
    """Per ticket type: opened and closed in the period, open now (one query)."""
    return list(
        tickets.filter(_in(period, "created_at") | _closed_in(period) | Q(status__is_closed=False))
        .order_by()
        .values("ticket_type_id", "ticket_type__name")
        .annotate(
            opened=Count("pk", filter=_in(period, "created_at")),
            closed=Count("pk", filter=_closed_in(period)),
            open_now=Count("pk", filter=Q(status__is_closed=False)),
        )
        .order_by("ticket_type__sort_order", "ticket_type__name")
    )


def per_status(tickets: QuerySet, period: Period) -> list[dict]:
    """Tickets opened in the period, by their current status (one query)."""
    return list(
        tickets.filter(_in(period, "created_at"))
        .order_by()
        .values("status_id", "status__name", "status__colour", "status__is_closed")
        .annotate(count=Count("pk"))
        .order_by("status__sort_order", "status__name")
    )


# ---------------------------------------------------------------- response times


class Median(Aggregate):
    """PostgreSQL's continuous median."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


@dataclass
class Durations:
    count: int = 0
    average: datetime.timedelta | None = None
    median: datetime.timedelta | None = None


def _durations(tickets: QuerySet, until: str) -> Durations:
    duration = ExpressionWrapper(F(until) - F("created_at"), output_field=DurationField())
    tickets = tickets.order_by()
    if connections[tickets.db].vendor == "postgresql":
        row = tickets.aggregate(
            count=Count("pk"),
            average=Avg(duration),
            median=Median(duration, output_field=DurationField()),
        )
        return Durations(row["count"], row["average"], row["median"])
    row = tickets.aggregate(count=Count("pk"), average=Avg(duration))
    result = Durations(row["count"], row["average"])
    if result.count:
        low, high = (result.count - 1) // 2, result.count // 2
        middle = list(
            tickets.annotate(duration=duration)
            .order_by("duration", "pk")
            .values_list("duration", flat=True)[low : high + 1]
        )
        result.median = sum(middle, datetime.timedelta()) / len(middle)
    return result


def first_response(tickets: QuerySet, period: Period) -> Durations:
    """Time to the first staff answer of tickets opened in the period."""
    return _durations(
        tickets.filter(_in(period, "created_at"), first_response_at__isnull=False),
        "first_response_at",
    )


def resolution(tickets: QuerySet, period: Period) -> Durations:
    """Time from opening to closing of tickets closed in the period."""
    return _durations(tickets.filter(_closed_in(period)), "closed_at")


# ---------------------------------------------------------------- agents and time


@dataclass
class AgentLoad:
    user_id: int
    name: str
    open_assigned: int = 0
    closed: int = 0
    hours: Decimal = Decimal("0")


def _user_name(row: dict, prefix: str) -> str:
    username = get_user_model().USERNAME_FIELD
    full = f"{row.get(prefix + 'first_name') or ''} {row.get(prefix + 'last_name') or ''}"
    return full.strip() or str(row.get(prefix + username) or "")


def _name_fields(prefix: str) -> list[str]:
    fields = [prefix + "first_name", prefix + "last_name"]
    return [*fields, prefix + get_user_model().USERNAME_FIELD]


def logged_time(tickets: QuerySet, period: Period) -> QuerySet[Message]:
    """Messages with hours, written in the period on the visible tickets."""
    return Message.objects.filter(
        _in(period, "created_at"), ticket__in=tickets.values("pk"), hours__isnull=False
    )


def workload(tickets: QuerySet, period: Period) -> list[AgentLoad]:
    """Per agent: open tickets assigned now, assigned tickets closed in the period and
    hours logged in the period (two queries)."""
    rows = (
        tickets.filter(assignee__isnull=False)
        .filter(Q(status__is_closed=False) | _closed_in(period))
        .order_by()
        .values("assignee_id", *_name_fields("assignee__"))
        .annotate(
            open_assigned=Count("pk", filter=Q(status__is_closed=False)),
            closed=Count("pk", filter=_closed_in(period)),
        )
    )
    agents: dict[int, AgentLoad] = {}
    for row in rows:
        agents[row["assignee_id"]] = AgentLoad(
            row["assignee_id"],
            _user_name(row, "assignee__"),
            row["open_assigned"],
            row["closed"],
        )
    hours = (
        logged_time(tickets, period)
        .filter(author__isnull=False)
        .order_by()
        .values("author_id", *_name_fields("author__"))
        .annotate(hours=Sum("hours"))
    )
    for row in hours:
        load = agents.setdefault(
            row["author_id"], AgentLoad(row["author_id"], _user_name(row, "author__"))
        )
        load.hours = row["hours"] or Decimal("0")
    return sorted(
        agents.values(), key=lambda a: (-a.open_assigned, -a.closed, -a.hours, a.name.lower())
    )


def time_spent(tickets: QuerySet, period: Period) -> QuerySet:
    """Hours per ticket, agent and rate in the period, as rows of values (B9); the amount is
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


def totals(tickets: QuerySet, period: Period) -> dict:
    """Headline counters (one query): opened and closed in the period, open now,
    unassigned open, overdue (target date before today, still open)."""
    today = timezone.localdate()
    open_now = Q(status__is_closed=False)
    row = tickets.order_by().aggregate(
        opened=Count("pk", filter=_in(period, "created_at")),
        closed=Count("pk", filter=_closed_in(period)),
        open_now=Count("pk", filter=open_now),
        unassigned=Count("pk", filter=open_now & Q(assignee__isnull=True)),
        overdue=Count("pk", filter=open_now & Q(target_date__lt=today)),
    )
    hours = logged_time(tickets, period).order_by().aggregate(hours=Sum("hours"))["hours"]
    row["hours"] = hours or Decimal("0")
    return row
