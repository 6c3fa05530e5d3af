"""How the tab gets into wagtail-modeladmin without the host's help.

ModelAdmin instances are not kept in a registry, so the integration extends the two
wagtail-modeladmin classes every ModelAdmin uses by default: the edit view asks
``customer_tab.with_customer_tab`` for its edit handler, and the button helper adds a
"Tickets" button to customer rows. Both do nothing for other models. Hosts with their own
edit view or button helper classes use ``CustomerTicketsEditViewMixin`` and
``CustomerTicketsButtonHelperMixin`` instead.
"""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.utils.translation import gettext as _
from wagtail_modeladmin.helpers import ButtonHelper
from wagtail_modeladmin.views import EditView

from ...admin.customer_tab import is_customer_model, tab_anchor, with_customer_tab
from ...conf import app_settings
from ...permissions import is_agent

_MARK = "_wagtail_tickets_customer_tab"


def _customer_edit_handler(view, edit_handler):
    model = view.model_admin.model
    if app_settings.CUSTOMER_TAB and is_customer_model(model):
        return with_customer_tab(edit_handler, model)
    return edit_handler


def _tickets_button(helper, obj) -> dict | None:
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
    """For a custom ``edit_view_class``: puts the customer tickets tab into the form."""

    def get_edit_handler(self):
        return _customer_edit_handler(self, super().get_edit_handler())


class CustomerTicketsButtonHelperMixin:
    """For a custom ``button_helper_class``: adds the "Tickets" button to customer rows."""

    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        button = _tickets_button(self, obj)
        if button is not None and "tickets" not in (exclude or []):
            buttons.append(button)
        return buttons


def install() -> None:
    """Extend the default edit view and button helper once."""
    if getattr(EditView, _MARK, False):
        return
    original_edit_handler = EditView.get_edit_handler
    original_buttons = ButtonHelper.get_buttons_for_obj

    def get_edit_handler(self):
        return _customer_edit_handler(self, original_edit_handler(self))

    def get_buttons_for_obj(
        self, obj, exclude=None, classnames_add=None, classnames_exclude=None
    ):
        buttons = original_buttons(self, obj, exclude, classnames_add, classnames_exclude)
        button = _tickets_button(self, obj)
        if button is not None and "tickets" not in (exclude or []):
            buttons.append(button)
        return buttons

    EditView.get_edit_handler = get_edit_handler
    ButtonHelper.get_buttons_for_obj = get_buttons_for_obj
    setattr(EditView, _MARK, True)
