"""Install, remove and rebuild the database machinery, and the app's one ``post_migrate``
receiver.

The migration named in ``MIGRATION`` creates the machinery on a new database from its own
frozen copy of the statements below (``install_statements``, and the daily totals'
``daily_totals.install_statements``); it never calls this module, so it stays the same
when the SQL here changes. After every ``migrate``, ``after_migrate`` puts back what a
later migration may have dropped and follows a change of ``TIME_ZONE``, with the
statements here.
"""

from __future__ import annotations

from django.db import connections, router

from . import counters, daily_totals, search_vector

# the migration that first creates the machinery
MIGRATION = ("wagtail_tickets", "0003_database_machinery")
# the migration that creates the app's tables
INITIAL = ("wagtail_tickets", "0001_initial")


def install_statements(vendor: str) -> list[str]:
    """What ``install`` runs on a database of ``vendor``: every statement is idempotent."""
    if vendor == "postgresql":
        return [
            counters.POSTGRESQL_INSTALL,
            search_vector.POSTGRESQL_INSTALL,
            search_vector.PENDING_LIMIT,
        ]
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {name} {body}"
            for name, body in counters.SQLITE_TRIGGERS.items()
        ]
    return []


def uninstall_statements(vendor: str) -> list[str]:
    """What ``uninstall`` runs: the machinery of ``install`` dropped (the search words with
    their column)."""
    if vendor == "postgresql":
        return [search_vector.POSTGRESQL_UNINSTALL, counters.POSTGRESQL_UNINSTALL]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in counters.SQLITE_TRIGGERS]
    return []


def install(connection) -> None:
    """Create (or re-create) the triggers of ``is_open`` and the counters, and on PostgreSQL
    the search column, its trigger and indexes. The daily totals are ``daily_totals``'."""
    with connection.cursor() as cursor:
        for statement in install_statements(connection.vendor):
            cursor.execute(statement)


def uninstall(connection) -> None:
    """Drop what ``install`` created (tests that change rows behind the triggers' back)."""
    with connection.cursor() as cursor:
        for statement in uninstall_statements(connection.vendor):
            cursor.execute(statement)


def rebuild(connection, *, words: bool = True) -> None:
    """Recompute everything from the tickets and messages, e.g. after loading rows with the
    triggers off: ``is_open``, the counters, the daily totals when there are any, and the
    search words unless ``words=False`` (the slow part)."""
    with connection.cursor() as cursor:
        for statement in counters.REBUILD:
            cursor.execute(statement)
        if words and connection.vendor == "postgresql":
            cursor.execute(search_vector.REBUILD)
    if connection.vendor == "postgresql" and daily_totals.installed_zone(connection):
        daily_totals.rebuild(connection)


def rebuild_counters(using: str = "default") -> None:
    """Recount from the ticket table (and refresh ``is_open`` and the daily totals); for
    rows loaded with the database triggers switched off. Leaves the search words alone."""
    rebuild(connections[using], words=False)


def after_migrate(using: str = "default", plan=None, **kwargs) -> None:
    """``post_migrate`` receiver. A database whose tables this ``migrate`` created gets the
    shipped email templates (their one home is ``notifications.defaults``). Once the
    machinery exists: SQLite drops a table's triggers when a migration rebuilds the table,
    so they are put back; PostgreSQL's daily totals follow a change of ``TIME_ZONE``."""
    from django.db.migrations.recorder import MigrationRecorder

    from ..models import EmailTemplate

    connection = connections[using]
    if _applied_forwards(plan, INITIAL) and router.db_for_write(EmailTemplate) == using:
        from ..notifications.defaults import install_default_templates

        install_default_templates()
    if MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return
    if connection.vendor == "sqlite":
        install(connection)
    elif connection.vendor == "postgresql":
        daily_totals.ensure(connection)


def _applied_forwards(plan, key: tuple[str, str]) -> bool:
    """Whether ``migrate``'s ``plan`` applied the migration ``key`` (not reversed it)."""
    return any(
        (migration.app_label, migration.name) == key and not backwards
        for migration, backwards in plan or ()
    )
