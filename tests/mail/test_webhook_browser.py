"""A webhook mailbox added in the admin with a real browser (headless Chromium): the form
needs only the address, the list says "Provider webhook" and offers no "Import now". The
pages are photographed (with ``UPDATE_SCREENSHOTS=1`` into docs/screenshots)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import MailboxFactory, TicketTypeFactory, UserFactory
from wagtail_tickets.models import Mailbox

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_adding_a_webhook_mailbox_in_the_browser(browser_page, live_server, screenshot):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    support = TicketTypeFactory(name="Support")
    MailboxFactory(name="Sales (IMAP)", host="127.0.0.1", port=993, security="tls")
    page = browser_page(admin)
    page.goto(live_server.url + reverse("wagtail_tickets_mailboxes:add"))
    page.get_by_label("Name").first.fill("Support (Mailgun)")
    page.get_by_label("Ticket type").select_option(str(support.pk))
    assert page.get_by_label("IMAP server").is_visible()
    page.get_by_label("Receives mail through").select_option("webhook")
    # only the fields a webhook mailbox uses stay on the form
    assert not page.get_by_label("IMAP server").is_visible()
    assert not page.get_by_label("Password", exact=True).is_visible()
    page.get_by_label("User name").fill("support@tickets.example")
    screenshot(page, "admin-mailbox-webhook.png", min_bytes=10_000)
    page.get_by_role("button", name="Create").click()
    page.wait_for_url("**/tickets-mail/mailboxes/")

    mailbox = Mailbox.objects.get(name="Support (Mailgun)")
    assert mailbox.receive == "webhook" and mailbox.ticket_type == support
    row = page.get_by_role("row").filter(has_text="Support (Mailgun)")
    assert "Provider webhook" in row.inner_text()
    assert "support@tickets.example" in row.inner_text() and ":993" not in row.inner_text()
    screenshot(page, "admin-mailboxes-webhook.png", min_bytes=10_000)
