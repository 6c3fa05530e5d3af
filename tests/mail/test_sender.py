"""Who sent a mail: the addr-spec of its one strictly parsed From, never text read from a
display name, Sender or Reply-To. A From that does not parse strictly makes the sender
unknown, and the message waits in the quarantine with the reason."""

from __future__ import annotations

import pytest

from tests.factories import MailboxFactory, UserFactory, grant, make_ticket
from tests.mail import corpus
from wagtail_tickets import actions
from wagtail_tickets.mail.importer import import_raw
from wagtail_tickets.mail.parse import ParseError, parse_message
from wagtail_tickets.models import InboundMessage, Message, QuarantinedMessage, Ticket
from wagtail_tickets.models import TypePermission as TP
from wagtail_tickets.models.mail import OutgoingMail

AGENT = "agent@tickets.example"
CUSTOMER = "carla@customer.example"

# From values whose sender must be unknown: each one would have passed for the agent (or
# for someone) with a lenient parse.
HOSTILE_FROM = [
    # an encoded word with an encoded line break in the display name
    "=?utf-8?q?agent=40tickets=2Eexample=0A?= <attacker@evil.example>",
    "=?utf-8?q?agent=40tickets=2Eexample=0D=0A?= <attacker@evil.example>",
    "=?utf-8?b?YWdlbnRAdGlja2V0cy5leGFtcGxlCg==?= <attacker@evil.example>",
    # an unquoted display name that holds an address
    "agent@tickets.example <attacker@evil.example>",
    "Support agent@tickets.example <attacker@evil.example>",
    "attacker@evil.example agent@tickets.example",
    "Eve <attacker@evil.example> agent@tickets.example",
    # two addresses, a group, an empty group
    "agent@tickets.example, attacker@evil.example",
    "attacker@evil.example, agent@tickets.example",
    "Staff: agent@tickets.example;",
    "Staff: agent@tickets.example, attacker@evil.example;",
    "undisclosed-recipients:;",
    # obsolete route syntax
    "<@tickets.example:attacker@evil.example>",
    "Agent <@relay.example,@tickets.example:agent@tickets.example>",
    # no angle-addr and no address; broken brackets
    "Agent Smith",
    "agent",
    "<>",
    "Agent <agent@tickets.example>>",
    "Agent <<agent@tickets.example>",
    "Agent <agent@tickets.example",
    # not a plain local@domain
    "agent@[192.0.2.1]",
    '"agent@tickets.example"@evil.example',
    "agent@tickets .example",
    "agent@localhost",
]


@pytest.mark.parametrize("value", HOSTILE_FROM)
def test_a_from_that_does_not_parse_strictly_has_no_sender(value):
    with pytest.raises(ParseError) as error:
        parse_message(corpus.plain(sender=value))
    assert "sender is unknown" in str(error.value)


@pytest.mark.parametrize(
    "value, name, address",
    [
        ("Carla Customer <carla@customer.example>", "Carla Customer", CUSTOMER),
        ("carla@customer.example", "", CUSTOMER),
        ("<carla@customer.example>", "", CUSTOMER),
        ('"Doe, Jane" <jane@customer.example>', "Doe, Jane", "jane@customer.example"),
        ("Dr. J. Doe <jane@customer.example>", "Dr. J. Doe", "jane@customer.example"),
        ("Carla (Sales) <carla@customer.example> (work)", "Carla", CUSTOMER),
        # a comment holding an address is a comment: the address is the addr-spec
        ("attacker@evil.example (agent@tickets.example)", "", "attacker@evil.example"),
        # an encoded word inside quotes (not allowed, but common): a defect of the name only
        ('"=?utf-8?q?J=C3=B6rg?=" <joerg@customer.example>', "Jörg", "joerg@customer.example"),
        # upper case folds to lower case (ASCII letters only)
        ("CARLA <Carla@Customer.EXAMPLE>", "CARLA", CUSTOMER),
    ],
)
def test_a_strict_from_gives_its_addr_spec(value, name, address):
    parsed = parse_message(corpus.plain(sender=value))
    assert (parsed.sender_name, parsed.sender_email) == (name, address)


@pytest.mark.parametrize(
    "value",
    [
        '"agent@tickets.example" <attacker@evil.example>',
        "=?utf-8?q?agent=40tickets=2Eexample?= <attacker@evil.example>",
        "=?utf-8?q?Agent_=3Cagent=40tickets=2Eexample=3E?= <attacker@evil.example>",
        '"Support (agent@tickets.example)" <attacker@evil.example>',
    ],
)
def test_a_display_name_that_looks_like_an_address_is_not_even_shown(value):
    """The address comes from the angle-addr; a name holding an ``@`` could only serve to
    pass for someone else, so it is dropped (the address is shown instead)."""
    parsed = parse_message(corpus.plain(sender=value))
    assert parsed.sender_email == "attacker@evil.example"
    assert parsed.sender_name == ""


def test_utf8_headers_and_internationalised_addresses():
    """RFC 6532: a From in raw UTF-8, with a UTF-8 name and address."""
    parsed = parse_message(corpus.plain(sender="Jörg Müller <Jörg@Bücher.example>"))
    assert parsed.sender_name == "Jörg Müller"
    # only ASCII letters are folded to lower case
    assert parsed.sender_email == "jörg@bücher.example"


def test_a_latin1_display_name_in_raw_bytes_keeps_the_address():
    raw = corpus.plain().replace(
        b"From: Carla Customer <", b"From: Carla M\xfcller <"
    )  # Latin-1, not UTF-8
    parsed = parse_message(raw)
    assert parsed.sender_email == CUSTOMER and parsed.sender_name == "Carla Müller"


def test_only_ascii_letters_are_folded():
    """``str.lower()`` turns the Kelvin sign into "k": two different addresses must not
    become one."""
    parsed = parse_message(corpus.plain(sender="Admin <admin@\u212aeyco.example>"))
    assert parsed.sender_email == "admin@\u212aeyco.example"


def test_sender_and_reply_to_are_never_the_sender():
    raw = corpus.plain(
        sender="Eve <attacker@evil.example>",
        extra_headers=(f"Sender: {AGENT}", f"Reply-To: {AGENT}"),
    )
    assert parse_message(raw).sender_email == "attacker@evil.example"
    for header in (f"Sender: Agent <{AGENT}>", f"Reply-To: Agent <{AGENT}>"):
        without_from = corpus.plain(extra_headers=(header,)).replace(
            b"From: Carla Customer <carla@customer.example>\r\n", b""
        )
        with pytest.raises(ParseError, match="no From header"):
            parse_message(without_from)


def test_two_from_headers_make_the_sender_unknown():
    raw = corpus.plain(sender="Eve <attacker@evil.example>", extra_headers=(f"From: {AGENT}",))
    with pytest.raises(ParseError, match="several From headers"):
        parse_message(raw)


def test_an_overlong_from_is_not_parsed():
    with pytest.raises(ParseError, match="too long"):
        parse_message(corpus.plain(sender="(" + "x" * 3000 + ") carla@customer.example"))


# ----------------------------------------------------------------------------- the import


@pytest.fixture
def stored_mailbox(support_type):
    return MailboxFactory(ticket_type=support_type)


@pytest.fixture
def agent(support_type):
    user = UserFactory(username="agent", email=AGENT, first_name="Anna", last_name="Agent")
    grant(user, support_type, TP.Level.MANAGE)
    return user


@pytest.fixture
def carla(support_type):
    user = UserFactory(username="carla", email=CUSTOMER)
    grant(user, support_type, TP.Level.WRITE)
    return user


@pytest.fixture
def customer_ticket(carla, support_type):
    return make_ticket(carla, support_type)


ATTACKS = [
    "=?utf-8?q?agent=40tickets=2Eexample=0A?= <attacker@evil.example>",
    "=?utf-8?q?agent=40tickets=2Eexample=0D=0A?= <attacker@evil.example>",
    "agent@tickets.example <attacker@evil.example>",
    "attacker@evil.example agent@tickets.example",
    "agent@tickets.example, attacker@evil.example",
    "Staff: agent@tickets.example;",
    "<@tickets.example:agent@tickets.example>",
]


@pytest.mark.django_db
@pytest.mark.parametrize("sender", ATTACKS)
def test_a_stranger_cannot_write_as_an_agent(stored_mailbox, agent, customer_ticket, sender):
    """The issue's attack: the mail would have been stored as the agent's staff answer,
    reopened the closed ticket and sent the customer a reply signed by the agent. Now the
    sender is unknown and the message waits in the quarantine."""
    actions.close_ticket(customer_ticket)
    outbox = OutgoingMail.objects.count()
    raw = corpus.plain(sender=sender, subject=f"Re: [ts #{customer_ticket.number}] Done")
    assert import_raw(raw, stored_mailbox) == "quarantined"
    customer_ticket.refresh_from_db()
    assert customer_ticket.status.is_closed
    assert customer_ticket.messages.count() == 1
    assert not Message.objects.filter(author=agent).exists()
    assert Ticket.objects.count() == 1
    assert OutgoingMail.objects.count() == outbox
    item = QuarantinedMessage.objects.get()
    assert "sender is unknown" in item.reason
    assert InboundMessage.objects.get().outcome == "quarantined"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sender",
    [
        "=?utf-8?q?carla=40customer=2Eexample=0A?= <attacker@evil.example>",
        "carla@customer.example <attacker@evil.example>",
        "attacker@evil.example, carla@customer.example",
    ],
)
def test_a_stranger_cannot_open_a_ticket_in_a_customers_name(stored_mailbox, carla, sender):
    assert import_raw(corpus.plain(sender=sender), stored_mailbox) == "quarantined"
    assert not Ticket.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sender",
    [
        '"agent@tickets.example" <attacker@evil.example>',
        "=?utf-8?q?agent=40tickets=2Eexample?= <attacker@evil.example>",
        "attacker@evil.example (agent@tickets.example)",
    ],
)
def test_a_name_that_looks_like_the_agent_makes_a_strangers_ticket(
    stored_mailbox, agent, customer_ticket, sender
):
    raw = corpus.plain(sender=sender, subject=f"Re: [ts #{customer_ticket.number}] Done")
    assert import_raw(raw, stored_mailbox) == "opened"
    assert customer_ticket.messages.count() == 1
    new = Ticket.objects.exclude(pk=customer_ticket.pk).get()
    assert new.requester is None and new.requester_email == "attacker@evil.example"
    assert "agent" not in new.requester_name
    message = new.messages.get()
    assert not message.is_staff and message.author is None
    assert message.author_name == "attacker@evil.example"


@pytest.mark.django_db
def test_the_agent_with_a_plain_from_still_answers_as_staff(stored_mailbox, agent, customer_ticket):
    raw = corpus.plain(
        sender="Anna Agent <Agent@Tickets.example>",
        subject=f"Re: [ts #{customer_ticket.number}] Done",
    )
    assert import_raw(raw, stored_mailbox) == "reply"
    reply = customer_ticket.messages.order_by("pk").last()
    assert reply.is_staff and reply.author == agent


@pytest.mark.django_db
def test_a_sender_header_of_the_agent_changes_nothing(stored_mailbox, agent, customer_ticket):
    raw = corpus.plain(
        sender="Eve <attacker@evil.example>",
        subject=f"Re: [ts #{customer_ticket.number}] Done",
        extra_headers=(f"Sender: {AGENT}", f"Reply-To: {AGENT}"),
    )
    assert import_raw(raw, stored_mailbox) == "opened"
    assert customer_ticket.messages.count() == 1
    assert not Message.objects.filter(author=agent).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "account, sender",
    [
        ("sam@customer.example", "\u017fam@customer.example"),  # long s: upper() is "S"
        ("kelly@customer.example", "\u212aelly@customer.example"),  # Kelvin: lower() is "k"
    ],
)
def test_a_look_alike_address_is_not_the_account(stored_mailbox, account, sender):
    """Addresses that fold into a registered one by Unicode case rules (in Python, or in
    PostgreSQL's upper()) are someone else's."""
    UserFactory(username="someone", email=account)
    assert import_raw(corpus.plain(sender=sender), stored_mailbox) == "opened"
    ticket = Ticket.objects.get()
    assert ticket.requester is None and ticket.requester_email == sender


@pytest.mark.django_db
def test_an_internationalised_address_matches_its_account(stored_mailbox, support_type):
    joerg = UserFactory(username="joerg", email="Jörg@bücher.example")
    raw = corpus.plain(sender="Jörg <jörg@BÜCHER.example>", subject="other case")
    import_raw(raw, stored_mailbox)
    # only ASCII letters fold: "Ü" is not "ü", so this is not Jörg's account
    assert Ticket.objects.get(subject="other case").requester is None
    import_raw(corpus.plain(sender="Jörg <JÖRG@bücher.EXAMPLE>", subject="same"), stored_mailbox)
    assert Ticket.objects.get(subject="same").requester is None  # "Ö" is not "ö" either
    import_raw(corpus.plain(sender="Jörg <JöRG@bücher.EXAMPLE>", subject="mine"), stored_mailbox)
    assert Ticket.objects.get(subject="mine").requester == joerg
