"""The service levels on the agents' screens and the customers' forms: the inbox's "Next
due" column with its badge, the "breached" and "due within the hour" filters and the sort;
the workspace's targets; the dashboard's count of breaches; the expected first answer on
the new-ticket forms."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    TicketTypeFactory,
    grant,
    make_admin_agent,
    make_customer,
    make_ticket,
)
from wagtail_tickets import actions
from wagtail_tickets.admin import dashboard
from wagtail_tickets.models import SlaPolicy, Status, Ticket, TypePermission

pytestmark = pytest.mark.django_db

INBOX = "wagtail_tickets_inbox:index"
RESULTS = "wagtail_tickets_inbox:index_results"
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def desk(db):
    hardware = TicketTypeFactory(name="Hardware")
    SlaPolicy.objects.create(
        name="Hardware", ticket_type=hardware, first_response_minutes=240, resolution_minutes=2400
    )
    customer = make_customer(hardware, username="carla", first_name="Carla")
    ann = make_admin_agent(hardware, username="ann", first_name="Ann", last_name="Agent")
    return {"hardware": hardware, "customer": customer, "ann": ann}


def due_in(ticket, delta: datetime.timedelta) -> Ticket:
    """Move a ticket's first response so that it falls due ``delta`` from now (as if it
    was opened earlier)."""
    due = timezone.now() + delta
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_first_response_due_at=due, sla_next_due_at=due, sla_next_due_target="first_response"
    )
    return Ticket.objects.get(pk=ticket.pk)


def numbers(response) -> list[str]:
    return [ticket.number for ticket in response.context["object_list"]]


@pytest.fixture
def three(desk):
    c, t = desk["customer"], desk["hardware"]
    late = due_in(make_ticket(c, t, subject="Late one"), -HOUR)
    soon = due_in(make_ticket(c, t, subject="Soon one"), 20 * MINUTE)
    calm = make_ticket(c, t, subject="Calm one")  # due in four hours
    return late, soon, calm


def test_the_column_shows_the_next_target_and_a_badge_in_words(client, desk, three):
    client.force_login(desk["ann"])
    html = client.get(reverse(INBOX)).content.decode()
    assert "Next due" in html
    assert html.count('wt-sla-badge--breached">Breached</span>') == 1
    assert html.count('wt-sla-badge--soon">Due soon</span>') == 1
    assert html.count('<div class="wt-sla__target">First response</div>') == 3


def test_filters_breached_and_due_within_the_hour(client, desk, three):
    late, soon, calm = three
    client.force_login(desk["ann"])
    assert numbers(client.get(reverse(INBOX), {"sla": "breached"})) == [late.number]
    assert numbers(client.get(reverse(INBOX), {"sla": "hour"})) == [soon.number]
    actions.close_ticket(late)
    assert numbers(client.get(reverse(INBOX), {"sla": "breached"})) == []


def test_sorting_by_next_due_puts_tickets_without_a_target_last(client, desk, three):
    late, soon, calm = three
    paused = make_ticket(desk["customer"], desk["hardware"], subject="Waiting")
    waiting = Status.objects.create(name="Waiting on you", waits_for_customer=True)
    actions.change_ticket(paused, actor=desk["ann"], status=waiting)
    assert Ticket.objects.get(pk=paused.pk).sla_next_due_at is None
    client.force_login(desk["ann"])
    ascending = numbers(client.get(reverse(INBOX), {"ordering": "sla_next_due_at"}))
    assert ascending == [late.number, soon.number, calm.number, paused.number]
    descending = numbers(client.get(reverse(INBOX), {"ordering": "-sla_next_due_at"}))
    assert descending == [calm.number, soon.number, late.number, paused.number]
    page = client.get(reverse(INBOX), {"sla": "", "ordering": "sla_next_due_at"})
    assert 'wt-sla-badge--paused">Paused</span>' in page.content.decode()


@pytest.mark.parametrize(
    "value",
    ["overdue", "<script>alert(1)</script>", "'; DROP TABLE x; --", "1" * 5000, "\x00", "hour\n"],
)
def test_hostile_filter_values_answer_with_the_unfiltered_form_not_an_error(
    client, desk, three, value
):
    client.force_login(desk["ann"])
    response = client.get(reverse(INBOX), {"sla": value, "ordering": "sla_next_due_at"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_the_column_costs_no_query_per_ticket(client, desk, django_assert_max_num_queries):
    c, t = desk["customer"], desk["hardware"]
    for n in range(3):
        due_in(make_ticket(c, t, subject=f"Few {n}"), (n - 1) * HOUR)
    client.force_login(desk["ann"])
    params = {"sla": "breached", "ordering": "sla_next_due_at"}
    client.get(reverse(RESULTS), params)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(RESULTS), params)
    for n in range(40):
        due_in(make_ticket(c, t, subject=f"Many {n}"), -(n + 1) * MINUTE)
    with django_assert_max_num_queries(len(few.captured_queries) + 1):  # +1: the count
        response = client.get(reverse(RESULTS), params)
    assert response.context["paginator"].count == 42  # the one due "now" is breached too


def test_the_workspace_shows_each_target_with_its_due_time_and_state(client, desk):
    ticket = make_ticket(desk["customer"], desk["hardware"])
    ticket = due_in(ticket, -HOUR)
    client.force_login(desk["ann"])
    html = client.get(reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])).content.decode()
    assert 'aria-label="Service levels"' in html
    assert "<strong>First response</strong>" in html
    assert 'wt-sla-badge--breached">Breached</span>' in html
    assert "<strong>Resolution</strong>" in html
    assert 'wt-sla-badge--running">On time</span>' in html
    # the business time it counted decides: the moved due time alone made it look late
    actions.add_reply(ticket, actor=desk["ann"], body_html="<p>Here you are</p>")
    html = client.get(reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])).content.decode()
    assert 'wt-sla-badge--met">Met</span>' in html
    Ticket.objects.filter(pk=ticket.pk).update(sla_first_response_state="breached")
    html = client.get(reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])).content.decode()
    assert 'wt-sla-badge--missed">Missed</span>' in html


def test_the_dashboard_counts_breaches_in_the_database(rf, desk, three):
    request = rf.get("/admin/")
    request.user = desk["ann"]
    panel = dashboard.dashboard_panel(request)
    with CaptureQueriesContext(connection) as queries:
        context = panel.get_context_data({"request": request})
    groups = {group["name"]: group for group in context["groups"]}
    assert groups["breached"]["count"] == 1
    assert [t.subject for t, _url in groups["breached"]["rows"]] == ["Late one"]
    assert groups["breached"]["url"].endswith("?sla=breached&ordering=sla_next_due_at")
    # the counts are one query for all counters, whatever their number
    counting = [q for q in queries.captured_queries if "COUNT" in q["sql"].upper()]
    assert len(counting) == 1


def test_new_ticket_forms_say_when_we_usually_answer(client, desk):
    client.force_login(desk["customer"])
    html = client.get(reverse("wagtail_tickets:create")).content.decode()
    assert "We usually answer within 4 business hours." in html
    other = TicketTypeFactory(name="Questions")
    grant(desk["customer"], other, TypePermission.Level.WRITE, "Customers")
    SlaPolicy.objects.create(name="Questions", ticket_type=other, first_response_minutes=90)
    html = client.get(reverse("wagtail_tickets:create")).content.decode()
    assert "We usually answer within:" in html
    assert "Questions: 1 business hour and 30 min" in html


def test_no_sentence_without_a_first_response_target(client, desk):
    SlaPolicy.objects.update(first_response_minutes=None)
    client.force_login(desk["customer"])
    html = client.get(reverse("wagtail_tickets:create")).content.decode()
    assert "We usually answer" not in html
