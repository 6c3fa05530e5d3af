"""Listings whose totals are bounded: counting a million tickets on every page view costs
more than the page itself, and nobody pages past the first thousands of rows (they filter
or search instead). A bounded count stops at ``COUNT_LIMIT`` rows and shows as "2,000+".
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.functional import cached_property

COUNT_LIMIT = 2_000


class AtLeast(int):
    """A count that stopped at its limit: there are at least this many, maybe more."""

    def __str__(self) -> str:
        return f"{int(self)}+"


def bounded_count(queryset: QuerySet, limit: int = COUNT_LIMIT) -> int:
    """The number of rows, or ``AtLeast(limit)`` when there are more: the database stops
    counting after ``limit + 1`` rows."""
    found = queryset.order_by()[: limit + 1].count()
    return AtLeast(limit) if found > limit else found


def bounded_counts(querysets: list[QuerySet], limit: int = COUNT_LIMIT) -> list[int]:
    """``bounded_count`` of each queryset (all of one database), in one round trip: a
    page's labels ("Open (12)", "Closed (1,000+)") each cost a query of their own
    otherwise."""
    parts, params = [], []
    for queryset in querysets:
        try:
            sql, part_params = queryset.order_by()[: limit + 1].values("pk").query.sql_with_params()
        except EmptyResultSet:  # .none(), or a filter on an empty list
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS bounded_{len(parts)})")
        params.extend(part_params)
    if all(part == "0" for part in parts):
        return [0] * len(parts)
    with connections[querysets[0].db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        found = cursor.fetchone()
    return [AtLeast(limit) if count > limit else count for count in found]


def bound(count: int, limit: int) -> int | None:
    """A count made of others (a sum of bounded counts) bounded in turn at ``limit``;
    ``None`` when it cannot say (it stopped below ``limit``)."""
    if isinstance(count, AtLeast):
        return AtLeast(limit) if count >= limit else None
    return AtLeast(limit) if count > limit else count


def show_count(count: int) -> str:
    """``count`` for display, localised: "1,234", or "2,000+" for a bounded count."""
    shown = number_format(int(count), force_grouping=True)
    return f"{shown}+" if isinstance(count, AtLeast) else shown


class BoundedPaginatorMixin:
    """For a ``Paginator`` subclass: count at most ``count_limit`` rows; the pages past it
    are not offered."""

    count_limit = COUNT_LIMIT

    def __init__(self, *args, count_limit: int | None = None, count: int | None = None, **kwargs):
        """``count``: the rows' bounded count when the page has it already (its labels
        counted them)."""
        super().__init__(*args, **kwargs)
        if count_limit is not None:
            self.count_limit = count_limit
        known = None if count is None else bound(count, self.count_limit)
        if known is not None:
            self.__dict__["count"] = known

    @cached_property
    def count(self) -> int:
        return bounded_count(self.object_list, self.count_limit)

    @property
    def is_bounded(self) -> bool:
        return isinstance(self.count, AtLeast)

    def get_page(self, number):
        """The first page is read before anything is counted: when it is the only page
        (a search, a narrow filter), its rows give the count and no count query runs."""
        if number not in (None, "", "1", 1) or "count" in self.__dict__:
            return super().get_page(number)
        last = self.per_page + self.orphans
        rows = list(self.object_list[: last + 1])
        if len(rows) <= min(last, self.count_limit):
            self.__dict__["count"] = len(rows)
            return self._get_page(rows, 1, self)
        if self.count <= last:  # rows were added meanwhile
            return super().get_page(number)
        return self._get_page(rows[: self.per_page], 1, self)


class BoundedPaginator(BoundedPaginatorMixin, Paginator):
    pass


class UncountedPage:
    """A page of a listing that is never counted (the report's time spent, grouped from
    hundreds of thousands of messages): one row more than the page shows tells whether
    another page follows. It offers what a template asks of a ``Page`` but the total."""

    def __init__(self, rows: list, number: int, per_page: int) -> None:
        self.number = number
        self.more = len(rows) > per_page
        self.object_list = rows[:per_page]

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def uncounted_page(
    queryset: QuerySet, number, per_page: int, max_rows: int = COUNT_LIMIT
) -> UncountedPage:
    """Page ``number`` of ``queryset`` without a count. A number that is not one, or lies
    past ``max_rows`` (each page further costs the database more), gives the first page;
    so does a page past the end, in one more query."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    if number < 1 or (number - 1) * per_page >= max_rows:
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    if not rows and number > 1:
        return uncounted_page(queryset, 1, per_page, max_rows)
    return UncountedPage(rows, number, per_page)
