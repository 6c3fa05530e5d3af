"""Closing takes a confirmation and can be undone: customers reopen a closed ticket for
``reopen_days`` days (permissions.can_reopen); later the ticket page offers a new ticket
that refers to it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import CompanyFactory, UserFactory, grant, make_ticket
from tests.views.conftest import url
from wagtail_tickets import actions, permissions
from wagtail_tickets.models import Ticket, TicketLogEntry, TicketSettings
from wagtail_tickets.models import TypePermission as TP

pytestmark = pytest.mark.django_db


def closed(ticket: Ticket, days_ago: float = 0) -> Ticket:
    actions.close_ticket(ticket)
    if days_ago:
        Ticket.objects.filter(pk=ticket.pk).update(
            closed_at=ticket.closed_at - timedelta(days=days_ago)
        )
    ticket.refresh_from_db()
    return ticket


def set_reopen_days(days: int) -> None:
    options = TicketSettings.load()
    options.reopen_days = days
    options.save()


# --- closing ------------------------------------------------------------------------------


def test_close_asks_first_and_says_how_long_it_can_be_reopened(login, customer, support):
    ticket = make_ticket(customer, support)
    client = login(customer)
    response = client.get(url("close", ticket.number))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Close ticket #{ticket.number}?" in html
    assert "you can reopen it within 14 days" in html
    assert 'name="confirm" value="yes"' in html
    ticket.refresh_from_db()
    assert not ticket.status.is_closed


@pytest.mark.parametrize("data", [{}, {"confirm": ""}, {"confirm": "no"}, {"confirm": "YES "}])
def test_a_post_without_the_confirmation_closes_nothing(login, customer, support, data):
    ticket = make_ticket(customer, support)
    response = login(customer).post(url("close", ticket.number), data)
    assert response.status_code == 400
    assert 'name="confirm" value="yes"' in response.content.decode()  # asks again
    ticket.refresh_from_db()
    assert not ticket.status.is_closed
    assert not TicketLogEntry.objects.filter(action="wagtail_tickets.closed").exists()


def test_the_confirmation_closes(login, customer, support):
    ticket = make_ticket(customer, support)
    response = login(customer).post(url("close", ticket.number), {"confirm": "yes"}, follow=True)
    ticket.refresh_from_db()
    assert ticket.status.is_closed
    html = response.content.decode()
    assert f"Ticket #{ticket.number} has been closed." in html
    assert html.count(f"Ticket #{ticket.number} has been closed.") == 1


def test_close_of_a_foreign_ticket_is_404(login, customer, stranger, support):
    foreign = make_ticket(stranger, support)
    client = login(customer)
    assert client.get(url("close", foreign.number)).status_code == 404
    assert client.post(url("close", foreign.number), {"confirm": "yes"}).status_code == 404
    foreign.refresh_from_db()
    assert not foreign.status.is_closed


def test_close_is_refused_where_customers_may_not_close(login, customer, support):
    options = TicketSettings.load()
    options.customers_may_close = False
    options.save()
    ticket = make_ticket(customer, support)
    client = login(customer)
    assert client.get(url("close", ticket.number)).status_code == 403
    assert client.post(url("close", ticket.number), {"confirm": "yes"}).status_code == 403
    ticket.refresh_from_db()
    assert not ticket.status.is_closed


# --- reopening ----------------------------------------------------------------------------


def test_within_the_window_the_ticket_page_offers_reopen(login, customer, support):
    ticket = closed(make_ticket(customer, support), days_ago=3)
    client = login(customer)
    html = client.get(url("detail", ticket.number)).content.decode()
    assert f'action="{url("reopen", ticket.number)}"' in html
    assert "you can reopen it until" in html
    assert "data-wt-follow-up" not in html
    response = client.post(url("reopen", ticket.number), follow=True)
    ticket.refresh_from_db()
    assert not ticket.status.is_closed and ticket.closed_at is None
    html = response.content.decode()
    assert f"Ticket #{ticket.number} has been reopened." in html
    assert "With us" in html
    assert 'name="body"' in html  # the reply form is back
    entry = TicketLogEntry.objects.get(ticket_id=ticket.pk, action="wagtail_tickets.reopened")
    assert entry.user_id == customer.pk


def test_after_the_window_reopen_is_refused_with_a_way_forward(login, customer, support):
    ticket = closed(make_ticket(customer, support, subject="Printer jam"), days_ago=15)
    client = login(customer)
    html = client.get(url("detail", ticket.number)).content.decode()
    assert url("reopen", ticket.number) not in html
    assert "can no longer be reopened" in html
    assert f'href="{url("create")}?refers_to={ticket.number}"' in html
    response = client.post(url("reopen", ticket.number))
    assert response.status_code == 403
    assert "can no longer be reopened" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status.is_closed


def test_no_reopening_when_the_options_say_zero(login, customer, support):
    set_reopen_days(0)
    ticket = closed(make_ticket(customer, support))
    assert login(customer).post(url("reopen", ticket.number)).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status.is_closed


def test_reopen_needs_post_and_a_visible_ticket(login, customer, stranger, support):
    foreign = closed(make_ticket(stranger, support))
    client = login(customer)
    assert client.get(url("reopen", foreign.number)).status_code == 405
    assert client.post(url("reopen", foreign.number)).status_code == 404
    assert client.post(url("reopen", "99999999")).status_code == 404
    assert client.post("/tickets/%00/reopen/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.status.is_closed


def test_reopening_an_open_ticket_changes_nothing(login, customer, support):
    ticket = make_ticket(customer, support)
    response = login(customer).post(url("reopen", ticket.number), follow=True)
    assert response.status_code == 200
    assert not TicketLogEntry.objects.filter(action="wagtail_tickets.reopened").exists()


def test_a_colleague_with_write_reopens_a_company_ticket_and_a_reader_may_not(
    login, customer, colleague, acme, support
):
    ticket = closed(make_ticket(customer, support), days_ago=1)
    assert login(colleague).post(url("reopen", ticket.number)).status_code == 302
    ticket.refresh_from_db()
    assert not ticket.status.is_closed
    closed(ticket)
    reader = UserFactory(username="reader")
    grant(reader, support, TP.Level.READ, group_name="Readers")
    acme.users.add(reader)
    client = login(reader)
    assert (
        url("reopen", ticket.number)
        not in client.get(url("detail", ticket.number)).content.decode()
    )
    assert client.post(url("reopen", ticket.number)).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status.is_closed


def test_can_reopen_window_and_agents(customer, agent, support):
    ticket = make_ticket(customer, support)
    assert not permissions.can_reopen(customer, ticket)  # open
    closed(ticket, days_ago=13.9)
    assert permissions.can_reopen(customer, ticket)
    deadline = permissions.reopen_deadline(ticket)
    assert deadline == ticket.closed_at + timedelta(days=14)
    closed_long_ago = closed(make_ticket(customer, support), days_ago=14.1)
    assert not permissions.can_reopen(customer, closed_long_ago)
    assert permissions.can_reopen(agent, closed_long_ago)  # agents at any time
    # a closed ticket without a closing time (an old import) is not reopened by customers
    Ticket.objects.filter(pk=ticket.pk).update(closed_at=None)
    ticket.refresh_from_db()
    assert not permissions.can_reopen(customer, ticket)
    assert permissions.reopen_deadline(ticket) is None


# --- a new ticket that refers to a closed one -----------------------------------------------


def test_refers_to_prefills_the_new_ticket(login, customer, support):
    old = closed(make_ticket(customer, support, subject="Printer jam"), days_ago=30)
    response = login(customer).get(url("create"), {"refers_to": old.number})
    assert response.status_code == 200
    form = response.context["form"]
    assert form["subject"].value() == f"Re: #{old.number} Printer jam"
    assert f"#{old.number}" in form["body"].value()
    assert form["type"].value() == support.pk
    html = response.content.decode()
    assert "data-wt-refers-to" in html and url("detail", old.number) in html


@pytest.mark.parametrize("value", ["", "0", "x" * 200, "12\x003", "<script>", "../1"])
def test_refers_to_of_nothing_is_ignored(login, customer, value):
    response = login(customer).get(url("create"), {"refers_to": value})
    assert response.status_code == 200
    assert response.context["refers_to"] is None
    assert not response.context["form"]["subject"].value()


def test_refers_to_a_foreign_ticket_is_ignored(login, customer, stranger, support):
    foreign = closed(make_ticket(stranger, support, subject="Secret merger plans"))
    response = login(customer).get(url("create"), {"refers_to": foreign.number})
    assert response.status_code == 200
    assert response.context["refers_to"] is None
    html = response.content.decode()
    assert "Secret merger plans" not in html
    assert not response.context["form"]["subject"].value()


def test_refers_to_a_company_ticket_of_another_company_is_ignored(login, customer, support):
    other = UserFactory(username="other")
    grant(other, support, TP.Level.WRITE, group_name="Customers")
    CompanyFactory(name="Elsewhere").users.add(other)
    foreign = make_ticket(other, support, subject="Elsewhere ticket")
    response = login(customer).get(url("create"), {"refers_to": foreign.number})
    assert "Elsewhere ticket" not in response.content.decode()
