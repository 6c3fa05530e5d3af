"""The words of every ticket for the inbox search (PostgreSQL only; ``wagtail_tickets.search``
reads them).

``search_vector`` is a column of the ticket table that Django does not manage (so a
``save()`` never overwrites it): a trigger collects into it the words of each new message
of the ticket. A GIN index on it, and one on the ticket's own words (subject and
requester, ``HEADER_VECTOR_SQL``), serve the search.
"""

from __future__ import annotations

from .tables import MESSAGE, TICKET

# ``simple`` neither stems nor drops words: words match whole, in any language
SEARCH_CONFIG = "simple"

# The expression of the GIN index on a ticket's own words; ``wagtail_tickets.search`` must
# use exactly this text for PostgreSQL to pick the index. The address is there whole (one
# word to the parser) and in its parts, so that "acme" finds ``it@acme.example``.
HEADER_VECTOR_SQL = (
    f"to_tsvector('{SEARCH_CONFIG}'::regconfig, "
    f"({TICKET}.subject || ' ' || {TICKET}.requester_name || ' ' || {TICKET}.requester_email"
    f" || ' ' || translate({TICKET}.requester_email, '@.', '  ')))"
)

POSTGRESQL_INSTALL = f"""
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
# with the default 4 MB one ticket change in some hundreds waited for the merge, holding
# its locks; 256 kB keeps each merge short, at the same total cost.
GIN_PENDING_KB = 256
_SEARCH_INDEXES = ("wt_ticket_search", "wt_ticket_search_header")
PENDING_LIMIT = "".join(
    f"ALTER INDEX {name} SET (gin_pending_list_limit = {GIN_PENDING_KB});"
    for name in _SEARCH_INDEXES
)
PENDING_DEFAULT = "".join(
    f"ALTER INDEX IF EXISTS {name} RESET (gin_pending_list_limit);" for name in _SEARCH_INDEXES
)

POSTGRESQL_UNINSTALL = f"""
DROP TRIGGER IF EXISTS wagtail_tickets_message_words ON {MESSAGE};
DROP FUNCTION IF EXISTS wagtail_tickets_message_words();
DROP INDEX IF EXISTS wt_ticket_search_header;
ALTER TABLE {TICKET} DROP COLUMN IF EXISTS search_vector;
"""

# every ticket's words collected again from its messages (the slow part of a rebuild)
REBUILD = f"""
UPDATE {TICKET} AS ticket SET search_vector = words.vector
FROM (
    SELECT ticket_id,
        strip(to_tsvector('{SEARCH_CONFIG}'::regconfig, string_agg(body_text, ' '))) AS vector
    FROM {MESSAGE} GROUP BY ticket_id
) AS words
WHERE ticket.id = words.ticket_id
"""


def limit_pending_words(connection, limit: bool = True) -> None:
    """The search indexes' pending lists kept small (``GIN_PENDING_KB``), or
    (``limit=False``) back to PostgreSQL's default. Nothing on other databases."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(PENDING_LIMIT if limit else PENDING_DEFAULT)


# the words of some tickets collected again from their messages (after messages moved
# between tickets: a merge, a split); a ticket left without messages keeps its words
RECOLLECT = f"""
UPDATE {TICKET} AS ticket SET search_vector = words.vector
FROM (
    SELECT ticket_id,
        strip(to_tsvector('{SEARCH_CONFIG}'::regconfig, string_agg(body_text, ' '))) AS vector
    FROM {MESSAGE} WHERE ticket_id = ANY(%s) GROUP BY ticket_id
) AS words
WHERE ticket.id = words.ticket_id
"""


def recollect_words(connection, ticket_ids) -> None:
    """Give these tickets the words of the messages they hold now (PostgreSQL; elsewhere
    the search reads the messages themselves). The trigger only adds the words of new
    messages, so messages moved in by a merge or a split need this."""
    ids = sorted({int(pk) for pk in ticket_ids})
    if connection.vendor != "postgresql" or not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(RECOLLECT, [ids])
