"""Lists cost a constant number of queries whatever their length, and never count all
tickets."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_ticket
from wagtail_tickets import actions

from .conftest import client_for

pytestmark = pytest.mark.django_db


def more_tickets(world, n):
    for i in range(n):
        ticket = make_ticket(world["alice"], world["hardware"], subject=f"Extra {i}")
        actions.claim_ticket(ticket, actor=world["agent"])


@pytest.mark.parametrize("who", ["agent", "alice"])
def test_ticket_list_queries_do_not_grow(world, who, django_assert_max_num_queries):
    client = client_for(world[who])
    url = reverse("wagtail_tickets_api:tickets")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    more_tickets(world, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, {"page_size": 10})
    assert len(response.json()["results"]) == 10
    assert len(few.captured_queries) <= 12
    assert not any("COUNT(" in q["sql"].upper() for q in few.captured_queries)


def test_filtered_and_searched_agent_list(world, django_assert_max_num_queries):
    more_tickets(world, 6)
    client = client_for(world["agent"])
    url = reverse("wagtail_tickets_api:tickets")
    params = {"state": "open", "assigned": "mine", "q": "Extra", "ordering": "-created_at"}
    # PostgreSQL's search asks its word indexes and the matching people first: two more;
    # whether the agent reaches the admin costs Django's permission queries
    with django_assert_max_num_queries(15):
        response = client.get(url, params)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 6


def test_cursor_walks_every_ticket_once(world):
    more_tickets(world, 7)
    client = client_for(world["agent"])
    for ordering in ["-updated_at", "updated_at", "-created_at", "created_at", "number", "-number"]:
        seen, url = [], reverse("wagtail_tickets_api:tickets") + f"?page_size=3&ordering={ordering}"
        while url:
            data = client.get(url).json()
            seen += [row["id"] for row in data["results"]]
            url = data["next"]
        assert len(seen) == len(set(seen)) == 9, ordering


def test_messages_list_queries_do_not_grow(world, django_assert_max_num_queries):
    ticket = world["alice_hw"]
    client = client_for(world["agent"])
    url = reverse("wagtail_tickets_api:messages", args=[ticket.pk])
    for i in range(8):
        actions.add_reply(ticket, actor=world["agent"], body_html=f"<p>{i}</p>")
    with django_assert_max_num_queries(10):
        response = client.get(url, {"page_size": 5})
    data = response.json()
    assert len(data["results"]) == 5 and data["next"]
    rest = client.get(data["next"]).json()
    assert len(rest["results"]) == 5 and rest["next"] is None


def test_customer_record_list_queries(world, django_assert_max_num_queries):
    more_tickets(world, 5)
    client = client_for(world["agent"])
    url = reverse("wagtail_tickets_api:customer_tickets", args=[world["acme"].pk])
    # two of them are Django's permission reads: whether the agent reaches the admin
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert len(response.json()["results"]) == 6
