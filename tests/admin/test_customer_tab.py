"""The "Customer tickets" tab on the customer snippet and its listing button."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.admin.panels import FieldPanel, ObjectList, TabbedInterface

from tests.factories import (
    CompanyFactory,
    UserFactory,
    admin_access,
    allow,
    customer_record_world,
    make_customer,
    make_ticket,
)
from tests.testapp.models import Company
from wagtail_tickets.admin import customer_tab
from wagtail_tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two types; an agent of type A who may edit companies; two companies with tickets."""
    world = customer_record_world("testapp.change_company")
    globex = CompanyFactory(name="Globex")
    gina = make_customer(world["hardware"], world["billing"], company=globex, username="gina")
    return {
        **world,
        "globex": globex,
        "gina": gina,
        "globex_hw": make_ticket(gina, world["hardware"], subject="Globex laptop"),
    }


def edit_url(company) -> str:
    return reverse(Company.snippet_viewset.get_url_name("edit"), args=[company.pk])


def test_tickets_are_linked_to_the_customer_record(world):
    assert world["acme_hw"].customer == world["acme"]
    assert world["globex_hw"].customer == world["globex"]


def test_tab_lists_the_customers_tickets_the_agent_may_see(client, world):
    client.force_login(world["agent"])
    response = client.get(edit_url(world["acme"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="tab-customer_tickets"' in html
    assert "Customer tickets" in html
    assert "Acme printer jam" in html
    workspace = reverse("wagtail_tickets_inbox:edit", args=[world["acme_hw"].pk])
    assert f'href="{workspace}"' in html
    # another type (the agent does not manage billing) and another customer stay out
    assert "Acme invoice secret" not in html
    assert "Globex laptop" not in html
    # "New ticket for this customer", whose "Cancel" comes back to this tab
    new_ticket = reverse("wagtail_tickets_inbox:add") + f"?customer={world['acme'].pk}"
    back = urlencode({"next": edit_url(world["acme"]) + "#tab-customer_tickets"})
    assert f'href="{new_ticket}&amp;{back}"' in html
    assert "wagtail_tickets/admin/customer_tab.css" in html
    # the company form itself is still there and still saves
    assert 'name="name"' in html


def test_saving_the_record_still_works_with_the_tab(client, world):
    client.force_login(world["agent"])
    response = client.post(edit_url(world["acme"]), {"name": "Acme Ltd", "email": ""})
    assert response.status_code == 302
    world["acme"].refresh_from_db()
    assert world["acme"].name == "Acme Ltd"
    assert Ticket.objects.filter(customer=world["acme"]).count() == 2


def test_other_customer_record_shows_only_its_own_tickets(client, world):
    client.force_login(world["agent"])
    html = client.get(edit_url(world["globex"])).content.decode()
    assert "Globex laptop" in html
    assert "Acme printer jam" not in html


def test_subjects_are_escaped(client, world):
    make_ticket(world["alice"], world["hardware"], subject="<script>alert(1)</script>Boom")
    client.force_login(world["agent"])
    html = client.get(edit_url(world["acme"])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "Boom" in html


def test_editor_without_manage_level_gets_no_tab_and_no_ticket_data(client, world):
    editor = allow(admin_access(UserFactory(username="editor")), "testapp.change_company")
    client.force_login(editor)
    response = client.get(edit_url(world["acme"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="tab-customer_tickets"' not in html
    assert "Acme printer jam" not in html


def test_customer_without_admin_access_is_refused(client, world):
    client.force_login(world["alice"])
    response = client.get(edit_url(world["acme"]))
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response["Location"]


def test_add_view_has_no_tab(client, world):
    allow(world["agent"], "testapp.add_company")
    client.force_login(world["agent"])
    response = client.get(reverse(Company.snippet_viewset.get_url_name("add")))
    assert response.status_code == 200
    assert 'id="tab-customer_tickets"' not in response.content.decode()


def test_tab_is_paginated_with_a_constant_number_of_queries(client, world):
    client.force_login(world["agent"])
    url = edit_url(world["acme"])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(44):
        make_ticket(world["alice"], world["hardware"], subject=f"Bulk {n:02d}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    # the same queries, and the count that a single page does without
    assert len(many) == len(few) + 1
    html = response.content.decode()
    assert html.count("Bulk ") == customer_tab.PAGE_SIZE
    assert "45 tickets you can see." in html
    assert "Page 1 of 3" in html
    last = client.get(url, {"tickets_page": "3"}).content.decode()
    assert last.count("Bulk ") == 4 and "Acme printer jam" in last


@pytest.mark.parametrize("page", ["abc", "-1", "999", "1e9", "2;DROP"])
def test_hostile_page_numbers_never_fail(client, world, page):
    client.force_login(world["agent"])
    response = client.get(edit_url(world["acme"]), {"tickets_page": page})
    assert response.status_code == 200
    assert "Acme printer jam" in response.content.decode()


def test_panel_context_runs_two_queries(rf, world, django_assert_max_num_queries):
    request = rf.get("/")
    request.user = world["agent"]
    # the per-request caches
    customer_tab.permissions.type_access(request.user)
    customer_tab.permissions.manages_every_type(request.user)
    with django_assert_max_num_queries(2):
        context = customer_tab.customer_tickets_context(request, world["acme"])
        assert [t.subject for t, _url in context["rows"]] == ["Acme printer jam"]


def test_setting_turns_the_tab_and_button_off(client, world, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "CUSTOMER_TAB": False}
    client.force_login(world["agent"])
    html = client.get(edit_url(world["acme"])).content.decode()
    assert 'id="tab-customer_tickets"' not in html
    assert "Acme printer jam" not in html
    listing = client.get(reverse(Company.snippet_viewset.get_url_name("list")))
    assert customer_tab.tab_anchor() not in listing.content.decode()


def test_listing_has_a_tickets_button_for_agents(client, world):
    client.force_login(world["agent"])
    response = client.get(reverse(Company.snippet_viewset.get_url_name("list")))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{edit_url(world["acme"])}#tab-customer_tickets"' in html
    assert "Tickets of &#x27;Acme&#x27;" in html or "Tickets of 'Acme'" in html


def test_listing_has_no_tickets_button_for_editors(client, world):
    editor = allow(admin_access(UserFactory(username="editor")), "testapp.change_company")
    client.force_login(editor)
    html = client.get(reverse(Company.snippet_viewset.get_url_name("list"))).content.decode()
    assert "#tab-customer_tickets" not in html


def test_tab_anchor_follows_the_heading():
    assert customer_tab.tab_anchor() == "#tab-customer_tickets"


def test_wrapping_keeps_existing_tabs_and_is_idempotent():
    handler = TabbedInterface(
        [
            ObjectList([FieldPanel("name")], heading="Main"),
            ObjectList([FieldPanel("email")], heading="Contact"),
        ]
    ).bind_to_model(Company)
    wrapped = customer_tab.with_customer_tab(handler, Company)
    assert [tab.heading for tab in wrapped.children] == ["Main", "Contact", "Customer tickets"]
    assert customer_tab.with_customer_tab(wrapped, Company) is wrapped
    assert set(wrapped.get_form_class().base_fields) == {"name", "email"}


def test_a_plain_panel_list_becomes_the_first_tab():
    handler = ObjectList([FieldPanel("name")]).bind_to_model(Company)
    wrapped = customer_tab.with_customer_tab(handler, Company)
    assert isinstance(wrapped, TabbedInterface)
    assert [str(tab.heading) for tab in wrapped.children] == ["Company", "Customer tickets"]


def test_installing_twice_changes_nothing():
    assert customer_tab.install_snippet_customer_tab() is False
    handler = Company.snippet_viewset.get_edit_handler()
    headings = [tab.heading for tab in handler.children]
    assert headings.count(customer_tab.TAB_HEADING) == 1


# The standalone page (customer models without panels, such as the user model) -------


def test_standalone_page_lists_the_tickets(client, world):
    client.force_login(world["agent"])
    url = reverse("wagtail_tickets_customer_tickets:index", args=[world["acme"].pk])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme printer jam" in html and "Acme invoice secret" not in html
    assert reverse("wagtail_tickets_inbox:add") + f"?customer={world['acme'].pk}" in html
    assert edit_url(world["acme"]) in html


@pytest.mark.parametrize("pk", ["abc", "999999", "1%20OR%201=1"])
def test_standalone_page_answers_404_to_unknown_records(client, world, pk):
    client.force_login(world["agent"])
    response = client.get(f"/admin/ticket-customers/{pk}/")
    assert response.status_code == 404


def test_standalone_page_refuses_non_agents(client, world):
    editor = admin_access(UserFactory(username="editor"))
    client.force_login(editor)
    url = reverse("wagtail_tickets_customer_tickets:index", args=[world["acme"].pk])
    response = client.get(url)
    # Wagtail's admin answers PermissionDenied with a redirect home and a message
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    client.force_login(world["alice"])
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response["Location"]


def test_customer_page_url_prefers_the_snippet_tab(world):
    assert customer_tab.customer_page_url(world["acme"]) == (
        edit_url(world["acme"]) + "#tab-customer_tickets"
    )


def test_user_listing_button_only_when_users_are_the_customers(world, settings):
    agent = world["agent"]
    assert customer_tab.tickets_listing_buttons(world["alice"], agent) == []
    settings.WAGTAIL_TICKETS_CUSTOMER_MODEL = "auth.User"
    buttons = customer_tab.tickets_listing_buttons(world["alice"], agent)
    assert [str(b.label) for b in buttons] == ["Tickets"]
    assert buttons[0].url == reverse(
        "wagtail_tickets_customer_tickets:index", args=[world["alice"].pk]
    )


def test_nothing_is_installed_when_switched_off(settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "CUSTOMER_TAB": False}
    assert customer_tab.install_snippet_customer_tab() is False


def test_tab_identifier_does_not_follow_the_translated_heading():
    tab = customer_tab.CustomerTicketsTab([], heading="Kundentickets")
    assert tab.clean_name == "customer_tickets"
    wrapped = customer_tab.with_customer_tab(ObjectList([FieldPanel("name")]), Company)
    assert wrapped.child_identifiers[-1] == "customer_tickets"
