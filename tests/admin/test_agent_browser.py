"""The agent's day in a real browser: find the customer's ticket in the inbox by search and
by filter, answer it with a response template in the rich text editor, log time, change its
status; the customer then reads the answer in their area.

The inbox's picture, docs/screenshots/admin-inbox.png, is taken by test_inbox_browser.py.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    CategoryFactory,
    CompanyFactory,
    RateFactory,
    ResponseTemplateFactory,
    TicketTypeFactory,
    TicketTypeGroupFactory,
    UserFactory,
    grant,
    make_agent,
    make_ticket,
)
from wagtail_tickets import actions
from wagtail_tickets.models import Priority, Status, TypePermission

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def helpdesk():
    products = TicketTypeGroupFactory(name="Products")
    printers = TicketTypeFactory(
        name="Printers", group=products, description="Printers, toner and paper jams"
    )
    network = TicketTypeFactory(name="Network", group=products, description="Wi-Fi and VPN")
    carol = UserFactory(
        username="carol", first_name="Carol", last_name="Meyer", email="carol@acme.example"
    )
    dan = UserFactory(username="dan", first_name="Dan", last_name="Okafor", email="dan@globex.test")
    for user in (carol, dan):
        for ticket_type in (printers, network):
            grant(user, ticket_type, TypePermission.Level.WRITE, group_name="Customers")
    CompanyFactory(name="Acme Ltd").users.add(carol)
    CompanyFactory(name="Globex").users.add(dan)
    anna = make_agent(printers, username="anna", first_name="Anna", last_name="Berg")
    grant(anna, network, TypePermission.Level.MANAGE, group_name="Network agents")
    ben = make_agent(printers, username="ben", first_name="Ben", last_name="Kowalski")
    grant(ben, network, TypePermission.Level.MANAGE, group_name="Network agents")
    hardware = CategoryFactory(name="Hardware")
    RateFactory(name="Standard support", value=Decimal("85"))
    ResponseTemplateFactory(
        name="Fuser replaced",
        body="<p>Hello, we replaced the fuser unit; the printer works again.</p>",
    ).types.set([printers])
    prio = {p.name: p for p in Priority.objects.all()}
    status = {s.name: s for s in Status.objects.all()}
    today = timezone.localdate()
    rows = [
        (carol, printers, "Printer on floor 2 prints blank pages", "Urgent", "Open", None, -2),
        (dan, network, "VPN drops every ten minutes", "High", "In progress", anna, 3),
        (carol, network, "Guest Wi-Fi password", "Low", "Answer", ben, None),
        (dan, printers, "Toner order for the office", "Normal", "Report", ben, 7),
        (carol, printers, "Scanner sends empty PDFs", "High", "Open", None, 1),
        (dan, network, "New switch for the lab", "Normal", "Closed", anna, -10),
    ]
    tickets = {}
    for requester, ticket_type, subject, priority, state, assignee, due in rows:
        ticket = make_ticket(
            requester, ticket_type, subject=subject, body=f"<p>{subject}. Please help.</p>"
        )
        values = {"priority": prio[priority], "status": status[state], "category": hardware}
        if assignee is not None:
            values["assignee"] = assignee
        if due is not None:
            values["target_date"] = today + datetime.timedelta(days=due)
        actions.change_ticket(ticket, **values)
        tickets[subject] = ticket
    blank = tickets["Printer on floor 2 prints blank pages"]
    actions.add_reply(
        blank,
        actor=carol,
        body_html="<p>It started after the last toner change. Every page comes out blank.</p>",
    )
    actions.add_reply(
        blank,
        actor=ben,
        body_html="<p>Customer already tried a new toner cartridge; probably the fuser.</p>",
        internal=True,
        hours=Decimal("0.25"),
    )
    return {"agent": anna, "customer": carol, "ticket": blank}


def test_agent_answers_with_a_template_and_the_customer_sees_it(live_server, client, browser_page):
    world = helpdesk()
    ticket = world["ticket"]
    page = browser_page(world["agent"], viewport=(1440, 1000))
    page.on("dialog", lambda dialog: dialog.accept())
    inbox = live_server.url + reverse("wagtail_tickets_inbox:index")

    page.goto(inbox)
    rows = page.locator("table.listing tbody tr")
    rows.first.wait_for()
    assert rows.count() == 6
    assert page.locator("tr.wt-overdue").count() == 1

    # the filter panel: status counters, then a priority filter refreshing the listing
    page.locator("button[aria-label='Show filters']").click()
    page.locator(".w-drilldown__toggle", has_text="Status").click()
    status_panel = page.locator("#drilldown-id_status")
    status_panel.wait_for()
    assert status_panel.locator("label", has_text="Open (2)").count() == 1
    assert status_panel.locator("label", has_text="Closed (1)").count() == 1
    status_panel.locator("button.w-drilldown__back").click()
    page.locator(".w-drilldown__toggle", has_text="Priority").click()
    page.locator("#drilldown-id_priority label", has_text="Urgent").click()
    page.wait_for_function(
        "document.querySelectorAll('table.listing tbody tr').length === 1", timeout=10_000
    )
    assert "priority=" in page.url
    page.keyboard.press("Escape")

    # by search (the listing refreshes in place)
    page.goto(inbox + "?state=")
    page.locator("input[name=q]").fill("blank pages")
    page.wait_for_function(
        "document.querySelectorAll('table.listing tbody tr').length === 1", timeout=10_000
    )
    rows.first.locator("a", has_text=ticket.number).click()
    page.wait_for_url(f"**/tickets/{ticket.pk}/")

    with page.expect_navigation():
        page.locator("button", has_text="Claim").click()
    assert page.locator(".wt-facts", has_text="Anna Berg").count() == 1

    with page.expect_navigation():
        page.select_option("select[name=template]", label="Fuser replaced")
    assert "template=" in page.url
    editor = page.locator(".wt-reply-form .public-DraftEditor-content")
    editor.wait_for()
    assert "we replaced the fuser unit" in editor.inner_text()
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Please print a test page.")
    assert "Please print a test page." in editor.inner_text()
    page.wait_for_timeout(600)  # the editor saves its state into the form after a pause
    page.fill("input[name=hours]", "0.75")
    page.select_option("select[name=rate]", label="Standard support")
    with page.expect_navigation():
        page.locator(".wt-reply-form button.wt-send").click()
    assert page.url.endswith(f"/tickets/{ticket.pk}/#latest")

    page.select_option("select[name=status]", label="Answer")
    with page.expect_navigation():
        page.locator("button[name=action][value=fields]").click()
    assert page.locator(".wt-ticket-badges", has_text="Answer").count() == 1
    assert page.locator(".wt-facts", has_text="1.00 h").count() == 1
    assert page.locator("#latest").count() == 1

    answer = ticket.messages.filter(is_staff=True, is_internal=False).get()
    assert "we replaced the fuser unit" in answer.body_html
    assert "Please print a test page." in answer.body_html
    assert answer.hours == Decimal("0.75") and answer.rate.name == "Standard support"

    client.force_login(world["customer"])
    detail = client.get(reverse("wagtail_tickets:detail", args=[ticket.number]))
    html = detail.content.decode()
    assert "we replaced the fuser unit" in html and "Please print a test page." in html
    assert "probably the fuser" not in html  # the internal note stays with the agents
