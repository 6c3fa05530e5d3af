"""The email templates and the outbox in a real browser: the listings link their rows and
the pages read well. Takes docs/screenshots/admin-email-templates.png,
admin-email-template-edit.png, admin-outbox.png and admin-outbox-mail.png with
``UPDATE_SCREENSHOTS=1``."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import OutgoingMailFactory, TicketTypeFactory, UserFactory, make_ticket
from wagtail_tickets.models import EmailTemplate, OutgoingMail

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
State = OutgoingMail.State


def test_templates_and_outbox_open_from_their_listings(browser_page, live_server, screenshot):
    root = UserFactory(
        username="root", first_name="Rita", last_name="Root", is_superuser=True, is_staff=True
    )
    carla = UserFactory(first_name="Carla", last_name="Meyer", email="carla@acme.example")
    ticket = make_ticket(carla, TicketTypeFactory(name="Printers"), subject="Toner empty")
    now = timezone.now()
    OutgoingMailFactory(
        ticket=ticket,
        kind="auto_reply",
        to="carla@acme.example",
        subject=f"[ts #{ticket.number}] Toner empty",
        state=State.SENT,
        attempts=1,
        sent_at=now,
        next_attempt_at=None,
    )
    OutgoingMailFactory(
        ticket=ticket,
        kind="assigned",
        to="ben@example.com",
        subject=f"[ts #{ticket.number}] Assigned to you: Toner empty",
        state=State.FAILED,
        attempts=3,
        next_attempt_at=now + datetime.timedelta(minutes=4),
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    page = browser_page(root, viewport=(1280, 900))
    page.goto(live_server.url + "/admin/ticket-email-templates/?language=en")
    headers = " ".join(page.locator("table.listing thead th").all_inner_texts())
    assert "Kind" in headers and "Ticket type" in headers
    screenshot(page, "admin-email-templates.png", min_bytes=20_000)
    template = EmailTemplate.objects.get(kind="assigned", language="en", ticket_type=None)
    page.get_by_role("link", name="Ticket assigned (to the new assignee)").click()
    page.wait_for_url(f"**/edit/{template.pk}/")
    assert "{GREETING}" in page.locator("textarea").first.input_value()
    screenshot(page, "admin-email-template-edit.png", min_bytes=20_000)
    page.goto(live_server.url + "/admin/ticket-outbox/")
    assert "None" not in page.locator("table.listing tbody").inner_text()
    screenshot(page, "admin-outbox.png", min_bytes=20_000)
    page.get_by_role("link", name=f"[ts #{ticket.number}] Assigned to you: Toner empty").click()
    page.wait_for_url("**/ticket-outbox/*/")
    assert "SMTPServerDisconnected" in page.content()
    screenshot(page, "admin-outbox-mail.png", min_bytes=20_000, full_page=True)
