"""Screen-reader semantics of the pages we render, checked in headless Chromium: the page's
language, its landmarks, headings in order inside our own content, each form error tied to
its field, flash messages in a live region, and status badges that carry text (not colour
alone). Customers', visitors' and agents' pages alike, the account pages and the setup
screens included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import views as auth_views
from django.urls import path, reverse

from tests import urls as test_urls
from tests.browser import type_in_editor
from tests.factories import make_ticket
from tests.test_accessibility_browser import helpdesk, no_validation, submit  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EXAMPLE_TEMPLATES = Path(__file__).resolve().parents[1] / "example_site" / "templates"

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


# Returns a list of problems with the page's landmarks: exactly one main; banner and
# contentinfo at most once each, and a banner when ``frame`` is true (a page of its own, not
# one embedded in another site's frame); several navigation regions each with a name of its
# own; and nothing a reader perceives outside every landmark, except skip links.
LANDMARKS = """(frame) => {
    const problems = [];
    const visible = (element) => element.getClientRects().length > 0
        && getComputedStyle(element).visibility !== "hidden";
    const sectioning = "article, aside, main, nav, section";
    const name = (element) => {
        const label = element.getAttribute("aria-label");
        if (label && label.trim()) return label.trim();
        const ids = (element.getAttribute("aria-labelledby") || "").split(/\\s+/);
        return ids.map((id) => document.getElementById(id))
            .filter(Boolean).map((e) => e.textContent.trim()).join(" ");
    };
    const landmarks = {
        main: [...document.querySelectorAll("main, [role=main]")],
        banner: [...document.querySelectorAll("header, [role=banner]")]
            .filter((e) => e.getAttribute("role") === "banner"
                || !e.parentElement.closest(sectioning)),
        contentinfo: [...document.querySelectorAll("footer, [role=contentinfo]")]
            .filter((e) => e.getAttribute("role") === "contentinfo"
                || !e.parentElement.closest(sectioning)),
        navigation: [...document.querySelectorAll("nav, [role=navigation]")],
    };
    for (const kind in landmarks) {
        landmarks[kind] = landmarks[kind].filter((e) => !e.closest("[hidden], [aria-hidden=true]"));
    }
    if (landmarks.main.length !== 1) {
        problems.push(`${landmarks.main.length} main landmarks (one expected)`);
    }
    for (const kind of ["banner", "contentinfo"]) {
        if (landmarks[kind].length > 1) {
            problems.push(`${landmarks[kind].length} ${kind} landmarks (at most one expected)`);
        }
    }
    if (frame && landmarks.banner.length !== 1) {
        problems.push("no banner landmark: the page's header is not a top-level <header>");
    }
    const navigation = landmarks.navigation;
    if (navigation.length > 1) {
        const names = navigation.map(name);
        names.forEach((text, index) => {
            if (!text) {
                const html = navigation[index].outerHTML.slice(0, 80);
                problems.push(`navigation without a name: ${html}`);
            }
        });
        const named = names.filter(Boolean);
        if (new Set(named).size !== named.length) {
            problems.push(`navigation regions share a name: ${named.join(", ")}`);
        }
    }
    // what a reader perceives outside every landmark
    const landmark = "main, [role=main], nav, [role=navigation], aside, [role=complementary], "
        + "header, [role=banner], footer, [role=contentinfo], [role=search], "
        + "[role=region][aria-label], [role=region][aria-labelledby], "
        + "section[aria-label], section[aria-labelledby], form[aria-label], "
        + "[role=status], [role=alert], [aria-live], dialog, [role=dialog], "
        + "template, script, style, "
        + "[aria-hidden=true], [hidden]";
    const skip = (element) => element.matches("a[href^='#']")
        && element.getAttribute("href").length > 1
        && /skip|main|content/i.test(element.className + element.getAttribute("href"));
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const outside = new Set();
    while (walker.nextNode()) {
        const node = walker.currentNode;
        const element = node.parentElement;
        if (!node.textContent.trim() || !element || !visible(element)) continue;
        if (element.closest(landmark)) continue;
        if (skip(element.closest("a") || element)) continue;
        outside.add(element);
    }
    const controls = "input, select, textarea, button, [tabindex]";
    for (const element of document.body.querySelectorAll(controls)) {
        if (!visible(element) || element.closest(landmark)) continue;
        outside.add(element);
    }
    for (const element of outside) {
        problems.push(`outside every landmark: ${element.outerHTML.slice(0, 120)}`);
    }
    return problems;
}"""


def check(
    page, name: str, scope: str = "main", language: str = "en", *, frame: bool = False
) -> None:
    """Checks language, landmarks and the semantics of ``scope``; ``frame`` when the page
    is a site's page of its own (it must have a banner)."""
    page.wait_for_load_state("load")
    lang = page.evaluate("document.documentElement.lang")
    assert lang.split("-")[0].lower() == language, f"{name}: <html lang={lang!r}>"
    problems = page.evaluate(LANDMARKS, frame) + page.evaluate(SEMANTICS, scope)
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_customer_pages(live_server, browser_page, helpdesk):  # noqa: F811
    ticket = helpdesk["ticket"]
    page = browser_page(helpdesk["customer"])
    page.goto(live_server.url + reverse("wagtail_tickets:my_tickets"))
    assert page.locator(".wt-badge").count() >= 1
    check(page, "my tickets", frame=True)
    page.goto(live_server.url + reverse("wagtail_tickets:detail", args=[ticket.number]))
    check(page, "conversation", frame=True)
    page.goto(live_server.url + reverse("wagtail_tickets:profile"))
    check(page, "profile", frame=True)
    page.goto(live_server.url + reverse("wagtail_tickets:create"))
    no_validation(page)
    submit(page, "Open ticket")
    assert page.locator(".wt-field__errors").count() >= 1
    check(page, "new ticket with errors", frame=True)
    page.goto(live_server.url + reverse("wagtail_tickets:detail", args=[ticket.number]))
    page.locator("trix-editor").click()
    type_in_editor(page, "The toner is new.")
    submit(page, "Send reply")
    assert "The toner is new." in page.locator(".wt-conversation").inner_text()
    check(page, "conversation after a reply", frame=True)


def test_customer_pages_in_german(live_server, browser_page, helpdesk):  # noqa: F811
    page = browser_page(helpdesk["customer"])
    page.context.set_extra_http_headers({"Accept-Language": "de"})
    page.goto(live_server.url + reverse("wagtail_tickets:my_tickets"))
    check(page, "my tickets (de)", language="de", frame=True)


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
    type_in_editor(page, "Any news?")
    submit(page, "Send reply")
    assert "Any news?" in page.locator(".wt-conversation").inner_text()
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


def test_account_pages(live_server, browser_page, helpdesk, settings):  # noqa: F811
    settings.ROOT_URLCONF = "tests.accounts.urls"
    page = browser_page()
    page.goto(live_server.url + reverse("wagtail_tickets_accounts:login"))
    check(page, "login", frame=True)
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password").fill("wrong password")
    submit(page, "Log in")
    assert page.locator(".wt-alert[role=alert]").count() >= 1
    check(page, "login with errors", frame=True)
    page.goto(live_server.url + reverse("wagtail_tickets_accounts:password_reset"))
    check(page, "password reset", frame=True)
    no_validation(page)
    submit(page, "Send the link")
    check(page, "password reset with errors", frame=True)
    signed_in = browser_page(helpdesk["customer"])
    signed_in.goto(live_server.url + reverse("wagtail_tickets_accounts:account"))
    check(signed_in, "account", frame=True)
    signed_in.goto(live_server.url + reverse("wagtail_tickets_accounts:password_change"))
    no_validation(signed_in)
    signed_in.get_by_label("Old password").fill("not the password")
    submit(signed_in, "Change password")
    assert signed_in.locator("[aria-invalid=true]").count() >= 1
    check(signed_in, "password change with errors", frame=True)


def test_agent_pages(live_server, browser_page, helpdesk):  # noqa: F811
    page = browser_page(helpdesk["agent"], viewport=(1440, 1000))
    page.goto(live_server.url + reverse("wagtail_tickets_inbox:index"))
    assert page.locator("table.wt-inbox .wt-status").count() >= 5
    check(page, "inbox")
    page.goto(live_server.url + "/admin/ticket-reports/")
    check(page, "reports")
    for name, route in [
        ("types", "wagtail_tickets_types:index"),
        ("statuses", "wagtail_tickets_statuses:index"),
        ("priorities", "wagtail_tickets_priorities:index"),
        ("categories", "wagtail_tickets_categories:index"),
        ("response templates", "wagtail_tickets_response_templates:index"),
        ("mailboxes", "wagtail_tickets_mailboxes:index"),
        ("quarantine", "wagtail_tickets_quarantine:index"),
    ]:
        page.goto(live_server.url + reverse(route))
        check(page, name)
    for name, route in [
        ("new type", "wagtail_tickets_types:add"),
        ("new status", "wagtail_tickets_statuses:add"),
        ("new mailbox", "wagtail_tickets_mailboxes:add"),
    ]:
        page.goto(live_server.url + reverse(route))
        check(page, name)
        # saved empty: each field's error is tied to it, the message sits in a live region
        no_validation(page)
        page.get_by_role("button", name=re.compile(r"^(Save|Create)")).first.click()
        page.wait_for_load_state("load")
        assert page.locator(".error-message").count() >= 1, name
        assert page.locator(".messages li").count() >= 1, name
        check(page, f"{name} with errors")


# The test project's URLs with the "logout" the example site's base template links to.
urlpatterns = [
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    *test_urls.urlpatterns,
]


def test_example_site_customer_area(live_server, browser_page, helpdesk, settings):  # noqa: F811
    """The customer area inside the example site's own layout (its base template with a
    side navigation), as docs/accessibility.md asks of a site's template."""
    settings.ROOT_URLCONF = __name__
    settings.TEMPLATES = [
        {**engine, "DIRS": [*engine["DIRS"], EXAMPLE_TEMPLATES]} for engine in settings.TEMPLATES
    ]
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "CUSTOMER_BASE_TEMPLATE": "example_site/customer_area.html",
    }
    page = browser_page(helpdesk["customer"])
    page.goto(live_server.url + reverse("wagtail_tickets:my_tickets"))
    assert page.locator("body.customer-area .site-header").count() == 1
    check(page, "example site: my tickets", frame=True)
    page.goto(live_server.url + reverse("wagtail_tickets:detail", args=[helpdesk["ticket"].number]))
    check(page, "example site: conversation", frame=True)


# counts the changes of the inbox's live region's text, and keeps the texts it had
WATCH_NEWS = """() => {
    const news = document.querySelector("[data-wt-inbox-news]");
    window.wtNews = [];
    new MutationObserver(() => {
        if (news.textContent) window.wtNews.push(news.textContent);
    }).observe(news, { childList: true, characterData: true, subtree: true });
}"""


def test_inbox_announces_new_tickets(live_server, browser_page, helpdesk, settings, screenshot):  # noqa: F811
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "INBOX_REFRESH_SECONDS": 1}
    page = browser_page(helpdesk["agent"], viewport=(1440, 1000))
    polls = []
    page.on("request", lambda request: "/results/" in request.url and polls.append(request.url))
    page.goto(live_server.url + reverse("wagtail_tickets_inbox:index"))
    news = page.locator("[data-wt-inbox-news]")
    assert news.get_attribute("role") == "status"
    assert news.get_attribute("aria-live") == "polite"
    # the region sits outside the part of the page that the refresh replaces
    assert page.locator("#listing-results [data-wt-inbox-news]").count() == 0
    page.evaluate(WATCH_NEWS)
    rows = page.locator("table.wt-inbox a.wt-number")
    before = rows.count()
    # nothing new: polls come and go in silence
    page.wait_for_timeout(3000)
    assert len(polls) >= 2
    assert page.evaluate("window.wtNews") == []
    assert news.text_content() == ""

    support = helpdesk["ticket"].ticket_type
    for subject in ("Invoice <b>missing</b>", "Login broken"):
        make_ticket(helpdesk["customer"], support, subject=subject)
    page.wait_for_function("window.wtNews.length > 0", timeout=10_000)
    assert news.text_content() == "New tickets in the list: 2"
    assert rows.count() == before + 2
    assert page.get_by_text("Invoice <b>missing</b>").count() == 1
    screenshot(page, "admin-inbox-live-refresh.png", min_bytes=20_000)
    # more polls with nothing new announce nothing more
    polled = len(polls)
    page.wait_for_timeout(3000)
    assert len(polls) >= polled + 2
    assert page.evaluate("window.wtNews") == ["New tickets in the list: 2"]

    # while tickets are ticked the rows stay as they are; afterwards one more arrives
    page.locator("input.wt-bulk-select").first.check()
    make_ticket(helpdesk["customer"], support, subject="Third question")
    page.wait_for_timeout(2500)
    assert rows.count() == before + 2
    page.locator("input.wt-bulk-select").first.uncheck()
    page.evaluate("document.activeElement.blur()")  # focus leaves the listing
    page.wait_for_function("window.wtNews.length > 1", timeout=10_000)
    assert page.evaluate("window.wtNews") == [
        "New tickets in the list: 2",
        "New tickets in the list: 1",
    ]
    assert rows.count() == before + 3
    check(page, "inbox after new tickets arrived")


def test_the_checks_find_problems(browser_page):
    """The checks above report what they look for (a page made to fail each of them)."""
    page = browser_page()
    page.set_content(
        """<!DOCTYPE html><html><body>
        <p>Text outside every landmark</p>
        <nav><a href="/">Home</a></nav><nav><a href="/a">A</a></nav>
        <main><h1>Title</h1><h3>Skipped a level</h3>
            <div class="wt-field"><ul class="wt-field__errors" id="x_errors"><li>Wrong</li></ul>
            <input name="x"></div>
            <span class="wt-badge"></span></main>
        <main>Second</main>
        <ul class="wt-messages"><li>Saved</li></ul>
        </body></html>"""
    )
    problems = page.evaluate(LANDMARKS, True) + page.evaluate(SEMANTICS, "main")
    text = "\n".join(problems)
    for expected in [
        "2 main landmarks",
        "no banner landmark",
        "navigation without a name",
        "outside every landmark: <p>Text outside",
        "heading skips from h1 to h3",
        "error not tied to x",
        "lacks aria-invalid: x",
        "flash message outside a live region",
        "status badge without text",
    ]:
        assert expected in text, f"{expected!r} not reported:\n{text}"
    assert page.evaluate("document.documentElement.lang") == ""
