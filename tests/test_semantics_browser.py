"""Screen-reader semantics of the pages we render, checked in headless Chromium: the page's
language, headings in order inside our own content, each form error tied to its field,
flash messages in a live region, and status badges that carry text (not colour alone)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.test_accessibility_browser import helpdesk, no_validation, submit  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Returns a list of problems on the page; ``scope`` is the CSS selector of our own content.
SEMANTICS = """(scope) => {
    const problems = [];
    const root = document.querySelector(scope);
    if (!root) return [`no element matches ${scope}`];
    // headings: inside our content a heading is at most one level below the one before it
    // (the first is compared with the nearest heading before our content, if any)
    const all = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
        .filter((h) => h.getClientRects().length);
    let previous = 0;
    for (const heading of all) {
        const level = Number(heading.tagName[1]);
        if (root.contains(heading) && previous && level > previous + 1) {
            const text = heading.textContent.trim();
            problems.push(`heading skips from h${previous} to h${level}: ${text}`);
        }
        previous = level;
    }
    // form errors: every error text is named by its field's aria-describedby, and the
    // field says aria-invalid
    for (const errors of root.querySelectorAll(".wt-field__errors, .error-message")) {
        const field = errors.closest(".wt-field, .w-field");
        const control = field && field.querySelector(
            "input:not([type=hidden]), select, textarea, trix-editor, [role=textbox]"
        );
        const text = errors.textContent.trim();
        if (!control) {
            problems.push(`error without a field: ${text}`);
            continue;
        }
        const described = (control.getAttribute("aria-describedby") || "").split(/\\s+/);
        if (!errors.id || !described.includes(errors.id)) {
            problems.push(`error not tied to ${control.name || control.id}: ${text}`);
        }
        if (control.getAttribute("aria-invalid") !== "true") {
            problems.push(`field with an error lacks aria-invalid: ${control.name || control.id}`);
        }
    }
    // flash messages (ours and Wagtail's) sit in a live region
    for (const message of document.querySelectorAll(".wt-messages li, .messages li")) {
        if (!message.closest("[role=status], [role=alert], [aria-live]")) {
            problems.push(`flash message outside a live region: ${message.textContent.trim()}`);
        }
    }
    // status badges and pills carry visible text
    for (const badge of root.querySelectorAll(".wt-badge, .wt-status, .wt-pill")) {
        if (!badge.textContent.trim()) {
            problems.push(`status badge without text: ${badge.outerHTML}`);
        }
    }
    return problems;
}"""


def check(page, name: str, scope: str, language: str = "en") -> None:
    page.wait_for_load_state("load")
    lang = page.evaluate("document.documentElement.lang")
    assert lang.split("-")[0].lower() == language, f"{name}: <html lang={lang!r}>"
    problems = page.evaluate(SEMANTICS, scope)
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_customer_pages(live_server, browser_page, helpdesk):  # noqa: F811
    ticket = helpdesk["ticket"]
    page = browser_page(helpdesk["customer"])
    page.goto(live_server.url + reverse("wagtail_tickets:my_tickets"))
    assert page.locator(".wt-badge").count() >= 1
    check(page, "my tickets", "main")
    page.goto(live_server.url + reverse("wagtail_tickets:detail", args=[ticket.number]))
    check(page, "conversation", "main")
    page.goto(live_server.url + reverse("wagtail_tickets:create"))
    no_validation(page)
    submit(page, "Open ticket")
    assert page.locator(".wt-field__errors").count() >= 1
    check(page, "new ticket with errors", "main")
    page.goto(live_server.url + reverse("wagtail_tickets:detail", args=[ticket.number]))
    page.locator("trix-editor").click()
    page.keyboard.type("The toner is new.")
    submit(page, "Send reply")
    assert page.locator(".wt-messages li").count() >= 1
    check(page, "conversation after a reply", "main")


def test_customer_pages_in_german(live_server, browser_page, helpdesk):  # noqa: F811
    page = browser_page(helpdesk["customer"])
    page.context.set_extra_http_headers({"Accept-Language": "de"})
    page.goto(live_server.url + reverse("wagtail_tickets:my_tickets"))
    check(page, "my tickets (de)", "main", language="de")


def test_external_pages(live_server, browser_page, helpdesk):  # noqa: F811
    page = browser_page()
    page.goto(live_server.url + reverse("wagtail_tickets:external"))
    check(page, "external new ticket", "main")
    no_validation(page)
    submit(page, "Open ticket")
    assert page.locator(".wt-field__errors").count() >= 1
    check(page, "external new ticket with errors", "main")
    path = reverse("wagtail_tickets:external_ticket", args=[helpdesk["visitor_token"]])
    page.goto(live_server.url + path)
    page.locator("trix-editor").click()
    page.keyboard.type("Any news?")
    submit(page, "Send reply")
    assert page.locator(".wt-messages li").count() >= 1
    check(page, "external private link after a reply", "main")


def test_workspace(live_server, browser_page, helpdesk):  # noqa: F811
    page = browser_page(helpdesk["agent"], viewport=(1440, 1000))
    page.goto(live_server.url + reverse("wagtail_tickets_inbox:edit", args=[helpdesk["ticket"].pk]))
    check(page, "workspace", "main")
    # sending an empty reply shows the field's error
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_load_state("load")
    assert page.locator(".messages li").count() >= 1
    check(page, "workspace with errors", "main")
