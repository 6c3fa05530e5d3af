"""Header injection: CR/LF in subjects, display names, addresses and Message-IDs never
reach a header, and never add a recipient. Checked on what a real SMTP server receives."""

from __future__ import annotations

import pytest

from tests.factories import EmailTemplateFactory, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.models import MailSettings, Ticket

pytestmark = pytest.mark.django_db
EVIL = "evil@attacker.example"
ALLOWED_HEADERS = {
    "Content-Type", "MIME-Version", "Subject", "From", "To", "Cc", "Reply-To", "Date",
    "Message-ID", "In-Reply-To", "References", "Auto-Submitted", "X-Auto-Response-Suppress",
}  # fmt: skip


def assert_clean(smtp_server):
    assert smtp_server.received, "no mail was sent"
    for entry in smtp_server.received:
        assert EVIL not in entry["rcpt"]
        message = entry["message"]
        assert set(message.keys()) <= ALLOWED_HEADERS, message.keys()
        for name in ("Subject", "From", "To", "Cc", "Reply-To", "Message-ID", "In-Reply-To"):
            assert len(message.get_all(name) or []) <= 1
            assert "\n" not in str(message[name] or "") and "\r" not in str(message[name] or "")


def test_crlf_in_template_subject(world, smtp_server, committed):
    EmailTemplateFactory(
        kind="auto_reply",
        ticket_type=world.support,
        language="en",
        subject="Thanks\r\nBcc: " + EVIL + "\r\n\r\nbody",
        body="{MESSAGE}",
    )
    with committed():
        ticket = make_ticket(world.carla, world.support)
    mail = smtp_server.to("carla@example.com")[0]
    assert mail["Subject"] == f"[ts #{ticket.number}] Thanks Bcc: {EVIL} body"
    assert_clean(smtp_server)


def test_crlf_in_ticket_subject_and_requester_name(world, smtp_server, committed):
    world.carla.first_name = "Carla\r\nBcc: " + EVIL
    world.carla.save()
    with committed():
        ticket = actions.open_ticket(
            ticket_type=world.support,
            subject="Help\r\nBcc: " + EVIL,
            body_html="<p>x</p>",
            requester=world.carla,
        )
    Ticket.objects.filter(pk=ticket.pk).update(subject="Injected\nBcc: " + EVIL)
    with committed():
        actions.add_reply(ticket, actor=world.anna, body_html="<p>Answer</p>")
    assert_clean(smtp_server)
    answer = smtp_server.to("carla@example.com")[-1]
    assert answer["Subject"] == f"[ts #{ticket.number}] Injected Bcc: {EVIL}"


def test_crlf_in_sender_names_and_addresses(world, smtp_server, committed):
    options = MailSettings.load()
    options.sender_name = "Help\r\nBcc: " + EVIL
    options.sender_email = "help@acme.example\r\nBcc: " + EVIL
    options.save()
    world.billing.sender_name = "Billing\nBcc: " + EVIL
    world.billing.save()
    with committed():
        make_ticket(world.carla, world.support)
        make_ticket(world.carla, world.billing)
    assert_clean(smtp_server)
    froms = {m["From"].addresses[0].addr_spec for m in smtp_server.messages}
    assert froms == {"webmaster@localhost"}  # the broken option is ignored
    names = {m["From"].addresses[0].display_name for m in smtp_server.messages}
    assert names == {f"Help Bcc: {EVIL}", f"Billing Bcc: {EVIL}"}


def test_crlf_and_lists_in_addresses(world, smtp_server, committed):
    ticket = make_ticket(world.carla, world.support)
    Ticket.objects.filter(pk=ticket.pk).update(
        cc=f'boss@acme.example\r\nBcc: {EVIL}\nx@acme.example, {EVIL}\n<{EVIL}>\n"a"@b.example'
    )
    world.support.email_to = f"team-list@example.com\r\nBcc: {EVIL}\n{EVIL}>"
    world.support.save()
    with committed():
        actions.add_reply(ticket, actor=world.anna, body_html="<p>Answer</p>")
    assert_clean(smtp_server)
    [mail] = smtp_server.messages
    assert {a.addr_spec for a in mail["Cc"].addresses} == {"boss@acme.example"}


def test_anonymous_requester_with_a_hostile_address_gets_nothing(world, smtp_server, committed):
    with committed():
        actions.open_ticket(
            ticket_type=world.billing,
            subject="Hi",
            body_html="<p>x</p>",
            requester_name="Visitor\r\nBcc: " + EVIL,
            requester_email=f"visitor@example.com\r\nBcc: {EVIL}",
        )
    assert smtp_server.received == []


def test_hostile_inbound_message_id_never_reaches_in_reply_to(world, smtp_server, committed):
    with committed():
        make_ticket(world.carla, world.billing, message_id=f"<a@b>\r\nBcc: {EVIL}")
    assert_clean(smtp_server)
    mail = smtp_server.messages[0]
    assert mail["In-Reply-To"].strip().startswith("<wt.T")
