"""Mail that continues a merged ticket lands in the ticket it was merged into, on each
threading path (signed token, stored Message-ID, a Message-ID of our own mail, subject
tag), and only for a sender who may join: a stranger still opens a ticket of their own."""

from __future__ import annotations

import pytest

from tests.factories import MailboxFactory, OutgoingMailFactory, UserFactory, grant
from tests.mail import corpus
from wagtail_tickets import actions
from wagtail_tickets.mail.importer import import_raw
from wagtail_tickets.models import Ticket
from wagtail_tickets.models import TypePermission as TP
from wagtail_tickets.notifications.tokens import make_message_id

pytestmark = pytest.mark.django_db

CARLA = "Carla <carla@customer.example>"
STRANGER = "Eve <eve@evil.example>"
FIRST_ID = "<c1.first@customer.example>"


@pytest.fixture
def merged(support_type):
    """Carla wrote twice about the same printer; the agent merged the first ticket into
    the second."""
    mailbox = MailboxFactory(ticket_type=support_type)
    raw = corpus.plain(sender=CARLA, message_id=FIRST_ID, subject="Printer", body="On fire.")
    assert import_raw(raw, mailbox) == "opened"
    source = Ticket.objects.get(messages__message_id=FIRST_ID)
    raw = corpus.plain(sender=CARLA, message_id="<c2@customer.example>", subject="Printer!!")
    assert import_raw(raw, mailbox) == "opened"
    target = Ticket.objects.exclude(pk=source.pk).get()
    agent = UserFactory(username="agent")
    grant(agent, support_type, TP.Level.MANAGE)
    actions.merge_tickets([source], target, actor=agent)
    return {"mailbox": mailbox, "source": source, "target": target}


def _only_two_tickets(merged) -> None:
    assert Ticket.objects.count() == 2


def test_a_reply_with_our_signed_token_for_the_source_lands_in_the_target(merged):
    token = make_message_id(merged["source"].pk, None, "tickets.example")
    raw = corpus.plain(sender=STRANGER, subject="Re: Printer", in_reply_to=token, body="Hi")
    assert import_raw(raw, merged["mailbox"]) != "opened"
    _only_two_tickets(merged)
    assert merged["target"].messages.filter(body_text__contains="Hi").exists()


def test_a_reply_to_the_sources_stored_message_id_lands_in_the_target(merged):
    raw = corpus.plain(sender=CARLA, subject="Re: Printer", references=FIRST_ID, body="Still")
    import_raw(raw, merged["mailbox"])
    _only_two_tickets(merged)
    assert merged["target"].messages.filter(body_text__contains="Still").exists()


def test_a_reply_to_our_mail_about_the_source_lands_in_the_target(merged):
    OutgoingMailFactory(ticket=merged["source"], message_id="<sent.1@tickets.example>")
    raw = corpus.plain(
        sender=CARLA, subject="Re: Printer", in_reply_to="<sent.1@tickets.example>", body="Ok"
    )
    import_raw(raw, merged["mailbox"])
    _only_two_tickets(merged)
    assert merged["target"].messages.filter(body_text__contains="Ok").exists()


def test_the_sources_subject_tag_lands_in_the_target(merged):
    subject = f"Re: [ts #{merged['source'].number}] Printer"
    import_raw(corpus.plain(sender=CARLA, subject=subject, body="Tagged"), merged["mailbox"])
    _only_two_tickets(merged)
    assert merged["target"].messages.filter(body_text__contains="Tagged").exists()
    assert not merged["source"].messages.exists()


@pytest.mark.parametrize("path", ["message_id", "sent", "subject"])
def test_a_stranger_naming_the_merged_ticket_opens_their_own(merged, path):
    OutgoingMailFactory(ticket=merged["source"], message_id="<sent.2@tickets.example>")
    headers = {
        "message_id": {"references": FIRST_ID},
        "sent": {"in_reply_to": "<sent.2@tickets.example>"},
        "subject": {},
    }[path]
    subject = f"Re: [ts #{merged['source'].number}] Printer"
    raw = corpus.plain(sender=STRANGER, subject=subject, body="Let me in", **headers)
    assert import_raw(raw, merged["mailbox"]) == "opened"
    assert not merged["target"].messages.filter(body_text__contains="Let me in").exists()
    assert Ticket.objects.count() == 3
