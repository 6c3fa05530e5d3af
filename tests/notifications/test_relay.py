"""Automatic mail never relays what someone wrote to addresses that did not write it.

A customer names CC addresses, a visitor types any address on the external page: the
confirmations the site sends there by itself carry the subject, the number and the link,
never the message. Only its proven author (the account that wrote it) gets it quoted.
"""

from __future__ import annotations

import time
from email.utils import parseaddr

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import EmailTemplateFactory, UserFactory, external_page, grant, make_ticket
from tests.notifications.mailparts import html_of, text_of
from wagtail_tickets import actions
from wagtail_tickets.external.forms import sign_form
from wagtail_tickets.models import AutoMailRecord, OutgoingMail, Status, TypePermission
from wagtail_tickets.models.mail import EmailKind
from wagtail_tickets.notifications.variables import contact_values, ticket_values

pytestmark = pytest.mark.django_db
NEUTRAL = "A new message was added: follow the link to read it."


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def mails_to(address: str, kind: str | None = None) -> list[OutgoingMail]:
    rows = OutgoingMail.objects.order_by("pk")
    if kind is not None:
        rows = rows.filter(kind=kind)
    return [m for m in rows if address in addresses_of(m)]


def addresses_of(mail: OutgoingMail) -> list[str]:
    return sorted(parseaddr(a)[1].lower() for a in mail.to_list + mail.cc_list)


def whole(mail: OutgoingMail) -> str:
    return "\n".join((mail.subject, mail.body_text, mail.body_html))


def test_cc_addresses_get_the_confirmation_without_the_message(
    client, world, smtp_server, committed
):
    client.force_login(world.carla)
    with committed():
        response = client.post(
            reverse("wagtail_tickets:create"),
            {
                "type": world.support.pk,
                "subject": "Printer on fire",
                "cc": "boss@acme.example\nIT@Acme.example",
                "body": "<p>Secret plan: <b>buy cheap pills</b> at evil.example</p>",
                "attachments": [SimpleUploadedFile("plan.txt", b"the whole plan", "text/plain")],
            },
        )
    assert response.status_code == 302
    ticket = world.support.tickets.get()
    [to_carla] = smtp_server.to("carla@example.com")
    [to_copies] = smtp_server.to("boss@acme.example")
    assert smtp_server.to("it@acme.example") == [to_copies]
    # the author: her own words, quoted
    assert "buy cheap pills" in text_of(to_carla)
    assert "<b>buy cheap pills</b>" in html_of(to_carla)
    assert {a.addr_spec for a in to_carla["To"].addresses} == {"carla@example.com"}
    assert to_carla["Cc"] is None
    # the copies: subject, number and link, and a neutral line instead of the message
    assert to_copies["Subject"] == f"[ts #{ticket.number}] Printer on fire"
    assert to_copies["Auto-Submitted"] == "auto-generated"
    for part in (text_of(to_copies), html_of(to_copies)):
        assert "pills" not in part and "evil.example" not in part and "Secret" not in part
        assert NEUTRAL in part
        assert ticket.number in part
        assert f"http://testserver/tickets/{ticket.number}/" in part
    # no mail carries the file, and the copies do not even name it
    for mail in (to_carla, to_copies):
        assert list(mail.iter_attachments()) == []
    assert "plan.txt" not in text_of(to_copies) and "plan.txt" not in html_of(to_copies)
    # the agents are told everything, as before
    [for_agents] = smtp_server.to("team-list@example.com")
    assert "buy cheap pills" in text_of(for_agents)


@pytest.mark.parametrize(
    "body, marks",
    [
        ('<p><a href="https://evil.example/win">Claim your prize</a></p>', ["evil", "prize"]),
        ("<p>visit http://evil.example/win now</p>", ["evil", "visit"]),
        ("<script>alert('relay')</script><p>plain words</p>", ["alert", "relay", "plain words"]),
        ("<p>" + "SPAMWORD " * 11_000 + "</p>", ["SPAMWORD"]),
        ("<p>{LINK} {ticket:subject} {MESSAGE} &lt;b&gt;x&lt;/b&gt;</p>", ["&lt;b", "<b>x"]),
        ("<p>Zahlen Sie jetzt €\u202e500</p>", ["Zahlen", "500"]),
    ],
)
def test_no_kind_of_body_reaches_the_cc_addresses(world, committed, body, marks):
    with committed():
        ticket = actions.open_ticket(
            ticket_type=world.support,
            subject="Hello",
            body_html=body,
            actor=world.carla,
            requester=world.carla,
            cc=["victim@elsewhere.example"],
        )
    [mail] = mails_to("victim@elsewhere.example")
    assert mail.kind == EmailKind.AUTO_REPLY
    for mark in marks:
        assert mark not in whole(mail), mark
    assert NEUTRAL in mail.body_text and NEUTRAL in mail.body_html
    assert len(mail.body_text) < 2_000
    # the author's own confirmation still quotes it (what the sanitiser kept of it)
    [own] = mails_to("carla@example.com", EmailKind.AUTO_REPLY)
    assert ticket.opening_message.body_text[:50] in own.body_text


def test_an_administrators_template_cannot_bring_the_message_back(world, committed):
    for language in ("", "en"):
        EmailTemplateFactory(
            kind="auto_reply",
            ticket_type=world.support,
            language=language,
            subject="Got it: {MESSAGE} {ticket:subject}",
            body="{MESSAGE}\n{ticket:subject}\n{AGENT}{CHANGES}\n{MESSAGE}",
        )
    with committed():
        actions.open_ticket(
            ticket_type=world.support,
            subject="Question\nBcc: x@evil.example",
            body_html="<p>RELAYED TEXT</p>",
            actor=world.carla,
            requester=world.carla,
            cc=["boss@acme.example"],
        )
    [copy] = mails_to("boss@acme.example")
    assert "RELAYED" not in whole(copy)
    assert copy.body_text.count(NEUTRAL) == 2
    assert "\n" not in copy.subject and copy.subject.endswith("Question Bcc: x@evil.example")
    [own] = mails_to("carla@example.com", EmailKind.AUTO_REPLY)
    assert "RELAYED TEXT" in own.subject and own.body_text.count("RELAYED TEXT") == 2


def test_the_subject_variable_is_one_bounded_line(world):
    ticket = make_ticket(world.carla, world.support)
    ticket.subject = "Line one\r\nLine two\u2028" + "x" * 600
    ticket.requester_name = "Eve\nClick https://evil.example"
    values = ticket_values(ticket, ticket.requester_display_name)
    assert values["ticket:subject"].startswith("Line one Line two x")
    assert len(values["ticket:subject"]) == 255
    assert all("\n" not in values[f"ticket:{n}"] for n in ("first_name", "last_name"))
    world.carla.first_name = "Carla\n\nBUY NOW\r\nat evil.example"
    contact = contact_values(world.carla, record=world.company)
    assert contact["contact:first_name"] == "Carla BUY NOW at evil.example"
    world.carla.first_name = "C" * 500
    assert len(contact_values(world.carla)["contact:first_name"]) == 150
    long_address = "a" * 64 + "@" + "b" * 180 + ".example"
    assert contact_values(None, "Vera", long_address)["contact:email"] == long_address


def test_a_visitors_typed_address_gets_no_message_and_only_so_many_mails(
    client, world, committed, settings
):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "AUTO_MAIL_LIMIT_PER_HOUR": 2}
    page = external_page(offered=[world.support])
    assert page.enabled

    def post(n):
        return client.post(
            "/tickets/external/",
            {
                "name": "Vera Visitor",
                "email": "victim@elsewhere.example",
                "type": str(world.support.pk),
                "subject": f"Subject {n}",
                "body": f"<p>BUY PILLS {n} at https://evil.example</p>",
                "form_token": sign_form("new", "", now=time.time() - 60),
                "website": "",
            },
        )

    with committed():
        for n in range(3):
            assert post(n).status_code == 302
    confirmations = mails_to("victim@elsewhere.example")
    # whoever typed the address need not own it: no message, and two an hour at most
    assert len(confirmations) == 2
    for mail in confirmations:
        assert mail.kind == EmailKind.AUTO_REPLY
        assert "PILLS" not in whole(mail) and "evil" not in whole(mail)
        assert NEUTRAL in mail.body_text
        assert "/tickets/external/t/" in mail.body_text  # the private link is the way in
    # the agents still hear about all three, with the message
    agent_mail = mails_to("team-list@example.com")
    assert len(agent_mail) == 3 and all("PILLS" in m.body_text for m in agent_mail)


def test_a_signed_in_user_on_the_external_page_gets_their_own_message(client, world, committed):
    external_page(offered=[world.support])
    client.force_login(world.carla)
    with committed():
        response = client.post(
            "/tickets/external/",
            {
                "type": str(world.support.pk),
                "subject": "From the widget",
                "cc": "boss@acme.example",
                "body": "<p>My own words</p>",
                "form_token": sign_form("new", _binding(client, world.carla), now=time.time() - 60),
                "website": "",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    [own] = mails_to("carla@example.com", EmailKind.AUTO_REPLY)
    [copy] = mails_to("boss@acme.example", EmailKind.AUTO_REPLY)
    assert "My own words" in own.body_text
    assert "My own words" not in whole(copy)


def _binding(client, user) -> str:
    from django.test import RequestFactory

    from wagtail_tickets.external.forms import binding_for

    request = RequestFactory().get("/")
    request.user = user
    request.session = client.session
    return binding_for(request)


def test_mail_from_an_unknown_sender_is_not_quoted_back(world, committed):
    """A mail's From is typed by whoever sends it: the confirmation to it carries no
    message unless the sender was matched to an account."""
    with committed():
        stranger = actions.open_ticket(
            ticket_type=world.support,
            subject="Hi",
            body_html="<p>SPOOFED TEXT</p>",
            requester_name="Somebody",
            requester_email="victim@elsewhere.example",
            source="email",
        )
        known = make_ticket(world.carla, world.support, body="<p>CARLAS MAIL</p>", source="email")
    [to_victim] = mails_to("victim@elsewhere.example")
    assert "SPOOFED" not in whole(to_victim) and NEUTRAL in to_victim.body_text
    [to_carla] = mails_to("carla@example.com", EmailKind.AUTO_REPLY)
    assert "CARLAS MAIL" in to_carla.body_text
    assert stranger.number in to_victim.subject and known.number in to_carla.subject


def test_an_inactive_account_is_not_an_author_and_gets_nothing(world, committed):
    with committed():
        ticket = make_ticket(world.carla, world.support, cc=["boss@acme.example"])
    world.carla.is_active = False
    world.carla.save()
    OutgoingMail.objects.all().delete()
    with committed():
        actions.change_ticket(ticket, actor=world.anna, status=Status.objects.get(name="Answer"))
    assert [m.kind for m in mails_to("boss@acme.example")] == [EmailKind.STATUS_CHANGED]
    assert mails_to("carla@example.com") == []


def test_an_agents_answer_keeps_its_text_for_everyone(world, committed):
    """The issue is automatic mail relaying an outsider's words: an agent's answer is
    written and sent by a person of the site, so the CC addresses read it."""
    ticket = make_ticket(world.carla, world.support, cc=["boss@acme.example"])
    with committed():
        actions.add_reply(ticket, actor=world.anna, body_html="<p>Restart the printer.</p>")
    [answer] = mails_to("boss@acme.example")
    assert answer.kind == EmailKind.DEFAULT_REPLY
    assert "Restart the printer." in answer.body_text
    assert addresses_of(answer) == ["boss@acme.example", "carla@example.com"]


def test_an_agent_opening_for_a_customer_is_quoted_to_the_copies(world, committed):
    with committed():
        actions.open_ticket(
            ticket_type=world.support,
            subject="Contract",
            body_html="<p>Signed copy.</p>",
            actor=world.anna,
            requester=world.carla,
            cc=["boss@acme.example"],
        )
    [copy] = mails_to("boss@acme.example")
    assert copy.kind == EmailKind.CREATED_FOR_CUSTOMER
    assert "Signed copy." in copy.body_text


def test_automatic_mail_about_an_agents_message_is_not_quoted_to_copies(world, committed):
    """Even an agent's text is not quoted in mail nobody sent by hand (a host's plan or
    template may put {MESSAGE} into any automatic kind)."""
    EmailTemplateFactory(kind="claimed", language="", ticket_type=world.support, body="{MESSAGE}")
    EmailTemplateFactory(kind="claimed", language="en", ticket_type=world.support, body="{MESSAGE}")
    ticket = make_ticket(world.carla, world.support, cc=["boss@acme.example"])
    message = actions.add_reply(ticket, actor=world.anna, body_html="<p>Agent text</p>")
    from wagtail_tickets.notifications.events import Event, EventKind, get_notifier

    notifier = get_notifier()
    event = Event(EventKind.CLAIMED, ticket, actor=world.anna, message=message)
    mails = {addresses_of(m)[0]: m for m in notifier.build(event)}
    assert "Agent text" not in mails["boss@acme.example"].body_text
    assert NEUTRAL in mails["boss@acme.example"].body_text


def test_confirmations_to_copies_are_capped_per_address_but_the_authors_are_not(
    world, committed, settings
):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "AUTO_MAIL_LIMIT_PER_HOUR": 2}
    other = UserFactory(username="oscar", email="oscar@example.com")
    grant(other, world.support, TypePermission.Level.WRITE, "Customers")
    with committed():
        for n, author in enumerate((world.carla, other, world.carla, other)):
            actions.open_ticket(
                ticket_type=world.support,
                subject=f"T{n}",
                body_html="<p>x</p>",
                actor=author,
                requester=author,
                cc=["victim@elsewhere.example"],
            )
    assert len(mails_to("victim@elsewhere.example")) == 2
    assert len(mails_to("carla@example.com", EmailKind.AUTO_REPLY)) == 2
    assert len(mails_to("oscar@example.com", EmailKind.AUTO_REPLY)) == 2
    assert AutoMailRecord.objects.filter(address="victim@elsewhere.example").count() == 2
    # status mail an agent causes is never dropped, whatever the count
    ticket = world.support.tickets.first()
    with committed():
        actions.change_ticket(ticket, actor=world.anna, status=Status.objects.get(name="Answer"))
    assert len(mails_to("victim@elsewhere.example", EmailKind.STATUS_CHANGED)) == 1
