"""Threading by a stored Message-ID trusts nobody by itself: it joins only a sender who may
join (as the subject tag does), a Message-ID belongs to the ticket it was first stored with,
and the same Message-ID from another sender is another message."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from tests.factories import (
    CompanyFactory,
    MailboxFactory,
    OutgoingMailFactory,
    UserFactory,
    grant,
    make_ticket,
)
from tests.mail import corpus
from wagtail_tickets.mail.importer import import_mailbox, import_raw
from wagtail_tickets.models import Attachment, InboundMessage, Message, Ticket
from wagtail_tickets.models import TypePermission as TP
from wagtail_tickets.models.mail import OutgoingMail

pytestmark = pytest.mark.django_db

CUSTOMER = "carla@customer.example"
STRANGER = "Eve <eve@evil.example>"
FIRST_ID = "<c1.first@customer.example>"


@pytest.fixture
def stored_mailbox(support_type):
    return MailboxFactory(ticket_type=support_type)


def first_mail(mailbox, sender=f"Carla <{CUSTOMER}>", message_id=FIRST_ID) -> Ticket:
    """A customer's mail opens a ticket; its Message-ID is stored with it."""
    raw = corpus.plain(sender=sender, message_id=message_id, body="My printer is on fire.")
    assert import_raw(raw, mailbox) == "opened"
    return Ticket.objects.get(messages__message_id=message_id)


def follow_up(sender: str, *, refs: str = FIRST_ID, how: str = "both", **kw) -> bytes:
    headers = {"in_reply_to": refs if how in ("both", "in_reply_to") else ""}
    headers["references"] = refs if how in ("both", "references") else ""
    return corpus.plain(sender=sender, subject="Re: Printer", **headers, **kw)


def with_attachment(sender: str, in_reply_to: str, body: str = "The invoice.") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "support@tickets.example"
    msg["Subject"] = "Re: Printer"
    msg["Message-ID"] = "<c2.invoice@customer.example>"
    msg["In-Reply-To"] = in_reply_to
    msg["References"] = in_reply_to
    msg.set_content(body)
    msg.add_attachment(
        b"%PDF-1.4 secret", maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    return msg.as_bytes()


# ----------------------------------------------------------------------------- who may join


@pytest.mark.parametrize("how", ["both", "in_reply_to", "references"])
def test_a_stranger_who_knows_a_message_id_opens_a_ticket_of_their_own(stored_mailbox, how):
    ticket = first_mail(stored_mailbox)
    assert import_raw(follow_up(STRANGER, how=how), stored_mailbox) == "opened"
    assert ticket.messages.count() == 1
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert new.requester_email == "eve@evil.example"


def test_a_stranger_with_the_id_and_the_subject_tag_still_opens_their_own(stored_mailbox):
    ticket = first_mail(stored_mailbox)
    raw = corpus.plain(
        sender=STRANGER, subject=f"Re: [ts #{ticket.number}] Printer", references=FIRST_ID
    )
    assert import_raw(raw, stored_mailbox) == "opened"
    assert ticket.messages.count() == 1


def test_a_known_id_among_many_unknown_ones_is_still_checked(stored_mailbox):
    ticket = first_mail(stored_mailbox)
    refs = " ".join(f"<junk{n}@evil.example>" for n in range(40)) + f" {FIRST_ID}"
    assert import_raw(follow_up(STRANGER, refs=refs), stored_mailbox) == "opened"
    assert ticket.messages.count() == 1
    assert import_raw(follow_up(CUSTOMER, refs=refs), stored_mailbox) == "reply"
    assert ticket.messages.count() == 2


def test_the_requester_joins(stored_mailbox):
    ticket = first_mail(stored_mailbox)
    assert import_raw(follow_up(f"Carla <{CUSTOMER.upper()}>"), stored_mailbox) == "reply"
    assert ticket.messages.count() == 2
    assert InboundMessage.objects.order_by("pk").last().reason == "threaded by message_id"


def test_a_cc_address_joins(stored_mailbox, support_type):
    ticket = make_ticket(
        None,
        support_type,
        requester_email=CUSTOMER,
        cc=["boss@customer.example"],
        message_id=FIRST_ID,
    )
    assert import_raw(follow_up("Boss <boss@customer.example>"), stored_mailbox) == "reply"
    reply = ticket.messages.order_by("pk").last()
    assert reply.author_email == "boss@customer.example" and not reply.is_staff


def test_an_agent_of_the_type_joins_as_staff(stored_mailbox, support_type):
    agent = UserFactory(username="agent", email="agent@tickets.example")
    grant(agent, support_type, TP.Level.MANAGE)
    ticket = first_mail(stored_mailbox)
    assert import_raw(follow_up("agent@tickets.example"), stored_mailbox) == "reply"
    reply = ticket.messages.order_by("pk").last()
    assert reply.is_staff and reply.author == agent


def test_an_agent_of_another_type_or_an_inactive_one_does_not(stored_mailbox, support_type):
    from tests.factories import TicketTypeFactory

    other = UserFactory(username="other", email="other@tickets.example")
    grant(other, TicketTypeFactory(name="Billing"), TP.Level.MANAGE)
    gone = UserFactory(username="gone", email="gone@tickets.example", is_active=False)
    grant(gone, support_type, TP.Level.MANAGE)
    ticket = first_mail(stored_mailbox)
    for sender in ("other@tickets.example", "gone@tickets.example"):
        assert import_raw(follow_up(sender, body=sender), stored_mailbox) == "opened"
    assert ticket.messages.count() == 1
    assert not Message.objects.filter(is_staff=True).exists()


def test_a_colleague_of_the_customer_record_joins(stored_mailbox, support_type):
    carla = UserFactory(username="carla", email=CUSTOMER)
    bob = UserFactory(username="bob", email="bob@customer.example")
    outsider = UserFactory(username="olga", email="olga@other.example")
    CompanyFactory(name="Acme").users.add(carla, bob)
    CompanyFactory(name="Other").users.add(outsider)
    ticket = first_mail(stored_mailbox)
    assert ticket.requester == carla and ticket.customer is not None
    assert import_raw(follow_up("olga@other.example"), stored_mailbox) == "opened"
    assert import_raw(follow_up("Bob <bob@customer.example>"), stored_mailbox) == "reply"
    reply = ticket.messages.order_by("pk").last()
    assert reply.author == bob and not reply.is_staff


# ----------------------------------------------------------------------------- binding


def test_a_stranger_reusing_the_message_id_cannot_capture_follow_ups(stored_mailbox):
    """The issue's attack: the stranger's mail reuses the customer's Message-ID as its own;
    the customer's next mail, with its attachment, must still reach the customer's ticket,
    never the stranger's (whose private link would show it)."""
    ticket = first_mail(stored_mailbox)
    capture = corpus.plain(sender=STRANGER, message_id=FIRST_ID, body="Anything.")
    assert import_raw(capture, stored_mailbox) == "opened"  # not taken for a copy
    theirs = Ticket.objects.exclude(pk=ticket.pk).get()
    assert theirs.messages.get().message_id == ""  # the id stays with the first ticket
    follow = with_attachment(f"Carla <{CUSTOMER}>", FIRST_ID)
    assert import_raw(follow, stored_mailbox) == "reply"
    assert ticket.messages.count() == 2
    assert theirs.messages.count() == 1
    assert Attachment.objects.get().message.ticket == ticket


def test_the_same_message_id_and_body_from_another_sender_is_another_message(stored_mailbox):
    ticket = first_mail(stored_mailbox)
    copy = corpus.plain(sender=STRANGER, message_id=FIRST_ID, body="My printer is on fire.")
    assert import_raw(copy, stored_mailbox) == "opened"
    assert InboundMessage.objects.values("key").distinct().count() == 2
    assert ticket.messages.count() == 1


def test_a_stranger_who_binds_an_id_first_captures_nothing(stored_mailbox):
    """The stranger is quicker: their mail with the customer's Message-ID is imported before
    the customer's own. The customer's mail still opens its own ticket, and the follow-up
    that names the id is not the stranger's."""
    capture = corpus.plain(sender=STRANGER, message_id=FIRST_ID, body="Quick.")
    assert import_raw(capture, stored_mailbox) == "opened"
    theirs = Ticket.objects.get()
    raw = corpus.plain(sender=f"Carla <{CUSTOMER}>", message_id=FIRST_ID, body="Mine.")
    assert import_raw(raw, stored_mailbox) == "opened"
    ticket = Ticket.objects.exclude(pk=theirs.pk).get()
    assert ticket.messages.get().message_id == ""  # the id was bound before
    assert import_raw(with_attachment(CUSTOMER, FIRST_ID), stored_mailbox) == "opened"
    assert theirs.messages.count() == 1
    assert not Attachment.objects.filter(message__ticket=theirs).exists()


def test_the_earliest_binding_wins(stored_mailbox, support_type):
    """Two tickets hold one Message-ID (data from before ids were never rebound): the
    first one keeps it."""
    first = make_ticket(None, support_type, requester_email=CUSTOMER, message_id=FIRST_ID)
    second = make_ticket(None, support_type, requester_email=CUSTOMER, message_id=FIRST_ID)
    assert import_raw(follow_up(CUSTOMER), stored_mailbox) == "reply"
    assert first.messages.count() == 2 and second.messages.count() == 1


def test_a_reply_keeps_its_own_id_on_its_ticket(stored_mailbox):
    ticket = first_mail(stored_mailbox)
    raw = corpus.plain(sender=CUSTOMER, message_id="<c2@customer.example>", references=FIRST_ID)
    assert import_raw(raw, stored_mailbox) == "reply"
    assert ticket.messages.filter(message_id="<c2@customer.example>").exists()
    raw = corpus.plain(sender=CUSTOMER, references="<c2@customer.example>", body="third")
    assert import_raw(raw, stored_mailbox) == "reply"
    assert ticket.messages.count() == 3


def test_a_message_id_of_mail_we_sent_joins_only_who_may_join(stored_mailbox, support_type):
    ticket = make_ticket(None, support_type, requester_email=CUSTOMER)
    OutgoingMailFactory(
        ticket=ticket,
        kind="auto_reply",
        from_email="support@tickets.example",
        to=CUSTOMER,
        message_id="<plain.out1@tickets.example>",
        state=OutgoingMail.State.PENDING,
    )
    ref = "<plain.out1@tickets.example>"
    assert import_raw(follow_up(STRANGER, refs=ref), stored_mailbox) == "opened"
    assert import_raw(follow_up(CUSTOMER, refs=ref), stored_mailbox) == "reply"
    assert ticket.messages.count() == 2


def test_messages_of_one_group_bind_in_order(imap, mailbox):
    """In a group imported together the first message binds its id; the stranger's copy
    later in the same group does not take it over, nor the follow-up after it."""
    imap.append(
        corpus.plain(sender=f"Carla <{CUSTOMER}>", message_id=FIRST_ID, subject="Printer"),
        corpus.plain(sender=STRANGER, message_id=FIRST_ID, subject="Mine now"),
        follow_up(CUSTOMER, body="Follow-up"),
    )
    report = import_mailbox(mailbox)
    assert (report.imported, report.replies) == (2, 1)
    ticket = Ticket.objects.get(subject="Printer")
    assert ticket.messages.count() == 2
    assert Ticket.objects.get(subject="Mine now").messages.get().message_id == ""


def test_end_to_end_a_capture_attempt_through_imap(imap, mailbox):
    """Through the real IMAP server, run by run: the customer's mail, the stranger's copy
    of its Message-ID, then the customer's follow-up with an attachment."""
    imap.append(corpus.plain(sender=f"Carla <{CUSTOMER}>", message_id=FIRST_ID))
    assert import_mailbox(mailbox).imported == 1
    imap.append(corpus.plain(sender=STRANGER, message_id=FIRST_ID, subject="Thanks"))
    assert import_mailbox(mailbox).imported == 1
    imap.append(with_attachment(f"Carla <{CUSTOMER}>", FIRST_ID))
    report = import_mailbox(mailbox)
    assert report.replies == 1 and not report.error
    customer = Ticket.objects.get(requester_email=CUSTOMER)
    stranger = Ticket.objects.get(requester_email="eve@evil.example")
    assert customer.messages.count() == 2 and stranger.messages.count() == 1
    assert Attachment.objects.get().message.ticket == customer
    assert imap.messages() == []
