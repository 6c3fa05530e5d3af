"""Screenshots of satisfaction ratings for docs/satisfaction.md, from a live test server.

Run with pytest (it needs the test settings and a live server)::

    .venv/bin/python -m pytest docs/rating_screenshots.py -p no:cacheprovider

Writes docs/screenshots/rating-page.png (the page a rating mail's "Bad" link opens, as a
guest sees it, before anything is rated) and rating-reports.png (customer satisfaction in
the admin's reports). Set CHROMIUM to the browser binary (default /usr/bin/chromium) and
SCREENSHOTS to write elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.factories import (
    CompanyFactory,
    TicketTypeFactory,
    make_admin_agent,
    make_customer,
    make_ticket,
)
from wagtail_tickets import actions
from wagtail_tickets.links import rating_url
from wagtail_tickets.models import Rating

OUT = Path(os.environ.get("SCREENSHOTS", Path(__file__).resolve().parent / "screenshots"))
RATINGS = [
    ("Printer in meeting room 2 keeps jamming", "good", "Solved within the hour, thank you!"),
    ("Invoice 2026-0113 shows the wrong VAT number", "good", ""),
    ("Cannot log in to the customer portal", "bad", "It took three answers to get it right."),
    ("Replacement for broken docking station", "okay", "Fine, but the courier came late."),
    ("How do I export my order history?", "good", "Clear explanation."),
]


def demo_data():
    support = TicketTypeFactory(name="Support", asks_for_rating=True)
    billing = TicketTypeFactory(name="Billing", asks_for_rating=True)
    customer = make_customer(support, billing, username="carla", first_name="Carla")
    CompanyFactory(name="Acme").users.add(customer)
    agnes = make_admin_agent(
        support, billing, username="agnes", first_name="Agnes", last_name="Adams"
    )
    ben = make_admin_agent(support, username="ben", first_name="Ben", last_name="Baker")
    tickets = []
    for index, (subject, score, comment) in enumerate(RATINGS):
        ticket = make_ticket(
            customer, billing if "Invoice" in subject else support, subject=subject
        )
        agent = agnes if index % 2 == 0 or "Invoice" in subject else ben
        actions.change_ticket(ticket, actor=agent, assignee=agent)
        actions.add_reply(ticket, actor=agent, body_html="<p>Here is what to do.</p>")
        actions.close_ticket(ticket, actor=agent)
        ticket.refresh_from_db()
        actions.rate_ticket(ticket, score=score, comment=comment, via=Rating.Via.MAIL_LINK)
        tickets.append(ticket)
    unrated = make_ticket(customer, support, subject="The label printer prints blank pages")
    actions.change_ticket(unrated, actor=agnes, assignee=agnes)
    actions.close_ticket(unrated, actor=agnes)
    unrated.refresh_from_db()
    return agnes, unrated


@pytest.mark.django_db(transaction=True)
def test_rating_screenshots(live_server, browser_page, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    OUT.mkdir(parents=True, exist_ok=True)
    agent, unrated = demo_data()
    base = live_server.url
    failures: list[str] = []
    page = browser_page(viewport=(1100, 760))
    page.on("pageerror", lambda error: failures.append(str(error)))
    page.goto(base + rating_url(unrated, "bad"))
    page.fill("textarea[name=comment]", "The first answer did not help; the second did.")
    page.screenshot(path=str(OUT / "rating-page.png"), full_page=True)
    assert not Rating.objects.filter(ticket=unrated).exists()  # opening rated nothing

    page = browser_page(agent, viewport=(1366, 4000))
    page.on("pageerror", lambda error: failures.append(str(error)))
    page.goto(base + "/admin/ticket-reports/")
    # a window tall enough for the whole page: the admin's sticky header stays at the
    # top instead of covering the section
    page.locator("[data-wt-report=ratings]").screenshot(path=str(OUT / "rating-reports.png"))
    assert not failures
