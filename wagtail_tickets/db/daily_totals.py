"""Daily report totals kept by the database (PostgreSQL), so that a report over a year
reads a few thousand rows instead of half a million tickets.

Three tables, kept by triggers whatever way a ticket or message changes, like the
counters of ``counters``:

- ``wagtail_tickets_openedday``: per local day of opening, type and current status, the
  tickets opened, those answered by staff and their total wait for that first answer;
- ``wagtail_tickets_closedday``: per local day of closing, type and assignee (0: none),
  the closed tickets and their total time from opening to closing;
- ``wagtail_tickets_hoursday``: per local day and author (0: none), the messages with
  hours and the hours logged on them. It has no type (a ticket moved to another type
  would have to move all its hours), so it answers only a report over every type.

A day is a day of one time zone, the site's ``TIME_ZONE`` when the totals were built; a
report in any other zone (an agent's own time zone) reads the tickets instead. ``ensure``
rebuilds the totals when ``TIME_ZONE`` changed; ``migrate`` runs it (``install``'s
receiver). The medians are still read from the tickets: a median cannot be summed up.
"""

from __future__ import annotations

import re
import zoneinfo

from django.conf import settings
from django.db import connections

from .tables import CLOSED, HOURS, MESSAGE, OPENED, TICKET

# a whole zone name (``\Z``: ``$`` would let a trailing new line through)
_ZONE_NAME = re.compile(r"\A[A-Za-z0-9_+\-/]+\Z")


def _micro(interval: str) -> str:
    return f"(EXTRACT(EPOCH FROM ({interval})) * 1000000)::bigint"


def _day(moment: str) -> str:
    return f"({moment} AT TIME ZONE wagtail_tickets_report_zone())::date"


def _move(table: str, columns: list[str], key: list[str]) -> str:
    """PL/pgSQL for an updated row: when any of ``columns`` changed, take the old row
    out of ``table``'s totals and put the new one in, the lower ``key`` first."""
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
    old_key = ", ".join(part.format(row="OLD") for part in key)
    new_key = ", ".join(part.format(row="NEW") for part in key)
    add = f"wagtail_tickets_{table}_add"
    return f"""
        IF {changed} THEN
            IF ({old_key}) <= ({new_key}) THEN
                PERFORM {add}(OLD, -1);
                PERFORM {add}(NEW, 1);
            ELSE
                PERFORM {add}(NEW, 1);
                PERFORM {add}(OLD, -1);
            END IF;
        END IF;"""


_OPENED_MOVE = _move(
    "opened",
    ["created_at", "ticket_type_id", "status_id", "first_response_at"],
    [_day("{row}.created_at"), "{row}.ticket_type_id", "{row}.status_id"],
)
_CLOSED_MOVE = _move(
    "closed",
    ["created_at", "closed_at", "is_open", "ticket_type_id", "assignee_id"],
    [
        f"COALESCE({_day('{row}.closed_at')}, 'infinity'::date)",
        "{row}.ticket_type_id",
        "COALESCE({row}.assignee_id, 0)",
    ],
)
_HOURS_MOVE = _move(
    "hours",
    ["created_at", "author_id", "hours"],
    [_day("{row}.created_at"), "COALESCE({row}.author_id, 0)"],
)

TABLES = f"""
CREATE TABLE IF NOT EXISTS {OPENED} (
    day date NOT NULL,
    ticket_type_id bigint NOT NULL,
    status_id bigint NOT NULL,
    opened integer NOT NULL,
    answered integer NOT NULL,
    waited_us bigint NOT NULL,
    PRIMARY KEY (day, ticket_type_id, status_id)
);
CREATE TABLE IF NOT EXISTS {CLOSED} (
    day date NOT NULL,
    ticket_type_id bigint NOT NULL,
    assignee_id bigint NOT NULL,
    closed integer NOT NULL,
    took_us bigint NOT NULL,
    PRIMARY KEY (day, ticket_type_id, assignee_id)
);
CREATE TABLE IF NOT EXISTS {HOURS} (
    day date NOT NULL,
    author_id bigint NOT NULL,
    logged integer NOT NULL,
    hours numeric(14, 2) NOT NULL,
    PRIMARY KEY (day, author_id)
);
"""

# Each change of a ticket takes away what its old row counted and adds what its new row
# counts. Two rows of a table are always taken in key order, so two opposite changes at
# the same time cannot deadlock (as the ticket counters do).
FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION wagtail_tickets_opened_add(t {TICKET}, sign integer)
RETURNS void AS $$
BEGIN
    INSERT INTO {OPENED} AS o VALUES (
        {_day("t.created_at")}, t.ticket_type_id, t.status_id, sign,
        CASE WHEN t.first_response_at IS NULL THEN 0 ELSE sign END,
        COALESCE(sign * {_micro("t.first_response_at - t.created_at")}, 0)
    )
    ON CONFLICT (day, ticket_type_id, status_id) DO UPDATE SET
        opened = o.opened + EXCLUDED.opened,
        answered = o.answered + EXCLUDED.answered,
        waited_us = o.waited_us + EXCLUDED.waited_us;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION wagtail_tickets_closed_add(t {TICKET}, sign integer)
RETURNS void AS $$
BEGIN
    IF t.is_open OR t.closed_at IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO {CLOSED} AS c VALUES (
        {_day("t.closed_at")}, t.ticket_type_id, COALESCE(t.assignee_id, 0), sign,
        sign * {_micro("t.closed_at - t.created_at")}
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
{_OPENED_MOVE}
{_CLOSED_MOVE}
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS wagtail_tickets_report_days ON {TICKET};
CREATE TRIGGER wagtail_tickets_report_days
    AFTER INSERT OR DELETE ON {TICKET}
    FOR EACH ROW EXECUTE FUNCTION wagtail_tickets_report_days();
-- emptying the ticket table (TRUNCATE fires no row triggers) empties the totals
CREATE OR REPLACE FUNCTION wagtail_tickets_report_days_clear() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = '{MESSAGE}' THEN
        TRUNCATE {HOURS};
    ELSE
        TRUNCATE {OPENED}, {CLOSED};
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS wagtail_tickets_report_days_clear ON {TICKET};
CREATE TRIGGER wagtail_tickets_report_days_clear
    AFTER TRUNCATE ON {TICKET}
    FOR EACH STATEMENT EXECUTE FUNCTION wagtail_tickets_report_days_clear();
DROP TRIGGER IF EXISTS wagtail_tickets_report_days_clear ON {MESSAGE};
CREATE TRIGGER wagtail_tickets_report_days_clear
    AFTER TRUNCATE ON {MESSAGE}
    FOR EACH STATEMENT EXECUTE FUNCTION wagtail_tickets_report_days_clear();
DROP TRIGGER IF EXISTS wagtail_tickets_report_days_update ON {TICKET};
CREATE TRIGGER wagtail_tickets_report_days_update
    AFTER UPDATE ON {TICKET}
    FOR EACH ROW WHEN (
        (OLD.created_at, OLD.ticket_type_id, OLD.status_id, OLD.first_response_at,
         OLD.closed_at, OLD.is_open, OLD.assignee_id)
        IS DISTINCT FROM
        (NEW.created_at, NEW.ticket_type_id, NEW.status_id, NEW.first_response_at,
         NEW.closed_at, NEW.is_open, NEW.assignee_id)
    )
    EXECUTE FUNCTION wagtail_tickets_report_days();

-- hours: only messages with hours count, so the triggers of the others do nothing
CREATE OR REPLACE FUNCTION wagtail_tickets_hours_add(m {MESSAGE}, sign integer)
RETURNS void AS $$
BEGIN
    IF m.hours IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO {HOURS} AS h VALUES (
        {_day("m.created_at")}, COALESCE(m.author_id, 0), sign, sign * m.hours
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
{_HOURS_MOVE}
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS wagtail_tickets_report_hours_insert ON {MESSAGE};
CREATE TRIGGER wagtail_tickets_report_hours_insert
    AFTER INSERT ON {MESSAGE}
    FOR EACH ROW WHEN (NEW.hours IS NOT NULL)
    EXECUTE FUNCTION wagtail_tickets_report_hours();
DROP TRIGGER IF EXISTS wagtail_tickets_report_hours_delete ON {MESSAGE};
CREATE TRIGGER wagtail_tickets_report_hours_delete
    AFTER DELETE ON {MESSAGE}
    FOR EACH ROW WHEN (OLD.hours IS NOT NULL)
    EXECUTE FUNCTION wagtail_tickets_report_hours();
DROP TRIGGER IF EXISTS wagtail_tickets_report_hours_update ON {MESSAGE};
CREATE TRIGGER wagtail_tickets_report_hours_update
    AFTER UPDATE ON {MESSAGE}
    FOR EACH ROW WHEN (
        (OLD.created_at, OLD.author_id, OLD.hours)
        IS DISTINCT FROM (NEW.created_at, NEW.author_id, NEW.hours)
    )
    EXECUTE FUNCTION wagtail_tickets_report_hours();
"""

REBUILD_HOURS = f"""
LOCK TABLE {MESSAGE} IN SHARE MODE;
TRUNCATE {HOURS};
INSERT INTO {HOURS} (day, author_id, logged, hours)
SELECT {_day("created_at")}, COALESCE(author_id, 0), COUNT(*), SUM(hours)
FROM {MESSAGE} WHERE hours IS NOT NULL GROUP BY 1, 2;
"""

REBUILD = f"""
LOCK TABLE {TICKET} IN SHARE MODE;
TRUNCATE {OPENED}, {CLOSED};
INSERT INTO {OPENED} (day, ticket_type_id, status_id, opened, answered, waited_us)
SELECT {_day("created_at")}, ticket_type_id, status_id, COUNT(*), COUNT(first_response_at),
    COALESCE(SUM({_micro("first_response_at - created_at")}), 0)
FROM {TICKET} GROUP BY 1, 2, 3;
INSERT INTO {CLOSED} (day, ticket_type_id, assignee_id, closed, took_us)
SELECT {_day("closed_at")}, ticket_type_id, COALESCE(assignee_id, 0), COUNT(*),
    SUM({_micro("closed_at - created_at")})
FROM {TICKET} WHERE NOT is_open AND closed_at IS NOT NULL GROUP BY 1, 2, 3;
"""

UNINSTALL = f"""
DROP TRIGGER IF EXISTS wagtail_tickets_report_hours_update ON {MESSAGE};
DROP TRIGGER IF EXISTS wagtail_tickets_report_hours_delete ON {MESSAGE};
DROP TRIGGER IF EXISTS wagtail_tickets_report_hours_insert ON {MESSAGE};
DROP FUNCTION IF EXISTS wagtail_tickets_report_hours();
DROP FUNCTION IF EXISTS wagtail_tickets_hours_add({MESSAGE}, integer);
DROP TRIGGER IF EXISTS wagtail_tickets_report_days_clear ON {MESSAGE};
DROP TABLE IF EXISTS {HOURS};
DROP TRIGGER IF EXISTS wagtail_tickets_report_days_clear ON {TICKET};
DROP FUNCTION IF EXISTS wagtail_tickets_report_days_clear();
DROP TRIGGER IF EXISTS wagtail_tickets_report_days_update ON {TICKET};
DROP TRIGGER IF EXISTS wagtail_tickets_report_days ON {TICKET};
DROP FUNCTION IF EXISTS wagtail_tickets_report_days();
DROP FUNCTION IF EXISTS wagtail_tickets_closed_add({TICKET}, integer);
DROP FUNCTION IF EXISTS wagtail_tickets_opened_add({TICKET}, integer);
DROP FUNCTION IF EXISTS wagtail_tickets_report_zone();
DROP TABLE IF EXISTS {CLOSED};
DROP TABLE IF EXISTS {OPENED};
"""

# the zone the totals were built for, per database alias, once read
_zones: dict[str, str | None] = {}


def site_zone() -> str | None:
    """The zone daily totals are kept in: ``TIME_ZONE``, when times are stored aware and
    the name is a plain zone name."""
    name = settings.TIME_ZONE if settings.USE_TZ else None
    if not name or not _ZONE_NAME.match(name):
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return name


def zone_function(zone: str) -> str:
    """The SQL function that names the totals' zone (a checked zone name: it is pasted
    into the SQL, which a function body cannot take as a parameter)."""
    if not _ZONE_NAME.match(zone):
        raise ValueError(f"not a time zone name: {zone!r}")
    return (
        "CREATE OR REPLACE FUNCTION wagtail_tickets_report_zone() RETURNS text "
        f"AS $$ SELECT '{zone}'::text $$ LANGUAGE sql IMMUTABLE"
    )


def install_statements(zone: str) -> list[str]:
    """The statements that create the tables, functions and triggers for days of
    ``zone``; the migration that first creates them carries a frozen copy."""
    return [TABLES, zone_function(zone), FUNCTIONS]


def install(connection, zone: str) -> None:
    """Create the tables, functions and triggers for days of ``zone`` (a checked zone
    name, see ``site_zone``). The totals are right only after ``rebuild``."""
    statements = install_statements(zone)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    _zones.pop(connection.alias, None)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute(UNINSTALL)
    _zones.pop(connection.alias, None)


def rebuild(connection) -> None:
    """Recompute the totals from the tickets and messages (holding off their changes
    meanwhile)."""
    with connection.cursor() as cursor:
        cursor.execute(REBUILD)
        cursor.execute(REBUILD_HOURS)


def installed_zone(connection) -> str | None:
    """The zone the installed totals are kept in; ``None`` when there are none."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regproc('wagtail_tickets_report_zone') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT wagtail_tickets_report_zone()")
        return cursor.fetchone()[0]


def ensure(connection) -> bool:
    """Install and rebuild the totals unless they are kept in the site's zone already;
    drop them when the site has no zone PostgreSQL can use. Whether they were (re)built."""
    if connection.vendor != "postgresql":
        return False
    zone = site_zone()
    if zone is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_timezone_names WHERE name = %s", [zone])
            if not cursor.fetchone()[0]:
                zone = None
    current = installed_zone(connection)
    if zone == current:
        return False
    if zone is None:
        uninstall(connection)
        return False
    install(connection, zone)
    rebuild(connection)
    return True


def zone(using: str = "default") -> str | None:
    """The zone of the daily totals of database ``using`` (read once per process: it
    changes only with the settings, and ``migrate`` applies that)."""
    if using not in _zones:
        connection = connections[using]
        _zones[using] = installed_zone(connection) if connection.vendor == "postgresql" else None
    return _zones[using]


def forget() -> None:
    """Read the zones again on next use (tests that install or drop the totals)."""
    _zones.clear()
