"""``wagtail_tickets.contrib.modeladmin``: the same customer tab on a ModelAdmin edit view.

The test project manages its customer records twice: as a snippet (``Company``) and with
wagtail-modeladmin (``CompanyRecord``, a proxy of the same table).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.admin.panels import FieldPanel, ObjectList, TabbedInterface
from wagtail_modeladmin.helpers import ButtonHelper
from wagtail_modeladmin.views import EditView

from tests.factories import (
    UserFactory,
    admin_access,
    allow,
    customer_record_world,
)
from tests.testapp.models import Company, CompanyRecord
from wagtail_tickets.admin import customer_tab
from wagtail_tickets.contrib.modeladmin import integration
from wagtail_tickets.models import TypePermission

pytestmark = pytest.mark.django_db

PERMS = ["testapp.change_companyrecord"]


@pytest.fixture
def world():
    return customer_record_world(*PERMS)


def edit_url(company) -> str:
    return f"/admin/testapp/companyrecord/edit/{company.pk}/"


def index_url() -> str:
    return "/admin/testapp/companyrecord/"


def test_modeladmin_edit_view_has_the_tab(client, world):
    client.force_login(world["agent"])
    response = client.get(edit_url(world["acme"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="tab-customer_tickets"' in html
    assert "Acme printer jam" in html
    assert "Acme invoice secret" not in html  # a type the agent does not manage
    assert reverse("wagtail_tickets_inbox:edit", args=[world["acme_hw"].pk]) in html
    assert reverse("wagtail_tickets_inbox:add") + f"?customer={world['acme'].pk}" in html
    assert "wagtail_tickets/admin/customer_tab.css" in html


def test_modeladmin_form_still_saves(client, world):
    client.force_login(world["agent"])
    response = client.post(edit_url(world["acme"]), {"name": "Acme BV", "email": ""})
    assert response.status_code == 302
    world["acme"].refresh_from_db()
    assert world["acme"].name == "Acme BV"


def test_modeladmin_create_view_has_no_tab(client, world):
    allow(world["agent"], "testapp.add_companyrecord")
    client.force_login(world["agent"])
    response = client.get("/admin/testapp/companyrecord/create/")
    assert response.status_code == 200
    assert 'id="tab-customer_tickets"' not in response.content.decode()


def test_modeladmin_listing_has_the_tickets_button(client, world):
    client.force_login(world["agent"])
    html = client.get(index_url()).content.decode()
    assert f'href="{edit_url(world["acme"])}#tab-customer_tickets"' in html


def test_non_agents_see_neither_tab_nor_button(client, world):
    editor = allow(admin_access(UserFactory(username="editor")), *PERMS)
    client.force_login(editor)
    html = client.get(edit_url(world["acme"])).content.decode()
    assert 'id="tab-customer_tickets"' not in html and "Acme printer jam" not in html
    assert "#tab-customer_tickets" not in client.get(index_url()).content.decode()


def test_customers_without_admin_access_are_refused(client, world):
    client.force_login(world["alice"])
    response = client.get(edit_url(world["acme"]))
    assert response.status_code == 302
    assert "Acme printer jam" not in response.content.decode()


def test_unknown_record_is_404(client, world):
    client.force_login(world["agent"])
    assert client.get("/admin/testapp/companyrecord/edit/999999/").status_code == 404


def test_setting_turns_it_off(client, world, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "CUSTOMER_TAB": False}
    client.force_login(world["agent"])
    html = client.get(edit_url(world["acme"])).content.decode()
    assert 'id="tab-customer_tickets"' not in html and "Acme printer jam" not in html
    assert "#tab-customer_tickets" not in client.get(index_url()).content.decode()


def test_install_is_idempotent():
    edit_handler = EditView.get_edit_handler
    buttons = ButtonHelper.get_buttons_for_obj
    integration.install()
    assert EditView.get_edit_handler is edit_handler
    assert ButtonHelper.get_buttons_for_obj is buttons


def test_proxies_count_as_the_customer_model_and_others_do_not():
    assert customer_tab.is_customer_model(CompanyRecord)
    assert customer_tab.is_customer_model(Company)
    assert not customer_tab.is_customer_model(TypePermission)


def test_mixin_on_a_custom_edit_view_does_not_add_a_second_tab(world, rf):
    """A host with its own edit view class uses the mixin; the default patch is there too."""

    class Admin:
        model = CompanyRecord

        def get_edit_handler(self):
            return TabbedInterface(
                [ObjectList([FieldPanel("name")], heading="Main")]
            )

    class Base:
        model_admin = Admin()

        def get_edit_handler(self):
            return integration._customer_edit_handler(
                self, self.model_admin.get_edit_handler().bind_to_model(CompanyRecord)
            )

    class Custom(integration.CustomerTicketsEditViewMixin, Base):
        pass

    handler = Custom().get_edit_handler()
    headings = [str(tab.heading) for tab in handler.children]
    assert headings == ["Main", "Customer tickets"]
