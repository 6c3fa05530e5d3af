"""The suggestion box in headless Chromium: inside the external page embedded in an iframe
of another origin (its cookies are third-party there, and it sets none), and on a help
article page.

``UPDATE_SCREENSHOTS=1`` writes docs/screenshots/help-centre-suggestions.png and
docs/screenshots/help-centre-article.png.
"""

from __future__ import annotations

import threading

import pytest

from example_site.embed.serve import make_server
from tests.factories import TicketTypeFactory, external_page
from wagtail_tickets.contrib.helpcentre.models import ArticleFeedback, RelatedArticle
from wagtail_tickets.models import Ticket

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def embedding_site(live_server):
    """The second origin framing the live server; stopped at the end of the test."""
    server = make_server(live_server.url, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_suggestions_inside_a_foreign_iframe(
    live_server, embedding_site, browser_page, screenshot, settings, help_world
):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "EXTERNAL_FRAME_ANCESTORS": ("'self'", embedding_site),
    }
    support = TicketTypeFactory(name="Web shop", description="Orders and the web shop")
    external_page(offered=[support], alternative_url=f"{embedding_site}/")

    page = browser_page(viewport=(1100, 1000), timeout_ms=20_000)
    page.goto(embedding_site + "/")
    frame = page.frame_locator("#wagtail-tickets")
    box = frame.locator("[data-wt-help-suggest]")
    assert box.is_hidden()

    frame.locator("input[name=name]").fill("Vera Visitor")
    frame.locator("input[name=subject]").press_sequentially("Where is my invoice PDF", delay=30)
    link = box.locator(".wt-help-suggest__link", has_text="Download an invoice")
    link.wait_for()
    assert box.is_visible()
    assert link.get_attribute("href").endswith(help_world["invoice"].url)
    assert link.get_attribute("target") == "_blank"
    screenshot(page, "help-centre-suggestions.png", full_page=True)

    item = box.locator(".wt-help-suggest__item").filter(has_text="Download an invoice")
    item.get_by_role("button", name="This answered my question").click()
    box.locator("[data-wt-help-suggest-status]", has_text="glad it helped").wait_for()
    row = ArticleFeedback.objects.get()
    assert (row.article_id, row.source, row.deflected) == (
        help_world["invoice"].pk,
        "external",
        1,
    )
    assert not Ticket.objects.exists()

    # clearing the subject hides the suggestions again (the thanks stay)
    frame.locator("input[name=subject]").fill("")
    frame.locator("input[name=subject]").press("Backspace")
    page.wait_for_timeout(600)
    assert box.locator(".wt-help-suggest__item").count() == 0

    # nothing of this needed a cookie of the helpdesk site (third-party in this frame)
    assert page.context.cookies(live_server.url) == []


def test_an_article_page_and_its_vote(live_server, browser_page, screenshot, help_world):
    RelatedArticle.objects.create(
        article=help_world["invoice"], related=help_world["refund"], sort_order=0
    )
    page = browser_page(viewport=(1000, 900), timeout_ms=20_000)
    page.goto(live_server.url + help_world["invoice"].url)
    page.get_by_role("heading", name="Download an invoice").wait_for()
    assert page.get_by_role("link", name="Ask for a refund").is_visible()
    screenshot(page, "help-centre-article.png", full_page=True)
    page.get_by_role("button", name="Yes").click()
    page.get_by_text("Thank you for your feedback!").wait_for()
    assert ArticleFeedback.objects.get().helpful == 1
    assert page.context.cookies(live_server.url) == []
