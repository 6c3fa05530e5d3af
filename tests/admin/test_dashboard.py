"""The tickets panel on the Wagtail dashboard: my open, unassigned and overdue tickets."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.template.context import Context
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tests.factories import (
    UserFactory,
    admin_access,
    make_ticket,
)
from wagtail_tickets import actions
from wagtail_tickets.admin import dashboard
from wagtail_tickets.models import Ticket, TicketVisit

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def world(hardware_team):
    hardware, billing = hardware_team["hardware"], hardware_team["billing"]
    customer, ann, bob = hardware_team["customer"], hardware_team["ann"], hardware_team["bob"]
    today = timezone.localdate()

    mine = make_ticket(customer, hardware, subject="Mine and late")
    actions.claim_ticket(mine, actor=ann)
    actions.change_ticket(mine, actor=ann, target_date=today - 2 * DAY)
    mine2 = make_ticket(customer, hardware, subject="Mine on time")
    actions.claim_ticket(mine2, actor=ann)
    actions.change_ticket(mine2, actor=ann, target_date=today + DAY)
    bobs = make_ticket(customer, hardware, subject="Bob's ticket")
    actions.claim_ticket(bobs, actor=bob)
    loose = make_ticket(customer, hardware, subject="Nobody's ticket")
    done = make_ticket(customer, hardware, subject="Closed and late")
    actions.claim_ticket(done, actor=ann)
    actions.change_ticket(done, actor=ann, target_date=today - 5 * DAY)
    actions.close_ticket(done, actor=ann)
    other = make_ticket(customer, billing, subject="Billing secret")
    Ticket.objects.filter(pk=other.pk).update(target_date=today - 3 * DAY)
    return {"ann": ann, "bob": bob, "customer": customer, "mine": mine, "loose": loose}


def panel_context(user, rf):
    request = rf.get("/admin/")
    request.user = user
    panel = dashboard.dashboard_panel(request)
    return panel, panel.get_context_data(Context({"request": request}))


def test_counts_and_lists(world, rf):
    _panel, context = panel_context(world["ann"], rf)
    groups = {g["name"]: g for g in context["groups"]}
    assert {name: g["count"] for name, g in groups.items()} == {
        "open": 4,
        "new": 5,  # customers wrote every ticket of Hardware; Ann opened none yet
        "mine": 2,
        "unassigned": 1,
        "breached": 0,  # no service-level policy
        "overdue": 1,  # closed tickets and other types are not overdue work
    }
    assert [t.subject for t, _url in groups["mine"]["rows"]] == ["Mine on time", "Mine and late"]
    assert [t.subject for t, _url in groups["overdue"]["rows"]] == ["Mine and late"]
    url = groups["unassigned"]["rows"][0][1]
    assert url == reverse("wagtail_tickets_inbox:edit", args=[world["loose"].pk])
    assert groups["mine"]["more_url"].endswith("?assigned=mine&state=open")


def test_dashboard_shows_the_panel_to_agents(client, world):
    client.force_login(world["ann"])
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="wagtail-tickets' in html or "wagtail-tickets" in html
    assert "My open tickets" in html and "Overdue tickets" in html
    assert "Mine and late" in html and "Nobody&#x27;s ticket" in html
    assert "Billing secret" not in html
    assert reverse("wagtail_tickets_reports:index") in html
    assert "wagtail_tickets/admin/dashboard.css" in html


def test_no_panel_for_admin_users_who_are_not_agents(client, world, rf):
    editor = admin_access(UserFactory(username="editor"))
    request = rf.get("/admin/")
    request.user = editor
    assert dashboard.dashboard_panel(request) is None
    client.force_login(editor)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "My open tickets" not in html and "Mine and late" not in html


def test_panel_queries_are_bounded(world, rf, django_assert_max_num_queries):
    request = rf.get("/admin/")
    request.user = world["ann"]
    dashboard.permissions.type_access(request.user)  # cached per request
    panel = dashboard.TicketsDashboardPanel(request)
    with CaptureQueriesContext(connection) as few:
        panel.get_context_data(Context({"request": request}))
    for n in range(25):
        ticket = make_ticket(world["customer"], world["mine"].ticket_type, subject=f"More {n}")
        actions.claim_ticket(ticket, actor=world["ann"])
    with django_assert_max_num_queries(len(few)):
        context = panel.get_context_data(Context({"request": request}))
    mine = next(g for g in context["groups"] if g["name"] == "mine")
    assert mine["count"] == 27 and len(mine["rows"]) == dashboard.LIST_LENGTH
    # every counter in one query, then up to four short lists
    assert len(few) <= 5
    counting = [q["sql"] for q in few.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counting) == 1


def test_more_links_open_the_filtered_inbox(client, world, rf):
    _panel, context = panel_context(world["ann"], rf)
    urls = {g["name"]: g["more_url"] for g in context["groups"]}
    client.force_login(world["ann"])
    html = client.get(urls["mine"]).content.decode()
    assert "Mine and late" in html and "Bob&#x27;s ticket" not in html
    html = client.get(urls["unassigned"]).content.decode()
    assert "Nobody&#x27;s ticket" in html and "Mine and late" not in html


def test_every_counter_opens_the_inbox_listing_the_same_tickets(client, world, rf):
    """Each counter is a link; the inbox behind it lists as many tickets as it says."""
    TicketVisit.objects.create(user=world["ann"], ticket=world["mine"], seen_at=timezone.now())
    _panel, context = panel_context(world["ann"], rf)
    client.force_login(world["ann"])
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    for group in context["groups"]:
        assert group["url"].startswith(reverse("wagtail_tickets_inbox:index") + "?")
        assert f'href="{escape(group["url"])}"' in home
        response = client.get(group["url"])
        assert response.status_code == 200, group["name"]
        assert response.context["paginator"].count == group["count"], group["name"]
    counts = {g["name"]: g["count"] for g in context["groups"]}
    assert counts["new"] == 4  # Ann opened "Mine and late" after its customer wrote


def test_new_for_me_counts_what_the_agent_has_not_seen(world, rf):
    ann, mine = world["ann"], world["mine"]

    def new_count():
        _panel, context = panel_context(ann, rf)
        return next(g for g in context["groups"] if g["name"] == "new")

    assert new_count()["count"] == 5
    visit = TicketVisit.objects.create(user=ann, ticket=mine, seen_at=timezone.now())
    assert new_count()["count"] == 4
    # Bob's visit is his own
    TicketVisit.objects.create(user=world["bob"], ticket=world["loose"], seen_at=timezone.now())
    assert new_count()["count"] == 4
    # the customer writes again after Ann's visit: new again
    actions.add_reply(mine, actor=world["customer"], body_html="<p>Any news?</p>")
    group = new_count()
    assert group["count"] == 5
    assert [t.subject for t, _url in group["rows"]][0] == "Mine and late"
    # an agent's answer or note is no news for Ann
    TicketVisit.objects.filter(pk=visit.pk).update(seen_at=timezone.now())
    actions.add_reply(mine, actor=world["bob"], body_html="<p>On it</p>")
    actions.add_reply(mine, actor=world["bob"], body_html="<p>Note</p>", internal=True)
    assert new_count()["count"] == 4
