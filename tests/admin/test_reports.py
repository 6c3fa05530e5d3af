"""Reports: numbers, permissions, the period form, charts, CSV, query bounds.

Runs on SQLite (median by ORDER BY + OFFSET) and on PostgreSQL (percentile_cont) alike:
``DATABASE_URL=postgres://... pytest tests/admin/test_reports.py``.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    CompanyFactory,
    RateFactory,
    UserFactory,
    admin_access,
    make_admin_agent,
    make_ticket,
)
from wagtail_tickets import actions, permissions
from wagtail_tickets.admin.reports import charts, queries
from wagtail_tickets.admin.reports import views as reports
from wagtail_tickets.admin.reports.queries import Period
from wagtail_tickets.models import Ticket

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
URL = "/admin/ticket-reports/"
CSV_URL = "/admin/ticket-reports/time-spent.csv"


def noon(days_ago: int) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def span(start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
    """Elapsed time (Python subtracts wall clocks when both sides share a time zone)."""
    return end.astimezone(datetime.UTC) - start.astimezone(datetime.UTC)


def shape(ticket, *, created, first_response=None, closed=None, target_date=None, assignee=None):
    """Put a ticket's timestamps (and assignee) where the test needs them."""
    if closed is not None:
        actions.close_ticket(ticket)
    values = {"created_at": created, "first_response_at": first_response}
    if closed is not None:
        values["closed_at"] = closed
    if target_date is not None:
        values["target_date"] = target_date
    if assignee is not None:
        values["assignee"] = assignee
    Ticket.objects.filter(pk=ticket.pk).update(**values)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def world(hardware_team):
    hardware, billing = hardware_team["hardware"], hardware_team["billing"]
    customer, ann, bob = hardware_team["customer"], hardware_team["ann"], hardware_team["bob"]
    CompanyFactory(name="Acme").users.add(customer)
    billing_agent = make_admin_agent(billing, username="bill", first_name="Bill", last_name="Ing")
    standard = RateFactory(name="Standard", value=Decimal("80.00"))

    t1 = make_ticket(customer, hardware, subject="T1 closed quickly")
    t2 = make_ticket(customer, hardware, subject="T2 open with ann")
    t3 = make_ticket(customer, hardware, subject="T3 unassigned overdue")
    t4 = make_ticket(customer, hardware, subject="T4 old, closed lately")
    t5 = make_ticket(customer, hardware, subject="T5 open with bob")
    b1 = make_ticket(customer, billing, subject="Billing secret")

    actions.add_reply(t2, actor=ann, body_html="<p>On it</p>", hours=Decimal("1.5"), rate=standard)
    actions.add_reply(t2, actor=ann, body_html="<p>More</p>", hours=Decimal("0.5"))
    actions.add_reply(t5, actor=bob, body_html="<p>Done</p>", hours=Decimal("2"), rate=standard)
    actions.add_reply(b1, actor=billing_agent, body_html="<p>x</p>", hours=Decimal("3"))

    shape(t1, created=noon(10), first_response=noon(10) + HOUR, closed=noon(8), assignee=ann)
    shape(t2, created=noon(5), first_response=noon(5) + 2 * HOUR, assignee=ann)
    shape(
        t3,
        created=noon(3),
        first_response=noon(3) + 6 * HOUR,
        target_date=timezone.localdate() - DAY,
    )
    shape(t4, created=noon(40), closed=noon(2), assignee=bob)
    shape(t5, created=noon(2), assignee=bob)
    shape(
        b1,
        created=noon(4),
        first_response=noon(4) + 100 * HOUR,
        closed=noon(1),
        assignee=billing_agent,
    )
    return {
        "hardware": hardware,
        "billing": billing,
        "customer": customer,
        "ann": ann,
        "bob": bob,
        "billing_agent": billing_agent,
        "standard": standard,
        "tickets": [t1, t2, t3, t4, t5],
        "b1": b1,
    }


def last_30_days() -> Period:
    today = timezone.localdate()
    return Period(today - 29 * DAY, today, "day")


def visible(user):
    return permissions.agent_tickets(user)


def report(user, period: Period) -> queries.Report:
    """The numbers of the reports page for ``user``: what the page calls."""
    return queries.build(visible(user), period)


# ------------------------------------------------------------------ numbers


def test_totals_cover_only_the_managed_types(world):
    totals = report(world["ann"], last_30_days()).totals
    assert totals == {
        "opened": 4,
        "closed": 2,
        "open_now": 3,
        "unassigned": 1,
        "overdue": 1,
        "hours": Decimal("4.00"),
    }
    billing = report(world["billing_agent"], last_30_days()).totals
    assert (billing["opened"], billing["closed"], billing["hours"]) == (1, 1, Decimal("3.00"))


def test_first_response_average_and_median(world):
    result = report(world["ann"], last_30_days()).first_response
    assert result.count == 3
    assert result.average == 3 * HOUR  # (1 + 2 + 6) / 3
    assert result.median == 2 * HOUR


def test_resolution_average_and_median_of_an_even_count(world):
    result = report(world["ann"], last_30_days()).resolution
    assert result.count == 2  # T1 (2 days) and T4 (38 days), both closed in the period
    # computed from the datetimes: a daylight saving change may lie in between
    expected = (span(noon(10), noon(8)) + span(noon(40), noon(2))) / 2
    assert result.average == expected
    assert result.median == expected


def test_durations_of_nothing_are_empty(world):
    period = Period(timezone.localdate() - 400 * DAY, timezone.localdate() - 399 * DAY)
    result = report(world["ann"], period).resolution
    assert (result.count, result.average, result.median) == (0, None, None)


def test_over_time_per_day(world):
    today = timezone.localdate()
    period = Period(today - 10 * DAY, today, "day")
    buckets = report(world["ann"], period).buckets
    assert len(buckets) == 11
    by_day = {b.day: (b.opened, b.closed) for b in buckets}
    assert by_day[today - 10 * DAY] == (1, 0)
    assert by_day[today - 8 * DAY] == (0, 1)
    assert by_day[today - 2 * DAY] == (1, 1)  # T5 opened, T4 closed
    assert sum(b.opened for b in buckets) == 4
    assert sum(b.closed for b in buckets) == 2


def test_over_time_per_month_and_week(world):
    today = timezone.localdate()
    months = reports.PeriodForm({"period": "12m"}).get_period(today)
    assert months.granularity == "month"
    buckets = report(world["ann"], months).buckets
    assert len(buckets) == 12 and buckets[-1].day == today.replace(day=1)
    assert sum(b.opened for b in buckets) == 5
    weeks = Period(today - 60 * DAY, today, "week")
    buckets = report(world["ann"], weeks).buckets
    assert all(b.day.weekday() == 0 for b in buckets)
    assert sum(b.opened for b in buckets) == 5 and sum(b.closed for b in buckets) == 2


def test_per_type_and_per_status(world):
    rows = report(world["ann"], last_30_days()).per_type
    assert [(r["ticket_type__name"], r["opened"], r["closed"], r["open_now"]) for r in rows] == [
        ("Hardware", 4, 2, 3)
    ]
    statuses = {
        r["status__is_closed"]: r["count"] for r in report(world["ann"], last_30_days()).per_status
    }
    assert statuses == {False: 3, True: 1}


def test_workload_per_agent(world):
    loads = report(world["ann"], last_30_days()).agents
    table = {a.name: (a.open_assigned, a.closed, a.hours) for a in loads}
    assert table == {
        "Ann Agent": (1, 1, Decimal("2.00")),
        "Bob Builder": (1, 1, Decimal("2.00")),
    }


def test_time_spent_per_ticket_agent_and_rate(world):
    rows = list(queries.time_spent(visible(world["ann"]), last_30_days()))
    found = {
        (r["ticket__number"], r["author_name"], r["rate__name"]): (r["total_hours"], r["amount"])
        for r in rows
    }
    t2, t5 = world["tickets"][1], world["tickets"][4]
    assert found == {
        (t2.number, "Ann Agent", "Standard"): (Decimal("1.50"), Decimal("120.00")),
        (t2.number, "Ann Agent", None): (Decimal("0.50"), None),
        (t5.number, "Bob Builder", "Standard"): (Decimal("2.00"), Decimal("160.00")),
    }


def test_an_agent_of_every_type_reads_the_same_numbers_unfiltered(world):
    boss = UserFactory(username="boss", is_superuser=True)
    assert not permissions.agent_tickets(boss).query.has_filters()
    assert permissions.agent_tickets(world["ann"]).query.has_filters()
    period = last_30_days()
    unfiltered = queries.build(permissions.agent_tickets(boss), period)
    every_type = [world["hardware"].pk, world["billing"].pk]
    filtered = queries.build(Ticket.objects.filter(ticket_type__in=every_type), period)
    assert unfiltered == filtered
    assert unfiltered.totals["hours"] == Decimal("7.00")  # billing's 3 hours included


def test_the_page_reads_the_same_numbers_as_a_plain_build(world):
    """As the page calls it (in the analytics session, with the agent's types: on
    PostgreSQL, parts side by side and from the daily totals) and one slice after the
    other, the numbers agree."""
    tickets, period = visible(world["ann"]), last_30_days()
    with queries.analytics(tickets.db) as session:
        types = permissions.agent_types(world["ann"])
        page = queries.build(tickets, period, session, types=types)
    plain = queries.build(tickets, period)
    assert page.totals == plain.totals
    assert page.buckets == plain.buckets
    assert page.per_type == plain.per_type
    assert page.per_status == plain.per_status
    assert page.agents == plain.agents


# ------------------------------------------------------------------ the page


def test_reports_page_shows_numbers_charts_and_links(client, world):
    client.force_login(world["ann"])
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ticket reports" in html
    assert html.count('<svg class="wt-chart"') == 2
    assert 'role="img"' in html and "<title" in html
    assert "Ann Agent" in html and "Bob Builder" in html
    assert "3 h 0 min" in html and "2 h 0 min" in html  # first response average, median
    resolution = reports.format_duration((span(noon(10), noon(8)) + span(noon(40), noon(2))) / 2)
    assert html.count(f"<dd>{resolution}</dd>") == 2
    t2 = world["tickets"][1]
    assert reverse("wagtail_tickets_inbox:edit", args=[t2.pk]) in html
    assert "wagtail_tickets/admin/reports.css" in html
    inbox = reverse("wagtail_tickets_inbox:index")
    assert f'href="{inbox}?ticket_type={world["hardware"].pk}"' in html
    assert f'href="{inbox}?assignee={world["ann"].pk}&amp;state=open"' in html
    assert "cdn" not in html.lower().replace("wagtail", "")
    assert "Billing secret" not in html and "Bill Ing" not in html


def test_reports_page_is_refused_to_non_agents(client, world):
    editor = admin_access(UserFactory(username="editor"))
    client.force_login(editor)
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert client.get(CSV_URL).status_code == 302
    client.force_login(world["customer"])
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]
    client.logout()
    assert "login" in client.get(CSV_URL)["Location"]


def test_menu_item_only_for_agents(rf, world):
    item = reports.menu_item()
    assert item.url == URL
    request = rf.get("/")
    request.user = world["ann"]
    assert item.is_shown(request)
    request.user = admin_access(UserFactory(username="editor"))
    assert not item.is_shown(request)


@pytest.mark.parametrize(
    "query, message",
    [
        ({"period": "custom", "start": "2026-01-10", "end": "2026-01-01"}, "end date is before"),
        ({"period": "custom", "start": "garbage", "end": "2026-01-01"}, "Enter a valid date"),
        ({"period": "custom"}, "needs a start and an end date"),
        ({"period": "custom", "start": "1990-01-01", "end": "2026-01-01"}, "at most ten years"),
        (
            {"period": "custom", "start": "2020-01-01", "end": "2024-01-01", "granularity": "day"},
            "too many days",
        ),
        ({"period": "<script>"}, "Select a valid choice"),
        ({"period": "30d", "granularity": "hour"}, "Select a valid choice"),
    ],
)
def test_hostile_periods_are_form_errors(client, world, query, message):
    client.force_login(world["ann"])
    response = client.get(URL, query)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'value="<script>"' not in html
    # the default period is shown instead
    assert "T2 open with ann" in html
    assert client.get(CSV_URL, query).status_code == 400


def test_custom_period_with_weeks(client, world):
    client.force_login(world["ann"])
    today = timezone.localdate()
    query = {
        "period": "custom",
        "start": (today - 90 * DAY).isoformat(),
        "end": today.isoformat(),
    }
    response = client.get(URL, query)
    assert response.status_code == 200
    assert response.context["period"].granularity == "week"
    assert response.context["totals"]["opened"] == 5


def test_time_spent_pagination_keeps_the_period(client, world, monkeypatch):
    monkeypatch.setattr(reports, "TIME_PAGE_SIZE", 2)
    client.force_login(world["ann"])
    html = client.get(URL, {"period": "12m"}).content.decode()
    assert "Page 1<" in html
    assert "?period=12m&amp;time_page=2" in html and "time_page=0" not in html
    second = client.get(URL, {"period": "12m", "time_page": "2"})
    assert len(second.context["time_rows"]) == 1
    assert second.context["time_page"].number == 2
    second_html = second.content.decode()
    assert "?period=12m&amp;time_page=1" in second_html and "time_page=3" not in second_html
    # hostile or past the end: the first page
    for page in ("zzz", "-1", "0", "3", "99999999999999999999"):
        response = client.get(URL, {"period": "12m", "time_page": page})
        assert response.status_code == 200
        assert response.context["time_page"].number == 1
        assert len(response.context["time_rows"]) == 2


def test_csv_export(client, world):
    hostile = make_ticket(world["customer"], world["hardware"], subject='=HYPERLINK("x")')
    actions.add_reply(hostile, actor=world["ann"], body_html="<p>x</p>", hours=Decimal("0.25"))
    client.force_login(world["ann"])
    response = client.get(CSV_URL, {"period": "12m"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="time-spent-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["Ticket", "Subject", "Agent", "Rate", "Rate value", "Hours", "Amount"]
    body = rows[1:]
    assert len(body) == 4
    assert ['\'=HYPERLINK("x")', "0.25"] == [body[0][1], body[0][5]]
    t2 = world["tickets"][1]
    expected = [t2.number, "T2 open with ann", "Ann Agent", "Standard", "80.00", "1.50", "120.00"]
    assert expected in body
    assert not any("Billing" in cell for row in body for cell in row)


def test_csv_cell_defuses_formulas():
    assert reports.csv_cell("=1+1") == "'=1+1"
    assert reports.csv_cell("+31 20 123") == "'+31 20 123"
    assert reports.csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert reports.csv_cell("Plain") == "Plain"
    assert reports.csv_cell(None) == ""
    assert reports.csv_cell(Decimal("1.5")) == "1.50"


def test_query_count_does_not_grow_with_tickets(client, world, django_assert_max_num_queries):
    client.force_login(world["ann"])
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"period": "12m"})
    customer, hardware = world["customer"], world["hardware"]
    for n in range(30):
        ticket = make_ticket(customer, hardware, subject=f"Bulk {n}")
        actions.add_reply(ticket, actor=world["bob"], body_html="<p>x</p>", hours=Decimal("1"))
        if n % 3 == 0:
            actions.close_ticket(ticket)
    with django_assert_max_num_queries(len(few)):
        response = client.get(URL, {"period": "12m"})
    assert response.context["totals"]["opened"] == 35
    # two of them: customer satisfaction's grouped figures and its page of comments;
    # PostgreSQL computes the service levels' medians with percentile_cont, three more
    assert len(few) <= (30 if connection.vendor == "postgresql" else 27)


@pytest.mark.parametrize("most", [7, 4_000, 100_000, 5_000_000])
def test_value_labels_of_large_counts_fit_left_of_the_plot(most):
    """At a million tickets a year's months hold 100,000 and more; "100000" was cut off."""
    day = datetime.date(2026, 1, 1)
    buckets = [queries.Bucket(day, opened=most, closed=most // 2)]
    chart = charts.time_chart(buckets, "month", "opened", "closed")
    for label in chart.y_labels:
        width = charts.DIGIT_WIDTH * len(label.text)
        assert label.x - width >= 0
        assert label.x < chart.plot_left


def test_charts_geometry_stays_inside_the_drawing(world):
    buckets = report(world["ann"], last_30_days()).buckets
    chart = charts.time_chart(buckets, "day", "opened", "closed")
    assert len(chart.bars) == 2 * 30
    assert len(chart.x_labels) <= charts.MAX_X_LABELS
    for bar in chart.bars:
        assert 0 <= bar.x and bar.x + bar.width <= chart.width
        assert 0 <= bar.y and bar.y + bar.height <= chart.plot_bottom + 0.1
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.value == max(max(b.opened, b.closed) for b in buckets)
    agents = charts.agent_chart(report(world["ann"], last_30_days()).agents, "open", "closed")
    assert {bar.label for bar in agents.bars} >= {"Ann Agent: 1 open", "Bob Builder: 1 closed"}


@pytest.mark.parametrize("language", ["en", "de", "nl", "it"])
def test_charts_draw_with_plain_numbers_and_label_counts_grouped(language):
    """SVG coordinates are never localised ("208,5" is no number to a browser), while the
    counts people read are grouped in their language's way."""
    import re

    from django.template.loader import render_to_string
    from django.utils import translation
    from django.utils.formats import number_format

    day = datetime.date(2026, 1, 1)
    buckets = [
        queries.Bucket(day + datetime.timedelta(days=i), 25_000 * i + 3, 7) for i in range(5)
    ]
    agents = [queries.AgentLoad(1, "Ann", 123_456, 5)]
    with translation.override(language):
        time_chart = charts.time_chart(buckets, "day", "opened", "closed")
        agent_chart = charts.agent_chart(agents, "open", "closed")
        html = render_to_string(
            "wagtail_tickets/admin/reports/time_chart.html",
            {"chart": time_chart, "totals": {"opened": 250_015, "closed": 35}},
        ) + render_to_string(
            "wagtail_tickets/admin/reports/agent_chart.html", {"chart": agent_chart}
        )
        top = max(int(re.sub(r"\D", "", label.text)) for label in time_chart.y_labels)
        grouped = number_format(top, force_grouping=True)
        opened = number_format(250_015, force_grouping=True)
        assigned = number_format(123_456, force_grouping=True)
    coordinates = re.findall(r' (?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', html)
    assert coordinates and all(re.fullmatch(r"-?\d+(\.\d+)?", c) for c in coordinates)
    assert re.search(r'viewBox="0 0 \d+ \d+"', html)
    assert top >= 100_000 and f">{grouped}<" in html  # the axis' top label
    assert f"{opened} " in html  # the description
    assert f": {assigned} open" in html and assigned != "123456"


def test_duration_format():
    assert reports.format_duration(None) == "–"
    assert str(reports.format_duration(datetime.timedelta(minutes=12))) == "12 min"
    assert str(reports.format_duration(datetime.timedelta(hours=3, minutes=20))) == "3 h 20 min"
    assert str(reports.format_duration(datetime.timedelta(days=2, hours=4))) == "2 d 4 h"


def test_report_links_filter_the_inbox(client, world):
    """The per-type and per-agent links use the inbox's own filter names."""
    client.force_login(world["ann"])
    inbox = reverse("wagtail_tickets_inbox:index")
    response = client.get(inbox, {"ticket_type": world["hardware"].pk})
    assert response.status_code == 200
    assert "T2 open with ann" in response.content.decode()
    response = client.get(inbox, {"assignee": world["bob"].pk, "state": "open"})
    html = response.content.decode()
    assert "T5 open with bob" in html and "T2 open with ann" not in html
