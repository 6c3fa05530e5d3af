"""``Ticket.is_open`` and the ticket counters, kept by triggers, and the queries that read
the counters:

- ``Ticket.is_open`` mirrors ``not status.is_closed``: the partial indexes on open tickets
  (inbox, workload, unassigned, overdue, auto-close) filter on it;
- ``TicketCounter`` holds the number of tickets per (type, status): the inbox's status
  counters and the page totals read a few rows of it, so no request counts the ticket
  table to label its filters or size its listing.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from ..models import Status, TicketCounter
from .tables import COUNTER, STATUS, TICKET

POSTGRESQL_INSTALL = f"""
CREATE OR REPLACE FUNCTION wagtail_tickets_ticket_is_open() RETURNS trigger AS $$
BEGIN
    NEW.is_open := NOT (SELECT is_closed FROM {STATUS} WHERE id = NEW.status_id);
    RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS wagtail_tickets_ticket_is_open ON {TICKET};
CREATE TRIGGER wagtail_tickets_ticket_is_open
    BEFORE INSERT OR UPDATE OF status_id, is_open ON {TICKET}
    FOR EACH ROW EXECUTE FUNCTION wagtail_tickets_ticket_is_open();

CREATE OR REPLACE FUNCTION wagtail_tickets_status_is_closed() RETURNS trigger AS $$
BEGIN
    UPDATE {TICKET} SET is_open = NOT NEW.is_closed WHERE status_id = NEW.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS wagtail_tickets_status_is_closed ON {STATUS};
CREATE TRIGGER wagtail_tickets_status_is_closed
    AFTER UPDATE OF is_closed ON {STATUS}
    FOR EACH ROW WHEN (OLD.is_closed IS DISTINCT FROM NEW.is_closed)
    EXECUTE FUNCTION wagtail_tickets_status_is_closed();

CREATE OR REPLACE FUNCTION wagtail_tickets_count_add(
    p_type bigint, p_status bigint, p_delta integer
) RETURNS void AS $$
BEGIN
    INSERT INTO {COUNTER} (ticket_type_id, status_id, count) VALUES (p_type, p_status, p_delta)
    ON CONFLICT (ticket_type_id, status_id) DO UPDATE SET count = {COUNTER}.count + p_delta;
END $$ LANGUAGE plpgsql;

-- A change of type or status touches two counter rows; they are always taken in key
-- order, so two opposite changes at the same time cannot deadlock.
CREATE OR REPLACE FUNCTION wagtail_tickets_ticket_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM wagtail_tickets_count_add(NEW.ticket_type_id, NEW.status_id, 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM wagtail_tickets_count_add(OLD.ticket_type_id, OLD.status_id, -1);
    ELSIF (OLD.ticket_type_id, OLD.status_id) < (NEW.ticket_type_id, NEW.status_id) THEN
        PERFORM wagtail_tickets_count_add(OLD.ticket_type_id, OLD.status_id, -1);
        PERFORM wagtail_tickets_count_add(NEW.ticket_type_id, NEW.status_id, 1);
    ELSE
        PERFORM wagtail_tickets_count_add(NEW.ticket_type_id, NEW.status_id, 1);
        PERFORM wagtail_tickets_count_add(OLD.ticket_type_id, OLD.status_id, -1);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS wagtail_tickets_ticket_count_insert_delete ON {TICKET};
CREATE TRIGGER wagtail_tickets_ticket_count_insert_delete
    AFTER INSERT OR DELETE ON {TICKET}
    FOR EACH ROW EXECUTE FUNCTION wagtail_tickets_ticket_count();
DROP TRIGGER IF EXISTS wagtail_tickets_ticket_count_update ON {TICKET};
CREATE TRIGGER wagtail_tickets_ticket_count_update
    AFTER UPDATE OF ticket_type_id, status_id ON {TICKET}
    FOR EACH ROW WHEN (
        OLD.ticket_type_id IS DISTINCT FROM NEW.ticket_type_id
        OR OLD.status_id IS DISTINCT FROM NEW.status_id
    )
    EXECUTE FUNCTION wagtail_tickets_ticket_count();
"""

POSTGRESQL_UNINSTALL = f"""
DROP TRIGGER IF EXISTS wagtail_tickets_ticket_count_update ON {TICKET};
DROP TRIGGER IF EXISTS wagtail_tickets_ticket_count_insert_delete ON {TICKET};
DROP FUNCTION IF EXISTS wagtail_tickets_ticket_count();
DROP FUNCTION IF EXISTS wagtail_tickets_count_add(bigint, bigint, integer);
DROP TRIGGER IF EXISTS wagtail_tickets_status_is_closed ON {STATUS};
DROP FUNCTION IF EXISTS wagtail_tickets_status_is_closed();
DROP TRIGGER IF EXISTS wagtail_tickets_ticket_is_open ON {TICKET};
DROP FUNCTION IF EXISTS wagtail_tickets_ticket_is_open();
"""

# SQLite triggers cannot change NEW: the ticket row is corrected right after the write.
_SQLITE_IS_OPEN = (
    f"UPDATE {TICKET} SET is_open = NOT (SELECT is_closed FROM {STATUS} WHERE id = NEW.status_id) "
    "WHERE id = NEW.id;"
)
_SQLITE_COUNT_NEW = (
    f"INSERT INTO {COUNTER} (ticket_type_id, status_id, count) "
    "VALUES (NEW.ticket_type_id, NEW.status_id, 1) "
    "ON CONFLICT (ticket_type_id, status_id) DO UPDATE SET count = count + 1;"
)
_SQLITE_UNCOUNT_OLD = (
    f"UPDATE {COUNTER} SET count = count - 1 "
    "WHERE ticket_type_id = OLD.ticket_type_id AND status_id = OLD.status_id;"
)
# trigger name -> what follows ``CREATE TRIGGER <name>``
SQLITE_TRIGGERS = {
    "wagtail_tickets_ticket_is_open_insert": (
        f"AFTER INSERT ON {TICKET} BEGIN {_SQLITE_IS_OPEN} END"
    ),
    "wagtail_tickets_ticket_is_open_update": (
        f"AFTER UPDATE OF status_id, is_open ON {TICKET} BEGIN {_SQLITE_IS_OPEN} END"
    ),
    "wagtail_tickets_status_is_closed": (
        f"AFTER UPDATE OF is_closed ON {STATUS} WHEN OLD.is_closed IS NOT NEW.is_closed "
        f"BEGIN UPDATE {TICKET} SET is_open = NOT NEW.is_closed WHERE status_id = NEW.id; END"
    ),
    "wagtail_tickets_ticket_count_insert": (
        f"AFTER INSERT ON {TICKET} BEGIN {_SQLITE_COUNT_NEW} END"
    ),
    "wagtail_tickets_ticket_count_delete": (
        f"AFTER DELETE ON {TICKET} BEGIN {_SQLITE_UNCOUNT_OLD} END"
    ),
    "wagtail_tickets_ticket_count_update": (
        f"AFTER UPDATE OF ticket_type_id, status_id ON {TICKET} "
        "WHEN OLD.ticket_type_id IS NOT NEW.ticket_type_id OR OLD.status_id IS NOT NEW.status_id "
        f"BEGIN {_SQLITE_UNCOUNT_OLD} {_SQLITE_COUNT_NEW} END"
    ),
}

# is_open and the counters recomputed from the tickets (rows loaded with the triggers off)
REBUILD = [
    f"UPDATE {TICKET} SET is_open = NOT (SELECT is_closed FROM {STATUS} WHERE id = status_id) "
    f"WHERE is_open = (SELECT is_closed FROM {STATUS} WHERE id = status_id)",
    f"DELETE FROM {COUNTER}",
    f"INSERT INTO {COUNTER} (ticket_type_id, status_id, count) "
    f"SELECT ticket_type_id, status_id, COUNT(*) FROM {TICKET} GROUP BY ticket_type_id, status_id",
]


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
