"""The reports' extra connections (``reports.queries.Session``, PostgreSQL): they read the
snapshot of the page's own transaction, so the numbers agree with one another and with a
report read on one connection."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.factories import TicketTypeFactory, UserFactory, make_agent, make_ticket
from wagtail_tickets import actions, permissions
from wagtail_tickets.admin.reports import queries as report_queries
from wagtail_tickets.admin.reports import sla as sla_numbers
from wagtail_tickets.admin.reports.queries import Period, analytics
from wagtail_tickets.models import Ticket

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def open_ticket_elsewhere(kind) -> None:
    """Commit a ticket from another connection (another thread)."""

    def work():
        try:
            with transaction.atomic():
                make_ticket(UserFactory(), kind, subject="Arrived during the report")
        finally:
            connections["default"].close()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()


def test_parts_run_on_their_own_connections_in_one_snapshot():
    kind = TicketTypeFactory()
    make_ticket(UserFactory(), kind)
    with analytics() as session:
        assert session.workers == 2
        before = Ticket.objects.count()
        open_ticket_elsewhere(kind)
        both_running = threading.Barrier(2, timeout=10)

        def part():
            both_running.wait()  # so neither connection does both parts
            return backend_pid(), Ticket.objects.count()

        (pid_a, seen_a), (pid_b, seen_b) = session.together(part, part)
    assert pid_a != pid_b and backend_pid() in (pid_a, pid_b)
    # the ticket committed meanwhile is in no part of this report
    assert before == seen_a == seen_b == 1
    assert Ticket.objects.count() == 2


def test_side_by_side_gives_the_report_of_one_connection(settings):
    kind = TicketTypeFactory()
    agent = make_agent(kind, username="ann")
    for hours in ("1.50", "0.25"):
        ticket = make_ticket(UserFactory(), kind)
        actions.add_reply(ticket, actor=agent, body_html="<p>done</p>", hours=Decimal(hours))
    actions.close_ticket(ticket, actor=agent)
    today = datetime.date.today()
    period = Period(today - datetime.timedelta(days=29), today + datetime.timedelta(days=1))
    tickets = permissions.agent_tickets(agent)
    with analytics() as session:
        assert session.workers == 2
        together = report_queries.build(tickets, period, session)
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "REPORT_CONNECTIONS": 1}
    with analytics() as session:
        assert session.workers == 1
        alone = report_queries.build(tickets, period, session)
    assert together == alone
    assert together.totals["opened"] == 2 and together.totals["closed"] == 1
    assert together.totals["hours"] == Decimal("1.75")


def test_service_levels_side_by_side_give_the_numbers_of_one_connection(settings):
    kind = TicketTypeFactory()
    agent = make_agent(kind, username="ann")
    answered = timezone.now()
    for seconds in (600, 1800, 3600):
        ticket = make_ticket(UserFactory(), kind)
        Ticket.objects.filter(pk=ticket.pk).update(
            first_response_at=answered, sla_first_response_seconds=seconds
        )
    today = datetime.date.today()
    period = Period(today - datetime.timedelta(days=29), today + datetime.timedelta(days=1))
    tickets = permissions.agent_tickets(agent)
    with analytics() as session:
        assert session.workers == 2
        together = sla_numbers.build(tickets, period, session=session)
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "REPORT_CONNECTIONS": 1}
    with analytics() as session:
        assert session.workers == 1
        alone = sla_numbers.build(tickets, period, session=session)
    assert together == alone
    assert together.medians == {"first_response": 1800.0, "resolution": None}
    assert together.totals.durations["first_response"].count == 3


def test_inside_an_open_transaction_the_report_stays_on_its_connection():
    with transaction.atomic():
        with analytics() as session:
            assert session.workers == 1
            assert session.together(backend_pid, backend_pid) == [backend_pid()] * 2


def test_a_connection_that_cannot_share_the_snapshot_leaves_the_parts_to_ours(caplog):
    kind = TicketTypeFactory()
    make_ticket(UserFactory(), kind)
    with analytics() as session:
        session.snapshot = "00000003-0000001B-1"  # no such snapshot
        pids = session.together(backend_pid, backend_pid, backend_pid)
    assert set(pids) == {backend_pid()}
    assert "could not share the snapshot" in caplog.text
