"""Two agents on one ticket, each in their own browser: each sees the other in the
workspace, sees "writing a reply" while the other types, and the one who sends second is
stopped and shown the first one's answer before confirming; leaving takes an agent off
the other's list.

Also takes docs/screenshots/admin-presence.png and admin-send-check.png when
``UPDATE_SCREENSHOTS=1`` is set."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.admin.test_agent_browser import helpdesk
from wagtail_tickets.models import Message, TicketPresence
from wagtail_tickets.models.tickets import agent_name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WAIT_MS = 15_000
QUIET_PINGS = """() => new Promise((done) => {
    let changes = 0;
    const watcher = new MutationObserver((records) => { changes += records.length; });
    watcher.observe(document.querySelector('[data-wt-presence-list]'),
                    {childList: true, subtree: true, characterData: true});
    setTimeout(() => { watcher.disconnect(); done(changes); }, 3500);
})"""


def editor(page):
    return page.locator(".wt-reply-form .public-DraftEditor-content")


def test_two_agents_on_one_ticket(live_server, browser_page, screenshot, settings):
    settings.WAGTAIL_TICKETS = {"PRESENCE_PING_SECONDS": 1}
    world = helpdesk()
    ticket, anna = world["ticket"], world["agent"]
    ben = type(anna)._default_manager.get(username="ben")
    workspace = live_server.url + reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])
    anna_page = browser_page(anna, viewport=(1366, 900))
    ben_page = browser_page(ben, viewport=(1366, 900))
    for page in (anna_page, ben_page):
        page.on("dialog", lambda dialog: dialog.accept())

    ben_page.goto(workspace)
    anna_page.goto(workspace)
    anna_list = anna_page.locator("[data-wt-presence-list]")
    ben_list = ben_page.locator("[data-wt-presence-list]")
    # Anna sees Ben as the page opens; Ben sees Anna at his next ping
    assert agent_name(ben) in anna_list.inner_text()
    ben_list.get_by_text(agent_name(anna)).wait_for(timeout=WAIT_MS)
    assert "writing" not in anna_list.inner_text()
    # a live region: pings that bring nothing new leave it alone (nothing re-announced)
    changes = anna_page.evaluate(QUIET_PINGS)
    assert changes == 0

    # Ben types: Anna sees that he is writing
    editor(ben_page).click()
    ben_page.keyboard.type("Hello Carol, the fuser is on its way.")
    anna_list.locator(".wt-presence__agent--writing").wait_for(timeout=WAIT_MS)
    assert f"{agent_name(ben)} is writing a reply" in anna_list.inner_text()

    # Anna writes her own answer meanwhile; Ben sends first
    editor(anna_page).click()
    anna_page.keyboard.type("Hello Carol, a technician comes tomorrow.")
    ben_list.locator(".wt-presence__agent--writing").wait_for(timeout=WAIT_MS)
    anna_page.set_viewport_size({"width": 1366, "height": 620})
    anna_page.evaluate("document.querySelector('.wt-ticket-header').scrollIntoView()")
    screenshot(anna_page, "admin-presence.png", min_bytes=10_000)
    anna_page.set_viewport_size({"width": 1366, "height": 900})
    bens_before = Message.objects.filter(ticket=ticket, author=ben).count()
    with ben_page.expect_navigation():
        ben_page.locator("button.wt-send").click()
    assert Message.objects.filter(ticket=ticket, author=ben).count() == bens_before + 1

    # Anna's page learns of the new message at its next ping, before she sends
    anna_page.locator("[data-wt-presence-changed]").wait_for(timeout=WAIT_MS)

    # Anna sends: held, with Ben's answer shown, her text still in the box
    before = Message.objects.filter(ticket=ticket).count()
    with anna_page.expect_navigation():
        anna_page.locator("button.wt-send").click()
    conflict = anna_page.locator("[data-wt-send-conflict]")
    conflict.wait_for()
    assert "the fuser is on its way" in conflict.inner_text()
    assert "technician comes tomorrow" in editor(anna_page).inner_text()
    assert Message.objects.filter(ticket=ticket).count() == before
    anna_page.evaluate("document.querySelector('#wt-reply-title').scrollIntoView()")
    screenshot(anna_page, "admin-send-check.png", min_bytes=10_000)

    # she confirms: sent once, nothing doubled
    with anna_page.expect_navigation():
        anna_page.locator("[data-wt-send-anyway]").click()
    assert anna_page.locator("[data-wt-send-conflict]").count() == 0
    assert Message.objects.filter(ticket=ticket).count() == before + 1
    assert Message.objects.filter(ticket=ticket, author=anna).count() == 1
    assert Message.objects.filter(ticket=ticket, author=ben).count() == bens_before + 1

    # Ben leaves the ticket: his beacon takes him off Anna's list
    anna_list.get_by_text(agent_name(ben)).wait_for(timeout=WAIT_MS)
    ben_page.goto(live_server.url + reverse("wagtail_tickets_inbox:index"))
    anna_list.get_by_text(agent_name(ben)).wait_for(state="detached", timeout=WAIT_MS)
    assert not TicketPresence.objects.filter(user=ben, ticket=ticket).exists()
