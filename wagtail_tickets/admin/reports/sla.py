"""Service-level numbers of the reports, computed in the database.

Of the tickets opened in the period: how many of each target were met and how many missed
(done late, or still running past the due time), per type, priority and agent (the
assignee), and the time to first response and to resolution in business hours (the
business seconds ``actions`` stored on each ticket, ``sla.due``). A target still running
before its due time is not decided yet and counts in neither.

One grouped query (per type, priority and assignee at once, summed up in Python), two
medians and three look-ups of names, whatever the number of tickets; on PostgreSQL the
first three run side by side on the report's connections.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import partial

from django.db.models import Count, FloatField, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ...models import Priority, TicketType
from ...models.tickets import agent_names
from ...sla import due
from .queries import Median, Period, Session, _in, _postgres

# the stored business seconds of the two durations, and which tickets have them final
DURATIONS = {
    "first_response": ("sla_first_response_seconds", Q(first_response_at__isnull=False)),
    "resolution": ("sla_resolution_seconds", Q(is_open=False)),
}


@dataclass
class Attainment:
    """One target on a set of tickets: met in time, or missed."""

    met: int = 0
    missed: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.missed

    @property
    def percent(self) -> float | None:
        return 100 * self.met / self.decided if self.decided else None


@dataclass
class BusinessTime:
    """Business seconds of a set of tickets: their total and how many tickets."""

    total: int = 0
    count: int = 0

    @property
    def average(self) -> float | None:
        return self.total / self.count if self.count else None


@dataclass
class SlaRow:
    """A line of the tables: a type, priority or agent (``key``; ``None``: none)."""

    key: Hashable
    name: str = ""
    targets: dict[str, Attainment] = field(
        default_factory=lambda: {target: Attainment() for target in due.TARGETS}
    )
    durations: dict[str, BusinessTime] = field(
        default_factory=lambda: {name: BusinessTime() for name in DURATIONS}
    )

    def add(self, row: dict) -> None:
        for target in due.TARGETS:
            self.targets[target].met += row[f"{target}_met"]
            self.targets[target].missed += row[f"{target}_missed"]
        for name in DURATIONS:
            self.durations[name].total += row[f"{name}_total"] or 0
            self.durations[name].count += row[f"{name}_count"]

    @property
    def cells(self) -> list[Attainment]:
        """The targets in the order of ``due.TARGETS`` (the tables' columns)."""
        return [self.targets[target] for target in due.TARGETS]

    @property
    def decided(self) -> bool:
        return any(item.decided for item in self.cells) or any(
            item.count for item in self.durations.values()
        )

    @property
    def first_response_average(self) -> str:
        return business_hours(self.durations["first_response"].average)

    @property
    def resolution_average(self) -> str:
        return business_hours(self.durations["resolution"].average)


@dataclass
class SlaReport:
    totals: SlaRow
    per_type: list[SlaRow]
    per_priority: list[SlaRow]
    per_agent: list[SlaRow]
    # business seconds: (median of first response, median of resolution)
    medians: dict[str, float | None]

    @property
    def target_labels(self) -> list[str]:
        return [str(due.target_label(target)) for target in due.TARGETS]

    @property
    def first_response_median(self) -> str:
        return business_hours(self.medians["first_response"])

    @property
    def resolution_median(self) -> str:
        return business_hours(self.medians["resolution"])


def grouped_rows(tickets: QuerySet, period: Period, now: datetime.datetime) -> list[dict]:
    """Tickets opened in the period per type, priority and assignee, with the met and
    missed count of each target and the business-seconds totals."""
    counts = {}
    for target in due.TARGETS:
        state, due_at = f"sla_{target}_state", f"sla_{target}_due_at"
        counts[f"{target}_met"] = Count("pk", filter=Q(**{state: due.State.MET}))
        counts[f"{target}_missed"] = Count(
            "pk",
            filter=Q(**{state: due.State.BREACHED})
            | Q(**{state: due.State.RUNNING, f"{due_at}__lte": now}),
        )
    for name, (column, final) in DURATIONS.items():
        counts[f"{name}_total"] = Sum(column, filter=final)
        counts[f"{name}_count"] = Count(column, filter=final)
    return list(
        tickets.filter(_in(period, "created_at"))
        .order_by()
        .values("ticket_type_id", "priority_id", "assignee_id")
        .annotate(**counts)
    )


def _group(rows: list[dict], key: str) -> dict[Hashable, SlaRow]:
    groups: dict[Hashable, SlaRow] = {}
    for row in rows:
        value = row[key]
        if value not in groups:
            groups[value] = SlaRow(value)
        groups[value].add(row)
    return groups


def _named(groups: dict[Hashable, SlaRow], names: dict, order: Callable) -> list[SlaRow]:
    for key, row in groups.items():
        row.name = names.get(key, "") if key is not None else ""
    return sorted((row for row in groups.values() if row.decided), key=order)


def median_seconds(
    tickets: QuerySet, period: Period, name: str, count: int | None = None
) -> float | None:
    """The median business seconds of one duration (``DURATIONS``) of the tickets opened in
    the period: PostgreSQL's ``percentile_cont``, elsewhere the middle rows of ``count``
    (which only PostgreSQL may leave unknown: a median of no rows is null there)."""
    if count == 0 or (count is None and not _postgres(tickets)):
        return None
    column, final = DURATIONS[name]
    chosen = tickets.filter(_in(period, "created_at")).filter(final, **{f"{column}__isnull": False})
    if _postgres(tickets):
        return chosen.order_by().aggregate(median=Median(column, output_field=FloatField()))[
            "median"
        ]
    low, high = (count - 1) // 2, count // 2
    middle = list(chosen.order_by(column, "pk").values_list(column, flat=True)[low : high + 1])
    return sum(middle) / len(middle) if middle else None


def build(
    tickets: QuerySet,
    period: Period,
    now: datetime.datetime | None = None,
    session: Session | None = None,
) -> SlaReport:
    """The service-level part of the reports page for the tickets the viewer may see. On
    PostgreSQL the grouped rows and the two medians are read at once (``session``, the
    report's ``queries.analytics``)."""
    now = now or timezone.now()
    medians: dict[str, float | None] | None = None
    if _postgres(tickets):
        session = session or Session(tickets.db)
        # the grouped rows take longest: they start first
        rows, *found = session.together(
            lambda: grouped_rows(tickets, period, now),
            *(partial(median_seconds, tickets, period, name) for name in DURATIONS),
        )
        medians = dict(zip(DURATIONS, found, strict=True))
    else:
        rows = grouped_rows(tickets, period, now)
    totals = SlaRow(None)
    for row in rows:
        totals.add(row)
    types, priorities, agents = (
        _group(rows, key) for key in ("ticket_type_id", "priority_id", "assignee_id")
    )
    type_names = dict(
        TicketType.objects.filter(pk__in=[k for k in types if k is not None]).values_list(
            "pk", "name"
        )
    )
    priority_rows = Priority.objects.filter(pk__in=[k for k in priorities if k is not None])
    priority_names = {priority.pk: str(priority.label) for priority in priority_rows}
    priority_order = {priority.pk: priority.sort_order for priority in priority_rows}
    no_priority, nobody = _("No priority"), _("Unassigned")
    per_priority = _named(
        priorities, priority_names, lambda row: (priority_order.get(row.key, 10**9), row.name)
    )
    for row in per_priority:
        row.name = row.name or no_priority
    per_agent = _named(
        agents,
        agent_names([k for k in agents if k is not None]),
        lambda row: (row.key is None, row.name.lower()),
    )
    for row in per_agent:
        row.name = row.name or nobody
    if medians is None:
        medians = {
            name: median_seconds(tickets, period, name, totals.durations[name].count)
            for name in DURATIONS
        }
    return SlaReport(
        totals=totals,
        per_type=_named(types, type_names, lambda row: row.name.lower()),
        per_priority=per_priority,
        per_agent=per_agent,
        medians=medians,
    )


def business_hours(seconds: float | None) -> str:
    """Business time in hours and minutes ("52 h 10 min"): a business day is not 24
    hours, so days are not counted."""
    if seconds is None:
        return "–"
    minutes = int(seconds // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min") % {"minutes": minutes}
