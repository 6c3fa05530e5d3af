"""One rule for the sender's name of a message, on every page: a registered user's
messages show their current display name (earlier messages too); a guest's or a mail
sender's keep the name stored with the message. Read without a query per message."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import admin_access, make_customer, make_ticket
from tests.views.conftest import url
from wagtail_tickets import actions
from wagtail_tickets.links import workspace_url
from wagtail_tickets.notifications import Event, EventKind
from wagtail_tickets.notifications.events import get_notifier

pytestmark = pytest.mark.django_db


def test_a_new_display_name_shows_on_earlier_messages_in_the_customer_area(
    login, customer, support
):
    ticket = make_ticket(customer, support, body="<p>Before the rename</p>")
    assert ticket.messages.get().author_name == "Carla Customer"
    client = login(customer)
    client.post(url("profile"), {"display_name": "Acme Purchasing", "language": ""})
    html = client.get(url("detail", ticket.number)).content.decode()
    assert "Acme Purchasing" in html and "Carla Customer" not in html


def test_the_admin_workspace_follows_the_same_rule_without_a_query_per_author(
    client, customer, agent, support, acme
):
    ticket = make_ticket(customer, support)
    actions.set_display_name(customer, "Acme Purchasing")
    client.force_login(admin_access(agent))
    client.get(workspace_url(ticket.pk))
    with CaptureQueriesContext(connection) as few:
        response = client.get(workspace_url(ticket.pk))
    assert "Acme Purchasing" in response.content.decode()
    for index in range(15):
        colleague = make_customer(support, company=acme, username=f"colleague{index}")
        actions.set_display_name(colleague, f"Colleague number {index}")
        actions.add_reply(ticket, actor=colleague, body_html=f"<p>{index}</p>")
    with CaptureQueriesContext(connection) as many:
        response = client.get(workspace_url(ticket.pk))
    assert "Colleague number 14" in response.content.decode()
    assert len(many) == len(few)


def test_guests_keep_the_stored_name(login, customer, support):
    ticket = make_ticket(customer, support)
    actions.add_reply(
        ticket,
        body_html="<p>By mail</p>",
        author_name="Carla from her phone",
        author_email="carla@example.com",
        as_staff=False,
    )
    html = login(customer).get(url("detail", ticket.number)).content.decode()
    assert "Carla from her phone" in html


def test_the_agent_name_in_mail_is_the_current_one(customer, agent, support):
    ticket = make_ticket(customer, support)
    message = actions.add_reply(ticket, actor=agent, body_html="<p>Done</p>")
    actions.set_display_name(agent, "Support Team Anna")
    message.refresh_from_db()
    name = get_notifier().agent_name(Event(EventKind.REPLIED, ticket, message=message))
    assert name == "Support Team Anna"


def test_names_cost_no_query_per_author(login, customer, support, acme):
    ticket = make_ticket(customer, support)
    client = login(customer)
    client.get(url("detail", ticket.number))
    with CaptureQueriesContext(connection) as few:
        client.get(url("detail", ticket.number))
    for index in range(20):
        colleague = make_customer(support, company=acme, username=f"colleague{index}")
        actions.set_display_name(colleague, f"Colleague number {index}")
        actions.add_reply(ticket, actor=colleague, body_html=f"<p>{index}</p>")
    with CaptureQueriesContext(connection) as many:
        html = client.get(url("detail", ticket.number)).content.decode()
    assert "Colleague number 19" in html
    assert len(many) == len(few)
