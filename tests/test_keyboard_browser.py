"""A customer who uses only the keyboard (Tab, Enter and typing) opens a ticket with a bold
phrase formatted through the editor's toolbar, replies to it and closes it; every focused
element shows a focus ring of at least 3:1 against the white page, and Tab always moves on
(no trap). An agent claims, answers and changes a field in the workspace the same way."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.browser import type_in_editor
from tests.factories import TicketTypeFactory, UserFactory, grant, make_ticket
from wagtail_tickets.colours import contrast_ratio
from wagtail_tickets.models import Ticket, TypePermission

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FOCUSED = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    return {
        tag: element.tagName.toLowerCase(),
        text: (element.innerText || element.value || element.getAttribute("aria-label") || "")
            .trim(),
        attribute: element.getAttribute("data-trix-attribute"),
        role: element.getAttribute("role"),
        name: element.getAttribute("name"),
        value: element.value === undefined ? null : element.value,
        outlineStyle: style.outlineStyle,
        outlineWidth: parseFloat(style.outlineWidth),
        outlineColor: style.outlineColor,
        html: element.outerHTML.slice(0, 120),
    };
}"""
NEXT_FRAMES = """() => new Promise(
    (done) => requestAnimationFrame(() => requestAnimationFrame(done))
)"""
RGB = re.compile(r"rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)")


def ring_contrast(colour: str) -> float:
    """The contrast of an opaque outline colour against white (0 when it is see-through)."""
    match = RGB.fullmatch(colour)
    assert match, colour
    red, green, blue, alpha = match.groups()
    if alpha is not None and float(alpha) < 1:
        return 0.0
    return contrast_ratio(f"#{int(red):02x}{int(green):02x}{int(blue):02x}", "#ffffff")


def tab_to(page, wanted, limit: int = 60) -> dict:
    """Press Tab until the focused element is ``wanted(info)``; each element on the way
    must show a focus ring of at least 3:1."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUSED)
        if info["tag"] != "body":
            assert info["outlineStyle"] not in ("none", "hidden"), info
            assert info["outlineWidth"] >= 2, info
            assert ring_contrast(info["outlineColor"]) >= 3, info
        seen.append(info["html"])
        if wanted(info):
            # the focus must stay put: a script that takes it back a moment later (an
            # editor rendering late) would swallow the next key
            page.evaluate(NEXT_FRAMES)
            later = page.evaluate(FOCUSED)
            assert later["html"] == info["html"], f"focus moved on to {later['html']}"
            return info
    raise AssertionError("never reached; Tab went through:\n" + "\n".join(seen))


def named(text: str):
    return lambda info: info["text"] == text


def enter_and_wait(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_keyboard_only_customer_opens_replies_to_and_closes_a_ticket(live_server, browser_page):
    support = TicketTypeFactory(name="Support")
    customer = UserFactory(username="kim", first_name="Kim", last_name="Keys")
    grant(customer, support, TypePermission.Level.WRITE, group_name="Customers")
    page = browser_page(customer, viewport=(1200, 900), timeout_ms=20_000)
    page.goto(live_server.url + reverse("wagtail_tickets:my_tickets"))

    tab_to(page, named("New ticket"))
    enter_and_wait(page)
    assert page.url.endswith(reverse("wagtail_tickets:create"))
    tab_to(page, lambda info: info["tag"] == "input" and "subject" in info["html"])
    page.keyboard.type("Printer prints blank pages")
    # the toolbar is in the tab order; Enter on Bold puts the caret back in the text
    tab_to(page, lambda info: info["attribute"] == "bold")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName") == "TRIX-EDITOR"
    type_in_editor(page, "Every page is blank")
    assert page.locator("trix-editor strong").inner_text() == "Every page is blank"
    tab_to(page, named("Open ticket"))
    enter_and_wait(page)

    ticket = Ticket.objects.get(subject="Printer prints blank pages")
    assert "<strong>Every page is blank</strong>" in ticket.messages.get().body_html
    assert page.url.endswith(reverse("wagtail_tickets:detail", args=[ticket.number]))

    tab_to(page, lambda info: info["tag"] == "trix-editor")
    type_in_editor(page, "It also smells of toner.")
    tab_to(page, named("Send reply"))
    enter_and_wait(page)
    assert ticket.messages.count() == 2

    tab_to(page, named("Close ticket…"))
    enter_and_wait(page)
    tab_to(page, named("Yes, close it"))
    enter_and_wait(page)
    ticket.refresh_from_db()
    assert ticket.status.is_closed


def test_keyboard_only_agent_claims_answers_and_changes_a_field(live_server, browser_page):
    """In the workspace an agent claims the ticket, writes and sends an answer, and sets
    the priority, with Tab, Enter, arrow keys and typing only."""
    from wagtail_tickets.models import Priority

    support = TicketTypeFactory(name="Support")
    customer = UserFactory(username="kim", first_name="Kim", last_name="Keys")
    grant(customer, support, TypePermission.Level.WRITE, group_name="Customers")
    agent = UserFactory(
        username="anna", first_name="Anna", last_name="Berg", is_superuser=True, is_staff=True
    )
    ticket = make_ticket(customer, support, subject="Printer prints blank pages")
    priorities = list(Priority.objects.order_by("sort_order", "pk"))
    assert len(priorities) >= 2
    page = browser_page(agent, viewport=(1440, 1000), timeout_ms=20_000)
    page.goto(live_server.url + reverse("wagtail_tickets_inbox:edit", args=[ticket.pk]))

    tab_to(page, named("Claim"), limit=200)
    enter_and_wait(page)
    ticket.refresh_from_db()
    assert ticket.assignee == agent

    # the reply editor (Draftail) is reached with Tab and takes typed text
    editor = tab_to(page, lambda info: info["role"] == "textbox", limit=200)
    assert "public-DraftEditor-content" in editor["html"]
    page.keyboard.type("Please try a new toner cartridge.")
    # Draftail copies its content into the form's hidden input a moment after typing
    page.wait_for_function(
        "() => [...document.querySelectorAll('input[type=hidden]')]"
        ".some((input) => input.value.includes('new toner cartridge'))"
    )
    tab_to(page, named("Send"), limit=200)
    enter_and_wait(page)
    answer = ticket.messages.order_by("-pk").first()
    assert answer.author == agent
    assert "new toner cartridge" in answer.body_html

    # a closed <select> changes with the arrow keys; Save changes sends the fields
    select = tab_to(page, lambda info: info["name"] == "priority", limit=200)
    before = select["value"]
    page.keyboard.press("ArrowDown")
    after = page.evaluate("document.activeElement.value")
    assert after != before
    tab_to(page, named("Save changes"), limit=200)
    enter_and_wait(page)
    ticket.refresh_from_db()
    assert str(ticket.priority_id) == after

    # no trap: Shift+Tab walks back out of the fields panel to the reply form
    for _ in range(200):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.closest('.wt-side') === null"):
            break
    else:
        raise AssertionError("Shift+Tab never left the fields panel")
