"""``wagtail_tickets.search``: full-text search through indexes on PostgreSQL, substring
matching elsewhere; hostile terms are just words."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import TicketTypeFactory, UserFactory, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.models import Ticket
from wagtail_tickets.search import search_tickets

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets():
    customer = UserFactory(first_name="Erin", email="erin@example.net")
    kind = TicketTypeFactory()
    printer = make_ticket(
        customer, kind, subject="Printer jams", body="<p>Paper stuck in tray two</p>"
    )
    actions.add_reply(printer, body_html="<p>The toner cartridge leaks</p>", author_name="Erin")
    monitor = make_ticket(
        UserFactory(), kind, subject="Monitor flickers", requester_email="zed@example.org"
    )
    return printer, monitor


def found(term: str) -> list[str]:
    return sorted(search_tickets(Ticket.objects.all(), term).values_list("subject", flat=True))


@pytest.mark.parametrize(
    "term,subjects",
    [
        ("toner", ["Printer jams"]),
        ("TRAY two", ["Printer jams"]),
        ("printer", ["Printer jams"]),
        ("Erin", ["Printer jams"]),
        ("erin@example", ["Printer jams"]),
        ("zed@example.org", ["Monitor flickers"]),
        ("keyboard", []),
        ("", ["Monitor flickers", "Printer jams"]),
    ],
)
def test_finds_words_of_subject_messages_and_requester(tickets, term, subjects):
    assert found(term) == subjects


def test_finds_by_number_with_or_without_hash(tickets):
    printer, _ = tickets
    assert found(printer.number) == ["Printer jams"]
    assert found(f"#{printer.number}") == ["Printer jams"]


@pytest.mark.parametrize(
    "term", ["& ! |", "a:* | (b", "'); DROP TABLE x; --", "\\", "%_", "ü" * 300]
)
def test_hostile_terms_are_words_not_syntax(tickets, term):
    assert found(term) == []


@pytest.mark.postgres
def test_postgres_search_uses_the_word_indexes_and_no_message_scan(tickets):
    queryset = search_tickets(Ticket.objects.all(), "toner")
    sql = str(queryset.query)
    assert "wagtail_tickets_message" not in sql
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "wt_ticket_search" in plan
    assert "wt_ticket_search_header" in plan


@pytest.mark.postgres
def test_postgres_matches_whole_words(tickets):
    assert found("toner") == ["Printer jams"]
    assert found("tone") == []


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite fallback")
def test_sqlite_matches_substrings(tickets):
    assert found("tone") == ["Printer jams"]
    assert found("licker") == ["Monitor flickers"]


def test_control_characters_are_dropped(tickets):
    assert found("ton\x00er\x07") == ["Printer jams"]
