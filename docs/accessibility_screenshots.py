"""Screenshots for docs/accessibility.md, from a live test server, in Wagtail's light and
dark themes.

Run with pytest (it needs the test settings and a live server)::

    .venv/bin/python -m pytest docs/accessibility_screenshots.py -p no:cacheprovider

Writes docs/screenshots/admin-workspace-message-light.png and -dark.png (a message of the
workspace with its buttons and the ticket's service-level badges) and
admin-inbox-sla-dark.png (the inbox's badges in the dark theme). Set CHROMIUM to the browser
binary (default /usr/bin/chromium) and SCREENSHOTS to write elsewhere.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import TicketTypeFactory, make_admin_agent, make_customer, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.models import SlaPolicy, Status, Ticket

OUT = Path(os.environ.get("SCREENSHOTS", Path(__file__).resolve().parent / "screenshots"))


def demo_data():
    support = TicketTypeFactory(name="Support")
    SlaPolicy.objects.create(
        name="Support", ticket_type=support, first_response_minutes=240, resolution_minutes=2400
    )
    customer = make_customer(support, username="carla", first_name="Carla", last_name="Weber")
    agent = make_admin_agent(support, username="agnes", first_name="Agnes", last_name="Adams")
    ticket = make_ticket(
        customer,
        support,
        subject="Printer prints blank pages",
        body="<p>Since this morning every page comes out blank.</p>",
    )
    actions.add_reply(
        ticket, actor=agent, body_html="<p>Please check that the toner seal is removed.</p>"
    )
    actions.add_reply(
        ticket,
        actor=customer,
        body_html="<p>That was it, thanks! Also, the scanner on floor 2 is offline.</p>",
    )
    late = make_ticket(customer, support, subject="VPN drops every few minutes")
    due = timezone.now() - datetime.timedelta(minutes=40)
    Ticket.objects.filter(pk=late.pk).update(
        sla_first_response_due_at=due, sla_next_due_at=due, sla_next_due_target="first_response"
    )
    waiting = Status.objects.create(name="Waiting for customer", waits_for_customer=True)
    paused = make_ticket(customer, support, subject="Which model is the broken monitor?")
    actions.change_ticket(paused, actor=agent, status=waiting)
    return agent, ticket


@pytest.mark.django_db(transaction=True)
def test_accessibility_screenshots(live_server, browser_page, settings, tmp_path):
    from wagtail.users.models import UserProfile

    settings.MEDIA_ROOT = str(tmp_path)
    OUT.mkdir(parents=True, exist_ok=True)
    agent, ticket = demo_data()
    base = live_server.url
    failures: list[str] = []
    page = browser_page(agent, viewport=(1400, 1400))
    page.on("pageerror", lambda error: failures.append(str(error)))
    for theme in ("light", "dark"):
        profile = UserProfile.get_for_user(agent)
        profile.theme = theme
        profile.save()
        page.goto(base + f"/admin/tickets/{ticket.pk}/")
        page.locator(".wt-timeline").screenshot(
            path=str(OUT / f"admin-workspace-message-{theme}.png")
        )
    page.goto(base + "/admin/tickets/?state=open&ordering=sla_next_due_at")
    page.screenshot(path=str(OUT / "admin-inbox-sla-dark.png"))
    assert not failures
