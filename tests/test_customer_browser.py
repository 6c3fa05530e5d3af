"""The customer's whole round in a real browser (headless Chromium): log in on the login page,
open a ticket whose message has bold text and a bulleted list typed in the rich text editor,
attach a file, reply with another file, close the ticket after its confirmation; and a
customer of another company who finds the ticket's address gets 404 for the page and its
files.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser import type_in_editor
from tests.factories import CompanyFactory, TicketTypeFactory, UserFactory, grant
from wagtail_tickets.models import Ticket, TypePermission

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "password"  # UserFactory's


@pytest.fixture
def customers():
    """``customer`` (Acme) and ``customer2`` (Globex), both with write on both types."""
    support = TicketTypeFactory(name="Support", description="Questions about our products")
    billing = TicketTypeFactory(name="Billing", description="Invoices and payments")
    customer = UserFactory(username="customer", first_name="Carol", last_name="Meyer")
    customer2 = UserFactory(username="customer2", first_name="Dan", last_name="Okafor")
    for user in (customer, customer2):
        for ticket_type in (support, billing):
            grant(user, ticket_type, TypePermission.Level.WRITE, group_name="Customers")
    CompanyFactory(name="Acme Ltd").users.add(customer)
    CompanyFactory(name="Globex").users.add(customer2)
    return customer, customer2


def open_as(browser_page, live_server, username: str, path: str):
    """A fresh browser session that asks for ``path``, is sent to the login page, logs in
    there as ``username`` and lands back on ``path``. Returns the page, that response, and the
    list that collects the page's script errors."""
    page = browser_page(viewport=(1200, 1000), timeout_ms=20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + path)
    assert page.url.startswith(live_server.url + reverse("login") + "?next=")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation() as landing:
        page.get_by_role("button", name="Log in").click()
    assert page.url == live_server.url + path
    return page, landing.value, errors


def press_tool(page, name: str) -> None:
    """Click a button of the editor's toolbar (the caret stays in the editor)."""
    page.locator("trix-toolbar").get_by_role("button", name=name, exact=True).click()


def submit(page, button: str):
    with page.expect_navigation() as response:
        page.get_by_role("button", name=button, exact=True).click()
    return response.value


def test_customer_opens_replies_to_and_closes_a_ticket(
    live_server, browser_page, customers, tmp_path
):
    customer, customer2 = customers
    log = tmp_path / "printer-log.txt"
    log.write_text("E-1042 fuser temperature low\n")
    photo = tmp_path / "test-page.txt"
    photo.write_text("a test page, still blank\n")

    # 1. log in through the login page, which leads back to the new-ticket page
    new_ticket = reverse("wagtail_tickets:create")
    page, landing, script_errors = open_as(browser_page, live_server, "customer", new_ticket)
    assert landing.status == 200
    page.get_by_label("Type").select_option(label="Billing")
    page.get_by_label("Subject").fill("Printer prints blank pages")

    # 2. the message, typed with the keyboard and formatted with the toolbar
    editor = page.locator("trix-editor")
    editor.click()
    page.keyboard.type("Since Monday the printer ")
    press_tool(page, "Bold")
    page.keyboard.type("prints only blank pages")
    press_tool(page, "Bold")
    page.keyboard.type(". What we tried:")
    page.keyboard.press("Enter")
    press_tool(page, "Bullets")
    page.keyboard.type("A new toner cartridge")
    page.keyboard.press("Enter")
    page.keyboard.type("Switching it off and on")
    assert editor.locator("strong").inner_text() == "prints only blank pages"
    assert editor.locator("li").count() == 2

    page.get_by_label("Attachments").set_input_files(str(log))
    response = submit(page, "Open ticket")
    assert response.status == 200

    # 3. the ticket page shows the formatted message and the attachment
    ticket = Ticket.objects.get(subject="Printer prints blank pages")
    detail_path = reverse("wagtail_tickets:detail", args=[ticket.number])
    assert page.url == live_server.url + detail_path
    assert ticket.requester_id == customer.pk and ticket.ticket_type.name == "Billing"
    header = page.locator(".wt-ticket-header")
    assert f"#{ticket.number}" in header.locator("h1").inner_text()
    assert "Printer prints blank pages" in header.locator("h1").inner_text()
    assert header.locator(".wt-meta", has_text="Billing").count() == 1
    assert header.locator(".wt-badge").inner_text() == "With us"

    cards = page.locator(".wt-conversation .wt-message-card")
    assert cards.count() == 1
    first = cards.nth(0)
    assert first.locator(".wt-message-card__author").inner_text() == "Carol Meyer"
    body = first.locator(".wt-message-card__body")
    assert body.locator("strong").inner_text() == "prints only blank pages"
    assert body.locator("ul > li").all_inner_texts() == [
        "A new toner cartridge",
        "Switching it off and on",
    ]
    log_link = first.locator("a.wt-attachment", has_text="printer-log.txt")
    assert log_link.count() == 1
    log_url = live_server.url + log_link.get_attribute("href")
    download = page.request.get(log_url)
    assert download.status == 200 and download.body() == log.read_bytes()

    # 4. a reply with another attachment
    page.locator("trix-editor").click()
    type_in_editor(page, "The test page you asked for is attached.")
    page.locator(".wt-reply").get_by_label("Attachments").set_input_files(str(photo))
    response = submit(page, "Send reply")
    assert response.status == 200 and page.url == live_server.url + detail_path
    assert cards.count() == 2
    reply = cards.nth(1)
    assert "The test page you asked for is attached." in reply.inner_text()
    assert reply.locator("a.wt-attachment", has_text="test-page.txt").count() == 1
    assert first.locator("a.wt-attachment").count() == 1  # the new file went to the reply
    assert ticket.messages.count() == 2

    # 5. close, after the confirmation: the page says so, and the reply form and the close
    # button are gone
    with page.expect_navigation():
        page.get_by_role("link", name="Close ticket…").click()
    assert page.get_by_role("heading", name=f"Close ticket #{ticket.number}?").is_visible()
    response = submit(page, "Yes, close it")
    assert response.status == 200 and page.url == live_server.url + detail_path
    assert page.locator(".wt-alert--closed", has_text="This ticket is closed.").is_visible()
    assert header.locator(".wt-badge").inner_text() == "Closed"
    assert page.locator("form[action$='/reply/']").count() == 0
    assert page.locator("trix-editor").count() == 0
    assert page.get_by_role("button", name="Send reply").count() == 0
    assert page.get_by_role("link", name="Close ticket…").count() == 0
    assert cards.count() == 2
    ticket.refresh_from_db()
    assert ticket.status.is_closed
    assert script_errors == []

    # 6. a customer of another company: 404 for the ticket and for its files
    other, landing, _ = open_as(browser_page, live_server, "customer2", detail_path)
    assert landing.status == 404
    assert "Printer prints blank pages" not in other.content()
    assert other.request.get(log_url).status == 404
    other.goto(live_server.url + reverse("wagtail_tickets:my_tickets"))
    assert "Printer prints blank pages" not in other.content()
