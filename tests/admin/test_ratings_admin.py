"""Ratings for agents: the workspace shows a ticket's rating, the inbox filters by it (with a
constant number of queries), and the reports give the share of good ratings per agent,
type and period with the comments a page at a time, computed in the database."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import TicketTypeFactory, make_admin_agent, make_customer, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.admin.reports import ratings as rating_numbers
from wagtail_tickets.admin.reports.queries import Period
from wagtail_tickets.models import Rating, Ticket

pytestmark = pytest.mark.django_db

INBOX = "wagtail_tickets_inbox:index"
REPORTS = "wagtail_tickets_reports:index"


@pytest.fixture
def team():
    hardware = TicketTypeFactory(name="Hardware")
    billing = TicketTypeFactory(name="Billing")
    customer = make_customer(hardware, billing, username="carla")
    ann = make_admin_agent(hardware, billing, username="ann", first_name="Ann", last_name="Agent")
    bob = make_admin_agent(hardware, username="bob", first_name="Bob", last_name="Builder")
    return {"hardware": hardware, "billing": billing, "customer": customer, "ann": ann, "bob": bob}


def rated(team, score, *, agent, ticket_type=None, comment="", subject="Rated"):
    """A closed ticket of ``agent`` with the customer's rating (through the action)."""
    ticket = make_ticket(team["customer"], ticket_type or team["hardware"], subject=subject)
    actions.change_ticket(ticket, actor=agent, assignee=agent)
    actions.close_ticket(ticket, actor=agent)
    ticket.refresh_from_db()
    actions.rate_ticket(ticket, score=score, comment=comment, via="mail_link")
    return ticket


def this_month() -> Period:
    today = timezone.localdate()
    return Period(today - datetime.timedelta(days=29), today, "day")


# --- workspace ------------------------------------------------------------------------------


def test_the_workspace_shows_the_rating_and_its_comment_escaped(client, team):
    ticket = rated(team, "bad", agent=team["ann"], comment="<img src=x onerror=alert(1)>Slow")
    client.force_login(team["ann"])
    html = client.get(reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])).content.decode()
    assert 'data-wt-rating="bad"' in html and "Customer rating" in html
    assert "&lt;img src=x onerror=alert(1)&gt;Slow" in html
    assert "<img src=x" not in html


def test_an_unrated_ticket_shows_no_rating_panel(client, team):
    ticket = make_ticket(team["customer"], team["hardware"])
    client.force_login(team["ann"])
    html = client.get(reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])).content.decode()
    assert "Customer rating" not in html


def test_the_type_form_offers_asking_for_ratings(client, team, admin_user):
    client.force_login(admin_user)
    url = reverse("wagtail_tickets_types:edit", args=[team["hardware"].pk])
    assert 'name="asks_for_rating"' in client.get(url).content.decode()


# --- inbox filter ----------------------------------------------------------------------------


def inbox_numbers(client, **params) -> set[str]:
    response = client.get(reverse(INBOX), params)
    assert response.status_code == 200
    return {ticket.number for ticket in response.context["object_list"]}


def test_the_inbox_filters_by_rating(client, team):
    good = rated(team, "good", agent=team["ann"])
    bad = rated(team, "bad", agent=team["ann"])
    unrated = make_ticket(team["customer"], team["hardware"])
    actions.close_ticket(unrated, actor=team["ann"])
    still_open = make_ticket(team["customer"], team["hardware"])
    client.force_login(team["ann"])
    assert inbox_numbers(client, rating="good") == {good.number}
    assert inbox_numbers(client, rating="bad") == {bad.number}
    assert inbox_numbers(client, rating="okay") == set()
    assert inbox_numbers(client, rating="none") == {unrated.number}
    everything = inbox_numbers(client, rating="")
    assert {good.number, bad.number, unrated.number, still_open.number} <= everything
    response = client.get(reverse(INBOX), {"rating": "<script>"})
    assert response.status_code == 200  # a filter error, not a failure


def _count_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(INBOX), params)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_rating_filter_runs_a_constant_number_of_queries(client, team):
    client.force_login(team["ann"])
    for index in range(3):
        rated(team, "good", agent=team["ann"], subject=f"First {index}")
    _count_queries(client, {"rating": "good"})  # the session keeps the view
    few = _count_queries(client, {"rating": "good"})
    for index in range(25):
        rated(team, "good", agent=team["ann"], subject=f"More {index}")
    many = _count_queries(client, {"rating": "good"})
    assert many <= few + 1  # a first page holding every match needs no count
    assert Ticket.objects.filter(rating__score="good").count() == 28


# --- reports ---------------------------------------------------------------------------------


def test_the_share_of_good_ratings_per_agent_type_and_period(team):
    rated(team, "good", agent=team["ann"])
    rated(team, "good", agent=team["ann"], ticket_type=team["billing"])
    rated(team, "bad", agent=team["ann"], comment="Took a week")
    rated(team, "okay", agent=team["bob"])
    report = rating_numbers.build(Ticket.objects.all(), this_month())
    totals = report.totals
    assert (totals.good, totals.okay, totals.bad, totals.total) == (2, 1, 1, 4)
    assert totals.good_percent == 50
    per_agent = {row.name: (row.good, row.okay, row.bad) for row in report.per_agent}
    assert per_agent == {"Ann Agent": (2, 0, 1), "Bob Builder": (0, 1, 0)}
    per_type = {row.name: round(row.good_percent) for row in report.per_type}
    assert per_type == {"Hardware": 33, "Billing": 100}
    today = [row for row in report.per_bucket if row.key == timezone.localdate()]
    assert today[0].total == 4
    assert sum(row.total for row in report.per_bucket) == 4


def test_ratings_outside_the_period_or_the_agents_types_are_not_counted(team):
    old = rated(team, "bad", agent=team["ann"])
    Rating.objects.filter(ticket=old).update(
        updated_at=timezone.now() - datetime.timedelta(days=90)
    )
    rated(team, "good", agent=team["ann"], ticket_type=team["billing"])
    rated(team, "good", agent=team["bob"])
    from wagtail_tickets import permissions

    bobs = permissions.agent_tickets(team["bob"])  # Hardware only
    report = rating_numbers.build(bobs, this_month())
    assert (report.totals.good, report.totals.bad) == (1, 0)


def test_the_reports_page_shows_the_figures_and_comments(
    client, team, django_assert_max_num_queries
):
    rated(team, "good", agent=team["ann"], comment="Very <b>helpful</b>")
    rated(team, "bad", agent=team["bob"])
    client.force_login(team["ann"])
    response = client.get(reverse(REPORTS))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-wt-good-percent="50"' in html
    assert "Customer satisfaction" in html and "Ratings per agent" in html
    assert "Very &lt;b&gt;helpful&lt;/b&gt;" in html and "<b>helpful</b>" not in html


def test_comments_are_paginated_newest_first(client, team):
    for index in range(rating_numbers.COMMENTS_PER_PAGE + 3):
        rated(team, "okay", agent=team["ann"], comment=f"Comment number {index}")
    rated(team, "good", agent=team["ann"])  # no comment: not listed
    page = rating_numbers.comments(Ticket.objects.all(), this_month(), None)
    assert len(page) == rating_numbers.COMMENTS_PER_PAGE and page.has_next()
    second = rating_numbers.comments(Ticket.objects.all(), this_month(), "2")
    assert len(second) == 3 and not second.has_next()
    assert page.object_list[0]["comment"].startswith("Comment number")
    client.force_login(team["ann"])
    html = client.get(reverse(REPORTS), {"comments_page": "2"}).content.decode()
    assert "Comment number 0" in html  # the oldest, on the last page
    for hostile in ("-1", "abc", "99999999", "1e9"):
        assert client.get(reverse(REPORTS), {"comments_page": hostile}).status_code == 200


def test_the_reports_page_runs_the_same_queries_for_few_and_many_ratings(client, team):
    client.force_login(team["ann"])
    rated(team, "good", agent=team["ann"], comment="one")
    client.get(reverse(REPORTS))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(REPORTS))
    for index in range(30):
        rated(team, "bad" if index % 3 else "good", agent=team["bob"], comment=f"c{index}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(REPORTS))
    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
