"""``wagtail_tickets.search``: full-text search through indexes on PostgreSQL, substring
matching elsewhere; hostile terms are just words."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import TicketTypeFactory, UserFactory, make_ticket
from wagtail_tickets import actions, search
from wagtail_tickets.models import Ticket
from wagtail_tickets.search import search_branches, search_tickets

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
def test_postgres_rare_words_are_looked_up_in_the_indexes_first(tickets):
    printer, _ = tickets
    with CaptureQueriesContext(connection) as probes:
        queryset = search_tickets(Ticket.objects.all(), "toner")
    assert len(probes) == 2  # both word indexes in one query, then the requesters
    assert all("wagtail_tickets_message" not in q["sql"] for q in probes.captured_queries)
    sql = str(queryset.query)
    assert "search_vector" not in sql and str(printer.pk) in sql
    assert list(queryset) == [printer]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = [
            Ticket.objects.filter(branch).order_by().explain()
            for branch in search_branches("toner")
        ]
    assert "wt_ticket_search" in plans[0] and "wt_ticket_search_header" in plans[1]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        both = search.probe(search_branches("toner")).explain()
    assert "wt_ticket_search " in both and "wt_ticket_search_header" in both


@pytest.mark.postgres
def test_postgres_common_words_use_the_combined_condition(tickets, monkeypatch):
    monkeypatch.setattr(search, "PROBE_LIMIT", 0)
    queryset = search_tickets(Ticket.objects.all(), "toner")
    assert "search_vector" in str(queryset.query)
    assert [t.subject for t in queryset] == ["Printer jams"]


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
