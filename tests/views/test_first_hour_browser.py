"""A customer's first hour in a real browser (headless Chromium): log in, open a ticket and
read "With us"; the agent answers with a status that waits for the customer and the page
says "Waiting for your answer", with the change as a line in the conversation; close after
the confirmation, reopen; the back link returns to the filtered list. And a visitor of the
external page opens a ticket, is told once, and follows the private link.

``UPDATE_SCREENSHOTS=1`` writes docs/screenshots/customer-first-hour-closed.png and
external-opened.png (1366 wide).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import (
    CompanyFactory,
    TicketTypeFactory,
    external_page,
    make_agent,
    make_customer,
)
from wagtail_tickets import actions
from wagtail_tickets.models import Status, Ticket

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "password"  # UserFactory's
WIDTH, HEIGHT = 1366, 900


def submit(page, button: str):
    with page.expect_navigation() as response:
        page.get_by_role("button", name=button, exact=True).click()
    return response.value


def follow(page, link: str):
    with page.expect_navigation() as response:
        page.get_by_role("link", name=link, exact=True).first.click()
    return response.value


def test_a_customers_first_hour(live_server, browser_page, screenshot):
    support = TicketTypeFactory(name="Support", description="Questions about our products")
    customer = make_customer(
        support, company=CompanyFactory(name="Acme"), username="carla", first_name="Carla"
    )
    agent = make_agent(support, username="agnes", first_name="Agnes", last_name="Adams")
    page = browser_page(viewport=(WIDTH, HEIGHT), timeout_ms=20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # 1. log in on the login page, which leads on to the new-ticket form
    page.goto(live_server.url + reverse("wagtail_tickets:create"))
    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, "Log in")
    page.get_by_label("Subject").fill("The projector shows no picture")
    page.locator("trix-editor").click()
    page.keyboard.type("Since this morning the projector in room 2 stays blue.")
    assert submit(page, "Open ticket").status == 200
    ticket = Ticket.objects.get(requester=customer)
    header = page.locator(".wt-ticket-header")
    assert header.locator(".wt-badge").inner_text() == "With us"
    assert page.get_by_text(f"Ticket #{ticket.number} has been opened.").count() == 1

    # 2. the agent answers and sets a status that waits for the customer
    answer = Status.objects.get(name="Answer")
    assert answer.waits_for_customer
    actions.add_reply(ticket, actor=agent, body_html="<p>Is the cable plugged in?</p>")
    actions.change_ticket(ticket, actor=agent, status=answer)
    page.reload()
    assert header.locator(".wt-badge").inner_text() == "Waiting for your answer"
    change = page.locator(".wt-conversation .wt-change")
    assert change.count() == 1
    assert change.inner_text().startswith("Status: With us → Waiting for your answer")
    assert "Answer" not in header.inner_text()

    # 3. the list filters by the same phrase, and the ticket leads back to that list
    page.goto(live_server.url + reverse("wagtail_tickets:my_tickets"))
    follow(page, "Waiting for your answer 1")
    assert "state=waiting" in page.url
    follow(page, ticket.subject)
    back = page.locator("[data-wt-back]")
    assert back.inner_text() == "My Tickets"
    with page.expect_navigation():
        back.click()
    assert page.url.endswith("?scope=mine&state=waiting")

    # 4. close after the confirmation
    follow(page, ticket.subject)
    follow(page, "Close ticket…")
    assert "you can reopen it within 14 days" in page.content()
    submit(page, "Yes, close it")
    assert header.locator(".wt-badge").inner_text() == "Closed"
    assert change.count() == 2
    assert change.nth(1).inner_text().startswith("Status: Waiting for your answer → Closed")
    assert page.get_by_text("you can reopen it until").count() == 1
    screenshot(page, "customer-first-hour-closed.png", min_bytes=20_000, full_page=True)

    # 5. reopen: the reply form is back
    submit(page, "Reopen ticket")
    assert header.locator(".wt-badge").inner_text() == "With us"
    assert page.locator("trix-editor").count() == 1
    ticket.refresh_from_db()
    assert not ticket.status.is_closed
    assert errors == []


def test_a_visitor_opens_a_ticket_on_the_external_page(
    live_server, browser_page, screenshot, settings
):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "EXTERNAL_MIN_FILL_SECONDS": 0}
    support = TicketTypeFactory(name="Web shop", description="Orders and the web shop")
    external_page(offered=[support])
    page = browser_page(viewport=(WIDTH, HEIGHT), timeout_ms=20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + reverse("wagtail_tickets:external"))
    page.get_by_label("Name").fill("Vera Visitor")
    page.get_by_label("Email").fill("vera@example.org")
    page.get_by_label("Subject").fill("My order never arrived")
    page.locator("trix-editor").click()
    page.keyboard.type("Order 1042 was due last week.")
    assert submit(page, "Open ticket").status == 200
    ticket = Ticket.objects.get()
    assert page.get_by_text(f"#{ticket.number} has been opened").count() == 1
    assert page.locator(".wt-messages").count() == 0
    screenshot(page, "external-opened.png", min_bytes=10_000)
    with page.expect_navigation():
        page.locator("[data-wt-private-link]").click()
    assert page.get_by_text(f"#{ticket.number} has been opened").count() == 0
    assert page.locator(".wt-ticket-header .wt-badge").inner_text() == "With us"
    assert "Order 1042 was due last week." in page.locator(".wt-conversation").inner_text()
    assert errors == []
