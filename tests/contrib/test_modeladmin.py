"""``wagtail_tickets.contrib.modeladmin``: the same customer tab on a ModelAdmin edit view.

The test project manages its customer records twice: as a snippet (``Company``) and with
wagtail-modeladmin (``CompanyRecord``, a proxy of the same table, whose ModelAdmin opts in
with ``CustomerTicketsModelAdminMixin``).
"""

from __future__ import annotations

import gc

import pytest
import wagtail_modeladmin.views
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.checks import WARNING, run_checks
from django.urls import reverse
from wagtail.admin.panels import FieldPanel, ObjectList, TabbedInterface
from wagtail_modeladmin.helpers import ButtonHelper
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import EditView, ModelFormView

from tests.factories import (
    UserFactory,
    admin_access,
    allow,
    customer_record_world,
)
from tests.testapp.models import Company, CompanyRecord
from tests.testapp.wagtail_hooks import CompanyRecordAdmin
from wagtail_tickets.admin import customer_tab
from wagtail_tickets.contrib.modeladmin import checks, integration
from wagtail_tickets.contrib.modeladmin.integration import CustomerTicketsModelAdminMixin
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


def test_proxies_count_as_the_customer_model_and_others_do_not():
    assert customer_tab.is_customer_model(CompanyRecord)
    assert customer_tab.is_customer_model(Company)
    assert not customer_tab.is_customer_model(TypePermission)


def test_mixin_on_a_custom_edit_view_does_not_add_a_second_tab(world, rf):
    """A host whose edit view already has the tab in its panels mixes the view mixin in too:
    the tab is there once."""

    class Admin:
        model = CompanyRecord

        def get_edit_handler(self):
            return TabbedInterface([ObjectList([FieldPanel("name")], heading="Main")])

    class Base:
        model_admin = Admin()

        def get_edit_handler(self):
            return integration._customer_edit_handler(
                CompanyRecord, self.model_admin.get_edit_handler().bind_to_model(CompanyRecord)
            )

    class Custom(integration.CustomerTicketsEditViewMixin, Base):
        pass

    handler = Custom().get_edit_handler()
    headings = [str(tab.heading) for tab in handler.children]
    assert headings == ["Main", "Customer tickets"]


# Nothing global: wagtail-modeladmin's classes stay as they are, and a ModelAdmin of the
# customer model that did not opt in shows neither tab nor button.


def test_wagtail_modeladmin_classes_are_not_patched():
    from django.apps import apps

    assert apps.ready
    assert wagtail_modeladmin.views.EditView is EditView
    assert ModelAdmin.edit_view_class is EditView
    assert ModelAdmin.button_helper_class is None
    assert EditView.get_edit_handler is ModelFormView.__dict__["get_edit_handler"]
    assert EditView.get_edit_handler.__qualname__ == "ModelFormView.get_edit_handler"
    assert ButtonHelper.get_buttons_for_obj.__qualname__ == "ButtonHelper.get_buttons_for_obj"
    assert ButtonHelper.get_buttons_for_obj.__module__ == "wagtail_modeladmin.helpers.button"


def test_the_test_project_opts_in_with_the_mixin():
    assert issubclass(CompanyRecordAdmin, integration.CustomerTicketsModelAdminMixin)
    assert CompanyRecordAdmin.edit_view_class is integration.CustomerTicketsEditView
    assert CompanyRecordAdmin.button_helper_class is integration.CustomerTicketsButtonHelper


@pytest.fixture
def plain_admin_class():
    """A second ModelAdmin of the customer records, without the opt-in (not registered, so it
    adds no URLs or menu items); the system check sees it until it is garbage collected."""

    class PlainRecordAdmin(ModelAdmin):
        model = CompanyRecord
        list_display = ["name", "email"]

    return PlainRecordAdmin


def admin_request(rf, user, path: str):
    request = rf.get(path)
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_a_modeladmin_that_did_not_opt_in_is_untouched(rf, world, plain_admin_class):
    plain = plain_admin_class()
    assert plain.edit_view_class is EditView
    assert plain.get_button_helper_class() is ButtonHelper

    response = plain.edit_view(
        admin_request(rf, world["agent"], edit_url(world["acme"])), str(world["acme"].pk)
    )
    response.render()
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="name"' in html and 'value="Acme"' in html
    assert 'id="tab-customer_tickets"' not in html and "Acme printer jam" not in html

    response = plain.index_view(admin_request(rf, world["agent"], index_url()))
    response.render()
    html = response.content.decode()
    assert response.status_code == 200
    assert edit_url(world["acme"]) in html
    assert "#tab-customer_tickets" not in html


def test_the_opted_in_admin_beside_it_still_has_the_tab(rf, world, plain_admin_class):
    plain_admin_class()  # another ModelAdmin of the same model changes nothing here
    response = CompanyRecordAdmin().edit_view(
        admin_request(rf, world["agent"], edit_url(world["acme"])), str(world["acme"].pk)
    )
    response.render()
    assert 'id="tab-customer_tickets"' in response.content.decode()


# The system check that names a customer ModelAdmin without the opt-in.


def w201(messages) -> list:
    return [m for m in messages if m.id == "wagtail_tickets.W201"]


def test_check_is_silent_when_every_customer_admin_opted_in():
    gc.collect()  # the classes other tests of this file defined
    assert w201(run_checks()) == []
    assert w201(checks.check_customer_modeladmins(None)) == []


def test_check_names_a_customer_admin_that_did_not_opt_in(plain_admin_class):
    found = w201(run_checks())
    assert len(found) == 1
    warning = found[0]
    assert warning.level == WARNING
    assert warning.obj is plain_admin_class
    assert "PlainRecordAdmin" in warning.msg
    assert "CustomerTicketsModelAdminMixin" in warning.hint
    assert "PlainRecordAdmin" in warning.hint


def test_check_names_the_missing_half():
    class OwnEditView(EditView):
        pass

    class HalfEditAdmin(CustomerTicketsModelAdminMixin, ModelAdmin):
        model = CompanyRecord
        edit_view_class = OwnEditView

    class OwnButtons(ButtonHelper):
        pass

    class HalfButtonsAdmin(CustomerTicketsModelAdminMixin, ModelAdmin):
        model = Company
        button_helper_class = OwnButtons

    class FixedAdmin(ModelAdmin):
        model = CompanyRecord
        edit_view_class = type("V", (integration.CustomerTicketsEditViewMixin, OwnEditView), {})
        button_helper_class = type(
            "B", (integration.CustomerTicketsButtonHelperMixin, OwnButtons), {}
        )

    found = checks.missing_opt_ins([HalfEditAdmin, HalfButtonsAdmin, FixedAdmin])
    assert [m.obj for m in found] == [HalfEditAdmin, HalfButtonsAdmin]
    assert "CustomerTicketsEditViewMixin" in found[0].hint
    assert "HalfEditAdmin.edit_view_class" in found[0].hint
    assert "CustomerTicketsButtonHelperMixin" in found[1].hint
    assert "HalfButtonsAdmin.button_helper_class" in found[1].hint


def test_check_ignores_other_models_and_shared_base_classes():
    class TypeAdmin(ModelAdmin):
        model = TypePermission

    class SharedBase(ModelAdmin):
        model = CompanyRecord

    class Registered(CustomerTicketsModelAdminMixin, SharedBase):
        pass

    found = checks.missing_opt_ins(checks._admin_classes(ModelAdmin))
    assert [m for m in w201(found) if m.obj in (TypeAdmin, SharedBase, Registered)] == []
    assert checks.missing_opt_ins([TypeAdmin, SharedBase]) != []  # SharedBase alone warns


def test_check_is_silent_when_the_tab_is_off(settings, plain_admin_class):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "CUSTOMER_TAB": False}
    assert w201(run_checks()) == []
