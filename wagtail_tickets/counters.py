"""Ticket counts read from ``TicketCounter`` (kept by the database, see ``derived``), so no
request counts the ticket table to label its filters or size its listing."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from . import derived
from .models import Status, TicketCounter


def status_counts(type_ids: Iterable[int]) -> dict[int, int]:
    """Tickets per status id over the given types, in one small query."""
    rows = (
        TicketCounter.objects.filter(ticket_type__in=list(type_ids))
        .values_list("status")
        .annotate(n=Sum("count"))
        .order_by()
    )
    return {status_id: n for status_id, n in rows if n}


def with_ticket_counts(statuses: QuerySet[Status]) -> QuerySet[Status]:
    """``statuses`` annotated with ``ticket_count``, the tickets in each, from the counters."""
    per_status = (
        TicketCounter.objects.filter(status=OuterRef("pk"))
        .order_by()
        .values("status")
        .annotate(n=Sum("count"))
        .values("n")
    )
    return statuses.annotate(
        ticket_count=Coalesce(Subquery(per_status, output_field=IntegerField()), 0)
    )


def rebuild_counters() -> None:
    """Recount from the ticket table (and refresh ``is_open``); for rows loaded with the
    database triggers switched off. Leaves the search words alone."""
    derived.rebuild(connection, words=False)
