"""An agent inserts a link to a help article into a reply from the workspace, in a real
browser: Wagtail's page chooser limited to articles, the link pasted into the editor, and
the sent reply holding the article's full address.

``UPDATE_SCREENSHOTS=1`` writes docs/screenshots/help-centre-insert-article.png.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.admin.test_agent_browser import helpdesk

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_agent_inserts_a_help_article_into_a_reply(
    live_server, browser_page, screenshot, help_world
):
    world = helpdesk()
    ticket, agent = world["ticket"], world["agent"]
    page = browser_page(agent, viewport=(1366, 900), timeout_ms=20_000)
    page.goto(live_server.url + reverse("wagtail_tickets_inbox:edit", args=[ticket.pk]))

    editor = page.locator(".wt-reply-form .public-DraftEditor-content")
    editor.click()
    page.keyboard.type("Hello Carol, this article shows how: ")
    page.get_by_role("button", name="Insert help article").click()
    modal = page.locator(".modal-content")
    modal.locator("#id_q").fill("invoice")
    choice = modal.locator("a.choose-page", has_text="Download an invoice")
    choice.wait_for()
    # only articles can be chosen: the category of the same name is not offered
    assert modal.locator("a.choose-page", has_text="Billing").count() == 0
    choice.click()
    link = editor.locator("a", has_text="Download an invoice")
    link.wait_for()
    page.locator(".modal-backdrop").wait_for(state="detached")
    screenshot(page, "help-centre-insert-article.png")

    page.locator("[data-wt-draft-status]").filter(has_text="Draft saved").wait_for()
    with page.expect_navigation():
        page.locator("button[name=action][value=send]").click()
    reply = ticket.messages.filter(is_staff=True).latest("pk")
    assert "this article shows how" in reply.body_html
    assert f'href="{help_world["invoice"].full_url}"' in reply.body_html
