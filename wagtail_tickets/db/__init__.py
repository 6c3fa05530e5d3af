"""The database's own machinery: what the database keeps for the app by itself, so that
every way of changing a ticket (``actions``, bulk updates, raw SQL, an import) keeps it
right and no request counts or scans the ticket table to get it.

- ``tables``: the names of the tables the SQL below works on;
- ``counters``: ``Ticket.is_open`` and the per-(type, status) ``TicketCounter`` rows, with
  the queries that read them;
- ``search_vector``: PostgreSQL's full-text words of every ticket and their GIN indexes;
- ``daily_totals``: PostgreSQL's per-day report totals, kept in the site's time zone;
- ``install``: install, remove and rebuild all of it, and the one ``post_migrate``
  receiver.

Migrations never call into this package: the migration that creates the machinery carries
a frozen copy of the SQL (``tests/test_migrations.py`` checks that copy against the SQL
here). A change of the SQL here therefore needs a new migration with the new SQL.
"""
