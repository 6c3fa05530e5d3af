"""The administrator's first hour in a real browser: log in to the admin, create a ticket
type that every signed-in user may open tickets on, a status that waits for the customer,
and see a customer without any group offered the new type.

With ``UPDATE_SCREENSHOTS=1`` the type form goes to docs/screenshots/admin-type-form.png.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from wagtail_tickets.models import Status, TicketType, TypePermission

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_administrator_sets_up_types_and_statuses(live_server, browser_page, screenshot):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    admin.set_password("admin-password")
    admin.save()
    customer = UserFactory(username="newcomer")
    assert not customer.groups.exists()

    page = browser_page()
    page.goto(live_server.url + "/admin/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin-password")
    page.locator("form [type=submit]").last.click()
    page.wait_for_url(live_server.url + "/admin/")
    # the setup is in the admin menu
    types_index = reverse("wagtail_tickets_types:index")
    assert page.locator(f"a[href='{types_index}']").count() >= 1

    page.goto(live_server.url + reverse("wagtail_tickets_types:add"))
    page.fill("#id_name", "Support")
    level = page.locator("#id_signed_in_level")
    assert level.locator("option").all_inner_texts()[1:] == [
        "Read (own tickets)",
        "Create",
        "Write (reply and close)",
    ]
    level.select_option(label="Create")
    page.locator("#id_signed_in_level").scroll_into_view_if_needed()
    screenshot(page, "admin-type-form.png", min_bytes=5000)
    page.locator("form [type=submit]").last.click()
    page.wait_for_url(live_server.url + types_index)
    assert "Support" in page.locator("table.listing").inner_text()
    support = TicketType.objects.get(name="Support")
    assert support.signed_in_level == TypePermission.Level.CREATE

    statuses_index = reverse("wagtail_tickets_statuses:index")
    page.goto(live_server.url + reverse("wagtail_tickets_statuses:add"))
    page.fill("#id_name", "Waiting for you")
    page.check("#id_waits_for_customer")
    page.locator("form [type=submit]").last.click()
    page.wait_for_url(live_server.url + statuses_index)
    row = page.locator(
        "table.listing tr", has=page.get_by_role("link", name="Waiting for you", exact=True)
    )
    assert "Waiting for your answer" in row.inner_text()
    assert Status.objects.get(name="Waiting for you").waits_for_customer

    # a customer in no group is offered the new type at once
    other = browser_page(customer)
    other.goto(live_server.url + reverse("wagtail_tickets:create"))
    offered = other.locator("[name=type]")
    offered.first.wait_for(state="attached")
    assert "Support" in other.locator("form").inner_text()
