"""Assigning a ticket mails the new assignee (kind "assigned"), through the outbox to a
real SMTP server; taking a ticket oneself and unassigning mail nobody, and say so."""

from __future__ import annotations

import pytest

from tests.factories import make_agent, make_ticket
from tests.notifications.mailparts import html_of, text_of
from wagtail_tickets import actions, links
from wagtail_tickets.models import OutgoingMail, Status
from wagtail_tickets.notifications.events import Event, EventKind, get_notifier

pytestmark = pytest.mark.django_db


@pytest.fixture
def ben(world):
    return make_agent(
        world.support, username="ben", first_name="Ben", last_name="Baker", email="ben@example.com"
    )


@pytest.fixture
def ticket(world, smtp_server, committed):
    with committed():
        opened = make_ticket(world.carla, world.support, subject="Printer on fire")
    smtp_server.received.clear()
    return opened


def test_the_new_assignee_gets_a_mail_through_the_outbox(
    world, ben, ticket, smtp_server, committed
):
    with committed():
        actions.change_ticket(ticket, actor=world.anna, assignee=ben)
    [mail] = smtp_server.messages
    assert [a.addr_spec for a in mail["To"].addresses] == ["ben@example.com"]
    assert mail["Subject"] == f"[ts #{ticket.number}] Assigned to you: Printer on fire"
    assert mail["Auto-Submitted"] == "auto-generated"
    text = text_of(mail)
    assert text.startswith("Hello Ben,")
    assert f"Anna Agent assigned ticket {ticket.number} to you." in text
    workspace = links.absolute(links.workspace_url(ticket.pk))
    assert workspace in text  # mail to agents links the workspace
    assert f'<a href="{workspace}">' in html_of(mail)
    row = OutgoingMail.objects.get(kind="assigned")
    assert row.state == OutgoingMail.State.SENT and row.ticket_id == ticket.pk
    assert smtp_server.to("carla@example.com") == []  # assignments stay internal


def test_a_change_of_several_fields_with_the_assignee_mails_the_assignee(
    world, ben, ticket, smtp_server, committed
):
    waiting = Status.objects.exclude(pk=ticket.status_id).filter(is_closed=False).first()
    with committed():
        actions.change_ticket(ticket, actor=world.anna, assignee=ben, status=waiting)
    assert len(smtp_server.to("ben@example.com")) == 1
    assert OutgoingMail.objects.filter(kind="assigned").count() == 1


def test_taking_a_ticket_oneself_sends_no_assignment_mail(
    world, ben, ticket, smtp_server, committed
):
    with committed():
        actions.claim_ticket(ticket, actor=ben)
    assert smtp_server.to("ben@example.com") == []
    assert not OutgoingMail.objects.filter(kind="assigned").exists()
    # the customer hears that someone took it
    assert OutgoingMail.objects.filter(kind="claimed").count() == 1


def test_unassigning_sends_no_mail_and_says_unassigned(world, ben, ticket, smtp_server, committed):
    with committed():
        actions.change_ticket(ticket, actor=world.anna, assignee=ben)
    smtp_server.received.clear()
    OutgoingMail.objects.all().delete()
    with committed():
        changes = actions.change_ticket(ticket, actor=world.anna, assignee=None)
    assert changes == {"assignee": ("Ben Baker", "")}
    assert smtp_server.received == []
    assert not OutgoingMail.objects.exists()
    event = Event(EventKind.ASSIGNED, ticket, actor=world.anna, changes=changes)
    confirmation = get_notifier().confirmation_text(event)
    assert "unassigned" in confirmation and "has been assigned" not in confirmation


def test_an_assignment_confirms_as_assigned(world, ben, ticket):
    event = Event(
        EventKind.ASSIGNED, ticket, actor=world.anna, changes={"assignee": ("", "Ben Baker")}
    )
    assert get_notifier().confirmation_text(event) == (
        f"Ticket #{ticket.number} has been assigned."
    )


def test_the_assignee_is_greeted_in_their_language_template(
    world, ben, ticket, smtp_server, committed
):
    from wagtail_tickets.models import TicketProfile

    TicketProfile.objects.create(user=ben, language="de")
    with committed():
        actions.change_ticket(ticket, actor=world.anna, assignee=ben)
    [mail] = smtp_server.to("ben@example.com")
    assert "Anna Agent hat Ihnen das Ticket" in text_of(mail)
    assert "Ihnen zugewiesen: Printer on fire" in mail["Subject"]
