"""The inbox search also finds a ticket by the parts of its requester's address ("acme"
finds ``it@acme.example``): the index on a ticket's own words is built anew with the
address split at ``@`` and ``.`` beside the whole address.

Like ``0003_database_machinery``, this migration carries a frozen, literal copy of the whole
database machinery as ``wagtail_tickets.db`` installs it today (``tests/test_migrations.py``
compares the newest copy with the live package); it runs only the statements of the search
words, since nothing else changed.
"""

import re
import zoneinfo

from django.conf import settings
from django.db import migrations

# is_open, the counters, the search words and their indexes
POSTGRESQL = [
    """
CREATE OR REPLACE FUNCTION wagtail_tickets_ticket_is_open() RETURNS trigger AS $$
BEGIN
    NEW.is_open := NOT (SELECT is_closed FROM wagtail_tickets_status WHERE id = NEW.status_id);
    RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS wagtail_tickets_ticket_is_open ON wagtail_tickets_ticket;
CREATE TRIGGER wagtail_tickets_ticket_is_open
    BEFORE INSERT OR UPDATE OF status_id, is_open ON wagtail_tickets_ticket
    FOR EACH ROW EXECUTE FUNCTION wagtail_tickets_ticket_is_open();

CREATE OR REPLACE FUNCTION wagtail_tickets_status_is_closed() RETURNS trigger AS $$
BEGIN
    UPDATE wagtail_tickets_ticket SET is_open = NOT NEW.is_closed WHERE status_id = NEW.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS wagtail_tickets_status_is_closed ON wagtail_tickets_status;
CREATE TRIGGER wagtail_tickets_status_is_closed
    AFTER UPDATE OF is_closed ON wagtail_tickets_status
    FOR EACH ROW WHEN (OLD.is_closed IS DISTINCT FROM NEW.is_closed)
    EXECUTE FUNCTION wagtail_tickets_status_is_closed();

CREATE OR REPLACE FUNCTION wagtail_tickets_count_add(
    p_type bigint, p_status bigint, p_delta integer
) RETURNS void AS $$
BEGIN
    INSERT INTO wagtail_tickets_ticketcounter (ticket_type_id, status_id, count) VALUES (p_type, p_status, p_delta)
    ON CONFLICT (ticket_type_id, status_id) DO UPDATE SET count = wagtail_tickets_ticketcounter.count + p_delta;
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
DROP TRIGGER IF EXISTS wagtail_tickets_ticket_count_insert_delete ON wagtail_tickets_ticket;
CREATE TRIGGER wagtail_tickets_ticket_count_insert_delete
    AFTER INSERT OR DELETE ON wagtail_tickets_ticket
    FOR EACH ROW EXECUTE FUNCTION wagtail_tickets_ticket_count();
DROP TRIGGER IF EXISTS wagtail_tickets_ticket_count_update ON wagtail_tickets_ticket;
CREATE TRIGGER wagtail_tickets_ticket_count_update
    AFTER UPDATE OF ticket_type_id, status_id ON wagtail_tickets_ticket
    FOR EACH ROW WHEN (
        OLD.ticket_type_id IS DISTINCT FROM NEW.ticket_type_id
        OR OLD.status_id IS DISTINCT FROM NEW.status_id
    )
    EXECUTE FUNCTION wagtail_tickets_ticket_count();
""",
    """
ALTER TABLE wagtail_tickets_ticket ADD COLUMN IF NOT EXISTS search_vector tsvector;
CREATE OR REPLACE FUNCTION wagtail_tickets_message_words() RETURNS trigger AS $$
BEGIN
    UPDATE wagtail_tickets_ticket
    SET search_vector = COALESCE(search_vector, ''::tsvector)
        || strip(to_tsvector('simple'::regconfig, COALESCE(NEW.body_text, '')))
    WHERE id = NEW.ticket_id;
    RETURN NULL;
EXCEPTION WHEN program_limit_exceeded THEN
    -- the ticket's words outgrow a tsvector (1 MB): keep the words collected so far
    RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS wagtail_tickets_message_words ON wagtail_tickets_message;
CREATE TRIGGER wagtail_tickets_message_words
    AFTER INSERT ON wagtail_tickets_message
    FOR EACH ROW EXECUTE FUNCTION wagtail_tickets_message_words();
CREATE INDEX IF NOT EXISTS wt_ticket_search ON wagtail_tickets_ticket USING gin (search_vector);
CREATE INDEX IF NOT EXISTS wt_ticket_search_header ON wagtail_tickets_ticket USING gin ((to_tsvector('simple'::regconfig, (wagtail_tickets_ticket.subject || ' ' || wagtail_tickets_ticket.requester_name || ' ' || wagtail_tickets_ticket.requester_email || ' ' || translate(wagtail_tickets_ticket.requester_email, '@.', '  ')))));
""",
    'ALTER INDEX wt_ticket_search SET (gin_pending_list_limit = 256);ALTER INDEX wt_ticket_search_header SET (gin_pending_list_limit = 256);',
]

POSTGRESQL_REMOVE = [
    """
DROP TRIGGER IF EXISTS wagtail_tickets_message_words ON wagtail_tickets_message;
DROP FUNCTION IF EXISTS wagtail_tickets_message_words();
DROP INDEX IF EXISTS wt_ticket_search_header;
ALTER TABLE wagtail_tickets_ticket DROP COLUMN IF EXISTS search_vector;
""",
    """
DROP TRIGGER IF EXISTS wagtail_tickets_ticket_count_update ON wagtail_tickets_ticket;
DROP TRIGGER IF EXISTS wagtail_tickets_ticket_count_insert_delete ON wagtail_tickets_ticket;
DROP FUNCTION IF EXISTS wagtail_tickets_ticket_count();
DROP FUNCTION IF EXISTS wagtail_tickets_count_add(bigint, bigint, integer);
DROP TRIGGER IF EXISTS wagtail_tickets_status_is_closed ON wagtail_tickets_status;
DROP FUNCTION IF EXISTS wagtail_tickets_status_is_closed();
DROP TRIGGER IF EXISTS wagtail_tickets_ticket_is_open ON wagtail_tickets_ticket;
DROP FUNCTION IF EXISTS wagtail_tickets_ticket_is_open();
""",
]

SQLITE = [
    'CREATE TRIGGER IF NOT EXISTS wagtail_tickets_ticket_is_open_insert AFTER INSERT ON wagtail_tickets_ticket BEGIN UPDATE wagtail_tickets_ticket SET is_open = NOT (SELECT is_closed FROM wagtail_tickets_status WHERE id = NEW.status_id) WHERE id = NEW.id; END',
    'CREATE TRIGGER IF NOT EXISTS wagtail_tickets_ticket_is_open_update AFTER UPDATE OF status_id, is_open ON wagtail_tickets_ticket BEGIN UPDATE wagtail_tickets_ticket SET is_open = NOT (SELECT is_closed FROM wagtail_tickets_status WHERE id = NEW.status_id) WHERE id = NEW.id; END',
    'CREATE TRIGGER IF NOT EXISTS wagtail_tickets_status_is_closed AFTER UPDATE OF is_closed ON wagtail_tickets_status WHEN OLD.is_closed IS NOT NEW.is_closed BEGIN UPDATE wagtail_tickets_ticket SET is_open = NOT NEW.is_closed WHERE status_id = NEW.id; END',
    'CREATE TRIGGER IF NOT EXISTS wagtail_tickets_ticket_count_insert AFTER INSERT ON wagtail_tickets_ticket BEGIN INSERT INTO wagtail_tickets_ticketcounter (ticket_type_id, status_id, count) VALUES (NEW.ticket_type_id, NEW.status_id, 1) ON CONFLICT (ticket_type_id, status_id) DO UPDATE SET count = count + 1; END',
    'CREATE TRIGGER IF NOT EXISTS wagtail_tickets_ticket_count_delete AFTER DELETE ON wagtail_tickets_ticket BEGIN UPDATE wagtail_tickets_ticketcounter SET count = count - 1 WHERE ticket_type_id = OLD.ticket_type_id AND status_id = OLD.status_id; END',
    'CREATE TRIGGER IF NOT EXISTS wagtail_tickets_ticket_count_update AFTER UPDATE OF ticket_type_id, status_id ON wagtail_tickets_ticket WHEN OLD.ticket_type_id IS NOT NEW.ticket_type_id OR OLD.status_id IS NOT NEW.status_id BEGIN UPDATE wagtail_tickets_ticketcounter SET count = count - 1 WHERE ticket_type_id = OLD.ticket_type_id AND status_id = OLD.status_id; INSERT INTO wagtail_tickets_ticketcounter (ticket_type_id, status_id, count) VALUES (NEW.ticket_type_id, NEW.status_id, 1) ON CONFLICT (ticket_type_id, status_id) DO UPDATE SET count = count + 1; END',
]

SQLITE_REMOVE = [
    'DROP TRIGGER IF EXISTS wagtail_tickets_ticket_is_open_insert',
    'DROP TRIGGER IF EXISTS wagtail_tickets_ticket_is_open_update',
    'DROP TRIGGER IF EXISTS wagtail_tickets_status_is_closed',
    'DROP TRIGGER IF EXISTS wagtail_tickets_ticket_count_insert',
    'DROP TRIGGER IF EXISTS wagtail_tickets_ticket_count_delete',
    'DROP TRIGGER IF EXISTS wagtail_tickets_ticket_count_update',
]

# the daily report totals (PostgreSQL): tables, the function naming their zone, the rest
DAILY_TOTALS_TABLES = """
CREATE TABLE IF NOT EXISTS wagtail_tickets_openedday (
    day date NOT NULL,
    ticket_type_id bigint NOT NULL,
    status_id bigint NOT NULL,
    opened integer NOT NULL,
    answered integer NOT NULL,
    waited_us bigint NOT NULL,
    PRIMARY KEY (day, ticket_type_id, status_id)
);
CREATE TABLE IF NOT EXISTS wagtail_tickets_closedday (
    day date NOT NULL,
    ticket_type_id bigint NOT NULL,
    assignee_id bigint NOT NULL,
    closed integer NOT NULL,
    took_us bigint NOT NULL,
    PRIMARY KEY (day, ticket_type_id, assignee_id)
);
CREATE TABLE IF NOT EXISTS wagtail_tickets_hoursday (
    day date NOT NULL,
    author_id bigint NOT NULL,
    logged integer NOT NULL,
    hours numeric(14, 2) NOT NULL,
    PRIMARY KEY (day, author_id)
);
"""

DAILY_TOTALS_FUNCTIONS = """
CREATE OR REPLACE FUNCTION wagtail_tickets_opened_add(t wagtail_tickets_ticket, sign integer)
RETURNS void AS $$
BEGIN
    INSERT INTO wagtail_tickets_openedday AS o VALUES (
        (t.created_at AT TIME ZONE wagtail_tickets_report_zone())::date, t.ticket_type_id, t.status_id, sign,
        CASE WHEN t.first_response_at IS NULL THEN 0 ELSE sign END,
        COALESCE(sign * (EXTRACT(EPOCH FROM (t.first_response_at - t.created_at)) * 1000000)::bigint, 0)
    )
    ON CONFLICT (day, ticket_type_id, status_id) DO UPDATE SET
        opened = o.opened + EXCLUDED.opened,
        answered = o.answered + EXCLUDED.answered,
        waited_us = o.waited_us + EXCLUDED.waited_us;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION wagtail_tickets_closed_add(t wagtail_tickets_ticket, sign integer)
RETURNS void AS $$
BEGIN
    IF t.is_open OR t.closed_at IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO wagtail_tickets_closedday AS c VALUES (
        (t.closed_at AT TIME ZONE wagtail_tickets_report_zone())::date, t.ticket_type_id, COALESCE(t.assignee_id, 0), sign,
        sign * (EXTRACT(EPOCH FROM (t.closed_at - t.created_at)) * 1000000)::bigint
    )
    ON CONFLICT (day, ticket_type_id, assignee_id) DO UPDATE SET
        closed = c.closed + EXCLUDED.closed,
        took_us = c.took_us + EXCLUDED.took_us;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION wagtail_tickets_report_days() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM wagtail_tickets_opened_add(NEW, 1);
        PERFORM wagtail_tickets_closed_add(NEW, 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM wagtail_tickets_opened_add(OLD, -1);
        PERFORM wagtail_tickets_closed_add(OLD, -1);
    ELSE

        IF OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.ticket_type_id IS DISTINCT FROM NEW.ticket_type_id OR OLD.status_id IS DISTINCT FROM NEW.status_id OR OLD.first_response_at IS DISTINCT FROM NEW.first_response_at THEN
            IF ((OLD.created_at AT TIME ZONE wagtail_tickets_report_zone())::date, OLD.ticket_type_id, OLD.status_id) <= ((NEW.created_at AT TIME ZONE wagtail_tickets_report_zone())::date, NEW.ticket_type_id, NEW.status_id) THEN
                PERFORM wagtail_tickets_opened_add(OLD, -1);
                PERFORM wagtail_tickets_opened_add(NEW, 1);
            ELSE
                PERFORM wagtail_tickets_opened_add(NEW, 1);
                PERFORM wagtail_tickets_opened_add(OLD, -1);
            END IF;
        END IF;

        IF OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.closed_at IS DISTINCT FROM NEW.closed_at OR OLD.is_open IS DISTINCT FROM NEW.is_open OR OLD.ticket_type_id IS DISTINCT FROM NEW.ticket_type_id OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id THEN
            IF (COALESCE((OLD.closed_at AT TIME ZONE wagtail_tickets_report_zone())::date, 'infinity'::date), OLD.ticket_type_id, COALESCE(OLD.assignee_id, 0)) <= (COALESCE((NEW.closed_at AT TIME ZONE wagtail_tickets_report_zone())::date, 'infinity'::date), NEW.ticket_type_id, COALESCE(NEW.assignee_id, 0)) THEN
                PERFORM wagtail_tickets_closed_add(OLD, -1);
                PERFORM wagtail_tickets_closed_add(NEW, 1);
            ELSE
                PERFORM wagtail_tickets_closed_add(NEW, 1);
                PERFORM wagtail_tickets_closed_add(OLD, -1);
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS wagtail_tickets_report_days ON wagtail_tickets_ticket;
CREATE TRIGGER wagtail_tickets_report_days
    AFTER INSERT OR DELETE ON wagtail_tickets_ticket
    FOR EACH ROW EXECUTE FUNCTION wagtail_tickets_report_days();
-- emptying the ticket table (TRUNCATE fires no row triggers) empties the totals
CREATE OR REPLACE FUNCTION wagtail_tickets_report_days_clear() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'wagtail_tickets_message' THEN
        TRUNCATE wagtail_tickets_hoursday;
    ELSE
        TRUNCATE wagtail_tickets_openedday, wagtail_tickets_closedday;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS wagtail_tickets_report_days_clear ON wagtail_tickets_ticket;
CREATE TRIGGER wagtail_tickets_report_days_clear
    AFTER TRUNCATE ON wagtail_tickets_ticket
    FOR EACH STATEMENT EXECUTE FUNCTION wagtail_tickets_report_days_clear();
DROP TRIGGER IF EXISTS wagtail_tickets_report_days_clear ON wagtail_tickets_message;
CREATE TRIGGER wagtail_tickets_report_days_clear
    AFTER TRUNCATE ON wagtail_tickets_message
    FOR EACH STATEMENT EXECUTE FUNCTION wagtail_tickets_report_days_clear();
DROP TRIGGER IF EXISTS wagtail_tickets_report_days_update ON wagtail_tickets_ticket;
CREATE TRIGGER wagtail_tickets_report_days_update
    AFTER UPDATE ON wagtail_tickets_ticket
    FOR EACH ROW WHEN (
        (OLD.created_at, OLD.ticket_type_id, OLD.status_id, OLD.first_response_at,
         OLD.closed_at, OLD.is_open, OLD.assignee_id)
        IS DISTINCT FROM
        (NEW.created_at, NEW.ticket_type_id, NEW.status_id, NEW.first_response_at,
         NEW.closed_at, NEW.is_open, NEW.assignee_id)
    )
    EXECUTE FUNCTION wagtail_tickets_report_days();

-- hours: only messages with hours count, so the triggers of the others do nothing
CREATE OR REPLACE FUNCTION wagtail_tickets_hours_add(m wagtail_tickets_message, sign integer)
RETURNS void AS $$
BEGIN
    IF m.hours IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO wagtail_tickets_hoursday AS h VALUES (
        (m.created_at AT TIME ZONE wagtail_tickets_report_zone())::date, COALESCE(m.author_id, 0), sign, sign * m.hours
    )
    ON CONFLICT (day, author_id) DO UPDATE SET
        logged = h.logged + EXCLUDED.logged,
        hours = h.hours + EXCLUDED.hours;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION wagtail_tickets_report_hours() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM wagtail_tickets_hours_add(NEW, 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM wagtail_tickets_hours_add(OLD, -1);
    ELSE

        IF OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.author_id IS DISTINCT FROM NEW.author_id OR OLD.hours IS DISTINCT FROM NEW.hours THEN
            IF ((OLD.created_at AT TIME ZONE wagtail_tickets_report_zone())::date, COALESCE(OLD.author_id, 0)) <= ((NEW.created_at AT TIME ZONE wagtail_tickets_report_zone())::date, COALESCE(NEW.author_id, 0)) THEN
                PERFORM wagtail_tickets_hours_add(OLD, -1);
                PERFORM wagtail_tickets_hours_add(NEW, 1);
            ELSE
                PERFORM wagtail_tickets_hours_add(NEW, 1);
                PERFORM wagtail_tickets_hours_add(OLD, -1);
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS wagtail_tickets_report_hours_insert ON wagtail_tickets_message;
CREATE TRIGGER wagtail_tickets_report_hours_insert
    AFTER INSERT ON wagtail_tickets_message
    FOR EACH ROW WHEN (NEW.hours IS NOT NULL)
    EXECUTE FUNCTION wagtail_tickets_report_hours();
DROP TRIGGER IF EXISTS wagtail_tickets_report_hours_delete ON wagtail_tickets_message;
CREATE TRIGGER wagtail_tickets_report_hours_delete
    AFTER DELETE ON wagtail_tickets_message
    FOR EACH ROW WHEN (OLD.hours IS NOT NULL)
    EXECUTE FUNCTION wagtail_tickets_report_hours();
DROP TRIGGER IF EXISTS wagtail_tickets_report_hours_update ON wagtail_tickets_message;
CREATE TRIGGER wagtail_tickets_report_hours_update
    AFTER UPDATE ON wagtail_tickets_message
    FOR EACH ROW WHEN (
        (OLD.created_at, OLD.author_id, OLD.hours)
        IS DISTINCT FROM (NEW.created_at, NEW.author_id, NEW.hours)
    )
    EXECUTE FUNCTION wagtail_tickets_report_hours();
"""

DAILY_TOTALS_REMOVE = """
DROP TRIGGER IF EXISTS wagtail_tickets_report_hours_update ON wagtail_tickets_message;
DROP TRIGGER IF EXISTS wagtail_tickets_report_hours_delete ON wagtail_tickets_message;
DROP TRIGGER IF EXISTS wagtail_tickets_report_hours_insert ON wagtail_tickets_message;
DROP FUNCTION IF EXISTS wagtail_tickets_report_hours();
DROP FUNCTION IF EXISTS wagtail_tickets_hours_add(wagtail_tickets_message, integer);
DROP TRIGGER IF EXISTS wagtail_tickets_report_days_clear ON wagtail_tickets_message;
DROP TABLE IF EXISTS wagtail_tickets_hoursday;
DROP TRIGGER IF EXISTS wagtail_tickets_report_days_clear ON wagtail_tickets_ticket;
DROP FUNCTION IF EXISTS wagtail_tickets_report_days_clear();
DROP TRIGGER IF EXISTS wagtail_tickets_report_days_update ON wagtail_tickets_ticket;
DROP TRIGGER IF EXISTS wagtail_tickets_report_days ON wagtail_tickets_ticket;
DROP FUNCTION IF EXISTS wagtail_tickets_report_days();
DROP FUNCTION IF EXISTS wagtail_tickets_closed_add(wagtail_tickets_ticket, integer);
DROP FUNCTION IF EXISTS wagtail_tickets_opened_add(wagtail_tickets_ticket, integer);
DROP FUNCTION IF EXISTS wagtail_tickets_report_zone();
DROP TABLE IF EXISTS wagtail_tickets_closedday;
DROP TABLE IF EXISTS wagtail_tickets_openedday;
"""

# a zone name is pasted into the zone's function: only plain names
ZONE_NAME = re.compile(r"\A[A-Za-z0-9_+\-/]+\Z")


def daily_totals(zone):
    """The statements that create the daily totals for days of ``zone`` (a checked name)."""
    if not ZONE_NAME.match(zone):
        raise ValueError(f"not a time zone name: {zone!r}")
    zone_function = (
        "CREATE OR REPLACE FUNCTION wagtail_tickets_report_zone() RETURNS text "
        f"AS $$ SELECT '{zone}'::text $$ LANGUAGE sql IMMUTABLE"
    )
    return [DAILY_TOTALS_TABLES, zone_function, DAILY_TOTALS_FUNCTIONS]


def site_zone():
    """``TIME_ZONE`` when times are stored aware and it is a plain, known zone name."""
    name = settings.TIME_ZONE if settings.USE_TZ else None
    if not name or not ZONE_NAME.match(name):
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return name


# the index on a ticket's own words as 0003_database_machinery made it
HEADER_INDEX_BEFORE = """CREATE INDEX IF NOT EXISTS wt_ticket_search_header ON wagtail_tickets_ticket USING gin ((to_tsvector('simple'::regconfig, (wagtail_tickets_ticket.subject || ' ' || wagtail_tickets_ticket.requester_name || ' ' || wagtail_tickets_ticket.requester_email))));"""
PENDING_LIMIT = "ALTER INDEX wt_ticket_search_header SET (gin_pending_list_limit = 256);"


def search_words(apps, schema_editor):
    """The search column's statements again, after dropping the old index on a ticket's
    own words (``CREATE INDEX IF NOT EXISTS`` keeps an index of that name as it is)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS wt_ticket_search_header")
        cursor.execute(POSTGRESQL[1])
        cursor.execute(POSTGRESQL[2])


def search_words_before(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS wt_ticket_search_header")
        cursor.execute(HEADER_INDEX_BEFORE)
        cursor.execute(PENDING_LIMIT)


class Migration(migrations.Migration):

    dependencies = [
        ("wagtail_tickets", "0004_first_hour"),
    ]

    operations = [
        migrations.RunPython(search_words, search_words_before, elidable=False),
    ]
