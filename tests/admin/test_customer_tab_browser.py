"""The customer tickets tab in a real browser: from the customer listing's "Tickets" button
to the open tab, its pages and a ticket's workspace."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import (
    CompanyFactory,
    TicketTypeFactory,
    UserFactory,
    grant,
    make_admin_agent,
    make_ticket,
)
from tests.testapp.models import Company
from wagtail_tickets.admin import customer_tab
from wagtail_tickets.models import TypePermission

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_agent_opens_the_customer_tab_from_the_listing(live_server, browser_page):
    support = TicketTypeFactory(name="Support")
    acme = CompanyFactory(name="Acme")
    carla = UserFactory(username="carla")
    grant(carla, support, TypePermission.Level.WRITE, group_name="Customers")
    acme.users.add(carla)
    oldest = make_ticket(carla, support, subject="Printer on fire")
    for n in range(customer_tab.PAGE_SIZE + 3):
        make_ticket(carla, support, subject=f"Acme question {n:02d}")
    agent = make_admin_agent(support, permissions=["testapp.change_company"], username="agent")
    page = browser_page(agent)
    page.goto(live_server.url + reverse(Company.snippet_viewset.get_url_name("list")))
    page.get_by_role("button", name="More options for 'Acme'").click()
    page.get_by_role("link", name="Tickets of 'Acme'").click()
    tab = page.locator("#tab-customer_tickets")
    tab.wait_for(state="visible")
    assert page.locator("#tab-label-customer_tickets").get_attribute("aria-selected") == "true"
    assert tab.get_by_text("24 tickets you can see.").is_visible()
    assert tab.locator("tbody tr").count() == customer_tab.PAGE_SIZE
    tab.get_by_role("link", name="Next").click()
    page.locator("#tab-customer_tickets").wait_for(state="visible")
    assert page.locator("#tab-customer_tickets tbody tr").count() == 4
    page.locator("#tab-customer_tickets").get_by_role("link", name="Printer on fire").click()
    page.wait_for_url(f"**{reverse('wagtail_tickets_inbox:edit', args=[oldest.pk])}")
