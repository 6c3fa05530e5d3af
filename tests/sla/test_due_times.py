"""Due times through the actions: opened, answered, paused, resumed, moved to another
policy, closed and reopened, on a Berlin office calendar (Monday to Friday, 9 to 17)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from tests.factories import (
    CompanyFactory,
    PriorityFactory,
    TicketTypeFactory,
    closed_status,
    make_agent,
    make_customer,
    make_ticket,
)
from wagtail_tickets import actions
from wagtail_tickets.models import CustomerTier, Status, Ticket
from wagtail_tickets.sla import due

from .conftest import berlin, office_calendar, office_policy

pytestmark = pytest.mark.django_db
HOUR = 3600


@pytest.fixture
def world(clock):
    hardware = TicketTypeFactory(name="Hardware")
    calendar = office_calendar()
    return {
        "type": hardware,
        "calendar": calendar,
        "policy": office_policy(calendar),
        "customer": make_customer(hardware, username="carla"),
        "agent": make_agent(hardware, username="agnes"),
        "clock": clock,
    }


def waiting_status() -> Status:
    return Status.objects.get(name="Answer")


def reload(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def reply(world, ticket, *, staff: bool, **kwargs):
    actor = world["agent"] if staff else world["customer"]
    return actions.add_reply(ticket, actor=actor, body_html="<p>Hello</p>", **kwargs)


def test_opening_starts_first_response_and_resolution(world):
    ticket = reload(make_ticket(world["customer"], world["type"]))
    assert ticket.sla_policy == world["policy"]
    assert ticket.sla_first_response_state == due.State.RUNNING
    assert ticket.sla_first_response_due_at == berlin(2026, 3, 2, 12)
    assert ticket.sla_first_response_started_at == berlin(2026, 3, 2, 10)
    assert ticket.sla_resolution_due_at == berlin(2026, 3, 3, 10)
    assert ticket.sla_next_response_state == due.State.NONE
    assert ticket.sla_next_due_at == berlin(2026, 3, 2, 12)
    assert ticket.sla_next_due_target == "first_response"


def test_agent_reply_meets_the_first_response(world):
    ticket = make_ticket(world["customer"], world["type"])
    world["clock"].set(2026, 3, 2, 11)
    reply(world, ticket, staff=True)
    ticket = reload(ticket)
    assert ticket.sla_first_response_state == due.State.MET
    assert ticket.sla_first_response_seconds == HOUR
    assert ticket.sla_next_due_target == "resolution"
    assert ticket.sla_next_due_at == berlin(2026, 3, 3, 10)


def test_late_first_response_is_breached(world):
    ticket = make_ticket(world["customer"], world["type"])
    world["clock"].set(2026, 3, 2, 15)
    reply(world, ticket, staff=True)
    ticket = reload(ticket)
    assert ticket.sla_first_response_state == due.State.BREACHED
    assert ticket.sla_first_response_seconds == 5 * HOUR


def test_internal_note_is_no_response(world):
    ticket = make_ticket(world["customer"], world["type"])
    world["clock"].set(2026, 3, 2, 11)
    reply(world, ticket, staff=True, internal=True)
    assert reload(ticket).sla_first_response_state == due.State.RUNNING


def test_customer_message_after_an_answer_starts_the_next_response(world):
    ticket = make_ticket(world["customer"], world["type"])
    world["clock"].set(2026, 3, 2, 11)
    reply(world, ticket, staff=True)
    world["clock"].set(2026, 3, 2, 16, 30)
    reply(world, ticket, staff=False)
    ticket = reload(ticket)
    assert ticket.sla_next_response_state == due.State.RUNNING
    assert ticket.sla_next_response_started_at == berlin(2026, 3, 2, 16, 30)
    # half an hour on Monday, half an hour on Tuesday morning
    assert ticket.sla_next_response_due_at == berlin(2026, 3, 3, 9, 30)
    assert ticket.sla_next_due_target == "next_response"
    world["clock"].set(2026, 3, 3, 10)
    reply(world, ticket, staff=True)
    assert reload(ticket).sla_next_response_state == due.State.BREACHED


def test_second_customer_message_keeps_the_running_next_response(world):
    ticket = make_ticket(world["customer"], world["type"])
    reply(world, ticket, staff=True)
    world["clock"].set(2026, 3, 2, 11)
    reply(world, ticket, staff=False)
    world["clock"].set(2026, 3, 2, 11, 30)
    reply(world, ticket, staff=False)
    assert reload(ticket).sla_next_response_due_at == berlin(2026, 3, 2, 12)


def test_waiting_for_the_customer_pauses_and_their_reply_resumes(world):
    ticket = make_ticket(world["customer"], world["type"])
    world["clock"].set(2026, 3, 2, 11)
    actions.reply_and_change(
        ticket,
        actor=world["agent"],
        changes={"status": waiting_status()},
        body_html="<p>Which printer?</p>",
    )
    paused = reload(ticket)
    assert paused.sla_resolution_state == due.State.PAUSED
    assert paused.sla_paused_at == berlin(2026, 3, 2, 11)
    assert paused.sla_next_due_at is None
    world["clock"].set(2026, 3, 4, 10)  # Wednesday
    reply(world, ticket, staff=False)
    resumed = reload(ticket)
    assert resumed.sla_paused_at is None
    assert resumed.sla_resolution_state == due.State.RUNNING
    # one hour spent on Monday, seven left from Wednesday 10:00
    assert resumed.sla_resolution_due_at == berlin(2026, 3, 4, 17)
    assert resumed.sla_resolution_seconds == HOUR
    assert resumed.sla_next_response_due_at == berlin(2026, 3, 4, 11)


def test_a_pause_across_a_holiday(clock):
    hardware = TicketTypeFactory(name="Hardware")
    calendar = office_calendar(dates=[datetime.date(2026, 3, 4)])
    office_policy(calendar)
    customer, agent = make_customer(hardware), make_agent(hardware)
    ticket = make_ticket(customer, hardware)
    clock.set(2026, 3, 2, 11)
    actions.change_ticket(ticket, actor=agent, status=waiting_status())
    clock.set(2026, 3, 4, 10)  # the holiday
    actions.change_ticket(ticket, actor=agent, status=Status.objects.default())
    ticket = reload(ticket)
    assert ticket.sla_resolution_state == due.State.RUNNING
    assert ticket.sla_resolution_due_at == berlin(2026, 3, 5, 16)


def test_status_back_to_us_resumes(world):
    ticket = make_ticket(world["customer"], world["type"])
    world["clock"].set(2026, 3, 2, 11)
    actions.change_ticket(ticket, actor=world["agent"], status=waiting_status())
    world["clock"].set(2026, 3, 3, 9)
    actions.change_ticket(ticket, actor=world["agent"], status=Status.objects.default())
    ticket = reload(ticket)
    # first response: one hour spent, one left from Tuesday 9:00
    assert ticket.sla_first_response_due_at == berlin(2026, 3, 3, 10)
    assert ticket.sla_next_due_at == berlin(2026, 3, 3, 10)


def test_a_target_breached_before_the_pause_keeps_its_due_time(world):
    ticket = make_ticket(world["customer"], world["type"])
    world["clock"].set(2026, 3, 2, 14)
    actions.change_ticket(ticket, actor=world["agent"], status=waiting_status())
    world["clock"].set(2026, 3, 3, 9)
    actions.change_ticket(ticket, actor=world["agent"], status=Status.objects.default())
    assert reload(ticket).sla_first_response_due_at == berlin(2026, 3, 2, 12)


def test_opening_in_a_waiting_status_starts_paused(world):
    ticket = actions.open_ticket(
        ticket_type=world["type"],
        subject="Call me",
        body_html="<p>x</p>",
        requester=world["customer"],
        actor=world["agent"],
        status=waiting_status(),
    )
    ticket = reload(ticket)
    assert ticket.sla_resolution_state == due.State.PAUSED
    assert ticket.sla_next_due_at is None


def test_agent_opening_for_a_customer_has_answered_already(world):
    ticket = actions.open_ticket(
        ticket_type=world["type"],
        subject="Phone call",
        body_html="<p>x</p>",
        requester=world["customer"],
        actor=world["agent"],
    )
    ticket = reload(ticket)
    assert ticket.sla_first_response_state == due.State.NONE
    assert ticket.sla_first_response_seconds == 0
    assert ticket.sla_next_due_target == "resolution"


def test_priority_change_moves_to_another_policy_keeping_spent_time(world):
    urgent = PriorityFactory(name="Urgent")
    office_policy(
        world["calendar"],
        name="Urgent",
        priority=urgent,
        first_response_minutes=90,
        sort_order=0,
    )
    world["policy"].sort_order = 1
    world["policy"].save()
    ticket = make_ticket(world["customer"], world["type"])
    assert reload(ticket).sla_first_response_due_at == berlin(2026, 3, 2, 12)
    world["clock"].set(2026, 3, 2, 11)
    actions.change_ticket(ticket, actor=world["agent"], priority=urgent)
    ticket = reload(ticket)
    assert ticket.sla_policy.name == "Urgent"
    assert ticket.sla_first_response_due_at == berlin(2026, 3, 2, 11, 30)
    assert ticket.sla_first_response_seconds == HOUR


def test_a_new_policy_already_exceeded_is_due_at_the_change(world):
    urgent = PriorityFactory(name="Urgent")
    office_policy(world["calendar"], name="Urgent", priority=urgent, first_response_minutes=30)
    world["policy"].sort_order = 5
    world["policy"].save()
    ticket = make_ticket(world["customer"], world["type"])
    world["clock"].set(2026, 3, 2, 11)
    actions.change_ticket(ticket, actor=world["agent"], priority=urgent)
    assert reload(ticket).sla_first_response_due_at == berlin(2026, 3, 2, 11)


def test_moving_to_a_type_without_policy_drops_the_limits_but_keeps_counting(world):
    other = TicketTypeFactory(name="Billing")
    world["policy"].ticket_type = world["type"]
    world["policy"].save()
    ticket = make_ticket(world["customer"], world["type"])
    world["clock"].set(2026, 3, 2, 11)
    actions.change_ticket(ticket, ticket_type=other)
    ticket = reload(ticket)
    assert ticket.sla_policy is None
    assert ticket.sla_first_response_due_at is None
    assert ticket.sla_first_response_state == due.State.RUNNING
    assert ticket.sla_next_due_at is None


def test_close_completes_and_reopen_resumes_the_resolution(world):
    ticket = make_ticket(world["customer"], world["type"])
    world["clock"].set(2026, 3, 2, 12)
    actions.close_ticket(ticket, actor=world["agent"])
    closed = reload(ticket)
    assert closed.sla_resolution_state == due.State.MET
    assert closed.sla_resolution_seconds == 2 * HOUR
    assert closed.sla_first_response_state == due.State.MET
    assert closed.sla_next_due_at is None
    world["clock"].set(2026, 3, 3, 9)
    actions.reopen_ticket(ticket, actor=world["agent"])
    reopened = reload(ticket)
    assert reopened.sla_resolution_state == due.State.RUNNING
    assert reopened.sla_resolution_due_at == berlin(2026, 3, 3, 15)


def test_status_change_to_closed_through_change_ticket(world):
    ticket = make_ticket(world["customer"], world["type"])
    world["clock"].set(2026, 3, 4, 12)
    actions.change_ticket(ticket, actor=world["agent"], status=closed_status())
    ticket = reload(ticket)
    assert ticket.sla_resolution_state == due.State.BREACHED
    assert ticket.sla_first_response_state == due.State.BREACHED


def test_without_policy_the_business_time_is_still_counted(clock):
    hardware = TicketTypeFactory(name="Hardware")
    customer, agent = make_customer(hardware), make_agent(hardware)
    ticket = make_ticket(customer, hardware)
    clock.set(2026, 3, 7, 10)  # the default calendar is 24/7
    reply({"agent": agent, "customer": customer}, ticket, staff=True)
    ticket = reload(ticket)
    assert ticket.sla_policy is None
    assert ticket.sla_first_response_state == due.State.NONE
    assert ticket.sla_first_response_seconds == 5 * 24 * HOUR
    assert ticket.sla_next_due_at is None


def test_customer_tier_policy_applies_to_its_records_only(clock):
    hardware = TicketTypeFactory(name="Hardware")
    calendar = office_calendar()
    acme, other = CompanyFactory(name="Acme"), CompanyFactory(name="Other")
    tier = CustomerTier.objects.create(name="Premium")
    tier.customers.add(acme)
    office_policy(calendar, name="Premium", customer_tier=tier, first_response_minutes=30)
    premium = make_ticket(make_customer(hardware, company=acme), hardware)
    normal = make_ticket(make_customer(hardware, company=other), hardware)
    assert reload(premium).sla_first_response_due_at == berlin(2026, 3, 2, 10, 30)
    assert reload(normal).sla_policy is None


def test_tickets_from_before_service_levels_are_backfilled_on_their_next_change(world):
    ticket = make_ticket(world["customer"], world["type"])
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_clock_at=None, sla_first_response_state="", sla_next_due_at=None
    )
    world["clock"].set(2026, 3, 2, 11)
    reply(world, reload(ticket), staff=False)
    ticket = reload(ticket)
    assert ticket.sla_first_response_state == due.State.RUNNING
    assert ticket.sla_first_response_seconds == HOUR
    assert ticket.sla_first_response_due_at == berlin(2026, 3, 2, 12)


def test_a_reply_costs_few_queries_for_service_levels(world, django_assert_max_num_queries):
    ticket = make_ticket(world["customer"], world["type"])
    reply(world, ticket, staff=True)  # warm the calendar cache
    world["clock"].set(2026, 3, 2, 11)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        reply(world, reload(ticket), staff=False)
    sla_queries = [q for q in queries if "slapolicy" in q["sql"] or "calendar" in q["sql"]]
    assert len(sla_queries) <= 2


def test_recompute_after_a_policy_edit_keeps_spent_time(world):
    ticket = make_ticket(world["customer"], world["type"])
    closed = make_ticket(world["customer"], world["type"], subject="Done")
    actions.close_ticket(closed, actor=world["agent"])
    world["clock"].set(2026, 3, 2, 11)
    world["policy"].first_response_minutes = 240
    world["policy"].save()
    out = io.StringIO()
    call_command("recompute_sla_due_times", "--batch-size", "1", stdout=out)
    assert "2 open ticket" in out.getvalue() or "1 open ticket" in out.getvalue()
    ticket = reload(ticket)
    assert ticket.sla_first_response_seconds == HOUR
    assert ticket.sla_first_response_due_at == berlin(2026, 3, 2, 14)
    assert reload(closed).sla_first_response_state == due.State.MET


def test_recompute_in_batches_reports_the_last_id(world):
    tickets = [make_ticket(world["customer"], world["type"]) for _n in range(3)]
    assert actions.recompute_sla(after=0, limit=2) == (2, tickets[1].pk)
    assert actions.recompute_sla(after=tickets[1].pk, limit=2) == (1, None)


def test_recompute_command_refuses_a_silly_batch_size(world):
    with pytest.raises(CommandError):
        call_command("recompute_sla_due_times", "--batch-size", "0")


def test_due_time_across_the_spring_clock_change_keeps_local_office_hours(world):
    world["clock"].set(2026, 3, 27, 16)  # Friday before the clocks go forward
    ticket = reload(make_ticket(world["customer"], world["type"]))
    # one hour on Friday, one on Monday from 9:00 local (07:00 UTC, summer time)
    assert ticket.sla_first_response_due_at == berlin(2026, 3, 30, 10)
    assert ticket.sla_first_response_due_at.astimezone(datetime.UTC).hour == 8
