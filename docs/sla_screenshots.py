"""Screenshots of service levels for docs/sla.md, from a live test server.

Run with pytest (it needs the test settings and a live server)::

    .venv/bin/python -m pytest docs/sla_screenshots.py -p no:cacheprovider

Writes docs/screenshots/admin-inbox-sla.png (the inbox's "Next due" column with its badges),
admin-workspace-sla.png (a ticket's targets in the workspace header) and
admin-reports-sla.png (service levels in the reports). Set CHROMIUM to the browser binary
(default /usr/bin/chromium) and SCREENSHOTS to write elsewhere.
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
MINUTE = datetime.timedelta(minutes=1)
# (subject, minutes until the first response is due; None: answered in time)
TICKETS = [
    ("Printer in meeting room 2 keeps jamming", -95),
    ("VPN drops every few minutes", 25),
    ("New laptop for Jana (starts Monday)", 170),
    ("Invoice 2026-0113 shows the wrong VAT number", None),
    ("Cannot log in to the customer portal", -10),
]


def demo_data():
    support = TicketTypeFactory(name="Support")
    SlaPolicy.objects.create(
        name="Support", ticket_type=support, first_response_minutes=240, resolution_minutes=2400
    )
    customer = make_customer(support, username="carla", first_name="Carla", last_name="Weber")
    agent = make_admin_agent(support, username="agnes", first_name="Agnes", last_name="Adams")
    now = timezone.now()
    late = None
    for subject, minutes in TICKETS:
        ticket = make_ticket(customer, support, subject=subject)
        if minutes is None:
            actions.add_reply(ticket, actor=agent, body_html="<p>Fixed, see attachment.</p>")
            continue
        due = now + minutes * MINUTE
        Ticket.objects.filter(pk=ticket.pk).update(
            sla_first_response_due_at=due,
            sla_next_due_at=due,
            sla_next_due_target="first_response",
            created_at=due - 240 * MINUTE,
        )
        late = late or ticket
    billing = TicketTypeFactory(name="Billing")
    ben = make_admin_agent(support, billing, username="ben", first_name="Ben", last_name="Baker")
    # answered and resolved tickets of the month, as the actions stored them
    for index in range(12):
        kind = billing if index % 3 == 0 else support
        ticket = make_ticket(ben, kind, subject=f"Earlier request {index}")
        missed = index % 4 == 0
        Ticket.objects.filter(pk=ticket.pk).update(
            assignee=agent if index % 2 else ben,
            first_response_at=now,
            sla_first_response_state="breached" if missed else "met",
            sla_first_response_seconds=(5 if missed else 1) * 3600 + index * 600,
            sla_resolution_state="met" if index % 5 else "breached",
            sla_resolution_seconds=(20 + index) * 3600,
        )
        actions.close_ticket(ticket, actor=ben)
        Ticket.objects.filter(pk=ticket.pk).update(
            sla_resolution_state="met" if index % 5 else "breached",
            sla_resolution_seconds=(20 + index) * 3600,
        )
    waiting = Status.objects.create(name="Waiting for customer", waits_for_customer=True)
    paused = make_ticket(customer, support, subject="Which model is the broken monitor?")
    actions.change_ticket(paused, actor=agent, status=waiting)
    return agent, late


@pytest.mark.django_db(transaction=True)
def test_sla_screenshots(live_server, browser_page, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    OUT.mkdir(parents=True, exist_ok=True)
    agent, late = demo_data()
    base = live_server.url
    failures: list[str] = []
    page = browser_page(agent, viewport=(1500, 760))
    page.on("pageerror", lambda error: failures.append(str(error)))
    page.goto(base + "/admin/tickets/?state=open&ordering=sla_next_due_at")
    page.screenshot(path=str(OUT / "admin-inbox-sla.png"), full_page=True)
    page.goto(base + f"/admin/tickets/{late.pk}/")
    page.locator(".wt-ticket-header").screenshot(path=str(OUT / "admin-workspace-sla.png"))
    # a viewport as tall as the page: nothing scrolls under the admin's sticky header
    page.set_viewport_size({"width": 1500, "height": 3000})
    page.goto(base + "/admin/ticket-reports/")
    page.locator("[data-wt-report=sla]").screenshot(path=str(OUT / "admin-reports-sla.png"))
    assert not failures
