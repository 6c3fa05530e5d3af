"""The table of mail kinds (``notifications.kinds``) is the one home of what each kind is.

The recipe "add a kind of mail" is one row in ``KINDS`` and its texts in
``defaults.DEFAULT_TEMPLATES``: these tests fail for a row without default templates, label,
preview or an event that sends it, and show that the notifier and the admin read nothing
else.
"""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse
from django.utils.functional import Promise

from tests.factories import EmailTemplateFactory, UserFactory, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.models import EmailTemplate, OutgoingMail
from wagtail_tickets.models.mail import EmailKind
from wagtail_tickets.notifications import kinds
from wagtail_tickets.notifications.defaults import DEFAULT_TEMPLATES
from wagtail_tickets.notifications.events import Event, EventKind, get_notifier
from wagtail_tickets.notifications.kinds import KINDS, Audience, MailKind, Quoting
from wagtail_tickets.notifications.notifier import Notifier

pytestmark = pytest.mark.django_db

SHIPPED_LANGUAGES = {"en", "de", "nl", "it"}
NEUTRAL = "A new message was added: follow the link to read it."


def test_every_kind_has_its_default_templates_a_label_and_is_a_choice():
    codes = [kind.code for kind in KINDS]
    assert len(codes) == len(set(codes))
    assert set(DEFAULT_TEMPLATES) == set(codes)  # no texts for a kind that is not in the table
    for kind in KINDS:
        assert set(DEFAULT_TEMPLATES[kind.code]) == SHIPPED_LANGUAGES, kind.code
        for _subject, body in DEFAULT_TEMPLATES[kind.code].values():
            assert body.strip(), kind.code
        assert isinstance(kind.label, Promise) and str(kind.label).strip(), kind.code
        assert len(kind.code) <= EmailTemplate._meta.get_field("kind").max_length
    choices = [(kind.code, kind.label) for kind in KINDS]
    assert EmailKind.choices == choices
    assert EmailTemplate._meta.get_field("kind").choices == choices
    assert OutgoingMail._meta.get_field("kind").choices == choices
    assert kinds.AUTOMATIC_KINDS == {kind.code for kind in KINDS if kind.automatic}
    assert kinds.AGENT_KINDS == {kind.code for kind in KINDS if kind.audience != "customers"}


def test_mail_that_goes_out_by_itself_quotes_customers_messages_only_to_their_author():
    """A row may not undo the relay protection: automatic mail to customer addresses (CC
    addresses, typed addresses) quotes a message only to the account that wrote it."""
    for kind in KINDS:
        if kind.automatic and kind.audience == Audience.CUSTOMERS:
            assert kind.quoting == Quoting.AUTHOR, kind.code
        if kind.quoting == Quoting.EVERYONE:
            assert kind.audience != Audience.CUSTOMERS, kind.code


@pytest.fixture
def conversation(world):
    """A ticket with a customer's first message, an agent's answer and an internal note."""
    ticket = make_ticket(world.carla, world.support, cc=["boss@acme.example"])
    actions.add_reply(ticket, actor=world.anna, body_html="<p>Agent answer</p>")
    actions.add_reply(ticket, actor=world.anna, body_html="<p>Secret</p>", internal=True)
    return ticket


def sample_events(kind: MailKind, ticket, world):
    """Every combination of the kind's events with no, a customer's, an agent's or an
    internal message and no, a status, another field or an assignee change."""
    messages = ticket.messages.order_by("pk")
    first, answer, note = messages[0], messages[1], messages[2]
    changes = (
        {},
        {"status": ("Open", "Closed")},
        {"priority": ("Low", "High")},
        {"assignee": ("", "Anna Agent")},
    )
    for event_kind, message, change in itertools.product(
        sorted(kind.events), (None, first, answer, note), changes
    ):
        yield Event(event_kind, ticket, actor=world.anna, message=message, changes=change)


def test_every_kind_is_planned_for_one_of_its_events_and_only_for_those(world, conversation):
    notifier = get_notifier()
    conversation.assignee = world.anna  # as the assignment events leave it
    conversation.ticket_type.asks_for_rating = True  # the rating request asks where it may
    for kind in KINDS:
        planned = [
            event
            for event in sample_events(kind, conversation, world)
            if kind.code in dict(notifier.plan(event))
        ]
        assert planned, f"no event of {sorted(kind.events)} sends {kind.code}"
        assert all(event.kind in kind.events for event in planned)
    every_event = {event for kind in KINDS for event in kind.events}
    assert kinds.MAIL_EVENTS == every_event
    for event_kind in set(EventKind) - every_event:
        event = Event(event_kind, conversation, actor=world.anna, changes={"status": ("a", "b")})
        assert notifier.plan(event) == []


def test_no_kind_ever_mails_an_internal_note(world, conversation):
    """Whatever event a note is handed to, and whatever a template says, its text reaches
    nobody by mail (``permissions.is_visible_to_customer``)."""
    EmailTemplate.objects.filter(language="en").update(subject="{MESSAGE}", body="{MESSAGE}")
    note = conversation.messages.get(is_internal=True)
    notifier = get_notifier()
    for event_kind in sorted(kinds.MAIL_EVENTS):
        event = Event(
            event_kind,
            conversation,
            actor=world.carla,
            message=note,
            changes={"status": ("a", "b")},
        )
        for mail in notifier.build(event):
            assert "Secret" not in mail.subject + mail.body_text + mail.body_html, event_kind


def test_every_kind_has_a_preview_in_the_admin(client, world, conversation):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    for kind in KINDS:
        messages = conversation.messages.filter(is_internal=False).order_by("created_at", "pk")
        event = kind.preview(conversation, admin, messages)
        assert event.kind in kind.events, kind.code
        assert event.message is None or not event.message.is_internal, kind.code
        template = EmailTemplate.objects.get(kind=kind.code, language="en", ticket_type=None)
        url = reverse("wagtail_tickets_email_templates:preview", args=[template.pk])
        page = client.get(url, {"ticket": conversation.number})
        assert page.status_code == 200, kind.code
        assert page.context["rendered"] is not None, kind.code
        assert page.context["automatic"] is kind.automatic
        assert "Secret" not in page.content.decode(), kind.code


def test_the_preview_shows_what_cc_addresses_get(client, world, conversation):
    """The author's copy quotes the message; the copy to CC addresses has the neutral line
    in its place, in the text and the HTML part."""
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)

    def preview(kind):
        template = EmailTemplate.objects.get(kind=kind, language="en", ticket_type=None)
        url = reverse("wagtail_tickets_email_templates:preview", args=[template.pk])
        return client.get(url, {"ticket": conversation.number})

    page = preview(EmailKind.AUTO_REPLY)
    [(_h1, author), (heading, copy)] = page.context["versions"]
    assert "Help!" in author.text and NEUTRAL not in author.text
    assert "Help!" not in copy.text and "Help!" not in copy.html
    assert NEUTRAL in copy.text and NEUTRAL in copy.html
    assert str(heading) in page.content.decode()
    # An agent's answer goes to the CC addresses as written; mail to agents is quoted too.
    for kind in (EmailKind.DEFAULT_REPLY, EmailKind.CREATED_FOR_AGENT):
        [(_heading, only)] = preview(kind).context["versions"]
        assert NEUTRAL not in only.text, kind
    # A template without {MESSAGE} reads the same for everyone: one version.
    template = EmailTemplate.objects.get(kind="auto_reply", language="en", ticket_type=None)
    template.body = "We have your ticket {ticket:number}."
    template.save()
    assert len(preview(EmailKind.AUTO_REPLY).context["versions"]) == 1


def test_a_template_of_a_kind_no_longer_in_the_table_previews_without_an_error(client, world):
    make_ticket(world.carla, world.support)
    stale = EmailTemplateFactory(kind="retired_kind", language="", ticket_type=None)
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    page = client.get(reverse("wagtail_tickets_email_templates:preview", args=[stale.pk]))
    assert page.status_code == 200
    assert page.context["rendered"] is None
    assert "not sent any more" in page.content.decode()


REASSIGNED = MailKind(
    code="reassigned",
    label="Reassigned (to the customer)",
    events=frozenset({EventKind.ASSIGNED}),
    audience=Audience.CUSTOMERS,
    automatic=True,
    quoting=Quoting.AUTHOR,
    preview=lambda ticket, actor, _messages: Event(EventKind.ASSIGNED, ticket, actor=actor),
)


class ReassignNotifier(Notifier):
    def kinds(self):
        return (*super().kinds(), REASSIGNED)


def test_a_new_row_is_all_the_notifier_needs(world):
    """Plan, headers, links and the outbox row follow the table: a host's notifier that adds
    one row (and a template of its kind) sends it."""
    ticket = make_ticket(world.carla, world.support, cc=["boss@acme.example"])
    EmailTemplate.objects.create(kind="reassigned", language="", body="Now with {AGENT}.")
    notifier = ReassignNotifier()
    event = Event(EventKind.ASSIGNED, ticket, actor=world.anna)
    assert [kind for kind, _people in notifier.plan(event)] == ["reassigned"]
    assert get_notifier().plan(event) == []  # the shipped table sends nothing for it
    [mail] = notifier.build(event)
    assert mail.kind == "reassigned"
    assert mail.headers["Auto-Submitted"] == "auto-generated"
    assert "Now with Anna Agent." in mail.body_text
    assert f"/tickets/{ticket.number}/" in mail.body_text  # the customer's link
    assert {mail.to, mail.cc} == {"Carla Customer <carla@example.com>", "boss@acme.example"}
