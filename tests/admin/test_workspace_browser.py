"""An agent's first hour in the workspace, in a real browser: open a ticket (the customer's
messages marked new), type a reply, save the priority without losing the text (a reload
finds the draft), look at the mail the customer will get, and send with "Send and set
status to ...".

Also takes docs/screenshots/admin-workspace.png when ``UPDATE_SCREENSHOTS=1`` is set
(otherwise it goes to the test's temporary folder).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.admin.test_agent_browser import helpdesk
from wagtail_tickets.models import ReplyDraft, TicketVisit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LEAVING_IS_QUESTIONED = """() => {
    const event = new Event('beforeunload', {cancelable: true});
    window.dispatchEvent(event);
    return event.defaultPrevented;
}"""


def test_first_hour_in_the_workspace(live_server, browser_page, screenshot):
    world = helpdesk()
    ticket, agent = world["ticket"], world["agent"]
    page = browser_page(agent, viewport=(1366, 768))
    page.on("dialog", lambda dialog: dialog.accept())
    workspace = live_server.url + reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])

    page.goto(workspace)
    # never opened before: the customer's two messages are new, the agents' are not
    assert page.locator(".wt-message .wt-tag--new").count() == 2
    assert TicketVisit.objects.filter(user=agent, ticket=ticket).count() == 1
    # the subject once, under the sticky header rather than beneath it
    assert page.get_by_text("Printer on floor 2 prints blank pages", exact=True).count() == 1
    header = page.locator(".w-slim-header").bounding_box()
    card = page.locator(".wt-ticket-header").bounding_box()
    assert card["y"] >= header["y"] + header["height"]
    # the editor writes at the conversation's size
    sizes = page.evaluate(
        """() => [
            getComputedStyle(document.querySelector('.wt-message__body')).fontSize,
            getComputedStyle(document.querySelector('.public-DraftEditor-content')).fontSize,
        ]"""
    )
    assert sizes[0] == sizes[1]

    editor = page.locator(".wt-reply-form .public-DraftEditor-content")
    editor.click()
    page.keyboard.type("Hello Carol, we are sending a technician.")
    assert page.evaluate(LEAVING_IS_QUESTIONED) is True
    status = page.locator("[data-wt-draft-status]")
    status.filter(has_text="Draft saved").wait_for(timeout=10_000)
    assert page.evaluate(LEAVING_IS_QUESTIONED) is False
    assert "sending a technician" in ReplyDraft.objects.get(user=agent, ticket=ticket).body

    # a field saved on its own: the page reloads and the reply is still there
    page.select_option("select[name=priority]", label="High")
    with page.expect_navigation():
        page.locator("button[name=action][value=fields]").click()
    assert page.locator(".wt-ticket-badges", has_text="High").count() == 1
    assert "sending a technician" in editor.inner_text()
    page.reload()
    assert "sending a technician" in editor.inner_text()
    assert page.locator(".wt-message .wt-tag--new").count() == 0  # seen now

    # the mail as the customer will get it
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" He comes tomorrow.")
    page.locator("[data-wt-preview] summary").click()
    frame = page.frame_locator(".wt-mail-preview__frame")
    frame.get_by_text("He comes tomorrow.", exact=False).wait_for(timeout=10_000)
    preview = page.locator("[data-wt-preview-body]")
    assert f"[ts #{ticket.number}]" in preview.inner_text()
    assert "carol@acme.example" in preview.inner_text()
    page.set_viewport_size({"width": 1366, "height": 2200})
    page.evaluate("document.querySelector('.wt-workspace').scrollIntoView()")
    screenshot(page, "admin-workspace.png", min_bytes=10_000)
    page.set_viewport_size({"width": 1366, "height": 768})

    # send and set the status in one go
    page.locator(".wt-split__more summary").click()
    with page.expect_navigation():
        page.locator(".wt-split__item", has_text="Answer").click()
    assert page.locator(".wt-ticket-badges", has_text="Answer").count() == 1
    answer = ticket.messages.filter(is_staff=True, is_internal=False).get()
    assert "sending a technician" in answer.body_html
    assert "He comes tomorrow." in answer.body_html
    ticket.refresh_from_db()
    assert ticket.status.name == "Answer" and ticket.priority.name == "High"
    assert not ReplyDraft.objects.filter(user=agent, ticket=ticket).exists()
    assert page.locator("[data-wt-discard]").is_hidden()
    assert "technician" not in editor.inner_text()
    assert page.evaluate(LEAVING_IS_QUESTIONED) is False
