"""Auto-close: stale tickets waiting for the customer are closed in batches."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import TicketTypeFactory, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.autoclose import close_stale_tickets
from wagtail_tickets.models import PendingNotification, Status, Ticket, TicketSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def options():
    settings = TicketSettings.load()
    settings.auto_close_days = 7
    settings.save()
    return settings


def waiting(ticket_type, days: int, by_staff: bool = True, status: Status | None = None):
    ticket = make_ticket(None, ticket_type, requester_email="carla@customer.example")
    when = timezone.now() - datetime.timedelta(days=days)
    Ticket.objects.filter(pk=ticket.pk).update(
        last_message_at=when, last_message_by_staff=by_staff, status=status or ticket.status
    )
    return ticket


def test_closes_only_tickets_waiting_for_the_customer_too_long(options):
    support = TicketTypeFactory(name="Support")
    stale = waiting(support, 8)
    fresh = waiting(support, 6)
    customer_spoke_last = waiting(support, 30, by_staff=False)
    assert close_stale_tickets() == 1
    for ticket in (stale, fresh, customer_spoke_last):
        ticket.refresh_from_db()
    assert stale.status.is_closed and stale.closed_at is not None
    assert not fresh.status.is_closed and not customer_spoke_last.status.is_closed
    # the customer is told: the close event is queued for the notifier's status mail
    assert PendingNotification.objects.filter(ticket=stale, kind="closed").exists()
    assert not PendingNotification.objects.filter(ticket=fresh, kind="closed").exists()


def test_never_auto_close_status_is_kept_open(options):
    report = Status.objects.get(name="Report")
    options.never_auto_close_status = report
    options.save()
    support = TicketTypeFactory(name="Support")
    kept = waiting(support, 40, status=report)
    closed = waiting(support, 40)
    assert close_stale_tickets() == 1
    kept.refresh_from_db()
    closed.refresh_from_db()
    assert kept.status == report and closed.status.is_closed


def test_zero_days_switches_auto_close_off(options):
    options.auto_close_days = 0
    options.save()
    waiting(TicketTypeFactory(name="Support"), 400)
    assert close_stale_tickets() == 0


def test_batches_close_a_backlog(options):
    support = TicketTypeFactory(name="Support")
    backlog = [waiting(support, 10) for _ in range(5)]
    assert close_stale_tickets(batch_size=2) == 5
    assert all(Ticket.objects.get(pk=t.pk).status.is_closed for t in backlog)
    assert close_stale_tickets(batch_size=2) == 0  # nothing left, nothing closed twice


def test_a_customer_answer_in_between_keeps_the_ticket_open(options):
    support = TicketTypeFactory(name="Support")
    ticket = waiting(support, 10)
    actions.add_reply(
        ticket,
        body_html="<p>still broken</p>",
        author_name="Carla",
        author_email="carla@customer.example",
        as_staff=False,
    )
    assert close_stale_tickets() == 0


def test_command(options, capsys):
    waiting(TicketTypeFactory(name="Support"), 9)
    call_command("close_stale_tickets")
    assert "Closed 1 ticket(s)." in capsys.readouterr().out


@pytest.mark.parametrize(
    "zone, now_utc",
    [
        ("Europe/Berlin", datetime.datetime(2026, 3, 30, 12, 0)),  # a 23-hour day within
        ("Europe/Berlin", datetime.datetime(2026, 10, 26, 12, 0)),  # a 25-hour day within
        ("America/New_York", datetime.datetime(2026, 11, 2, 4, 30)),  # local midnight, DST
    ],
)
def test_days_without_an_answer_are_counted_in_elapsed_time_across_dst(
    options, settings, zone, now_utc
):
    """Seven days are seven times 24 hours, whatever the clocks did in between."""
    settings.TIME_ZONE = zone
    now = now_utc.replace(tzinfo=datetime.UTC)
    ticket_type = TicketTypeFactory()
    kept = waiting(ticket_type, 0)
    closed = waiting(ticket_type, 0)
    week = datetime.timedelta(days=7)
    minute = datetime.timedelta(minutes=1)
    Ticket.objects.filter(pk=kept.pk).update(last_message_at=now - week + minute)
    Ticket.objects.filter(pk=closed.pk).update(last_message_at=now - week - minute)
    assert close_stale_tickets(now=now) == 1
    assert Ticket.objects.get(pk=kept.pk).is_open
    assert not Ticket.objects.get(pk=closed.pk).is_open
