"""Ticket counts read from ``TicketCounter`` (kept by the database, see ``derived``), so no
request counts the ticket table to label its filters or size its listing."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Sum

from . import derived
from .models import TicketCounter


def status_counts(type_ids: Iterable[int]) -> dict[int, int]:
    """Tickets per status id over the given types, in one small query."""
    rows = (
        TicketCounter.objects.filter(ticket_type__in=list(type_ids))
        .values_list("status")
        .annotate(n=Sum("count"))
        .order_by()
    )
    return {status_id: n for status_id, n in rows if n}


def rebuild_counters() -> None:
    """Recount from the ticket table (and refresh ``is_open``); for rows loaded with the
    database triggers switched off. Leaves the search words alone."""
    derived.rebuild(connection, words=False)
