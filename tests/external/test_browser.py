"""The external page embedded on another origin, in headless Chromium: a visitor opens a
ticket inside the iframe, follows the private link, replies, and sees the agent's answer.

The embedding page is example_site/embed (served by its own small server on 127.0.0.1);
the helpdesk is Django's live server on ``localhost``: two sites, so the frame is
cross-site and its cookies are third-party. The test checks that the helpdesk set none.

``UPDATE_SCREENSHOTS=1`` writes docs/screenshots/external-embedded.png.
"""

from __future__ import annotations

import threading

import pytest

from example_site.embed.serve import make_server
from tests.factories import TicketTypeFactory, UserFactory, external_page
from wagtail_tickets import actions
from wagtail_tickets.models import Ticket

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def embedding_site(live_server):
    """The second origin: the embedding page on 127.0.0.1 and a free port, framing the
    live server. Stopped at the end of the test."""
    server = make_server(live_server.url, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def type_into_editor(frame, text: str) -> None:
    editor = frame.locator("trix-editor").first
    editor.click()
    editor.press_sequentially(text)


def test_visitor_opens_and_follows_a_ticket_inside_a_foreign_iframe(
    live_server, embedding_site, browser_page, screenshot, settings, tmp_path
):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "EXTERNAL_FRAME_ANCESTORS": ("'self'", embedding_site),
        "EXTERNAL_MIN_FILL_SECONDS": 1,
        "BASE_URL": live_server.url,
    }
    support = TicketTypeFactory(name="Web shop", description="Orders and the web shop")
    external_page(offered=[support], alternative_url=f"{embedding_site}/")
    agent = UserFactory(username="anna", first_name="Anna", last_name="Agent", is_superuser=True)
    upload = tmp_path / "order-4711.txt"
    upload.write_text("order 4711")

    page = browser_page(viewport=(1100, 1000), timeout_ms=20_000)
    page.goto(embedding_site + "/")
    frame = page.frame_locator("#wagtail-tickets")

    # 1. open a ticket inside the iframe
    frame.locator("input[name=name]").fill("Vera Visitor")
    frame.locator("input[name=email]").fill("vera@example.org")
    frame.locator("select[name=type]").select_option(label="Web shop")
    frame.locator("input[name=subject]").fill("My order never arrived")
    type_into_editor(frame, "I ordered on Monday and nothing came.")
    frame.locator("input[name=attachments]").set_input_files(str(upload))
    page.wait_for_timeout(1100)  # a person takes longer than the minimum fill time
    frame.get_by_role("button", name="Open ticket").click()
    frame.locator("[data-wt-opened]").wait_for()
    ticket = Ticket.objects.get(subject="My order never arrived")
    assert ticket.requester is None and ticket.requester_email == "vera@example.org"
    assert ticket.messages.get().attachments.get().filename == "order-4711.txt"

    # 2. follow the private link: it leads to the embedding page, which opens the ticket
    link = frame.locator("[data-wt-private-link]")
    href = link.get_attribute("href")
    assert href.startswith(f"{embedding_site}/#ticket=")
    link.click()
    page.wait_for_url(href)
    frame.locator("form[data-wt-external-reply]").wait_for()
    assert frame.locator("[data-wt-opened]").count() == 0

    # 3. reply inside the frame
    type_into_editor(frame, "Tracking number is 123.")
    page.wait_for_timeout(1100)
    frame.get_by_role("button", name="Send reply").click()
    frame.locator(".wt-message-card__body", has_text="Tracking number is 123.").wait_for()
    assert ticket.messages.count() == 2

    # 4. the agent answers (in the admin: here through the action) and it shows up
    actions.add_reply(ticket, actor=agent, body_html="<p>Your parcel is on its way.</p>")
    page.reload()
    answer = frame.locator(".wt-message-card--staff", has_text="Your parcel is on its way.")
    answer.wait_for()
    assert answer.locator(".wt-tag").inner_text() == "Support team"

    # nothing of this needed a cookie of the helpdesk site (third-party in this frame)
    assert page.context.cookies(live_server.url) == []

    screenshot(page, "external-embedded.png", full_page=True)
