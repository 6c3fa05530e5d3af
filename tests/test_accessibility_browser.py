"""Every page the package renders, checked with axe-core in headless Chromium against the
WCAG 2.0, 2.1 and 2.2 A and AA rules: the customer area, the account pages, the external
page, and the agents' inbox, workspace, reports, customer tab and setup screens (in
Wagtail's light and dark themes).

axe-core comes from npm (package.json pins it; ``npm ci`` installs it into node_modules,
which dev.py and .ci/run do when npm exists) and is injected from that file, with no
network. Without it the test skips locally and fails in CI (``CI=true``).

A violation fails the test when any of its elements is in our markup. Violations that come
from Wagtail's own chrome, which the package cannot change, are listed in
``KNOWN_WAGTAIL_CHROME`` below with the reason; they are printed, never hidden.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser import type_in_editor
from tests.factories import (
    CompanyFactory,
    TicketTypeFactory,
    UserFactory,
    external_page,
    grant,
    make_ticket,
)
from tests.testapp.models import Company
from wagtail_tickets import actions
from wagtail_tickets.external import token as tokens
from wagtail_tickets.links import rating_url
from wagtail_tickets.models import SlaPolicy, Status, Ticket, TypePermission

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

# Violations in Wagtail's own markup: (axe rule, CSS selector of the Wagtail element the
# failing node sits in, why it is Wagtail's and not ours). A node outside these scopes, or
# of another rule, fails the test.
KNOWN_WAGTAIL_CHROME: list[tuple[str, str, str]] = []


def require_axe(path: Path = AXE) -> None:
    """Skip when axe-core is not installed, saying how to install it; in CI (``CI=true``)
    fail instead, so a CI run never passes without the check."""
    if path.exists():
        return
    message = f"axe-core is missing ({path}): run `npm ci` in the project folder"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def axe(chromium):
    """``axe(page, name)`` runs axe-core on the page and fails on violations in our markup."""
    require_axe()

    def check(page, name: str) -> list[dict]:
        page.wait_for_load_state("load")
        page.add_script_tag(path=str(AXE))
        found = page.evaluate(
            """async ([tags, known]) => {
                const result = await axe.run(document, {
                    runOnly: {type: "tag", values: tags},
                    resultTypes: ["violations"],
                });
                const inKnown = (rule, target) => {
                    if (target.length !== 1) return null;
                    const element = document.querySelector(target[0]);
                    if (!element) return null;
                    for (const [id, scope, reason] of known) {
                        if (id === rule && element.closest(scope)) return reason;
                    }
                    return null;
                };
                return result.violations.map((v) => ({
                    id: v.id,
                    impact: v.impact,
                    help: v.help,
                    nodes: v.nodes.map((n) => ({
                        target: n.target,
                        html: n.html.slice(0, 300),
                        summary: n.failureSummary,
                        known: inKnown(v.id, n.target),
                    })),
                }));
            }""",
            [WCAG_TAGS, KNOWN_WAGTAIL_CHROME],
        )
        ours = []
        for violation in found:
            for node in violation["nodes"]:
                if node["known"]:
                    print(f"[{name}] known Wagtail item {violation['id']}: {node['known']}")
                else:
                    ours.append({"page": name, "rule": violation["id"], **node})
        assert not ours, f"axe-core found violations on {name}:\n" + json.dumps(ours, indent=1)
        return found

    return check


def no_validation(page) -> None:
    """Let the browser send forms with empty required fields (the server's errors)."""
    page.evaluate("document.querySelectorAll('form').forEach((f) => { f.noValidate = true; })")


def submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


@pytest.fixture
def helpdesk(settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "EXTERNAL_MIN_FILL_SECONDS": 0}
    support = TicketTypeFactory(
        name="Support", description="Questions about our products", asks_for_rating=True
    )
    # every ticket gets service-level badges: running, paused (waiting) and breached
    SlaPolicy.objects.create(
        name="Support", ticket_type=support, first_response_minutes=240, resolution_minutes=2400
    )
    carol = UserFactory(username="carol", first_name="Carol", last_name="Meyer")
    grant(carol, support, TypePermission.Level.WRITE, group_name="Customers")
    acme = CompanyFactory(name="Acme Ltd")
    acme.users.add(carol)
    agent = UserFactory(
        username="anna", first_name="Anna", last_name="Berg", is_superuser=True, is_staff=True
    )
    statuses = {status.name: status for status in Status.objects.all()}
    waiting = Status.objects.create(
        name="Waiting for you", colour="#f9a825", waits_for_customer=True, sort_order=9
    )
    tickets = []
    for name in ("Open", "In progress", "Report", "Answer", "Closed"):
        ticket = make_ticket(carol, support, subject=f"Printer question ({name})")
        actions.change_ticket(ticket, status=statuses[name])
        tickets.append(ticket)
    ticket = make_ticket(
        carol, support, subject="Printer prints blank pages", body="<p>Every page is blank.</p>"
    )
    actions.add_reply(ticket, actor=agent, body_html="<p>Is the toner new?</p>")
    actions.add_reply(ticket, actor=agent, body_html="<p>Probably the fuser.</p>", internal=True)
    actions.change_ticket(ticket, status=waiting)
    past = timezone.now() - datetime.timedelta(hours=1)
    Ticket.objects.filter(pk=tickets[0].pk).update(
        sla_first_response_due_at=past, sla_next_due_at=past, sla_next_due_target="first_response"
    )
    actions.link_tickets(ticket, tickets[1], kind="related", actor=agent)
    rated = make_ticket(carol, support, subject="Toner delivered")
    rated.assignee = agent
    rated.save(update_fields=["assignee"])
    actions.add_reply(rated, actor=agent, body_html="<p>The toner is on its way.</p>")
    actions.close_ticket(rated, actor=agent)
    external_page(offered=[support])
    visitor = make_ticket(
        None,
        support,
        subject="Shop down",
        body="<p>The shop is down.</p>",
        requester_name="Vera Visitor",
        requester_email="vera@example.org",
    )
    actions.add_reply(visitor, actor=agent, body_html="<p>We are looking into it.</p>")
    return {
        "customer": carol,
        "agent": agent,
        "company": acme,
        "ticket": ticket,
        "visitor_token": tokens.issue_token(visitor),
        "rated": rated,
    }


def test_customer_pages(live_server, browser_page, axe, helpdesk):
    ticket = helpdesk["ticket"]
    page = browser_page(helpdesk["customer"])
    for name, path in [
        ("my tickets", reverse("wagtail_tickets:my_tickets")),
        ("my tickets waiting", reverse("wagtail_tickets:my_tickets") + "?state=waiting"),
        ("conversation", reverse("wagtail_tickets:detail", args=[ticket.number])),
        ("close confirmation", reverse("wagtail_tickets:close", args=[ticket.number])),
        ("profile", reverse("wagtail_tickets:profile")),
        ("new ticket", reverse("wagtail_tickets:create")),
    ]:
        page.goto(live_server.url + path)
        axe(page, name)
    no_validation(page)
    submit(page, "Open ticket")
    assert page.locator(".wt-errorlist, .wt-form-errors, [aria-invalid=true]").count() >= 1
    axe(page, "new ticket with errors")
    # a reply leaves a flash message on the conversation
    page.goto(live_server.url + reverse("wagtail_tickets:detail", args=[ticket.number]))
    page.locator("trix-editor").click()
    type_in_editor(page, "The toner is new.")
    submit(page, "Send reply")
    assert "The toner is new." in page.locator(".wt-conversation").inner_text()
    axe(page, "conversation after a reply")


def test_external_pages(live_server, browser_page, axe, helpdesk):
    page = browser_page()
    page.goto(live_server.url + reverse("wagtail_tickets:external"))
    axe(page, "external new ticket")
    no_validation(page)
    submit(page, "Open ticket")
    axe(page, "external new ticket with errors")
    path = reverse("wagtail_tickets:external_ticket", args=[helpdesk["visitor_token"]])
    page.goto(live_server.url + path)
    axe(page, "external private link")
    page.locator("trix-editor").click()
    type_in_editor(page, "Any news?")
    submit(page, "Send reply")
    assert "Any news?" in page.locator(".wt-conversation").inner_text()
    axe(page, "external private link after a reply")
    # the rating link of a closed ticket's mail, opened without an account
    page.goto(live_server.url + rating_url(helpdesk["rated"], "good"))
    axe(page, "rating confirmation")
    submit(page, "Send rating")
    assert "saved=1" in page.url, page.locator("main").inner_text()
    axe(page, "rating saved")


def test_account_pages(live_server, browser_page, axe, helpdesk, settings):
    settings.ROOT_URLCONF = "tests.accounts.urls"
    page = browser_page()
    page.goto(live_server.url + reverse("wagtail_tickets_accounts:login"))
    axe(page, "login")
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password").fill("wrong password")
    submit(page, "Log in")
    axe(page, "login with errors")
    page.goto(live_server.url + reverse("wagtail_tickets_accounts:password_reset"))
    axe(page, "password reset")
    signed_in = browser_page(helpdesk["customer"])
    for name, route in [
        ("account", "wagtail_tickets_accounts:account"),
        ("password change", "wagtail_tickets_accounts:password_change"),
    ]:
        signed_in.goto(live_server.url + reverse(route))
        axe(signed_in, name)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_agent_pages(live_server, browser_page, axe, helpdesk, theme):
    from wagtail.users.models import UserProfile

    agent = helpdesk["agent"]
    profile = UserProfile.get_for_user(agent)
    profile.theme = theme
    profile.save()
    ticket = helpdesk["ticket"]
    company = helpdesk["company"]
    reply = ticket.messages.order_by("pk")[1]
    page = browser_page(agent, viewport=(1440, 1000))
    for name, path in [
        ("inbox", reverse("wagtail_tickets_inbox:index")),
        ("workspace", reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])),
        ("reports", "/admin/ticket-reports/"),
        ("merge", reverse("wagtail_tickets_inbox:merge", args=[ticket.pk])),
        ("split", reverse("wagtail_tickets_inbox:split", args=[ticket.pk, reply.pk])),
        ("help centre report", reverse("wagtail_tickets_helpcentre_admin:report")),
        (
            "customer tab",
            reverse(Company.snippet_viewset.get_url_name("edit"), args=[company.pk])
            + "#tab-customer_tickets",
        ),
        ("types", reverse("wagtail_tickets_types:index")),
        ("new type", reverse("wagtail_tickets_types:add")),
        ("statuses", reverse("wagtail_tickets_statuses:index")),
        ("new status", reverse("wagtail_tickets_statuses:add")),
    ]:
        page.goto(live_server.url + path)
        if name == "workspace":
            # the reply editor's text box is named after its field's label
            reply = page.get_by_role("textbox", name=re.compile(r"^Message\b"))
            reply.wait_for()
            assert reply.get_attribute("contenteditable") == "true"
            assert page.locator(".wt-message__actions .button").count() >= 1
        if name == "inbox":
            # the badges whose colours axe checks against the theme's page
            for standing in ("paused", "breached"):
                assert page.locator(f".wt-sla-badge--{standing}").count() >= 1, standing
        axe(page, f"{name} ({theme})")
