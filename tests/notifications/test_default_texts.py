"""The shipped texts: an agent's answer is the agent's own text (one greeting, one
signature: theirs), automatic mail greets by name, and "Hello," without one; every address
in the HTML part is a link."""

from __future__ import annotations

import pytest

from tests.factories import make_ticket
from tests.notifications.mailparts import html_of, text_of
from wagtail_tickets import actions
from wagtail_tickets.models import EmailTemplate, OutgoingMail
from wagtail_tickets.notifications.defaults import DEFAULT_TEMPLATES
from wagtail_tickets.notifications.events import get_notifier
from wagtail_tickets.notifications.kinds import BY_CODE, Audience

pytestmark = pytest.mark.django_db

TYPED_BY_AGENTS = ("default_reply", "created_for_customer")
AGENT_LETTER = "<p>Hello Carla,</p><p>the printer works again.</p><p>Kind regards,<br>Anna</p>"


def test_an_agents_answer_has_exactly_one_greeting_and_one_signature(world, smtp_server, committed):
    ticket = make_ticket(world.carla, world.support)
    smtp_server.received.clear()
    with committed():
        actions.add_reply(ticket, actor=world.anna, body_html=AGENT_LETTER)
    [mail] = smtp_server.to("carla@example.com")
    for part in (text_of(mail), html_of(mail)):
        assert part.count("Hello") == 1
        assert part.count("Kind regards") == 1
    assert text_of(mail).startswith("Hello Carla,")


def test_an_agent_opening_a_ticket_sends_their_text_with_the_reference(
    world, smtp_server, committed
):
    with committed():
        ticket = actions.open_ticket(
            ticket_type=world.support,
            subject="Your contract",
            body_html=AGENT_LETTER,
            actor=world.anna,
            requester=world.carla,
        )
    [mail] = smtp_server.to("carla@example.com")
    text = text_of(mail)
    assert text.count("Hello") == 1 and text.count("Kind regards") == 1
    assert f"Ticket {ticket.number} was opened for you." in text


@pytest.mark.parametrize("language", ["en", "de", "nl", "it"])
def test_typed_kinds_add_no_greeting_or_signature_and_automatic_ones_greet(language):
    for kind in TYPED_BY_AGENTS:
        _subject, body = DEFAULT_TEMPLATES[kind][language]
        assert body.startswith("{MESSAGE}")
        for word in ("{GREETING}", "{contact:", "{AGENT}"):
            assert word not in body, (kind, language, word)
        assert "{LINK}" in body
    for code, texts in DEFAULT_TEMPLATES.items():
        spec = BY_CODE[code]
        # automatic mail to customers greets them, and the assignment greets the assignee;
        # the other notices to agents (a new ticket, a customer's answer) are short notes
        if spec.automatic and (spec.audience == Audience.CUSTOMERS or code == "assigned"):
            assert texts[language][1].startswith("{GREETING}\n\n"), (code, language)


def test_the_greeting_reads_naturally_with_and_without_a_name():
    notifier = get_notifier()
    assert notifier.greeting("Carla") == "Hello Carla,"
    assert notifier.greeting("") == "Hello,"
    assert notifier.greeting("   ") == "Hello,"


def test_a_ticket_without_a_name_is_greeted_without_one(world, smtp_server, committed):
    with committed():
        ticket = actions.open_ticket(
            ticket_type=world.support,
            subject="No name given",
            body_html="<p>Is anyone there?</p>",
            requester_email="guest@example.com",
        )
        actions.claim_ticket(ticket, actor=world.anna)
    mails = smtp_server.to("guest@example.com")
    assert len(mails) == 2  # the confirmation and the claim
    for mail in mails:
        text = text_of(mail).replace("\r\n", "\n")
        assert text.startswith("Hello,\n")
        assert "Hello ," not in text and "Hello ," not in html_of(mail)


def test_the_greeting_follows_the_mail_language(world, committed):
    from wagtail_tickets.models import TicketProfile

    TicketProfile.objects.create(user=world.carla, language="de")
    with committed():
        ticket = make_ticket(world.carla, world.support)
    mail = OutgoingMail.objects.get(ticket=ticket, kind="auto_reply", to__contains="carla")
    first_line = mail.body_text.split("\n", 1)[0]
    # the German text follows the greeting, which is the translation of "Hello %(name)s,"
    assert first_line.endswith("Carla,")
    assert "vielen Dank für Ihre Nachricht" in mail.body_text


def test_every_address_in_the_html_part_is_a_link(world, smtp_server, committed):
    EmailTemplate.objects.filter(kind="claimed", language="en").update(
        body="{GREETING}\n\nSee https://status.example.com/printers (our status page).\n\n{LINK}"
    )
    ticket = make_ticket(world.carla, world.support)
    smtp_server.received.clear()
    with committed():
        actions.claim_ticket(ticket, actor=world.anna)
    [mail] = smtp_server.to("carla@example.com")
    html = html_of(mail)
    assert '<a href="https://status.example.com/printers">' in html
    assert f'<a href="http://testserver/tickets/{ticket.number}/">' in html
    assert "printers)</a>" not in html  # the closing parenthesis is the sentence's
