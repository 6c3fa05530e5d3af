"""Satisfaction numbers of the reports, computed in the database.

Of the ratings given (or last changed) in the period, on tickets the agent may see: how
many were good, okay and bad and the share of good ones, in total, per agent (the assignee
when the ticket was rated), per type and per bucket of the period; and the comments, newest
first, a page at a time. One grouped query for the numbers (per agent, type and bucket at
once, summed up in Python), one look-up of names each for agents and types, and one query
per page of comments, whatever the number of ratings.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from ...models import Rating, TicketType
from ...models.tickets import agent_names
from ...pagination import UncountedPage, uncounted_page
from .queries import Period, _bucket, _bucket_days, _in

COMMENTS_PER_PAGE = 20
COMMENTS_PAGE_PARAM = "comments_page"


@dataclass
class Satisfaction:
    """The ratings of one agent, type or bucket (``key``; ``None``: nobody, none)."""

    key: Hashable = None
    name: str = ""
    good: int = 0
    okay: int = 0
    bad: int = 0

    @property
    def total(self) -> int:
        return self.good + self.okay + self.bad

    @property
    def good_percent(self) -> float | None:
        """The share of good ratings, in percent; ``None`` without ratings."""
        return 100 * self.good / self.total if self.total else None

    def add(self, row: dict) -> None:
        self.good += row["good"]
        self.okay += row["okay"]
        self.bad += row["bad"]


@dataclass
class RatingReport:
    totals: Satisfaction
    per_agent: list[Satisfaction]
    per_type: list[Satisfaction]
    per_bucket: list[Satisfaction]


def ratings_in(tickets: QuerySet, period: Period) -> QuerySet:
    """The ratings of ``tickets`` (the agent's) given or last changed in the period."""
    return Rating.objects.filter(_in(period, "updated_at"), ticket__in=tickets.values("pk"))


def grouped_rows(tickets: QuerySet, period: Period) -> list[dict]:
    """Good, okay and bad per agent, type and bucket: one query."""
    ratings = ratings_in(tickets, period)
    rows = (
        ratings.annotate(bucket=_bucket(ratings, "updated_at", period))
        .order_by()
        .values("bucket", "agent_id", "ticket_type_id")
        .annotate(
            good=Count("pk", filter=Q(score=Rating.Score.GOOD)),
            okay=Count("pk", filter=Q(score=Rating.Score.OKAY)),
            bad=Count("pk", filter=Q(score=Rating.Score.BAD)),
        )
    )
    return _bucket_days(list(rows), period)


def _sorted(groups: dict[Hashable, Satisfaction]) -> list[Satisfaction]:
    # most ratings first, then by name; "nobody" last
    return sorted(groups.values(), key=lambda s: (s.key is None, -s.total, s.name.lower()))


def build(tickets: QuerySet, period: Period) -> RatingReport:
    rows = grouped_rows(tickets, period)
    totals = Satisfaction()
    agents: dict[Hashable, Satisfaction] = {}
    types: dict[Hashable, Satisfaction] = {}
    buckets = {day: Satisfaction(key=day) for day in period.buckets()}
    for row in rows:
        totals.add(row)
        agents.setdefault(row["agent_id"], Satisfaction(key=row["agent_id"])).add(row)
        types.setdefault(row["ticket_type_id"], Satisfaction(key=row["ticket_type_id"])).add(row)
        day = row["bucket"]
        if isinstance(day, datetime.datetime):
            day = day.date()
        buckets.setdefault(day, Satisfaction(key=day)).add(row)
    names = agent_names([key for key in agents if key is not None])
    for agent in agents.values():
        agent.name = names.get(agent.key, "") if agent.key is not None else _("Unassigned")
    type_names = dict(
        TicketType.objects.filter(pk__in=[k for k in types if k is not None]).values_list(
            "pk", "name"
        )
    )
    for ticket_type in types.values():
        ticket_type.name = type_names.get(ticket_type.key, "") or _("Deleted type")
    return RatingReport(
        totals=totals,
        per_agent=_sorted(agents),
        per_type=_sorted(types),
        per_bucket=[buckets[day] for day in sorted(buckets)],
    )


def comments(tickets: QuerySet, period: Period, page_number) -> UncountedPage:
    """The period's ratings with a comment, newest first, one page (never counted)."""
    rows = (
        ratings_in(tickets, period)
        .exclude(comment="")
        .order_by("-updated_at", "-pk")
        .values(
            "pk",
            "score",
            "comment",
            "updated_at",
            "ticket_id",
            "ticket__number",
            "ticket__subject",
            "agent_id",
        )
    )
    page = uncounted_page(rows, page_number, COMMENTS_PER_PAGE)
    names = agent_names({row["agent_id"] for row in page.object_list if row["agent_id"]})
    labels = dict(Rating.Score.choices)
    for row in page.object_list:
        row["agent_name"] = names.get(row["agent_id"], "") if row["agent_id"] else ""
        row["score_label"] = labels.get(row["score"], row["score"])
    return page
