"""A customer who uses only the keyboard (Tab, Enter and typing) opens a ticket with a bold
phrase formatted through the editor's toolbar, replies to it and closes it; every focused
element shows a focus ring of at least 3:1 against the white page, and Tab always moves on
(no trap)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import TicketTypeFactory, UserFactory, grant
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
        outlineStyle: style.outlineStyle,
        outlineWidth: parseFloat(style.outlineWidth),
        outlineColor: style.outlineColor,
        html: element.outerHTML.slice(0, 120),
    };
}"""
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
    page.keyboard.type("Every page is blank")
    assert page.locator("trix-editor strong").inner_text() == "Every page is blank"
    tab_to(page, named("Open ticket"))
    enter_and_wait(page)

    ticket = Ticket.objects.get(subject="Printer prints blank pages")
    assert "<strong>Every page is blank</strong>" in ticket.messages.get().body_html
    assert page.url.endswith(reverse("wagtail_tickets:detail", args=[ticket.number]))

    tab_to(page, lambda info: info["tag"] == "trix-editor")
    page.keyboard.type("It also smells of toner.")
    tab_to(page, named("Send reply"))
    enter_and_wait(page)
    assert ticket.messages.count() == 2

    tab_to(page, named("Close ticket…"))
    enter_and_wait(page)
    tab_to(page, named("Yes, close it"))
    enter_and_wait(page)
    ticket.refresh_from_db()
    assert ticket.status.is_closed
