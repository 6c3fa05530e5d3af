"""The data the database derives from tickets (``wagtail_tickets.db``): ``is_open``,
the (type, status) counters and, on PostgreSQL, the search words, whatever way the ticket
changes."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from tests.factories import (
    StatusFactory,
    TicketTypeFactory,
    UserFactory,
    closed_status,
    make_ticket,
    open_status,
)
from wagtail_tickets import actions
from wagtail_tickets.db import install, search_vector
from wagtail_tickets.db.counters import status_counts
from wagtail_tickets.db.install import rebuild_counters
from wagtail_tickets.models import Message, Ticket, TicketCounter

pytestmark = pytest.mark.django_db


def counted() -> dict[tuple[int, int], int]:
    return {
        (row.ticket_type_id, row.status_id): row.count
        for row in TicketCounter.objects.exclude(count=0)
    }


def recounted() -> dict[tuple[int, int], int]:
    rows = Ticket.objects.values_list("ticket_type", "status").annotate(n=Count("pk")).order_by()
    return {(type_id, status_id): n for type_id, status_id, n in rows}


def open_flags() -> dict[int, bool]:
    return dict(Ticket.objects.values_list("pk", "is_open"))


def expected_open_flags() -> dict[int, bool]:
    return {pk: not closed for pk, closed in Ticket.objects.values_list("pk", "status__is_closed")}


@pytest.fixture
def world():
    customer = UserFactory()
    first, second = TicketTypeFactory(), TicketTypeFactory()
    tickets = [make_ticket(customer, first) for _ in range(3)] + [make_ticket(customer, second)]
    return {"customer": customer, "types": (first, second), "tickets": tickets}


def test_new_tickets_are_counted_and_open(world):
    first, second = world["types"]
    new = open_status()
    assert counted() == {(first.pk, new.pk): 3, (second.pk, new.pk): 1}
    assert all(open_flags().values())


def test_closing_and_reopening_through_actions(world):
    ticket = world["tickets"][0]
    actions.close_ticket(ticket, actor=None)
    assert Ticket.objects.get(pk=ticket.pk).is_open is False
    assert counted() == recounted()
    actions.reopen_ticket(Ticket.objects.get(pk=ticket.pk), actor=None)
    assert Ticket.objects.get(pk=ticket.pk).is_open is True
    assert counted() == recounted()


def test_bulk_update_and_delete_keep_everything_right(world):
    first, second = world["types"]
    Ticket.objects.filter(ticket_type=first).update(status=closed_status())
    Ticket.objects.filter(ticket_type=second).update(ticket_type=first)
    assert open_flags() == expected_open_flags()
    assert counted() == recounted()
    Ticket.objects.filter(pk=world["tickets"][0].pk).delete()
    assert counted() == recounted()
    assert sum(counted().values()) == 3


def test_a_full_save_with_a_stale_instance_does_not_reopen(world):
    """``save()`` writes every column, ``is_open`` included: the database still decides."""
    ticket = world["tickets"][0]
    stale = Ticket.objects.get(pk=ticket.pk)
    Ticket.objects.filter(pk=ticket.pk).update(status=closed_status())
    stale.status = closed_status()
    stale.is_open = True
    stale.save()
    assert Ticket.objects.get(pk=ticket.pk).is_open is False


def test_changing_whether_a_status_is_closed_updates_its_tickets(world):
    waiting = StatusFactory(name="Waiting for parts")
    Ticket.objects.filter(pk__in=[t.pk for t in world["tickets"][:2]]).update(status=waiting)
    waiting.is_closed = True
    waiting.save()
    assert open_flags() == expected_open_flags()
    assert sum(not flag for flag in open_flags().values()) == 2


def test_status_counts_sum_over_the_given_types(world):
    first, second = world["types"]
    actions.close_ticket(world["tickets"][0], actor=None)
    assert status_counts([first.pk]) == {open_status().pk: 2, closed_status().pk: 1}
    assert status_counts([first.pk, second.pk]) == {open_status().pk: 3, closed_status().pk: 1}
    assert status_counts([]) == {}


def test_rebuild_repairs_rows_loaded_without_triggers(world):
    TicketCounter.objects.all().delete()
    Ticket.objects.update(is_open=False)  # the trigger puts the right value back...
    with connection.cursor() as cursor:  # ...so break it behind the triggers' back
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("UPDATE wagtail_tickets_ticket SET is_open = %s", [False])
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            install.uninstall(connection)
            cursor.execute("UPDATE wagtail_tickets_ticket SET is_open = %s", [False])
            install.install(connection)
    assert not any(open_flags().values())
    rebuild_counters()
    assert counted() == recounted()
    assert open_flags() == expected_open_flags()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite rebuilds tables")
def test_migrate_puts_back_triggers_a_table_rebuild_dropped(world):
    install.uninstall(connection)
    call_command("migrate", verbosity=0)
    actions.close_ticket(world["tickets"][0], actor=None)
    assert counted() == recounted()
    assert open_flags() == expected_open_flags()


@pytest.mark.postgres
def test_message_words_are_collected_for_search(world):
    ticket = world["tickets"][0]
    actions.add_reply(ticket, body_html="<p>The fuser unit rattles</p>", author_name="Ann")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector @@ plainto_tsquery('simple', %s), "
            "search_vector @@ plainto_tsquery('simple', %s) "
            "FROM wagtail_tickets_ticket WHERE id = %s",
            ["fuser rattles", "help", ticket.pk],
        )
        assert cursor.fetchone() == (True, True)
    assert Message.objects.filter(ticket=ticket).count() == 2


@pytest.mark.postgres
def test_a_user_is_found_by_address_through_an_index(world):
    """Incoming mail looks its sender up with ``email__iexact`` (migration 0010)."""
    from django.contrib.auth import get_user_model

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = get_user_model().objects.filter(email__iexact="Ann@Example.com").explain()
    assert "wt_user_email_upper" in plan


@pytest.mark.postgres
def test_the_search_indexes_merge_their_pending_words_in_small_steps():
    """Every change of a ticket row enters its few hundred words into the search index
    again; with PostgreSQL's default pending list (4 MB) one change in some hundreds
    waited for the merge (``search_vector.GIN_PENDING_KB``)."""

    def limits() -> dict[str, list | None]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, reloptions FROM pg_class "
                "WHERE relname IN ('wt_ticket_search', 'wt_ticket_search_header')"
            )
            return dict(cursor.fetchall())

    wanted = [f"gin_pending_list_limit={search_vector.GIN_PENDING_KB}"]
    assert limits() == {"wt_ticket_search": wanted, "wt_ticket_search_header": wanted}
    search_vector.limit_pending_words(connection, limit=False)
    assert limits() == {"wt_ticket_search": None, "wt_ticket_search_header": None}
    install.install(connection)  # as migrate does after a table rebuild
    assert limits() == {"wt_ticket_search": wanted, "wt_ticket_search_header": wanted}
