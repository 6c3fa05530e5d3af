"""My Tickets filtered by what the status means: the same number of queries for a few
tickets and for many, in every list and filter."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import StatusFactory, make_ticket
from tests.views.conftest import url
from wagtail_tickets import actions

pytestmark = pytest.mark.django_db

PARAMS = [
    {},
    {"state": "with_us"},
    {"state": "waiting"},
    {"state": "closed"},
    {"scope": "company", "state": "waiting"},
]


def count(client, params) -> int:
    client.get(url("my_tickets"), params)  # warm per-process caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url("my_tickets"), params)
    assert response.status_code == 200
    return len(captured)


def add_tickets(customer, colleague, support, waiting, n: int) -> None:
    for index in range(n):
        for user in (customer, colleague):
            ticket = make_ticket(user, support, subject=f"{user.username} {index}")
            if index % 3 == 1:
                actions.change_ticket(ticket, status=waiting)
            elif index % 3 == 2:
                actions.close_ticket(ticket)


def test_every_filter_runs_a_constant_number_of_queries(
    settings, login, customer, colleague, support, django_assert_max_num_queries
):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "PAGE_SIZE": 100}
    waiting = StatusFactory(name="Waiting on you", waits_for_customer=True)
    actions.set_display_name(colleague, "Colin of Acme")
    client = login(customer)
    add_tickets(customer, colleague, support, waiting, 3)
    few = [count(client, params) for params in PARAMS]
    add_tickets(customer, colleague, support, waiting, 30)
    many = [count(client, params) for params in PARAMS]
    assert few == many
    with django_assert_max_num_queries(max(few)):
        response = client.get(url("my_tickets"), {"scope": "company", "state": "waiting"})
    assert len(response.context["tickets"]) == 11
    assert "Colin of Acme" in response.content.decode()
    assert response.context["counts"] == {"all": 33, "with_us": 11, "waiting": 11, "closed": 11}
