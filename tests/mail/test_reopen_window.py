"""A mail that continues a closed ticket: within the reopen window its customers (the
requester's address, their account) reopen it; after the window, and for anyone else's
mail, the mailbox's policy decides (reopen, or a new ticket that refers to it).
``permissions.may_reopen_by_mail`` decides, never the From's display name."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import MailboxFactory, UserFactory, grant, make_ticket
from tests.mail import corpus
from wagtail_tickets import actions, permissions
from wagtail_tickets.mail.importer import import_raw
from wagtail_tickets.models import Ticket, TicketSettings
from wagtail_tickets.models import TypePermission as TP
from wagtail_tickets.notifications.tokens import make_message_id

pytestmark = pytest.mark.django_db

CUSTOMER = "carla@customer.example"


@pytest.fixture
def new_ticket_mailbox(support_type):
    return MailboxFactory(ticket_type=support_type, on_closed_reply="new")


@pytest.fixture
def reopen_mailbox(support_type):
    return MailboxFactory(ticket_type=support_type, on_closed_reply="reopen")


def closed(ticket: Ticket, days_ago: float = 0) -> Ticket:
    actions.close_ticket(ticket)
    if days_ago:
        Ticket.objects.filter(pk=ticket.pk).update(
            closed_at=ticket.closed_at - timedelta(days=days_ago)
        )
    ticket.refresh_from_db()
    return ticket


def guest_ticket(support_type) -> Ticket:
    return make_ticket(None, support_type, requester_email=CUSTOMER, requester_name="Carla")


def reply(ticket, sender="Carla <carla@customer.example>", **kwargs) -> bytes:
    return corpus.plain(sender=sender, subject=f"Re: [ts #{ticket.number}] again", **kwargs)


def test_within_the_window_the_customers_reply_reopens_whatever_the_policy(
    new_ticket_mailbox, support_type
):
    ticket = closed(guest_ticket(support_type), days_ago=13)
    assert import_raw(reply(ticket), new_ticket_mailbox) == "reply"
    ticket.refresh_from_db()
    assert not ticket.status.is_closed
    assert ticket.messages.count() == 2 and Ticket.objects.count() == 1


def test_after_the_window_a_reply_follows_the_new_ticket_policy(new_ticket_mailbox, support_type):
    ticket = closed(guest_ticket(support_type), days_ago=15)
    assert import_raw(reply(ticket), new_ticket_mailbox) == "opened"
    ticket.refresh_from_db()
    assert ticket.status.is_closed and ticket.messages.count() == 1
    follow_up = Ticket.objects.exclude(pk=ticket.pk).get()
    assert f"#{ticket.number}" in follow_up.messages.get().body_text


def test_after_the_window_a_reply_follows_the_reopen_policy(reopen_mailbox, support_type):
    ticket = closed(guest_ticket(support_type), days_ago=15)
    assert import_raw(reply(ticket), reopen_mailbox) == "reply"
    ticket.refresh_from_db()
    assert not ticket.status.is_closed


def test_no_window_when_the_options_say_zero(new_ticket_mailbox, support_type):
    options = TicketSettings.load()
    options.reopen_days = 0
    options.save()
    ticket = closed(guest_ticket(support_type))
    assert import_raw(reply(ticket), new_ticket_mailbox) == "opened"
    ticket.refresh_from_db()
    assert ticket.status.is_closed


def test_the_requesters_account_reopens_within_the_window(new_ticket_mailbox, support_type):
    carla = UserFactory(username="carla", email=CUSTOMER)  # no level: the account is enough
    ticket = closed(make_ticket(carla, support_type), days_ago=1)
    assert import_raw(reply(ticket), new_ticket_mailbox) == "reply"
    ticket.refresh_from_db()
    assert not ticket.status.is_closed
    assert ticket.messages.order_by("pk").last().author == carla


def test_a_stranger_with_the_signed_token_cannot_reopen_someone_elses_ticket(
    new_ticket_mailbox, support_type
):
    ticket = closed(guest_ticket(support_type), days_ago=1)
    token = make_message_id(ticket.pk, ticket.messages.get().pk, "tickets.example")
    # the token threads the mail, but a stranger's From has no right to reopen it
    raw = corpus.plain(
        sender="Carla Customer <mallory@evil.example>",
        subject="Re: your ticket",
        in_reply_to=token,
    )
    assert import_raw(raw, new_ticket_mailbox) == "opened"
    ticket.refresh_from_db()
    assert ticket.status.is_closed and ticket.messages.count() == 1


def test_another_customers_account_cannot_reopen(new_ticket_mailbox, support_type):
    carla = UserFactory(username="carla", email=CUSTOMER)
    grant(carla, support_type, TP.Level.WRITE)
    other = UserFactory(username="oscar", email="oscar@other.example")
    grant(other, support_type, TP.Level.WRITE)
    ticket = closed(make_ticket(carla, support_type, cc=["oscar@other.example"]), days_ago=1)
    raw = reply(ticket, sender="Oscar <oscar@other.example>")
    assert import_raw(raw, new_ticket_mailbox) == "opened"
    ticket.refresh_from_db()
    assert ticket.status.is_closed


def test_an_unauthenticated_mail_in_the_requesters_name_cannot_reopen(
    settings, new_ticket_mailbox, support_type
):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "INBOUND_REQUIRE_AUTHENTICATION": "dmarc",
        "INBOUND_AUTHSERV_IDS": ["mx.tickets.example"],
    }
    carla = UserFactory(username="carla", email=CUSTOMER)
    grant(carla, support_type, TP.Level.WRITE)
    ticket = closed(make_ticket(carla, support_type), days_ago=1)
    assert import_raw(reply(ticket), new_ticket_mailbox) == "opened"
    ticket.refresh_from_db()
    assert ticket.status.is_closed


def test_an_agents_mail_reopens_at_any_time(new_ticket_mailbox, support_type):
    agent = UserFactory(username="agent", email="agent@tickets.example")
    grant(agent, support_type, TP.Level.MANAGE)
    ticket = closed(guest_ticket(support_type), days_ago=400)
    raw = reply(ticket, sender="Agent <agent@tickets.example>")
    assert import_raw(raw, new_ticket_mailbox) == "reply"
    ticket.refresh_from_db()
    assert not ticket.status.is_closed


def test_the_rule_is_asked_of_permissions(support_type):
    ticket = closed(guest_ticket(support_type), days_ago=1)
    sender = permissions.MailSender(CUSTOMER.upper())
    assert permissions.may_reopen_by_mail(sender, ticket)
    assert not permissions.may_reopen_by_mail(permissions.MailSender("x@evil.example"), ticket)
    assert not permissions.may_reopen_by_mail(permissions.MailSender(""), ticket)
    ticket = closed(guest_ticket(support_type), days_ago=20)
    assert not permissions.may_reopen_by_mail(sender, ticket)
