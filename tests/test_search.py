"""``wagtail_tickets.search``: full-text search through indexes on PostgreSQL, substring
matching elsewhere; hostile terms are just words."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from tests.factories import CompanyFactory, TicketTypeFactory, UserFactory, make_ticket
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
    assert len(probes) == 3  # both word indexes in one query, the users, the customer records
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


@pytest.fixture
def acme():
    """Four tickets of Acme, each found by "Acme" through another field: the customer
    record's name only, the subject, a registered requester's address, a visitor's address."""
    kind = TicketTypeFactory()
    record = CompanyFactory(name="Acme Ltd")
    member = UserFactory(first_name="Carla", email="carla@example.com")
    record.users.add(member)
    tickets = [
        make_ticket(member, kind, subject="Toner smears"),
        make_ticket(UserFactory(), kind, subject="Acme portal is down"),
        make_ticket(UserFactory(email="it@acme.example"), kind, subject="Keyboard missing"),
        make_ticket(None, kind, subject="Fax", requester_email="bob@acme.example"),
        make_ticket(UserFactory(), kind, subject="Unrelated"),
    ]
    assert tickets[0].customer == record
    return record, tickets


def test_finds_every_ticket_of_a_customer_record_by_its_name(acme):
    assert found("Acme") == ["Acme portal is down", "Fax", "Keyboard missing", "Toner smears"]
    assert found("acme ltd") == ["Toner smears"]


def test_a_renamed_customer_record_is_found_by_its_new_name_at_once(acme):
    record, _tickets = acme
    record.name = "Initech"
    record.save()
    assert found("Initech") == ["Toner smears"]
    assert found("Acme") == ["Acme portal is down", "Fax", "Keyboard missing"]


def test_a_visitors_address_is_found_whole_and_by_its_parts(acme):
    assert found("bob@acme.example") == ["Fax"]
    assert found("bob") == ["Fax"]


def test_customer_records_are_the_users_when_the_customer_model_is_the_user_model(
    monkeypatch, django_assert_num_queries
):
    """Then one list of matching users serves both the requester and the customer."""
    dana = UserFactory(first_name="Dana", last_name="Okafor", email="dana@globex.example")
    monkeypatch.setattr(search, "customer_model_is_user_model", lambda: True)
    monkeypatch.setattr(search, "get_customer_model", get_user_model)
    assert search.customer_name_fields() == ["first_name", "last_name", "email"]
    with django_assert_num_queries(1):
        condition = search._people_condition("okafor")
    assert condition == Q(requester__in=[dana.pk]) | Q(customer__in=[dana.pk])
    assert search._people_condition("#12") == Q()


def test_a_customer_model_without_name_fields_adds_no_condition(acme, monkeypatch):
    monkeypatch.setattr(search, "CUSTOMER_NAME_FIELDS", ("no_such_field", "users"))
    assert search.customer_name_fields() == []
    assert "Toner smears" not in found("Acme")


@pytest.mark.parametrize("term", ["Acme", "acme", "zzz", "4711"])
def test_search_takes_a_bounded_number_of_queries(acme, django_assert_max_num_queries, term):
    # PostgreSQL: the word probe, the users, the customer records, the page; SQLite: the page
    with django_assert_max_num_queries(4):
        list(search_tickets(Ticket.objects.all(), term)[:50])


@pytest.mark.postgres
def test_postgres_customer_records_are_matched_through_a_short_list_of_ids(acme, monkeypatch):
    record, tickets = acme
    monkeypatch.setattr(search, "MAX_CUSTOMERS", 0)
    assert "Toner smears" not in found("Acme")
    monkeypatch.setattr(search, "MAX_CUSTOMERS", 200)
    sql = str(search_tickets(Ticket.objects.all(), "Acme").query)
    assert "customer_id" in sql and "wagtail_tickets_ticket" in sql
    assert "testapp_company" not in sql  # the page query joins no customer table
