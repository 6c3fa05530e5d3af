"""The import against a real IMAP server: messages fed with APPEND, imported, removed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import UserFactory, grant, make_ticket
from tests.mail import corpus
from wagtail_tickets.mail.importer import import_mailbox
from wagtail_tickets.models import InboundMessage, Message, QuarantinedMessage, Ticket
from wagtail_tickets.models import TypePermission as TP
from wagtail_tickets.notifications.tokens import make_message_id

pytestmark = pytest.mark.django_db


def run(mailbox):
    report = import_mailbox(mailbox)
    assert not report.error, report.error
    return report


def test_new_ticket_from_plain_mail(imap, mailbox):
    imap.append(corpus.plain(subject="Re: AW: Printer on fire"))
    report = run(mailbox)
    assert (report.imported, report.replies, report.ignored, report.quarantined) == (1, 0, 0, 0)
    ticket = Ticket.objects.get()
    assert ticket.subject == "Printer on fire"
    assert ticket.ticket_type == mailbox.ticket_type
    assert ticket.requester is None
    assert ticket.requester_email == "carla@customer.example"
    assert ticket.requester_name == "Carla Customer"
    message = ticket.messages.get()
    assert message.source == Message.Source.EMAIL
    assert message.message_id.startswith("<c") and message.message_id.endswith(">")
    assert "the printer is on fire." in message.body_text
    assert imap.messages() == []  # removed from the server after the commit
    entry = InboundMessage.objects.get()
    assert entry.outcome == "opened" and entry.ticket == ticket and entry.uid


def test_registered_user_is_recognised_as_requester(imap, mailbox):
    carla = UserFactory(username="carla", email="Carla@Customer.example")
    imap.append(corpus.plain())
    run(mailbox)
    ticket = Ticket.objects.get()
    assert ticket.requester == carla
    assert ticket.messages.get().author == carla


def test_address_shared_by_two_accounts_recognises_nobody(imap, mailbox):
    UserFactory(username="a1", email="carla@customer.example")
    UserFactory(username="a2", email="carla@customer.example")
    imap.append(corpus.plain())
    run(mailbox)
    assert Ticket.objects.get().requester is None


def test_reply_by_signed_token_lands_in_the_ticket(imap, mailbox):
    ticket = make_ticket(None, mailbox.ticket_type, requester_email="carla@customer.example")
    token = make_message_id(ticket.pk, ticket.messages.get().pk, "tickets.example")
    # a stranger's address, but the token is signed: the reply belongs to the ticket
    imap.append(
        corpus.plain(
            sender="Someone Else <other@elsewhere.example>",
            subject="Re: whatever the subject became",
            in_reply_to=token,
        )
    )
    report = run(mailbox)
    assert report.replies == 1 and report.imported == 0
    assert Ticket.objects.count() == 1
    reply = ticket.messages.order_by("pk").last()
    assert reply.author_email == "other@elsewhere.example"
    assert InboundMessage.objects.get().reason == "threaded by token"


def test_reply_from_a_registered_user_is_theirs(imap, mailbox):
    carla = UserFactory(username="carla", email="carla@customer.example")
    grant(carla, mailbox.ticket_type, TP.Level.WRITE)
    ticket = make_ticket(carla, mailbox.ticket_type)
    token = make_message_id(ticket.pk, ticket.messages.get().pk, "tickets.example")
    imap.append(corpus.plain(subject="Re: Printer on fire", in_reply_to=token))
    assert run(mailbox).replies == 1
    reply = ticket.messages.order_by("pk").last()
    assert reply.author == carla
    assert reply.is_staff is False


def test_forged_token_is_not_trusted(imap, mailbox):
    ticket = make_ticket(None, mailbox.ticket_type, requester_email="carla@customer.example")
    token = make_message_id(ticket.pk, 0, "tickets.example")
    forged = token.replace(".N", ".Nbad", 1)
    imap.append(corpus.plain(sender="eve@evil.example", in_reply_to=forged))
    run(mailbox)
    assert Ticket.objects.count() == 2
    assert ticket.messages.count() == 1


def test_reply_by_stored_message_id(imap, mailbox):
    first = corpus.plain(message_id="<first.1@customer.example>")
    imap.append(first)
    run(mailbox)
    imap.append(
        corpus.plain(
            sender="carla@customer.example",
            subject="one more thing",
            references="<unknown@x.example> <first.1@customer.example>",
        )
    )
    report = run(mailbox)
    assert report.replies == 1
    ticket = Ticket.objects.get()
    assert ticket.messages.count() == 2


def test_subject_tag_from_the_requester_joins(imap, mailbox):
    ticket = make_ticket(None, mailbox.ticket_type, requester_email="carla@customer.example")
    imap.append(corpus.plain(subject=f"Re: [ts #{ticket.number}] Printer on fire"))
    assert run(mailbox).replies == 1
    assert ticket.messages.count() == 2


def test_subject_tag_from_a_cc_address_and_an_agent_joins(imap, mailbox):
    ticket = make_ticket(
        None, mailbox.ticket_type, requester_email="carla@customer.example", cc=["boss@c.example"]
    )
    agent = UserFactory(username="agent", email="agent@tickets.example")
    grant(agent, mailbox.ticket_type, TP.Level.MANAGE)
    imap.append(
        corpus.plain(sender="boss@c.example", subject=f"[ts #{ticket.number}] me too"),
        corpus.plain(sender="agent@tickets.example", subject=f"[ts #{ticket.number}] fixed"),
    )
    assert run(mailbox).replies == 2
    staff = ticket.messages.order_by("pk").last()
    assert staff.is_staff and staff.author_email == "agent@tickets.example"
    assert not ticket.messages.order_by("pk")[1].is_staff


def test_forged_subject_tag_from_a_stranger_opens_a_new_ticket(imap, mailbox):
    ticket = make_ticket(None, mailbox.ticket_type, requester_email="carla@customer.example")
    imap.append(
        corpus.plain(
            sender="Eve <eve@evil.example>", subject=f"Re: [ts #{ticket.number}] give me data"
        )
    )
    report = run(mailbox)
    assert report.imported == 1 and report.replies == 0
    assert ticket.messages.count() == 1  # nothing appended to Carla's ticket
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert new.requester_email == "eve@evil.example"
    assert new.subject == "give me data"


@pytest.mark.parametrize(
    "kind", ["auto-submitted", "precedence", "x-autoreply", "x-autorespond", "suppress", "list",
             "subject"]
)  # fmt: skip
def test_auto_replies_are_recorded_and_ignored(imap, mailbox, kind):
    imap.append(corpus.auto_reply(kind))
    report = run(mailbox)
    assert report.ignored == 1 and report.imported == 0
    assert not Ticket.objects.exists()
    entry = InboundMessage.objects.get()
    assert entry.outcome == "ignored" and entry.reason
    assert imap.messages() == []


def test_bounce_is_ignored(imap, mailbox):
    imap.append(corpus.bounce())
    assert run(mailbox).ignored == 1
    assert not Ticket.objects.exists()
    assert "delivery report" in InboundMessage.objects.get().reason


def test_our_own_notification_coming_back_is_ignored(imap, mailbox):
    ticket = make_ticket(None, mailbox.ticket_type, requester_email="carla@customer.example")
    signed = make_message_id(ticket.pk, 0, "tickets.example")
    imap.append(corpus.returned_notification(signed))
    assert run(mailbox).ignored == 1
    assert ticket.messages.count() == 1
    assert "own notification" in InboundMessage.objects.get().reason


def test_mail_from_our_own_address_is_a_loop(imap, mailbox):
    imap.append(corpus.plain(sender="Support <support@tickets.example>"))
    assert run(mailbox).ignored == 1
    assert not Ticket.objects.exists()


def test_html_only_mail_is_sanitised(imap, mailbox):
    imap.append(corpus.html_only())
    run(mailbox)
    ticket = Ticket.objects.get()
    assert ticket.subject == "HTML only – Grüße"
    body = ticket.messages.get().body_html
    assert "<b>invoice</b>" in body
    assert 'href="https://shop.example/i/7"' in body
    for bad in ("<script", "javascript:", "onclick", "<iframe", "<svg", "<style", "alert"):
        assert bad not in body


def test_attachments_and_inline_images(imap, mailbox):
    imap.append(corpus.multipart_with_attachments())
    run(mailbox)
    message = Ticket.objects.get().messages.get()
    names = sorted(a.filename for a in message.attachments.all())
    assert names == ["Rechnung März.pdf", "screen shot.png"]
    png = message.attachments.get(filename="screen shot.png")
    assert png.file.read() == corpus.PNG_1PX
    assert png.file.name.rsplit("/", 1)[-1] != "screen shot.png"  # generated storage name
    assert "[image: screen shot.png]" in message.body_html  # the cid: image, named
    assert "setup.exe" in message.body_text and "not kept" in message.body_text


def test_latin1_8bit_mail(imap, mailbox):
    imap.append(corpus.latin1_8bit())
    run(mailbox)
    ticket = Ticket.objects.get()
    assert "Straße ist gesperrt" in ticket.messages.get().body_text
    assert ticket.requester_name == "Jörg Müller"
    assert "K" in ticket.subject and "\n" not in ticket.subject


def test_unknown_charset_falls_back(imap, mailbox):
    imap.append(corpus.unknown_charset())
    run(mailbox)
    text = Ticket.objects.get().messages.get().body_text
    assert text == "It’s broken – café."


def test_lying_charset_falls_back(imap, mailbox):
    imap.append(corpus.lying_utf8())
    run(mailbox)
    assert Ticket.objects.get().messages.get().body_text == "Déjà vu"


def test_broken_mime_is_still_imported_and_headers_cannot_inject(imap, mailbox):
    imap.append(corpus.broken_mime())
    report = run(mailbox)
    assert report.imported == 1
    ticket = Ticket.objects.get()
    assert "\r" not in ticket.subject and "\n" not in ticket.subject
    assert ticket.subject.startswith("Broken")
    assert "The body survives ✓ even so and goes on." in ticket.messages.get().body_text


def test_message_without_sender_is_quarantined_and_the_rest_goes_on(imap, mailbox):
    imap.append(corpus.no_sender(), corpus.plain())
    report = run(mailbox)
    assert (report.imported, report.quarantined) == (1, 1)
    item = QuarantinedMessage.objects.get()
    assert "sender" in item.reason
    assert b"Nobody sent this." in bytes(item.raw)
    assert imap.messages() == []


def test_oversized_message_is_kept_whole_in_the_quarantine(imap, mailbox, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAIL_MAX_MESSAGE_SIZE": 20_000}
    raw = corpus.oversized(40_000)
    imap.append(raw)
    report = run(mailbox)
    assert report.quarantined == 1 and not Ticket.objects.exists()
    item = QuarantinedMessage.objects.get()
    assert bytes(item.raw) == raw and item.size == len(raw)
    assert "limit" in item.reason


def test_duplicate_message_id_is_imported_once(imap, mailbox):
    copy = corpus.plain(message_id="<same@customer.example>")
    relayed = b"Received: from relay.example by mx.example; Tue, 3 Nov 2026\r\n" + copy
    imap.append(copy, relayed)
    report = run(mailbox)
    assert (report.imported, report.ignored) == (1, 1)
    assert Ticket.objects.count() == 1
    imap.append(copy)
    assert run(mailbox).ignored == 1
    assert Ticket.objects.count() == 1 and imap.messages() == []


def test_same_message_id_with_other_content_is_not_swallowed(imap, mailbox):
    """A broken mailer that reuses one Message-ID must not lose the second mail."""
    imap.append(
        corpus.plain(message_id="<static@broken.example>", body="first"),
        corpus.plain(message_id="<static@broken.example>", body="second"),
    )
    report = run(mailbox)
    assert report.imported + report.replies == 2


def test_crash_between_commit_and_expunge_imports_once(imap, mailbox, monkeypatch):
    from wagtail_tickets.mail.imap import ImapConnection

    imap.append(corpus.plain(message_id="<crash@customer.example>"))

    def crash(self, uid):
        raise KeyboardInterrupt("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(ImapConnection, "delete", crash)
        with pytest.raises(KeyboardInterrupt):
            import_mailbox(mailbox)
    assert Ticket.objects.count() == 1
    assert len(imap.messages()) == 1  # still on the server
    mailbox.refresh_from_db()
    mailbox.locked_until = None  # the dead worker's lease would expire; do not wait for it
    mailbox.save(update_fields=["locked_until"])
    report = run(mailbox)
    assert report.ignored == 1 and report.imported == 0
    assert Ticket.objects.count() == 1
    assert imap.messages() == []


def test_reply_to_closed_ticket_reopens_it(imap, mailbox):
    from wagtail_tickets import actions

    ticket = make_ticket(None, mailbox.ticket_type, requester_email="carla@customer.example")
    actions.close_ticket(ticket)
    imap.append(corpus.plain(subject=f"Re: [ts #{ticket.number}] thanks, but"))
    assert run(mailbox).replies == 1
    ticket.refresh_from_db()
    assert not ticket.status.is_closed
    assert ticket.messages.count() == 2


def test_reply_to_closed_ticket_opens_a_linked_ticket_when_configured(imap, mailbox):
    from wagtail_tickets import actions

    mailbox.on_closed_reply = "new"
    mailbox.save()
    ticket = make_ticket(None, mailbox.ticket_type, requester_email="carla@customer.example")
    actions.close_ticket(ticket)
    # closed before the customers' reopen window (within it, their reply reopens)
    Ticket.objects.filter(pk=ticket.pk).update(closed_at=ticket.closed_at - timedelta(days=30))
    imap.append(corpus.plain(subject=f"Re: [ts #{ticket.number}] it broke again"))
    assert run(mailbox).imported == 1
    ticket.refresh_from_db()
    assert ticket.status.is_closed and ticket.messages.count() == 1
    follow_up = Ticket.objects.exclude(pk=ticket.pk).get()
    assert f"#{ticket.number}" in follow_up.messages.get().body_text
    assert follow_up.subject == ticket.subject


def test_quoted_history_is_kept_after_the_new_text(imap, mailbox):
    ticket = make_ticket(None, mailbox.ticket_type, requester_email="carla@customer.example")
    token = make_message_id(ticket.pk, 0, "tickets.example")
    imap.append(corpus.quoted_reply(token))
    run(mailbox)
    body = ticket.messages.order_by("pk").last().body_html
    assert body.startswith("<p>Thanks, it works again.</p>")
    assert body.endswith("</blockquote>")
    assert "Please restart the printer." in body


def test_inbound_cc_is_not_added_to_the_ticket(imap, mailbox):
    imap.append(corpus.plain(cc="boss@customer.example"))
    run(mailbox)
    assert Ticket.objects.get().cc == ""


def test_batch_limit_leaves_the_rest_for_the_next_run(imap, mailbox, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAIL_IMPORT_BATCH": 2}
    imap.append(*(corpus.plain(subject=f"mail {n}") for n in range(3)))
    assert run(mailbox).imported == 2
    assert len(imap.messages()) == 1
    assert run(mailbox).imported == 1
    assert Ticket.objects.count() == 3


def test_long_body_is_cut_for_display_and_kept_whole_as_a_file(imap, mailbox, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAX_BODY_LENGTH": 2_000}
    text = "".join(f"line {n} of a very long log file\r\n" for n in range(2_000))
    imap.append(corpus.plain(body=text))
    run(mailbox)
    message = Ticket.objects.get().messages.get()
    assert len(message.body_text) < 3_000
    assert "line 0 of" in message.body_text and "line 1999 of" not in message.body_text
    assert "whole text is attached" in message.body_text
    whole = message.attachments.get(filename="message.txt").file.read().decode()
    assert whole.startswith("line 0 of") and "line 1999 of a very long log file" in whole
