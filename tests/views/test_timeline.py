"""Status, priority and target date changes show in the customer's conversation, in time
order between the messages, in the customer's words; never internal notes nor agent-only
fields; one query for the page's history entries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CategoryFactory, PriorityFactory, StatusFactory, make_ticket
from tests.views.conftest import url
from wagtail_tickets import actions
from wagtail_tickets.display import show_date
from wagtail_tickets.models import Status
from wagtail_tickets.views.timeline import Change

pytestmark = pytest.mark.django_db


@pytest.fixture
def need_info():
    return StatusFactory(name="Need info from customer", waits_for_customer=True)


def changes_of(response) -> list[list[tuple[str, str, str]]]:
    return [
        [(line.label, line.old, line.new) for line in item.lines]
        for kind, item in response.context["timeline"]
        if kind == "change"
    ]


def test_a_waiting_status_shows_as_a_line_in_the_customers_words(
    login, customer, agent, support, need_info
):
    ticket = make_ticket(customer, support, body="<p>First words</p>")
    actions.add_reply(ticket, actor=agent, body_html="<p>Which model is it?</p>")
    actions.change_ticket(ticket, actor=agent, status=need_info)
    actions.add_reply(ticket, actor=customer, body_html="<p>The big one</p>")
    response = login(customer).get(url("detail", ticket.number))
    html = response.content.decode()
    assert changes_of(response) == [[("Status", "With us", "Waiting for your answer")]]
    assert "Need info from customer" not in html  # the team's name for it
    kinds = [kind for kind, _item in response.context["timeline"]]
    assert kinds == ["message", "message", "change", "message"]
    assert (
        html.index("Which model is it?") < html.index("data-wt-change") < html.index("The big one")
    )
    assert "Waiting for your answer" in html


def test_statuses_of_the_same_meaning_make_no_line(login, customer, agent, support):
    ticket = make_ticket(customer, support)
    actions.change_ticket(ticket, actor=agent, status=Status.objects.get(name="In progress"))
    response = login(customer).get(url("detail", ticket.number))
    assert changes_of(response) == []


def test_priority_target_date_close_and_reopen(login, customer, agent, support):
    ticket = make_ticket(customer, support)
    urgent = PriorityFactory(name="Urgent")
    actions.change_ticket(
        ticket, actor=agent, priority=urgent, target_date=datetime.date(2026, 12, 24)
    )
    actions.close_ticket(ticket, actor=customer)
    actions.reopen_ticket(ticket, actor=agent)
    response = login(customer).get(url("detail", ticket.number))
    christmas = show_date(datetime.date(2026, 12, 24))
    assert christmas and christmas != "2026-12-24"
    assert changes_of(response) == [
        [("Priority", "Normal", "Urgent"), ("Target date", "", christmas)],
        [("Status", "With us", "Closed")],
        [("Status", "Closed", "With us")],
    ]
    html = response.content.decode()
    assert f"Target date: <strong>{christmas}</strong>" in html


def test_agent_only_fields_and_internal_notes_stay_out(login, customer, agent, support):
    ticket = make_ticket(customer, support)
    actions.add_reply(ticket, actor=agent, body_html="<p>Between us</p>", internal=True)
    actions.claim_ticket(ticket, actor=agent)
    actions.change_ticket(ticket, actor=agent, cc=["boss@example.com"])
    response = login(customer).get(url("detail", ticket.number))
    assert changes_of(response) == []
    html = response.content.decode()
    assert "Between us" not in html and "Assignee" not in html and "Agnes" not in html


def test_a_renamed_status_still_shows_its_meaning(login, customer, agent, support, need_info):
    ticket = make_ticket(customer, support)
    actions.change_ticket(ticket, actor=agent, status=need_info)
    actions.close_ticket(ticket, actor=agent)
    Status.objects.filter(pk=need_info.pk).update(name="Renamed")
    response = login(customer).get(url("detail", ticket.number))
    # the first change names a status that is gone: its new meaning is unknown, no line;
    # the close says what it became
    assert changes_of(response) == [[("Status", "", "Closed")]]


def test_history_entries_are_one_query_whatever_their_number(
    login, customer, agent, support, need_info
):
    ticket = make_ticket(customer, support)
    client = login(customer)
    actions.change_ticket(ticket, actor=agent, status=need_info)
    client.get(url("detail", ticket.number))
    with CaptureQueriesContext(connection) as few:
        client.get(url("detail", ticket.number))
    categories = [CategoryFactory(name=f"C{i}") for i in range(3)]
    for index in range(30):
        actions.change_ticket(
            ticket,
            actor=agent,
            status=need_info if index % 2 else Status.objects.get(name="Open"),
            category=categories[index % 3],
            target_date=datetime.date(2027, 1, 1 + index),
        )
        actions.add_reply(ticket, actor=customer, body_html=f"<p>r{index}</p>")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("detail", ticket.number))
    assert len(changes_of(response)) > 30
    assert len(many) == len(few)
    history = [q for q in many.captured_queries if "wagtail_tickets_ticketlogentry" in q["sql"]]
    assert len(history) == 1


def test_changes_on_earlier_pages_stay_there(login, customer, agent, support, need_info):
    ticket = make_ticket(customer, support, body="<p>first</p>")
    actions.change_ticket(ticket, actor=agent, status=need_info)  # between message 1 and 2
    for index in range(55):
        actions.add_reply(ticket, actor=customer, body_html=f"<p>r{index}</p>")
    client = login(customer)
    latest = client.get(url("detail", ticket.number))
    assert changes_of(latest) == []
    first = client.get(url("detail", ticket.number), {"page": "1"})
    assert changes_of(first) == [[("Status", "With us", "Waiting for your answer")]]
    assert isinstance(first.context["timeline"][1][1], Change)
