"""The "Ticket types" panel in a real browser: an administrator picks levels and saves.

Also takes the screenshot in docs/screenshots/admin-group-permissions.png when
``UPDATE_SCREENSHOTS=1`` is set (otherwise it goes to the test's temporary folder).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import GroupFactory, TicketTypeFactory, TypePermissionFactory, UserFactory
from wagtail_tickets.models import TicketTypeGroup, TypePermission

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs/screenshots/admin-group-permissions.png"

Level = TypePermission.Level

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test
    # itself are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()
            browser.close()


def test_administrator_sets_levels_in_the_browser(live_server, client, browser_page, tmp_path):
    products = TicketTypeGroup.objects.create(name="Products")
    support = TicketTypeFactory(name="Support", group=products, sort_order=1)
    billing = TicketTypeFactory(name="Billing", group=products, sort_order=2)
    TicketTypeFactory(name="Hardware repairs", sort_order=3)
    TicketTypeFactory(name="Old web shop", sort_order=4, active=False)
    group = GroupFactory(name="Customers")
    TypePermissionFactory(group=group, ticket_type=support, level=Level.WRITE)
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    client.force_login(admin)
    browser_page.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = browser_page.new_page()
    page.goto(live_server.url + reverse("wagtailusers_groups:edit", args=[group.pk]))
    table = page.locator("#ticket-type-permissions-table")
    table.wait_for()
    assert table.locator("tbody tr").count() == 4
    support_row = table.locator("tbody tr", has_text="Support")
    assert support_row.locator(f"input[value='{Level.WRITE}']").is_checked()

    billing_row = table.locator("tbody tr", has_text="Billing")
    billing_row.locator(f"input[value='{Level.MANAGE}']").check()
    support_row.locator(f"input[value='{Level.DELETE}']").check()

    panel = page.locator("#ticket-type-permissions-section")
    assert panel.locator("h2", has_text="Ticket types").count() == 1
    panel.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.evaluate("window.scrollBy(0, -120)")
    shot = tmp_path / "admin-group-permissions.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 5000
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)

    page.locator("form [type=submit]").last.click()
    page.wait_for_url("**/admin/groups/")
    saved = dict(
        TypePermission.objects.filter(group=group).values_list("ticket_type__name", "level")
    )
    assert saved == {"Support": Level.DELETE, "Billing": Level.MANAGE}
    assert billing.pk  # the type itself is untouched
