"""Recipient rules, template choice and the shipped templates, decided without SMTP."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.factories import EmailTemplateFactory, TicketTypeFactory, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.models import EmailTemplate, Status, Ticket, TicketProfile
from wagtail_tickets.models.mail import EmailKind
from wagtail_tickets.notifications import recipients as rcpt
from wagtail_tickets.notifications.defaults import DEFAULT_TEMPLATES
from wagtail_tickets.notifications.events import Event, EventKind, get_notifier
from wagtail_tickets.notifications.notifier import Notifier

pytestmark = pytest.mark.django_db


def plan(event):
    return {kind: sorted(r.email for r in people) for kind, people in get_notifier().plan(event)}


def test_clean_address_refuses_everything_but_one_plain_address():
    assert rcpt.clean_address(" carla@example.com ") == "carla@example.com"
    for hostile in (
        "carla@example.com\r\nBcc: x@y.example", "Carla <carla@example.com>",
        "a@b.example, c@d.example",
        "a@b@c.example", "", "no-at-sign", "a@b.example\x00", "a" * 250 + "@b.example",
        '"quoted"@example.com', "a@b.example;c@d.example",
    ):  # fmt: skip
        assert rcpt.clean_address(hostile) == "", hostile


def test_opened_by_customer_plan(world):
    ticket = make_ticket(world.carla, world.support, cc=["CARLA@example.com", "boss@acme.example"])
    event = Event(EventKind.OPENED, ticket, actor=world.carla, message=ticket.messages.get())
    assert plan(event) == {
        # the confirmation goes to the author, each address once (case-insensitive)
        EmailKind.AUTO_REPLY: ["boss@acme.example", "carla@example.com"],
        # olga has an account without access to the type: never mailed
        EmailKind.CREATED_FOR_AGENT: ["anna@example.com", "team-list@example.com"],
    }


def test_internal_note_and_assignment_plan_nothing(world):
    ticket = make_ticket(world.carla, world.support)
    note = actions.add_reply(ticket, actor=world.anna, body_html="<p>n</p>", internal=True)
    assert plan(Event(EventKind.NOTE, ticket, actor=world.anna, message=note)) == {}
    # An internal message handed in as a reply still never reaches the customer.
    assert plan(Event(EventKind.REPLIED, ticket, actor=world.anna, message=note)) == {}
    assert plan(Event(EventKind.ASSIGNED, ticket, actor=world.anna)) == {}


def test_inactive_requester_and_anonymous_requester(world):
    ticket = make_ticket(world.carla, world.support, cc=["boss@acme.example"])
    world.carla.is_active = False
    world.carla.save()
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert [r.email for r in rcpt.customer_recipients(ticket)] == ["boss@acme.example"]
    anonymous = actions.open_ticket(
        ticket_type=world.support,
        subject="Hi",
        body_html="<p>x</p>",
        requester_name="Vera Visitor",
        requester_email="vera@visitor.example",
    )
    [vera] = rcpt.customer_recipients(anonymous)
    assert (vera.email, vera.name, vera.user) == ("vera@visitor.example", "Vera Visitor", None)
    # No account: never a customer-area link (the external page provides its own).
    assert f"/tickets/{anonymous.number}/" not in get_notifier().ticket_link(anonymous)


def test_user_language_only_from_the_sites_languages(world):
    assert rcpt.user_language(world.carla) == ""
    TicketProfile.objects.create(user=world.carla, language="klingon")
    assert rcpt.user_language(world.carla) == ""
    world.carla.ticket_profile.language = "it"
    assert rcpt.user_language(world.carla) == "it"


def test_template_choice_prefers_language_then_type(world):
    notifier = Notifier()
    general_de = EmailTemplate.objects.get(kind="claimed", language="de", ticket_type=None)
    assert notifier.get_template("claimed", world.support, "de") == general_de
    typed_any = EmailTemplateFactory(kind="claimed", ticket_type=world.support, language="")
    assert notifier.get_template("claimed", world.support, "de") == general_de
    assert notifier.get_template("claimed", world.support, "fr") == typed_any
    typed_de = EmailTemplateFactory(kind="claimed", ticket_type=world.support, language="de")
    assert notifier.get_template("claimed", world.support, "de") == typed_de
    assert notifier.get_template("claimed", world.billing, "de") == general_de
    EmailTemplate.objects.filter(kind="claimed", ticket_type=None).delete()
    assert notifier.get_template("claimed", world.billing, "de") is None


def test_shipped_templates_and_the_install_command():
    kinds = {choice for choice, _label in EmailKind.choices}
    assert set(DEFAULT_TEMPLATES) == kinds
    for kind, languages in DEFAULT_TEMPLATES.items():
        assert set(languages) == {"en", "de", "nl", "it"}, kind
    assert EmailTemplate.objects.filter(ticket_type=None).count() == len(kinds) * 4
    EmailTemplate.objects.filter(kind="claimed", language="nl").delete()
    changed = EmailTemplate.objects.get(kind="claimed", language="de")
    changed.body = "Eigener Text"
    changed.save()
    out = StringIO()
    call_command("install_email_templates", stdout=out)
    assert out.getvalue().startswith("1 ")
    assert EmailTemplate.objects.get(kind="claimed", language="de").body == "Eigener Text"
    assert EmailTemplate.objects.filter(kind="claimed", language="nl").exists()


def test_a_swapped_notifier_is_used(world, settings, django_capture_on_commit_callbacks):
    from wagtail_tickets.models import OutgoingMail

    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "NOTIFIER": "tests.notifications.test_recipients.PortalNotifier",
    }
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(world.carla, TicketTypeFactory(name="Portal"))
    mail = OutgoingMail.objects.get(ticket=ticket)
    assert f"https://portal.example/t/{ticket.number}" in mail.body_text


class PortalNotifier(Notifier):
    def ticket_link(self, ticket):
        return f"https://portal.example/t/{ticket.number}"


def test_the_automatic_mail_cap_never_silences_agents(world, settings, committed):
    from wagtail_tickets.models import OutgoingMail

    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "AUTO_MAIL_LIMIT_PER_HOUR": 3}
    with committed():
        for n in range(5):
            make_ticket(world.carla, world.support, subject=f"Mail {n}", source="email")
    kinds = list(OutgoingMail.objects.values_list("kind", flat=True))
    assert kinds.count(EmailKind.CREATED_FOR_AGENT) == 5
    assert kinds.count(EmailKind.AUTO_REPLY) == 3  # the loop breaker caps answers to mail
    # Mail caused by people is never capped: web tickets and an agent's many changes.
    with committed():
        ticket = make_ticket(world.carla, world.support, subject="Web")
        # each change turns the ticket between "With us" and "Waiting for your answer"
        for name in ("Answer", "Report", "Answer", "In progress", "Answer"):
            actions.change_ticket(ticket, actor=world.anna, status=Status.objects.get(name=name))
    kinds = list(OutgoingMail.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds.count(EmailKind.AUTO_REPLY) == 1
    assert kinds.count(EmailKind.STATUS_CHANGED) == 5
