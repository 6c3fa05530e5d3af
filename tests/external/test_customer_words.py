"""The private link speaks the customer's words: the status badge and the changes between
messages say "With us" / "Waiting for your answer" / "Closed"; closing asks first (without
JavaScript), a closed ticket can be reopened within the window, and the confirmation after
opening a ticket is said once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.external.conftest import signed
from tests.factories import StatusFactory, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.external import token as tokens
from wagtail_tickets.models import Ticket

pytestmark = pytest.mark.django_db


def url(token: str) -> str:
    return reverse("wagtail_tickets:external_ticket", args=[token])


@pytest.fixture
def visitor_ticket(page, support_type):
    ticket = make_ticket(
        None,
        support_type,
        subject="Shop down",
        requester_name="Vera Visitor",
        requester_email="vera@example.org",
    )
    return ticket, tokens.issue_token(ticket)


def action(ticket, name: str, **extra) -> dict:
    return {"action": name, "form_token": signed(f"ticket:{ticket.pk}"), "website": "", **extra}


def test_status_and_its_changes_in_the_customers_words(client, visitor_ticket):
    ticket, token = visitor_ticket
    need_info = StatusFactory(name="Need info from customer", waits_for_customer=True)
    actions.change_ticket(ticket, status=need_info)
    response = client.get(url(token))
    html = response.content.decode()
    assert "Need info from customer" not in html
    assert "wt-status--waiting" in html
    lines = [
        [(line.label, line.old, line.new) for line in item.lines]
        for kind, item in response.context["timeline"]
        if kind == "change"
    ]
    assert lines == [[("Status", "With us", "Waiting for your answer")]]


def test_close_asks_first_then_the_visitor_reopens_within_the_window(client, visitor_ticket):
    ticket, token = visitor_ticket
    html = client.get(url(token)).content.decode()
    assert '<details class="wt-confirm-inline" data-wt-close>' in html  # closed until asked
    assert 'name="confirm" value="yes"' in html
    assert client.post(url(token), action(ticket, "close")).status_code == 400
    ticket.refresh_from_db()
    assert not ticket.status.is_closed
    assert client.post(url(token), action(ticket, "close", confirm="yes")).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status.is_closed
    html = client.get(url(token)).content.decode()
    assert 'value="reopen"' in html and "you can reopen it until" in html
    assert client.post(url(token), action(ticket, "reopen")).status_code == 302
    ticket.refresh_from_db()
    assert not ticket.status.is_closed


def test_after_the_window_the_link_cannot_reopen(client, visitor_ticket):
    ticket, token = visitor_ticket
    actions.close_ticket(ticket)
    Ticket.objects.filter(pk=ticket.pk).update(closed_at=ticket.closed_at - timedelta(days=15))
    html = client.get(url(token)).content.decode()
    assert 'value="reopen"' not in html
    assert "can no longer be reopened" in html
    assert client.post(url(token), action(ticket, "reopen")).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status.is_closed


def test_reopen_with_a_bad_form_token_is_refused(client, visitor_ticket):
    ticket, token = visitor_ticket
    actions.close_ticket(ticket)
    response = client.post(url(token), {"action": "reopen", "form_token": "x", "website": ""})
    assert "This form has expired" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status.is_closed


def test_the_confirmation_after_opening_is_said_once(client, page, visitor_data):
    response = client.post(reverse("wagtail_tickets:external"), visitor_data, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    ticket = Ticket.objects.get()
    assert html.count(f"#{ticket.number} has been opened") == 1
    assert "wt-messages" not in html
    # and the used-up message does not show on the next page either
    later = client.get(response.redirect_chain[-1][0].split("?")[0]).content.decode()
    assert "has been opened" not in later
