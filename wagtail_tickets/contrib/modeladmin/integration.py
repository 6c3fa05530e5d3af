"""The "Customer tickets" tab and "Tickets" button for a wagtail-modeladmin ModelAdmin.

Nothing here changes wagtail-modeladmin: a host opts in on its own ModelAdmin class of the
customer model, so every other ModelAdmin keeps wagtail-modeladmin's classes as they are.

- ``CustomerTicketsModelAdminMixin``: put it before ``ModelAdmin`` in the bases of the
  customer model's ModelAdmin; it sets ``edit_view_class`` and ``button_helper_class`` to
  the two ready classes below.
- ``CustomerTicketsEditViewMixin`` / ``CustomerTicketsButtonHelperMixin``: for a ModelAdmin
  that already has its own edit view or button helper class; mix them into those classes.

Both do nothing on other models and when ``WAGTAIL_TICKETS["CUSTOMER_TAB"]`` is off.
"""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.utils.translation import gettext as _
from wagtail.admin.panels import Panel
from wagtail_modeladmin.helpers import ButtonHelper
from wagtail_modeladmin.views import EditView

from ...admin.customer_tab import is_customer_model, tab_anchor, with_customer_tab
from ...conf import app_settings
from ...permissions import is_agent

__all__ = [
    "CustomerTicketsButtonHelper",
    "CustomerTicketsButtonHelperMixin",
    "CustomerTicketsEditView",
    "CustomerTicketsEditViewMixin",
    "CustomerTicketsModelAdminMixin",
]


def _customer_edit_handler(model, edit_handler: Panel) -> Panel:
    """``edit_handler`` with the tab appended when ``model`` is the customer model."""
    if app_settings.CUSTOMER_TAB and is_customer_model(model):
        return with_customer_tab(edit_handler, model)
    return edit_handler


def _tickets_button(helper, obj) -> dict | None:
    """The "Tickets" button of a customer row, for agents who may edit the record."""
    if not app_settings.CUSTOMER_TAB or not is_customer_model(helper.model):
        return None
    user = helper.request.user
    if not is_agent(user) or not helper.permission_helper.user_can_edit_obj(user, obj):
        return None
    pk = getattr(obj, helper.opts.pk.attname)
    return {
        "url": helper.url_helper.get_action_url("edit", quote(pk)) + tab_anchor(),
        "label": _("Tickets"),
        "classname": helper.finalise_classname(helper.edit_button_classnames, []),
        "title": _("Tickets of '%(title)s'") % {"title": str(obj)},
    }


class CustomerTicketsEditViewMixin:
    """For an ``edit_view_class``: the form of a customer record gets the tickets tab."""

    def get_edit_handler(self) -> Panel:
        return _customer_edit_handler(self.model_admin.model, super().get_edit_handler())


class CustomerTicketsButtonHelperMixin:
    """For a ``button_helper_class``: customer rows get a "Tickets" button (agents only)."""

    def get_buttons_for_obj(
        self, obj, exclude=None, classnames_add=None, classnames_exclude=None
    ) -> list[dict]:
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        button = _tickets_button(self, obj)
        if button is not None and "tickets" not in (exclude or []):
            buttons.append(button)
        return buttons


class CustomerTicketsEditView(CustomerTicketsEditViewMixin, EditView):
    """wagtail-modeladmin's edit view with the customer tickets tab."""


class CustomerTicketsButtonHelper(CustomerTicketsButtonHelperMixin, ButtonHelper):
    """wagtail-modeladmin's button helper with the "Tickets" button."""


class CustomerTicketsModelAdminMixin:
    """The opt-in for the customer model's ModelAdmin:
    ``class CustomerAdmin(CustomerTicketsModelAdminMixin, ModelAdmin)``.

    Attributes set in the host's class body win over these two; a host's own classes then
    take the view and button helper mixins (the system check names what is missing)."""

    edit_view_class = CustomerTicketsEditView
    button_helper_class = CustomerTicketsButtonHelper
