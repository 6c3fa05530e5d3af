"""Screenshots of merging and linking tickets for docs/agent-workspace.md, from a live test
server.

Run with pytest (it needs the test settings and a live server)::

    .venv/bin/python -m pytest docs/merge_screenshots.py -p no:cacheprovider

Writes docs/screenshots/admin-merge.png (merging a duplicate: what moves, before it is
confirmed) and admin-linked-tickets.png (a parent ticket's "Linked tickets" panel with its
children's states, and a merged duplicate). Set CHROMIUM to the browser binary (default
/usr/bin/chromium) and SCREENSHOTS to write elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import TicketTypeFactory, make_admin_agent, make_customer, make_ticket
from wagtail_tickets import actions

OUT = Path(os.environ.get("SCREENSHOTS", Path(__file__).resolve().parent / "screenshots"))


def demo_data():
    support = TicketTypeFactory(name="Support")
    carla = make_customer(
        support, username="carla", first_name="Carla", last_name="Customer",
        email="carla@customer.example",
    )  # fmt: skip
    agnes = make_admin_agent(support, username="agnes", first_name="Agnes", last_name="Adams")
    rollout = make_ticket(carla, support, subject="New laptops for the Berlin office")
    actions.add_reply(
        rollout, actor=agnes, body_html="<p>We will set up the twelve laptops in three steps.</p>"
    )
    steps = [
        ("Order the laptops", True),
        ("Install the standard image", False),
        ("Hand out the laptops and collect the old ones", False),
    ]
    for subject, done in steps:
        child = make_ticket(carla, support, subject=subject)
        actions.link_tickets(rollout, child, kind="parent", actor=agnes)
        if done:
            actions.close_ticket(child, actor=agnes)
    related = make_ticket(carla, support, subject="Docking stations for the Berlin office")
    actions.link_tickets(rollout, related, kind="related", actor=agnes)
    duplicate = make_ticket(
        carla,
        support,
        subject="When do the new laptops arrive?",
        body="<p>Hello, when can we expect the laptops? Carla</p>",
        cc=["it@customer.example"],
    )
    earlier = make_ticket(carla, support, subject="Laptops Berlin: delivery date?")
    actions.merge_tickets([earlier], rollout, actor=agnes)
    return agnes, rollout, duplicate


@pytest.mark.django_db(transaction=True)
def test_merge_screenshots(live_server, browser_page, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    OUT.mkdir(parents=True, exist_ok=True)
    agent, rollout, duplicate = demo_data()
    base = live_server.url
    failures: list[str] = []
    page = browser_page(agent, viewport=(1366, 900))
    page.on("pageerror", lambda error: failures.append(str(error)))
    merge_url = reverse("wagtail_tickets_inbox:merge", args=[duplicate.pk])
    page.goto(f"{base}{merge_url}?target={rollout.pk}")
    page.screenshot(path=str(OUT / "admin-merge.png"), full_page=False)
    page.goto(base + reverse("wagtail_tickets_inbox:edit", args=[rollout.pk]))
    panel = page.locator(".wt-links")
    panel.scroll_into_view_if_needed()
    panel.screenshot(path=str(OUT / "admin-linked-tickets.png"))
    assert not failures
