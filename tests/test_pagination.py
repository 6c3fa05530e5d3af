"""Bounded counts: listings stop counting at a limit and say "10,000+"."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import TicketTypeFactory, UserFactory, make_agent, make_customer, make_ticket
from wagtail_tickets import pagination
from wagtail_tickets.models import Ticket
from wagtail_tickets.pagination import AtLeast, BoundedPaginator, bounded_count, show_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_tickets():
    customer, kind = UserFactory(), TicketTypeFactory()
    return [make_ticket(customer, kind, subject=f"T{i}") for i in range(5)]


def test_counts_exactly_below_the_limit(five_tickets):
    assert bounded_count(Ticket.objects.all(), 5) == 5
    assert not isinstance(bounded_count(Ticket.objects.all(), 5), AtLeast)


def test_stops_at_the_limit_in_one_limited_query(five_tickets):
    with CaptureQueriesContext(connection) as queries:
        count = bounded_count(Ticket.objects.all(), 3)
    assert count == 3 and isinstance(count, AtLeast)
    assert len(queries) == 1 and "LIMIT 4" in queries[0]["sql"]


def test_display_says_more(five_tickets):
    assert show_count(bounded_count(Ticket.objects.all(), 3)) == "3+"
    assert show_count(12345) == "12,345"
    assert show_count(AtLeast(10000)) == "10,000+"


def test_paginator_offers_only_the_counted_pages(five_tickets):
    paginator = BoundedPaginator(Ticket.objects.order_by("pk"), 2, count_limit=3)
    assert paginator.is_bounded and paginator.num_pages == 2
    # rows past the limit are not offered either
    assert [t.subject for t in paginator.get_page(2).object_list] == ["T2"]
    assert paginator.get_page(999).number == 2
    assert paginator.get_page("'; DROP").number == 1


def test_inbox_says_more_than_when_it_stopped_counting(client, monkeypatch):
    kind = TicketTypeFactory()
    customer = UserFactory()
    for i in range(4):
        make_ticket(customer, kind, subject=f"Jam {i}")
    monkeypatch.setattr(pagination.BoundedPaginatorMixin, "count_limit", 3)
    client.force_login(make_agent(kind))
    response = client.get(reverse("wagtail_tickets_inbox:index"), {"q": "Jam"})
    assert response.status_code == 200
    assert "More than 3 tickets match: the newest 3 are listed." in response.content.decode()


def test_my_tickets_labels_stop_counting(client, monkeypatch):
    kind = TicketTypeFactory()
    customer = make_customer(kind)
    for i in range(3):
        make_ticket(customer, kind, subject=f"Jam {i}")
    monkeypatch.setattr("wagtail_tickets.views.customer.LABEL_COUNT_LIMIT", 2)
    client.force_login(customer)
    html = client.get(reverse("wagtail_tickets:my_tickets")).content.decode()
    assert '<span class="wt-count">2+</span>' in html  # open, and so "all"
    assert '<span class="wt-count">0</span>' in html  # closed


def test_a_first_page_that_holds_everything_needs_no_count(five_tickets):
    paginator = BoundedPaginator(Ticket.objects.order_by("pk"), 10)
    with CaptureQueriesContext(connection) as queries:
        page = paginator.get_page(None)
    assert len(queries) == 1 and "COUNT" not in queries[0]["sql"]
    assert [t.subject for t in page.object_list] == [f"T{i}" for i in range(5)]
    assert paginator.count == 5 and paginator.num_pages == 1 and not page.has_next()


@pytest.mark.parametrize("asked", [None, "", "1", 1])
def test_a_longer_first_page_is_counted_and_read_once(five_tickets, asked):
    paginator = BoundedPaginator(Ticket.objects.order_by("pk"), 2)
    with CaptureQueriesContext(connection) as queries:
        page = paginator.get_page(asked)
    assert len(queries) == 2  # the rows (one more than a page), then the bounded count
    assert [t.subject for t in page.object_list] == ["T0", "T1"]
    assert page.number == 1 and paginator.count == 5 and paginator.num_pages == 3


def test_orphans_join_the_only_page(five_tickets):
    paginator = BoundedPaginator(Ticket.objects.order_by("pk"), 4, orphans=1)
    page = paginator.get_page("1")
    assert len(page.object_list) == 5 and paginator.num_pages == 1


@pytest.mark.parametrize("asked", ["2", "99", "-1", "x", "1.5"])
def test_other_pages_go_the_usual_way(five_tickets, asked):
    paginator = BoundedPaginator(Ticket.objects.order_by("pk"), 2)
    page = paginator.get_page(asked)
    expected = {"2": 2, "99": 3, "-1": 3, "x": 1, "1.5": 1}[asked]
    assert page.number == expected


# ---------------------------------------------------------------- pages never counted


def test_an_uncounted_page_reads_one_row_more_and_never_counts(five_tickets):
    tickets = Ticket.objects.order_by("pk")
    with CaptureQueriesContext(connection) as queries:
        first = pagination.uncounted_page(tickets, "1", 2)
    assert [t.pk for t in first] == [t.pk for t in five_tickets[:2]]
    assert len(queries) == 1 and "COUNT" not in queries[0]["sql"].upper()
    assert first.has_next() and not first.has_previous() and first.has_other_pages()
    assert first.next_page_number() == 2
    last = pagination.uncounted_page(tickets, 3, 2)
    assert len(last) == 1 and not last.has_next() and last.previous_page_number() == 2
    only = pagination.uncounted_page(tickets, 1, 5)
    assert len(only) == 5 and not only.has_other_pages()


@pytest.mark.parametrize("number", [None, "", "x", "-2", "0", "1.5", "4", "10**9", 10**30])
def test_an_uncounted_page_falls_back_to_the_first(five_tickets, number):
    page = pagination.uncounted_page(Ticket.objects.order_by("pk"), number, 2, max_rows=100)
    assert page.number == 1 and len(page) == 2


def test_an_uncounted_page_goes_no_further_than_its_limit(five_tickets):
    tickets = Ticket.objects.order_by("pk")
    assert pagination.uncounted_page(tickets, 3, 2, max_rows=6).number == 3
    assert pagination.uncounted_page(tickets, 4, 2, max_rows=6).number == 1


# ---------------------------------------------------------------- several counts at once


def test_several_bounded_counts_are_one_query(five_tickets):
    tickets = Ticket.objects.all()
    first = five_tickets[0]
    with CaptureQueriesContext(connection) as queries:
        counts = pagination.bounded_counts(
            [tickets, tickets.exclude(pk=first.pk), tickets.filter(pk=first.pk), tickets.none()],
            limit=3,
        )
    assert len(queries) == 1
    assert counts == [3, 3, 1, 0]
    assert [isinstance(c, AtLeast) for c in counts] == [True, True, False, False]
    assert pagination.bounded_counts([tickets.none(), tickets.filter(pk__in=[])]) == [0, 0]


def test_hostile_text_in_a_counted_filter_stays_a_parameter(five_tickets):
    hostile = "x') OR 1=1; DROP TABLE wagtail_tickets_ticket; --"
    counts = pagination.bounded_counts(
        [Ticket.objects.filter(subject=hostile), Ticket.objects.filter(subject="T1")]
    )
    assert counts == [0, 1] and Ticket.objects.count() == 5


def test_a_paginator_takes_a_count_the_page_has_already(five_tickets):
    tickets = Ticket.objects.order_by("pk")
    paginator = BoundedPaginator(tickets, 2, count_limit=3, count=AtLeast(3))
    assert paginator.count == 3 and paginator.is_bounded
    assert BoundedPaginator(tickets, 2, count_limit=3, count=5).is_bounded
    assert BoundedPaginator(tickets, 2, count_limit=10, count=5).count == 5
    # stopped below the paginator's limit: it says nothing, the paginator counts itself
    unknown = BoundedPaginator(tickets, 2, count_limit=10, count=AtLeast(2))
    assert unknown.count == 5 and not unknown.is_bounded


def test_my_tickets_counts_labels_and_pages_in_one_query(client, monkeypatch):
    monkeypatch.setattr("wagtail_tickets.views.customer.LABEL_COUNT_LIMIT", 30)
    monkeypatch.setattr("wagtail_tickets.views.customer.LIST_COUNT_LIMIT", 30)
    kind = TicketTypeFactory()
    customer = make_customer(kind)
    for index in range(40):
        make_ticket(customer, kind, subject=f"T{index}")
    client.force_login(customer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("wagtail_tickets:my_tickets"))
    # one query counts both labels and the pages, one reads the page
    reading = [q["sql"] for q in queries if 'FROM "wagtail_tickets_ticket"' in q["sql"]]
    assert len(reading) == 2 and "COUNT(" in reading[0].upper()
    assert response.context["page"].paginator.is_bounded
    assert str(response.context["counts"]["with_us"]) == "30+"
