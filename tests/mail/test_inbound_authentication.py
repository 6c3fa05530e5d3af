"""``INBOUND_REQUIRE_AUTHENTICATION``: with it, mail counts as a registered user's or an
agent's only when the site's own receiving server passed its From domain; any other mail
with their address is a stranger's."""

from __future__ import annotations

import pytest

from tests.factories import MailboxFactory, UserFactory, grant, make_ticket
from tests.mail import corpus
from wagtail_tickets.mail.importer import import_mailbox, import_raw
from wagtail_tickets.models import InboundMessage, Message, QuarantinedMessage, Ticket
from wagtail_tickets.models import TypePermission as TP
from wagtail_tickets.notifications.tokens import make_message_id

pytestmark = pytest.mark.django_db

MX = "mx.tickets.example"
AGENT = "agent@tickets.example"
CUSTOMER = "carla@customer.example"


def passed(domain: str, method: str = "dmarc", authserv_id: str = MX) -> str:
    prop = "header.from" if method == "dmarc" else "header.d"
    return (
        f"Authentication-Results: {authserv_id};\r\n"
        f"\tspf=pass smtp.mailfrom=someone@{domain};\r\n"
        f"\t{method}=pass (looks fine) {prop}={domain}"
    )


@pytest.fixture
def required(settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "INBOUND_REQUIRE_AUTHENTICATION": "dmarc",
        "INBOUND_AUTHSERV_IDS": [MX],
    }


@pytest.fixture
def stored_mailbox(support_type):
    return MailboxFactory(ticket_type=support_type)


@pytest.fixture
def agent(support_type):
    user = UserFactory(username="agent", email=AGENT)
    grant(user, support_type, TP.Level.MANAGE)
    return user


@pytest.fixture
def carla(support_type):
    user = UserFactory(username="carla", email=CUSTOMER)
    grant(user, support_type, TP.Level.WRITE)
    return user


def test_an_authenticated_agent_answers_as_staff(
    required, stored_mailbox, agent, carla, support_type
):
    ticket = make_ticket(carla, support_type)
    raw = corpus.plain(
        sender=f"Agent <{AGENT}>",
        subject=f"Re: [ts #{ticket.number}] Printer",
        extra_headers=(passed("tickets.example"),),
    )
    assert import_raw(raw, stored_mailbox) == "reply"
    reply = ticket.messages.order_by("pk").last()
    assert reply.is_staff and reply.author == agent


@pytest.mark.parametrize(
    "headers",
    [
        (),  # nothing authenticated
        (passed("tickets.example", authserv_id="mx.evil.example"),),  # forged by the sender
        (passed("evil.example"),),  # the sender's own domain passed, not the From's
        (f"Authentication-Results: {MX}; dmarc=fail header.from=tickets.example",),
        (f"Authentication-Results: {MX}; dmarc=temperror header.from=tickets.example",),
        (f"Authentication-Results: {MX}; dmarc=none header.from=tickets.example",),
        (
            f"Authentication-Results: {MX}; dmarc=fail header.from=tickets.example",
            passed("tickets.example"),  # a forged copy our server did not remove
        ),
    ],
)
def test_an_unauthenticated_agent_address_is_a_stranger(
    required, stored_mailbox, agent, carla, support_type, headers
):
    ticket = make_ticket(carla, support_type)
    raw = corpus.plain(
        sender=f"Agent <{AGENT}>",
        subject=f"Re: [ts #{ticket.number}] Printer",
        extra_headers=headers,
    )
    assert import_raw(raw, stored_mailbox) == "opened"
    assert ticket.messages.count() == 1
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert new.requester is None and new.requester_email == AGENT
    message = new.messages.get()
    assert not message.is_staff and message.author is None
    assert "did not authenticate" in message.body_text
    assert InboundMessage.objects.get().reason == "sender not authenticated"


def test_a_token_still_lets_the_mail_in_but_not_as_the_agent(
    required, stored_mailbox, agent, carla, support_type
):
    ticket = make_ticket(carla, support_type)
    token = make_message_id(ticket.pk, 0, "tickets.example")
    raw = corpus.plain(sender=AGENT, subject="Re: Printer", in_reply_to=token)
    assert import_raw(raw, stored_mailbox) == "reply"
    reply = ticket.messages.order_by("pk").last()
    assert not reply.is_staff and reply.author is None
    assert InboundMessage.objects.get().reason == "threaded by token; sender not authenticated"


def test_an_unauthenticated_customer_neither_opens_as_themselves_nor_joins(
    required, stored_mailbox, carla, support_type
):
    ticket = make_ticket(carla, support_type, message_id="<c1@customer.example>")
    raw = corpus.plain(
        sender=CUSTOMER, subject=f"[ts #{ticket.number}] x", references="<c1@customer.example>"
    )
    assert import_raw(raw, stored_mailbox) == "opened"
    assert ticket.messages.count() == 1
    assert Ticket.objects.exclude(pk=ticket.pk).get().requester is None
    raw = corpus.plain(
        sender=CUSTOMER,
        subject=f"[ts #{ticket.number}] y",
        extra_headers=(passed("customer.example"),),
    )
    assert import_raw(raw, stored_mailbox) == "reply"
    assert ticket.messages.order_by("pk").last().author == carla


def test_a_guest_without_an_account_is_not_asked(required, stored_mailbox, support_type):
    """The option protects accounts; a guest's address was never more than an address."""
    ticket = make_ticket(None, support_type, requester_email="guest@customer.example")
    raw = corpus.plain(sender="guest@customer.example", subject=f"Re: [ts #{ticket.number}] x")
    assert import_raw(raw, stored_mailbox) == "reply"
    assert ticket.messages.count() == 2


def test_dkim_mode(settings, stored_mailbox, carla):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "INBOUND_REQUIRE_AUTHENTICATION": "dkim",
        "INBOUND_AUTHSERV_IDS": "MX.Tickets.Example",
    }
    signed = corpus.plain(
        sender=CUSTOMER, subject="signed", extra_headers=(passed("customer.example", "dkim"),)
    )
    by_esp = corpus.plain(
        sender=CUSTOMER, subject="esp", extra_headers=(passed("mailer.example", "dkim"),)
    )
    import_raw(signed, stored_mailbox)
    import_raw(by_esp, stored_mailbox)
    assert Ticket.objects.get(subject="signed").requester == carla
    assert Ticket.objects.get(subject="esp").requester is None


def test_without_the_option_nothing_is_asked(stored_mailbox, carla):
    import_raw(corpus.plain(sender=CUSTOMER), stored_mailbox)
    assert Ticket.objects.get().requester == carla


def test_a_broken_configuration_keeps_mail_aside(settings, stored_mailbox, carla):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "INBOUND_REQUIRE_AUTHENTICATION": "dmarc",
    }
    assert import_raw(corpus.plain(sender=CUSTOMER), stored_mailbox) == "quarantined"
    assert "INBOUND_AUTHSERV_IDS" in QuarantinedMessage.objects.get().reason
    assert not Message.objects.exists()


def test_end_to_end_through_imap(required, imap, mailbox, agent, carla):
    ticket = make_ticket(carla, mailbox.ticket_type)
    subject = f"Re: [ts #{ticket.number}] Printer"
    imap.append(
        corpus.plain(sender=AGENT, subject=subject, extra_headers=(passed("tickets.example"),)),
        corpus.plain(sender=AGENT, subject=subject, body="forged"),
    )
    report = import_mailbox(mailbox)
    assert (report.replies, report.imported, report.error) == (1, 1, "")
    staff = ticket.messages.get(is_staff=True)
    assert staff.author == agent
    assert Ticket.objects.exclude(pk=ticket.pk).get().messages.get().author is None
    assert imap.messages() == []
