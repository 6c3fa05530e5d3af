"""The reports' service levels: attainment per type, priority and agent and the business
time to first response and resolution, computed in the database from what ``actions``
stored on the tickets. Runs on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import (
    PriorityFactory,
    TicketTypeFactory,
    make_admin_agent,
    make_customer,
    make_ticket,
)
from wagtail_tickets import actions
from wagtail_tickets.admin.reports import sla
from wagtail_tickets.admin.reports.queries import Period, last_days
from wagtail_tickets.models import Ticket

pytestmark = pytest.mark.django_db

URL = "/admin/ticket-reports/"
HOUR = datetime.timedelta(hours=1)


def stored(ticket, **fields) -> None:
    """What ``actions`` would have stored: the tests set it directly to know the sums."""
    Ticket.objects.filter(pk=ticket.pk).update(**fields)


@pytest.fixture
def team(db):
    hardware = TicketTypeFactory(name="Hardware")
    billing = TicketTypeFactory(name="Billing")
    urgent = PriorityFactory(name="Urgent", sort_order=0)
    customer = make_customer(hardware, billing, username="carla")
    ann = make_admin_agent(hardware, billing, username="ann", first_name="Ann", last_name="A")
    bob = make_admin_agent(hardware, username="bob", first_name="Bob", last_name="B")
    now = timezone.now()
    met = make_ticket(customer, hardware, subject="met")
    actions.close_ticket(met)
    stored(
        met,
        assignee=ann,
        priority=urgent,
        first_response_at=now,
        sla_first_response_state="met",
        sla_first_response_seconds=600,
        sla_resolution_state="met",
        sla_resolution_seconds=3_600,
    )
    late = make_ticket(customer, hardware, subject="late")
    stored(
        late,
        assignee=bob,
        first_response_at=now,
        sla_first_response_state="breached",
        sla_first_response_seconds=7_200,
    )
    running_late = make_ticket(customer, billing, subject="running late")
    stored(
        running_late,
        sla_first_response_state="running",
        sla_first_response_due_at=now - HOUR,
    )
    undecided = make_ticket(customer, billing, subject="undecided")
    stored(
        undecided,
        assignee=ann,
        sla_first_response_state="running",
        sla_first_response_due_at=now + HOUR,
    )
    return {"hardware": hardware, "billing": billing, "ann": ann, "bob": bob, "urgent": urgent}


def period() -> Period:
    return Period(*last_days(timezone.localdate(), 30))


def by_name(rows) -> dict[str, sla.SlaRow]:
    return {row.name: row for row in rows}


def test_attainment_per_type_priority_and_agent(team):
    report = sla.build(Ticket.objects.all(), period())
    first = "first_response"
    assert (report.totals.targets[first].met, report.totals.targets[first].missed) == (1, 2)
    assert report.totals.targets["resolution"].percent == 100
    assert report.totals.targets["next_response"].decided == 0
    types = by_name(report.per_type)
    assert types["Hardware"].targets[first].percent == 50
    assert types["Billing"].targets[first].met == 0
    assert types["Billing"].targets[first].missed == 1  # still running past its due time
    priorities = by_name(report.per_priority)
    assert priorities["Urgent"].targets[first].percent == 100
    default = Ticket.objects.get(subject="late").priority  # what opening a ticket gives
    assert priorities[default.label if default else "No priority"].targets[first].missed == 2
    agents = by_name(report.per_agent)
    assert agents["Ann A"].targets[first].decided == 1  # the undecided ticket counts not
    assert agents["Bob B"].targets[first].percent == 0
    assert agents["Unassigned"].targets[first].missed == 1
    assert [row.name for row in report.per_agent][-1] == "Unassigned"


def test_business_time_to_first_response_and_resolution(team):
    report = sla.build(Ticket.objects.all(), period())
    assert report.totals.durations["first_response"].average == 3_900
    assert report.totals.first_response_average == "1 h 5 min"
    assert report.medians["first_response"] == 3_900
    assert report.totals.resolution_average == "1 h 0 min"
    assert report.resolution_median == "1 h 0 min"
    assert sla.business_hours(None) == "–"
    assert sla.business_hours(59) == "0 min"
    assert sla.business_hours(200 * 3600) == "200 h 0 min"  # no days: a business day is not 24 h


def test_tickets_opened_before_the_period_count_not(team):
    Ticket.objects.update(created_at=timezone.now() - datetime.timedelta(days=90))
    report = sla.build(Ticket.objects.all(), period())
    assert report.per_type == report.per_agent == report.per_priority == []
    assert report.totals.first_response_average == "–"


def test_the_reports_page_shows_the_service_levels(client, team):
    client.force_login(team["ann"])
    page = client.get(URL).content.decode()
    assert "Service levels per type" in page
    assert "50 % (1 of 2)" in page  # Hardware's first response
    # the summary card: the share big, the count beneath it (it wraps in a narrow card)
    assert (
        '<dt>First response</dt><dd>33 %<span class="w-sr-only">, </span>'
        '<span class="wt-reports__share">1 of 3 in time</span>'
    ) in page
    assert "Service levels per agent" in page


def test_an_agent_sees_the_numbers_of_their_types_only(client, team):
    client.force_login(team["bob"])  # Hardware only
    response = client.get(URL)
    rows = by_name(response.context["sla"].per_type)
    assert set(rows) == {"Hardware"}


def test_the_queries_do_not_grow_with_tickets(client, team, django_assert_max_num_queries):
    client.force_login(team["ann"])
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"period": "12m"})
    customer = Ticket.objects.first().requester
    for n in range(25):
        ticket = make_ticket(customer, team["billing"], subject=f"Bulk {n}")
        stored(ticket, sla_first_response_state="met", sla_first_response_seconds=n)
    with django_assert_max_num_queries(len(few)):
        client.get(URL, {"period": "12m"})


@pytest.mark.parametrize(
    "params",
    [
        {"period": "custom", "start": "2026-13-45", "end": "x"},
        {"period": "'; DROP TABLE wagtail_tickets_ticket; --"},
        {"granularity": "<script>", "period": "12m"},
    ],
)
def test_hostile_period_values_answer_without_an_error(client, team, params):
    client.force_login(team["ann"])
    response = client.get(URL, params)
    assert response.status_code == 200
    assert "Service levels" in response.content.decode()
