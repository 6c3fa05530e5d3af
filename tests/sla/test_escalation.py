"""Escalation: a warning before a service-level target is breached and a mail at the breach,
to the assignee (else the type's agents) and the escalation addresses, through the outbox,
once per ticket and run of a target even with several workers."""

from __future__ import annotations

import datetime
import threading
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import PriorityFactory, TicketTypeFactory, UserFactory, grant, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.models import (
    OutgoingMail,
    PendingNotification,
    SlaEscalation,
    SlaPolicy,
    Ticket,
    TypePermission,
)
from wagtail_tickets.sla import escalation
from wagtail_tickets.tasks import SCHEDULES, escalate_sla

Level = TypePermission.Level
MINUTE = datetime.timedelta(minutes=1)
ANNA = "Anna Agent <anna@example.com>"
NOTHING = {"sent": 0, "skipped": 0, "dropped": 0}
ONE = {"sent": 1, "skipped": 0, "dropped": 0}


@pytest.fixture
def desk(db, settings):
    """A type with two agents and a policy of one hour to the first answer (24/7)."""
    settings.WAGTAIL_TICKETS = {"SLA_WARNING_PERCENT": 80}
    support = TicketTypeFactory(name="Support")
    carla = UserFactory(username="carla", first_name="Carla", email="carla@example.com")
    grant(carla, support, Level.WRITE, "Customers")
    anna = UserFactory(
        username="anna", first_name="Anna", last_name="Agent", email="anna@example.com"
    )
    bert = UserFactory(username="bert", first_name="Bert", email="bert@example.com")
    for agent in (anna, bert):
        grant(agent, support, Level.MANAGE, "Support team")
    policy = SlaPolicy.objects.create(
        name="Support", ticket_type=support, first_response_minutes=60
    )
    return SimpleNamespace(support=support, carla=carla, anna=anna, bert=bert, policy=policy)


def planned(ticket) -> set[tuple[str, str]]:
    return set(
        SlaEscalation.objects.filter(ticket=ticket, state="planned").values_list("target", "stage")
    )


def escalation_mail() -> list[OutgoingMail]:
    return list(OutgoingMail.objects.filter(kind="sla_escalation").order_by("pk"))


def test_a_new_ticket_plans_a_warning_at_80_percent_and_the_breach(desk):
    ticket = make_ticket(desk.carla, desk.support)
    ticket.refresh_from_db()
    due = ticket.sla_first_response_due_at
    assert due is not None
    rows = {row.stage: row for row in SlaEscalation.objects.filter(ticket=ticket)}
    assert set(rows) == {"warning", "breach"}
    assert rows["breach"].fire_at == due
    # 48 of the 60 business minutes (a 24/7 calendar), whatever second the ticket opened
    assert abs(rows["warning"].fire_at - (due - 12 * MINUTE)) <= datetime.timedelta(seconds=2)
    assert rows["warning"].started_at == ticket.sla_first_response_started_at


def test_warning_then_breach_reach_the_assignee_once(desk, django_capture_on_commit_callbacks):
    ticket = make_ticket(desk.carla, desk.support)
    actions.claim_ticket(ticket, actor=desk.anna)
    ticket.refresh_from_db()
    due = ticket.sla_first_response_due_at
    with django_capture_on_commit_callbacks(execute=True):
        assert escalation.escalate_due(now=due - 20 * MINUTE) == NOTHING
        assert escalation.escalate_due(now=due - 5 * MINUTE) == ONE
        assert escalation.escalate_due(now=due - 4 * MINUTE) == NOTHING
        assert escalation.escalate_due(now=due + MINUTE) == ONE
        assert escalation.escalate_due(now=due + 10 * MINUTE) == NOTHING
    warning, breach = escalation_mail()
    assert warning.to_list == breach.to_list == [ANNA]
    assert warning.subject.endswith("First response due soon: Printer on fire")
    assert "First response breached" in breach.subject
    assert "Due: " in breach.body_text and "Printer on fire" in breach.body_text
    assert breach.headers.get("Auto-Submitted") == "auto-generated"
    # the link is the ticket's workspace in the admin
    assert f"/{ticket.pk}/" in breach.body_text
    assert [m.to for m in mail.outbox if "First response" in m.subject] == [[ANNA]] * 2


def test_planning_again_never_sends_the_same_run_twice(desk, django_capture_on_commit_callbacks):
    ticket = make_ticket(desk.carla, desk.support)
    ticket.refresh_from_db()
    due = ticket.sla_first_response_due_at
    with django_capture_on_commit_callbacks(execute=True):
        escalation.escalate_due(now=due + MINUTE)
        # a change of the priority recomputes the due times and plans again
        actions.change_ticket(ticket, actor=desk.anna, priority=PriorityFactory(name="High"))
        ticket.refresh_from_db()
        assert planned(ticket) == set()
        assert escalation.escalate_due(now=due + 2 * MINUTE)["sent"] == 0
    assert len(escalation_mail()) == 1  # the breach; the warning was overtaken by it
    assert set(SlaEscalation.objects.values_list("stage", "state")) == {
        ("breach", "sent"),
        ("warning", "skipped"),
    }


def test_unassigned_tickets_tell_every_agent_of_the_type_and_the_escalation_list(
    desk, settings, django_capture_on_commit_callbacks
):
    outsider = UserFactory(username="olga", email="olga@example.com")  # no agent of Support
    settings.WAGTAIL_TICKETS = {
        "SLA_WARNING_PERCENT": 0,
        "SLA_ESCALATION_EMAILS": ["lead@example.com", "olga@example.com", "not an address"],
    }
    ticket = make_ticket(desk.carla, desk.support)
    ticket.refresh_from_db()
    assert planned(ticket) == {("first_response", "breach")}  # 0: no warning
    with django_capture_on_commit_callbacks(execute=True):
        escalation.escalate_due(now=ticket.sla_first_response_due_at)
    (breach,) = escalation_mail()
    recipients = sorted(address.split("<")[-1].rstrip(">") for address in breach.to_list)
    assert recipients == ["anna@example.com", "bert@example.com", "lead@example.com"]
    assert outsider.email not in breach.to + breach.cc
    assert "carla@example.com" not in breach.to + breach.cc


def test_a_target_met_in_time_sends_nothing(desk, django_capture_on_commit_callbacks):
    ticket = make_ticket(desk.carla, desk.support)
    ticket.refresh_from_db()
    due = ticket.sla_first_response_due_at
    actions.add_reply(ticket, actor=desk.anna, body_html="<p>On it</p>")
    ticket.refresh_from_db()
    assert ticket.sla_first_response_state == "met"
    assert planned(ticket) == set()
    with django_capture_on_commit_callbacks(execute=True):
        assert escalation.escalate_due(now=due + MINUTE)["sent"] == 0
    assert escalation_mail() == []


def test_a_row_that_no_longer_matches_the_ticket_is_dropped(desk):
    """Rows written by hand or left by an older version: the scan checks the ticket."""
    ticket = make_ticket(desk.carla, desk.support)
    ticket.refresh_from_db()
    due = ticket.sla_first_response_due_at
    SlaEscalation.objects.filter(ticket=ticket, stage="breach").update(
        due_at=due - 5 * MINUTE, fire_at=due - 5 * MINUTE
    )
    # the warning (due at 48 minutes) goes; the breach row that lies is dropped
    assert escalation.escalate_due(now=due - 4 * MINUTE) == {"sent": 1, "skipped": 0, "dropped": 1}
    assert not SlaEscalation.objects.filter(ticket=ticket, stage="breach").exists()
    (pending,) = PendingNotification.objects.filter(kind="escalated")
    assert pending.changes["sla_stage"] == ["", "warning"]


def test_the_scan_runs_a_constant_number_of_queries(desk, django_assert_max_num_queries):
    def scan_queries(count: int) -> int:
        tickets = [make_ticket(desk.carla, desk.support, subject=f"T{i}") for i in range(count)]
        due = Ticket.objects.get(pk=tickets[-1].pk).sla_first_response_due_at
        with CaptureQueriesContext(connection) as captured:
            result = escalation.escalate_due(now=due + MINUTE)
        # each ticket's breach is sent; its warning, overtaken by the breach, is skipped
        assert result == {"sent": count, "skipped": count, "dropped": 0}
        return len(captured.captured_queries)

    assert scan_queries(1) == scan_queries(15) <= 8
    with django_assert_max_num_queries(3):  # nothing due: one read (and the savepoint)
        escalation.escalate_due(now=timezone.now())


def test_the_mail_kind_renders_its_variables(desk, django_capture_on_commit_callbacks):
    from wagtail_tickets.notifications.events import Event, EventKind, get_notifier

    ticket = make_ticket(desk.carla, desk.support)
    ticket.refresh_from_db()
    event = Event(
        EventKind.ESCALATED,
        ticket,
        changes={"sla_target": ("", "first_response"), "sla_stage": ("", "warning")},
    )
    values = get_notifier().variables(event, link="https://example.com/x")
    assert values["sla:target"] == "First response"
    assert values["sla:state"] == "due soon"
    assert values["sla:due"] and values["sla:due"] == values["ticket:due"]
    hostile = Event(EventKind.ESCALATED, ticket, changes={"sla_target": ("", "{MESSAGE}")})
    values = get_notifier().variables(hostile, link="")
    assert values["sla:target"] == values["sla:state"] == values["sla:due"] == ""


def test_the_schedule_runs_the_scan_every_minute(desk):
    assert (
        "wagtail_tickets: service level escalation",
        "wagtail_tickets.tasks.escalate_sla",
        1,
    ) in SCHEDULES
    assert escalate_sla() == "service levels: 0 escalations queued, 0 skipped, 0 dropped"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_send_each_escalation_once(settings):
    """Two threads, each on its own connection, scan the same due rows at the same moment:
    every row is queued by exactly one of them."""
    assert connection.vendor == "postgresql"
    settings.WAGTAIL_TICKETS = {"SLA_WARNING_PERCENT": 50}
    support = TicketTypeFactory(name="Race")
    carla = UserFactory(username="racer", email="racer@example.com")
    grant(carla, support, Level.WRITE, "Race customers")
    SlaPolicy.objects.create(name="Race", ticket_type=support, first_response_minutes=30)
    tickets = [make_ticket(carla, support, subject=f"Race {i}") for i in range(30)]
    rows = SlaEscalation.objects.filter(ticket__in=tickets)
    assert rows.count() == 60
    # every warning is due (after 15 of the 30 minutes), no breach yet
    moment = max(rows.filter(stage="warning").values_list("fire_at", flat=True))
    expected = rows.filter(fire_at__lte=moment).count()
    assert expected == 30
    start = threading.Barrier(2)
    results: list[dict] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker():
        try:
            start.wait(timeout=30)
            result = escalation.escalate_due(now=moment, limit=100)
            with lock:
                results.append(result)
        except BaseException as exc:  # reported below
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(result["sent"] for result in results) == expected
    pending = PendingNotification.objects.filter(kind="escalated")
    assert pending.count() == expected
    assert pending.values("ticket_id").distinct().count() == expected
    assert rows.filter(state="sent").count() == expected
    assert not rows.filter(state="planned", fire_at__lte=moment).exists()
    assert timezone.now()  # the connection still answers
