"""Every step of a ticket's life, delivered to a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from tests.factories import EmailTemplateFactory, make_ticket
from tests.notifications.mailparts import html_of, text_of
from wagtail_tickets import actions
from wagtail_tickets.models import (
    EmailTemplate,
    MailSettings,
    OutgoingMail,
    PendingNotification,
    Priority,
    Status,
    TicketProfile,
)
from wagtail_tickets.notifications.events import Event, EventKind
from wagtail_tickets.notifications.notifier import Notifier
from wagtail_tickets.notifications.tokens import find_signed_reference, verify_message_id

pytestmark = pytest.mark.django_db


def recipients_of(message) -> set[str]:
    return {
        a.addr_spec.lower()
        for h in ("To", "Cc")
        for a in (message[h].addresses if message[h] else ())
    }


def test_web_create_sends_auto_reply_to_requester_and_cc_and_created_for_agent(
    client, world, smtp_server, committed
):
    client.force_login(world.carla)
    with committed():
        response = client.post(
            reverse("wagtail_tickets:create"),
            {
                "type": world.support.pk,
                "subject": "Printer on fire",
                "cc": "boss@acme.example, carla@example.com",
                "body": "<p>It <b>burns</b> &amp; smokes</p>",
            },
        )
    assert response.status_code == 302
    ticket = world.support.tickets.get()
    assert len(smtp_server.messages) == 3
    auto_reply = smtp_server.to("carla@example.com")[0]
    # Carla wrote the message: her confirmation quotes it; the CC address gets its own
    # confirmation without it (see test_relay.py)
    assert recipients_of(auto_reply) == {"carla@example.com"}
    assert auto_reply["To"].addresses[0].addr_spec == "carla@example.com"
    [to_boss] = smtp_server.to("boss@acme.example")
    assert recipients_of(to_boss) == {"boss@acme.example"}
    assert "burns" not in text_of(to_boss) and "burns" not in html_of(to_boss)
    assert auto_reply["Subject"] == f"[ts #{ticket.number}] Printer on fire"
    assert auto_reply["Auto-Submitted"] == "auto-generated"
    assert "Hello Carla," in text_of(auto_reply)
    assert "It burns & smokes" in text_of(auto_reply)
    assert "<b>burns</b> &amp; smokes" in html_of(auto_reply)
    assert f"http://testserver/tickets/{ticket.number}/" in text_of(auto_reply)
    for_agents = smtp_server.to("team-list@example.com")[0]
    # Olga is on the list but is no agent of Support; the customer never gets this one.
    assert recipients_of(for_agents) == {"team-list@example.com", "anna@example.com"}
    assert for_agents["Subject"] == f"[ts #{ticket.number}] New ticket: Printer on fire"
    assert f"/admin/tickets/{ticket.pk}/" in text_of(for_agents)
    assert "ACME Ltd" in text_of(for_agents)
    assert not smtp_server.to("olga@example.com")
    assert set(OutgoingMail.objects.values_list("state", flat=True)) == {"sent"}


def test_agent_answer_sends_default_reply_with_prefix_threading_and_valid_signature(
    world, smtp_server, committed
):
    ticket = make_ticket(world.carla, world.support, cc=["boss@acme.example"])
    smtp_server.received.clear()
    with committed():
        message = actions.add_reply(
            ticket, actor=world.anna, body_html="<p>Try turning it off.</p>"
        )
    [mail] = smtp_server.messages
    assert recipients_of(mail) == {"carla@example.com", "boss@acme.example"}
    assert mail["Subject"] == f"[ts #{ticket.number}] Printer on fire"
    assert mail["Auto-Submitted"] is None  # a person wrote this one
    ref = verify_message_id(mail["Message-ID"])
    assert (ref.ticket_id, ref.message_id) == (ticket.pk, message.pk)
    assert find_signed_reference([mail["In-Reply-To"]]).ticket_id == ticket.pk
    assert find_signed_reference([mail["References"]]).ticket_id == ticket.pk
    assert "Try turning it off." in text_of(mail)
    # the agent's text is the mail: no second greeting, no signature of the template
    assert "Hello" not in text_of(mail) and "Kind regards" not in text_of(mail)
    forged = mail["Message-ID"].replace(f"T{ticket.pk}.", f"T{ticket.pk + 1}.")
    assert verify_message_id(forged) is None


def test_every_mail_of_a_ticket_shares_the_thread_root(world, smtp_server, committed):
    with committed():
        ticket = make_ticket(world.carla, world.support)
    with committed():
        actions.add_reply(ticket, actor=world.anna, body_html="<p>One</p>")
    with committed():
        actions.add_reply(ticket, actor=world.anna, body_html="<p>Two</p>")
    customer_mail = smtp_server.to("carla@example.com")
    assert len(customer_mail) == 3
    roots = {m["References"].split()[0] for m in customer_mail}
    assert len(roots) == 1
    assert len({m["Message-ID"] for m in customer_mail}) == 3


def test_reply_to_an_emailed_ticket_answers_the_customers_message(world, smtp_server, committed):
    with committed():
        ticket = make_ticket(
            world.carla, world.support, message_id="<abc.123@mail.customer.example>"
        )
    auto_reply = smtp_server.to("carla@example.com")[0]
    assert auto_reply["In-Reply-To"] == "<abc.123@mail.customer.example>"
    assert "<abc.123@mail.customer.example>" in auto_reply["References"]
    with committed():
        actions.add_reply(ticket, actor=world.anna, body_html="<p>Answer</p>")
    answer = smtp_server.to("carla@example.com")[-1]
    assert answer["In-Reply-To"] == "<abc.123@mail.customer.example>"


def test_internal_note_sends_no_mail_at_all(world, smtp_server, committed):
    ticket = make_ticket(world.carla, world.support)
    with committed():
        actions.add_reply(ticket, actor=world.anna, body_html="<p>Secret</p>", internal=True)
    assert smtp_server.received == []
    assert not PendingNotification.objects.filter(kind="note").exists()


def test_claim_sends_claimed_mail_to_the_customer(world, smtp_server, committed):
    ticket = make_ticket(world.carla, world.support)
    with committed():
        actions.claim_ticket(ticket, actor=world.anna)
    [mail] = smtp_server.messages
    assert recipients_of(mail) == {"carla@example.com"}
    assert "Anna Agent is now taking care of your ticket" in text_of(mail)
    assert mail["Auto-Submitted"] == "auto-generated"


def test_status_change_sends_status_mail(world, smtp_server, committed):
    ticket = make_ticket(world.carla, world.support)
    with committed():
        actions.change_ticket(ticket, actor=world.anna, status=Status.objects.get(name="Answer"))
    [mail] = smtp_server.messages
    assert recipients_of(mail) == {"carla@example.com"}
    # customers read what the status means to them, never the team's status name
    assert "is now: Waiting for your answer" in text_of(mail)
    assert "Answer." not in text_of(mail)
    assert mail["Auto-Submitted"] == "auto-generated"


def test_status_change_that_means_nothing_new_to_customers_sends_no_mail(
    world, smtp_server, committed
):
    ticket = make_ticket(world.carla, world.support)
    with committed():
        # "Open" and "Report" both mean "With us" to the customer
        actions.change_ticket(ticket, actor=world.anna, status=Status.objects.get(name="Report"))
    assert smtp_server.messages == []


def test_changes_name_the_customers_words_for_a_status(world):
    ticket = make_ticket(world.carla, world.support)
    event = Event(
        EventKind.CHANGED,
        ticket,
        actor=world.anna,
        changes={"status": ("Open", "Answer"), "priority": ("Normal", "High")},
    )
    notifier = Notifier()
    assert notifier.changes_text(event, customers=True).splitlines() == [
        "Status: With us → Waiting for your answer",
        "Priority: Normal → High",
    ]
    assert "Status: Open → Answer" in notifier.changes_text(event)


def test_field_change_sends_fields_mail_and_assignment_alone_sends_none(
    world, smtp_server, committed
):
    ticket = make_ticket(world.carla, world.support)
    with committed():
        actions.change_ticket(ticket, actor=world.anna, priority=Priority.objects.get(name="High"))
    [mail] = smtp_server.messages
    assert "Priority: Normal → High" in text_of(mail)
    smtp_server.received.clear()
    with committed():
        actions.change_ticket(ticket, actor=world.anna, assignee=world.anna)  # claim: one mail
        actions.change_ticket(ticket, actor=world.anna, cc="x@acme.example")  # internal field
    assert len(smtp_server.messages) == 1


def test_customer_closing_is_not_told_about_it_but_cc_is(world, smtp_server, committed):
    ticket = make_ticket(world.carla, world.support, cc=["boss@acme.example"])
    with committed():
        actions.close_ticket(ticket, actor=world.carla)
    [mail] = smtp_server.messages
    assert recipients_of(mail) == {"boss@acme.example"}
    assert "is now: Closed" in text_of(mail)


def test_customer_reply_tells_the_assignee_only(world, smtp_server, committed):
    ticket = make_ticket(world.carla, world.support, cc=["boss@acme.example"])
    actions.claim_ticket(ticket, actor=world.anna)
    smtp_server.received.clear()
    with committed():
        actions.add_reply(ticket, actor=world.carla, body_html="<p>Still burning</p>")
    [mail] = smtp_server.messages
    assert recipients_of(mail) == {"anna@example.com"}
    assert "Carla Customer replied" in text_of(mail)
    assert f"/admin/tickets/{ticket.pk}/" in text_of(mail)


def test_assignee_who_lost_access_is_not_told(world, smtp_server, committed):
    ticket = make_ticket(world.carla, world.support)
    actions.claim_ticket(ticket, actor=world.anna)
    world.anna.groups.clear()
    smtp_server.received.clear()
    with committed():
        actions.add_reply(ticket, actor=world.carla, body_html="<p>Hello?</p>")
    assert smtp_server.received == []


def test_agent_opening_for_a_customer_sends_created_for_customer(world, smtp_server, committed):
    with committed():
        ticket = actions.open_ticket(
            ticket_type=world.support,
            subject="Your new contract",
            body_html="<p>We prepared it.</p>",
            actor=world.anna,
            requester=world.carla,
        )
    to_carla = smtp_server.to("carla@example.com")
    assert len(to_carla) == 1
    assert f"Ticket {ticket.number} was opened for you." in text_of(to_carla[0])
    assert "We prepared it." in text_of(to_carla[0]) and "Hello" not in text_of(to_carla[0])
    assert to_carla[0]["Auto-Submitted"] is None
    for_agents = smtp_server.to("team-list@example.com")[0]
    # Anna opened it herself: she is not told about her own change.
    assert recipients_of(for_agents) == {"team-list@example.com"}
    assert ticket.number in for_agents["Subject"]


def test_customer_language_and_template_language_option(world, smtp_server, committed):
    TicketProfile.objects.create(user=world.carla, language="de")
    options = MailSettings.load()
    options.template_language = "nl"
    options.save()
    ticket = make_ticket(world.carla, world.support, cc=["boss@acme.example"])
    smtp_server.received.clear()
    with committed():
        actions.add_reply(ticket, actor=world.anna, body_html="<p>Bitte neu starten.</p>")
    to_carla = smtp_server.to("carla@example.com")
    to_boss = smtp_server.to("boss@acme.example")
    assert len(to_carla) == len(to_boss) == 1
    assert recipients_of(to_carla[0]) == {"carla@example.com"}
    assert "Antworten Sie auf diese E-Mail" in text_of(to_carla[0])
    assert "Beantwoord deze e-mail" in text_of(to_boss[0])
    assert "Ticket " + ticket.number in text_of(to_carla[0])  # the layout is translated too


def test_type_template_wins_and_missing_or_inactive_templates_send_nothing(
    world, smtp_server, committed
):
    EmailTemplateFactory(
        kind="default_reply",
        ticket_type=world.support,
        language="en",
        subject="Support answer: {ticket:subject}",
        body="Support says: {MESSAGE}",
    )
    ticket = make_ticket(world.carla, world.support)
    smtp_server.received.clear()
    with committed():
        actions.add_reply(ticket, actor=world.anna, body_html="<p>Done.</p>")
    [mail] = smtp_server.messages
    assert mail["Subject"] == f"[ts #{ticket.number}] Support answer: Printer on fire"
    assert text_of(mail).startswith("Support says: Done.")
    # Switching the type's own template off disables the kind for this type.
    EmailTemplate.objects.filter(ticket_type=world.support).update(active=False)
    with committed():
        actions.add_reply(ticket, actor=world.anna, body_html="<p>Again.</p>")
    assert len(smtp_server.messages) == 1
    # No claimed template at all: claiming sends nothing.
    EmailTemplate.objects.filter(kind="claimed").delete()
    with committed():
        actions.claim_ticket(ticket, actor=world.anna)
    assert len(smtp_server.messages) == 1


def test_mail_is_built_from_the_final_state_of_the_request(world, smtp_server, committed):
    ticket = make_ticket(world.carla, world.support)
    smtp_server.received.clear()
    with committed():
        with transaction.atomic():
            actions.add_reply(ticket, actor=world.anna, body_html="<p>Adding your boss.</p>")
            actions.change_ticket(ticket, actor=world.anna, cc="boss@acme.example")
            actions.change_ticket(
                ticket, actor=world.anna, status=Status.objects.get(name="Answer")
            )
            actions.change_ticket(
                ticket, actor=world.anna, status=Status.objects.get(name="Report")
            )
    reply = [m for m in smtp_server.messages if "Adding your boss." in text_of(m)]
    assert len(reply) == 1
    # The CC added later in the same request already receives the reply.
    assert recipients_of(reply[0]) == {"carla@example.com", "boss@acme.example"}
    status_mails = [m for m in smtp_server.messages if "is now:" in text_of(m)]
    assert len(status_mails) == 2
    # both read the final state, in the customer's words ("Report" means "With us")
    assert all("is now: With us" in text_of(m) for m in status_mails)


def test_rolled_back_change_leaves_no_mail(world, smtp_server, committed):
    ticket = make_ticket(world.carla, world.support)
    smtp_server.received.clear()
    before = PendingNotification.objects.count()
    with committed():
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                actions.add_reply(ticket, actor=world.anna, body_html="<p>Never sent</p>")
                raise RuntimeError("the request failed later")
    assert PendingNotification.objects.count() == before
    assert smtp_server.received == []


def test_sender_and_reply_to(world, smtp_server, committed, settings):
    settings.DEFAULT_FROM_EMAIL = "Site <noreply@site.example>"
    with committed():
        make_ticket(world.carla, world.billing)
    assert smtp_server.messages[0]["From"].addresses[0].addr_spec == "noreply@site.example"
    assert smtp_server.messages[0]["Reply-To"] is None
    options = MailSettings.load()
    options.sender_name, options.sender_email = "ACME Help", "help@acme.example"
    options.save()
    world.support.sender_name, world.support.sender_email = "Support Desk", "support@acme.example"
    world.support.save()
    smtp_server.received.clear()
    with committed():
        make_ticket(world.carla, world.billing)
        make_ticket(world.carla, world.support)
    senders = {str(m["From"]) for m in smtp_server.messages}
    assert senders == {"ACME Help <help@acme.example>", "Support Desk <support@acme.example>"}
    mail = smtp_server.to("carla@example.com")[-1]
    assert mail["Message-ID"].endswith("@acme.example>")
