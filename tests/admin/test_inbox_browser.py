"""The inbox in a real browser, at a laptop's 1366 pixels: the agent sees which tickets
have customer messages they have not read, opens one, and assigns two tickets to a
colleague at once through the bar of ticked tickets and its confirmation page.

Also takes docs/screenshots/admin-inbox.png when ``UPDATE_SCREENSHOTS=1`` is set.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.admin.test_agent_browser import helpdesk
from wagtail_tickets import actions
from wagtail_tickets.models import Ticket, TicketVisit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BLANK = "Printer on floor 2 prints blank pages"
TONER = "Toner order for the office"
SCANNER = "Scanner sends empty PDFs"


def test_agent_sees_new_messages_opens_one_and_assigns_two_tickets(
    live_server, browser_page, screenshot
):
    world = helpdesk()
    anna = world["agent"]
    tickets = {t.subject: t for t in Ticket.objects.all()}
    # Anna has read everything; then two customers write again
    for ticket in tickets.values():
        TicketVisit.objects.create(user=anna, ticket=ticket, seen_at=timezone.now())
    actions.add_reply(
        tickets[BLANK], actor=world["customer"], body_html="<p>Still blank, even on <b>A3</b>.</p>"
    )
    dan = tickets[TONER].requester
    actions.add_reply(tickets[TONER], actor=dan, body_html="<p>Could you add two drums?</p>")

    page = browser_page(anna, viewport=(1366, 768))
    inbox = live_server.url + reverse("wagtail_tickets_inbox:index")
    page.goto(inbox + "?state=")
    rows = page.locator("table.wt-inbox tbody tr")
    rows.first.wait_for()
    assert rows.count() == 6

    # the marker: bold rows with a badge in words, and a filter
    new_rows = page.locator("tr.wt-new")
    assert new_rows.count() == 2
    assert sorted(new_rows.locator(".wt-subject__link").all_inner_texts()) == sorted([BLANK, TONER])
    assert new_rows.first.locator(".wt-new-badge").inner_text().startswith("NEW")
    weight = new_rows.first.locator(".wt-subject__link").evaluate(
        "a => getComputedStyle(a).fontWeight"
    )
    assert int(weight) >= 700
    preview = page.locator("tr", has_text=BLANK).locator(".wt-subject__preview")
    assert preview.inner_text().endswith("Still blank, even on A3.")
    # every row holds one or two lines at this width: the subject and its message line
    heights = rows.evaluate_all("rs => rs.map(r => r.getBoundingClientRect().height)")
    assert max(heights) < 80, heights
    subject_width = page.locator("th.wt-subject").evaluate("th => th.offsetWidth")
    other_widths = page.locator("table.wt-inbox thead th").evaluate_all(
        "ths => ths.filter(th => !th.classList.contains('wt-subject')).map(th => th.offsetWidth)"
    )
    assert subject_width > max(other_widths)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # the bar of ticked tickets, for the picture
    page.locator("tr", has_text=SCANNER).locator("input.wt-bulk-select").check()
    page.locator("tr", has_text=BLANK).locator("input.wt-bulk-select").check()
    bar = page.locator("#wt-bulk-form")
    bar.wait_for()
    assert bar.locator("[data-wt-bulk-number]").inner_text() == "2"
    screenshot(page, "admin-inbox.png", min_bytes=10_000)

    # open the new ticket through its subject
    page.locator("tr", has_text=BLANK).locator("a.wt-subject__link").click()
    page.wait_for_url(f"**/tickets/{tickets[BLANK].pk}/")
    assert page.locator("text=Still blank, even on").count() >= 1
    visit = TicketVisit.objects.get(user=anna, ticket=tickets[BLANK])
    assert visit.seen_at >= Ticket.objects.get(pk=tickets[BLANK].pk).last_customer_message_at
    page.goto(inbox + "?state=")
    rows.first.wait_for()
    assert page.locator("tr.wt-new").count() == 1
    assert page.locator("tr.wt-new .wt-subject__link").inner_text() == TONER

    # tick two tickets and assign them to Ben
    page.locator("tr", has_text=SCANNER).locator("input.wt-bulk-select").check()
    page.locator("tr", has_text=BLANK).locator("input.wt-bulk-select").check()
    page.select_option("#wt-bulk-change", label="Ben Kowalski")
    with page.expect_navigation():
        bar.locator("button[type=submit]").click()
    assert "/tickets/bulk/" in page.url
    assert page.locator("h2", has_text="Assign 2 tickets to Ben Kowalski.").count() == 1
    with page.expect_navigation():
        page.locator("button", has_text="Change 2 tickets").click()
    assert page.url.startswith(inbox)
    assert page.locator(".messages", has_text="2 tickets changed.").count() == 1
    ben = Ticket.objects.get(subject=TONER).assignee  # Ben held the toner ticket already
    assigned = Ticket.objects.filter(subject__in=[BLANK, SCANNER]).values_list(
        "assignee", flat=True
    )
    assert set(assigned) == {ben.pk}
    assert ben.get_full_name() == "Ben Kowalski"

    # the page's box ticks every row; "all matching" is offered only when there are more
    page.locator("input.wt-bulk-select-page").check()
    assert bar.locator("[data-wt-bulk-number]").inner_text() == "6"
    assert page.locator("[data-wt-bulk-select-all]").is_hidden()
