"""Data the database derives from tickets, kept by triggers so that every way of changing a
ticket (``actions``, bulk updates, the status editor's reassignment, raw SQL, an import)
keeps it right, and no request ever counts or scans the ticket table to get it:

- ``Ticket.is_open`` mirrors ``not status.is_closed``: the partial indexes on open tickets
  (inbox, workload, unassigned, overdue, auto-close) filter on it;
- ``TicketCounter`` holds the number of tickets per (type, status): the inbox's status
  counters and the page totals read a few rows of it;
- PostgreSQL only: ``search_vector``, a column of the ticket table that Django does not
  manage (so a ``save()`` never overwrites it), collects the words of the ticket's
  messages; with a GIN index on it and one on subject and requester it serves the inbox
  search (``wagtail_tickets.search``).

``install`` is idempotent. Migration 0008 runs it, and ``post_migrate`` runs it again on
SQLite, where altering the ticket table in a later migration rebuilds the table and drops
its triggers.
"""

from __future__ import annotations

TICKET = "wagtail_tickets_ticket"
STATUS = "wagtail_tickets_status"
COUNTER = "wagtail_tickets_ticketcounter"
MESSAGE = "wagtail_tickets_message"
SEARCH_CONFIG = "simple"

# The expression of the GIN index on a ticket's own words; ``wagtail_tickets.search`` must
# use exactly this text for PostgreSQL to pick the index.
HEADER_VECTOR_SQL = (
    f"to_tsvector('{SEARCH_CONFIG}'::regconfig, "
    f"({TICKET}.subject || ' ' || {TICKET}.requester_name || ' ' || {TICKET}.requester_email))"
)

POSTGRES_INSTALL = f"""
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

ALTER TABLE {TICKET} ADD COLUMN IF NOT EXISTS search_vector tsvector;
CREATE OR REPLACE FUNCTION wagtail_tickets_message_words() RETURNS trigger AS $$
BEGIN
    UPDATE {TICKET}
    SET search_vector = COALESCE(search_vector, ''::tsvector)
        || strip(to_tsvector('{SEARCH_CONFIG}'::regconfig, COALESCE(NEW.body_text, '')))
    WHERE id = NEW.ticket_id;
    RETURN NULL;
EXCEPTION WHEN program_limit_exceeded THEN
    -- the ticket's words outgrow a tsvector (1 MB): keep the words collected so far
    RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS wagtail_tickets_message_words ON {MESSAGE};
CREATE TRIGGER wagtail_tickets_message_words
    AFTER INSERT ON {MESSAGE}
    FOR EACH ROW EXECUTE FUNCTION wagtail_tickets_message_words();
CREATE INDEX IF NOT EXISTS wt_ticket_search ON {TICKET} USING gin (search_vector);
CREATE INDEX IF NOT EXISTS wt_ticket_search_header ON {TICKET} USING gin (({HEADER_VECTOR_SQL}));
"""

# A GIN index gathers new entries in a pending list and merges it into the index once it
# outgrows this many kB, inside whichever statement crosses the limit. A ticket's words (a
# few hundred) are entered anew on every change of its row (closing it, a new message), so
# with the default 4 MB one ticket change in some hundreds waited 0.3 to 1.4 s for the
# merge, holding its locks; 256 kB keeps a merge near a tenth of a second, at the same
# total cost.
GIN_PENDING_KB = 256
_SEARCH_INDEXES = ("wt_ticket_search", "wt_ticket_search_header")
POSTGRES_PENDING_LIMIT = "".join(
    f"ALTER INDEX {name} SET (gin_pending_list_limit = {GIN_PENDING_KB});"
    for name in _SEARCH_INDEXES
)
POSTGRES_PENDING_DEFAULT = "".join(
    f"ALTER INDEX IF EXISTS {name} RESET (gin_pending_list_limit);" for name in _SEARCH_INDEXES
)

POSTGRES_UNINSTALL = f"""
DROP TRIGGER IF EXISTS wagtail_tickets_message_words ON {MESSAGE};
DROP FUNCTION IF EXISTS wagtail_tickets_message_words();
DROP INDEX IF EXISTS wt_ticket_search_header;
ALTER TABLE {TICKET} DROP COLUMN IF EXISTS search_vector;
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

REBUILD = [
    f"UPDATE {TICKET} SET is_open = NOT (SELECT is_closed FROM {STATUS} WHERE id = status_id) "
    f"WHERE is_open = (SELECT is_closed FROM {STATUS} WHERE id = status_id)",
    f"DELETE FROM {COUNTER}",
    f"INSERT INTO {COUNTER} (ticket_type_id, status_id, count) "
    f"SELECT ticket_type_id, status_id, COUNT(*) FROM {TICKET} GROUP BY ticket_type_id, status_id",
]
POSTGRES_REBUILD_WORDS = f"""
UPDATE {TICKET} AS ticket SET search_vector = words.vector
FROM (
    SELECT ticket_id,
        strip(to_tsvector('{SEARCH_CONFIG}'::regconfig, string_agg(body_text, ' '))) AS vector
    FROM {MESSAGE} GROUP BY ticket_id
) AS words
WHERE ticket.id = words.ticket_id
"""


def install(connection) -> None:
    """Create (or re-create) the triggers, and on PostgreSQL the search column and indexes."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_INSTALL)
            cursor.execute(POSTGRES_PENDING_LIMIT)
        elif connection.vendor == "sqlite":
            for name, body in SQLITE_TRIGGERS.items():
                cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")


def limit_pending_words(connection, limit: bool = True) -> None:
    """Migration 0015: the search indexes' pending lists kept small (``GIN_PENDING_KB``),
    or (``limit=False``) back to PostgreSQL's default."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(POSTGRES_PENDING_LIMIT if limit else POSTGRES_PENDING_DEFAULT)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_UNINSTALL)
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def rebuild(connection, *, words: bool = True) -> None:
    """Recompute everything from the tickets and messages, e.g. after loading rows with the
    triggers off. ``words=False`` leaves the search words alone (the slow part)."""
    with connection.cursor() as cursor:
        for statement in REBUILD:
            cursor.execute(statement)
        if words and connection.vendor == "postgresql":
            cursor.execute(POSTGRES_REBUILD_WORDS)
    if connection.vendor == "postgresql":
        from . import report_days

        if report_days.installed_zone(connection):
            report_days.rebuild(connection)


def reinstall_after_migrate(using: str = "default", **kwargs) -> None:
    """``post_migrate`` receiver: SQLite drops a table's triggers when a migration rebuilds
    the table, so put them back while migration 0008 is applied."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    applied = MigrationRecorder(connection).applied_migrations()
    if ("wagtail_tickets", "0008_performance") in applied:
        install(connection)
