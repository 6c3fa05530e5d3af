"""The covering indexes of the ticket table: covering on PostgreSQL, no warning on SQLite,
and written down in migrations as plain ``Index(include=...)``."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import connection, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ModelState

from wagtail_tickets.db.indexes import CoveringIndex
from wagtail_tickets.models import Ticket

COVERING = {
    "wt_ticket_requester_state": ("ticket_type", "status"),
    "wt_ticket_customer_state": ("ticket_type", "requester", "status"),
}


def ticket_index(name: str) -> models.Index:
    (index,) = [index for index in Ticket._meta.indexes if index.name == name]
    return index


@pytest.mark.parametrize("name, include", COVERING.items())
def test_covering_indexes_are_written_down_as_plain_indexes(name, include):
    index = ticket_index(name)
    assert isinstance(index, CoveringIndex)
    assert index.include == ()  # what Django's models.W040 reads
    path, args, kwargs = index.deconstruct()
    assert path == "django.db.models.Index"
    assert kwargs["include"] == include
    plain = models.Index(*args, **kwargs)
    assert index == plain and plain == index  # the autodetector sees no change
    assert index != models.Index(fields=kwargs["fields"], name=name)


def test_the_migration_state_has_the_same_indexes_as_the_migrations():
    state = ModelState.from_model(Ticket)
    for name, include in COVERING.items():
        (index,) = [i for i in state.options["indexes"] if i.name == name]
        assert index.deconstruct()[2]["include"] == include


def test_the_migrations_hold_the_indexes_the_models_have():
    """What ``makemigrations --check`` compares: the indexes of the migrations' state and
    of the model are equal, so no migration is made for them."""
    migrated = MigrationLoader(None, ignore_no_migrations=True).project_state()
    indexes = migrated.models[("wagtail_tickets", "ticket")].options["indexes"]
    current = ModelState.from_model(Ticket).options["indexes"]
    for name in COVERING:
        (old,) = [i for i in indexes if i.name == name]
        (new,) = [i for i in current if i.name == name]
        assert type(old) is models.Index
        assert new == old and old == new


def test_a_name_is_required():
    with pytest.raises(ValueError):
        CoveringIndex(fields=["requester"], include=["ticket_type"])


@pytest.mark.django_db
def test_database_checks_give_no_covering_index_warning():
    """What ``migrate`` and ``check --database default`` run: no models.W040, on SQLite
    (which cannot cover) as on PostgreSQL."""
    found = checks.run_checks(databases=["default"], include_deployment_checks=False)
    assert [m.id for m in found if m.id == "models.W040"] == []
    out, err = StringIO(), StringIO()
    call_command("check", database=["default"], stdout=out, stderr=err)
    assert "W040" not in out.getvalue() + err.getvalue()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="what SQLite makes of the index")
def test_sqlite_builds_the_index_without_the_covering_columns():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Ticket._meta.db_table)
    assert constraints["wt_ticket_customer_state"]["columns"] == ["customer_id", "is_open"]


@pytest.mark.django_db
@pytest.mark.postgres
@pytest.mark.parametrize("name, include", COVERING.items())
def test_postgres_builds_covering_indexes(name, include):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        (definition,) = cursor.fetchone()
    columns = ", ".join(Ticket._meta.get_field(field).column for field in include)
    assert f"INCLUDE ({columns})" in definition


@pytest.mark.django_db
@pytest.mark.postgres
def test_postgres_schema_editor_makes_the_covering_sql():
    index = ticket_index("wt_ticket_customer_state")
    with connection.schema_editor(collect_sql=True) as editor:
        sql = str(index.create_sql(Ticket, editor))
    assert "INCLUDE" in sql and '"ticket_type_id"' in sql and '"requester_id"' in sql


@pytest.mark.parametrize(
    "owner, index",
    [("requester", "wt_ticket_requester_state"), ("customer", "wt_ticket_customer_state")],
)
@pytest.mark.parametrize("state", ["with_us", "waiting", "closed"])
def test_the_customer_area_counts_each_state_from_the_index_alone(owner, index, state):
    """My Tickets counts "with us", "waiting for your answer" and "closed" on every view
    (``pagination.bounded_counts``): every column of the ticket table those counts read is
    in the index, so PostgreSQL answers them without reading a ticket row."""
    from wagtail_tickets.views.customer import STATES

    rows = Ticket.objects.filter(STATES[state], **{f"{owner}_id": 1, "ticket_type__in": [1, 2]})
    sql = str(rows.order_by().values("pk").query)
    # what the count reads: the joins and the conditions, not the selected id it drops
    where = sql.split(" FROM ", 1)[1]
    table = Ticket._meta.db_table
    read = set(re.findall(rf'"{table}"\."(\w+)"', where))
    covering = ticket_index(index)
    indexed = {Ticket._meta.get_field(name).column for name in covering.fields}
    indexed |= {Ticket._meta.get_field(name).column for name in covering.covering}
    assert read and read <= indexed, read - indexed


@pytest.mark.parametrize("name", ["first_response", "resolution"])
def test_each_service_level_median_has_an_index_of_its_tickets(name):
    """The reports' medians (``reports.sla.median_seconds``) read the tickets opened in
    the period that have the final duration: a partial index holds exactly those, with
    the columns the median reads, so a year of tickets is not read for a few hundred."""
    from django.db.models import Q

    from wagtail_tickets.admin.reports.sla import DURATIONS

    column, final = DURATIONS[name]
    wanted = final & Q(**{f"{column}__isnull": False})
    matching = [
        index
        for index in Ticket._meta.indexes
        if index.condition is not None and set(index.condition.children) == set(wanted.children)
    ]
    assert len(matching) == 1, [index.name for index in Ticket._meta.indexes]
    assert matching[0].fields == ["created_at", "ticket_type", column]
