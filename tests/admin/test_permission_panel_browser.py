"""The "Ticket types" panel in a real browser: an administrator picks levels and saves.

Also takes the screenshot in docs/screenshots/admin-group-permissions.png when
``UPDATE_SCREENSHOTS=1`` is set (otherwise it goes to the test's temporary folder).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import GroupFactory, TicketTypeFactory, TypePermissionFactory, UserFactory
from wagtail_tickets.models import TicketTypeGroup, TypePermission

Level = TypePermission.Level

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_administrator_sets_levels_in_the_browser(live_server, browser_page, screenshot):
    products = TicketTypeGroup.objects.create(name="Products")
    support = TicketTypeFactory(name="Support", group=products, sort_order=1)
    billing = TicketTypeFactory(name="Billing", group=products, sort_order=2)
    TicketTypeFactory(name="Hardware repairs", sort_order=3)
    TicketTypeFactory(name="Old web shop", sort_order=4, active=False)
    group = GroupFactory(name="Customers")
    TypePermissionFactory(group=group, ticket_type=support, level=Level.WRITE)
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    page = browser_page(admin)
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
    screenshot(page, "admin-group-permissions.png", min_bytes=5000)

    page.locator("form [type=submit]").last.click()
    page.wait_for_url("**/admin/groups/")
    saved = dict(
        TypePermission.objects.filter(group=group).values_list("ticket_type__name", "level")
    )
    assert saved == {"Support": Level.DELETE, "Billing": Level.MANAGE}
    assert billing.pk  # the type itself is untouched
