"""System check: a ModelAdmin of the customer model that has not opted in to the tab.

Sites that only added the sub-app to ``INSTALLED_APPS`` used to get the tab without touching
their ModelAdmin; now they must add a mixin, and this warning says which one, on which class.
wagtail-modeladmin keeps no registry of its ModelAdmins, so the check looks at the
ModelAdmin classes that are defined: those of the customer model (or a proxy of it), except
a base class that another ModelAdmin of the same model extends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.core.checks import CheckMessage, Tags, Warning, register
from wagtail_modeladmin.options import ModelAdmin

from ...admin.customer_tab import is_customer_model
from ...conf import app_settings
from .integration import CustomerTicketsButtonHelperMixin, CustomerTicketsEditViewMixin

CHECK_ID = "wagtail_tickets.W201"


def _admin_classes(base: type) -> Iterator[type]:
    """Every class below ``base`` (each once), except those extended by a class for the
    same model: a base class shared by several admins is checked in its subclasses."""
    seen: set[type] = set()
    stack = list(base.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        children = cls.__subclasses__()
        stack.extend(children)
        model = getattr(cls, "model", None)
        if not any(getattr(child, "model", None) is model for child in children):
            yield cls


def _is_subclass(value: object, mixin: type) -> bool:
    return isinstance(value, type) and issubclass(value, mixin)


def missing_opt_ins(classes: Iterable[type]) -> list[CheckMessage]:
    """A warning for each customer model ModelAdmin class in ``classes`` without the tab's
    edit view or button helper."""
    messages = []
    for admin_class in classes:
        model = getattr(admin_class, "model", None)
        if not isinstance(model, type) or not is_customer_model(model):
            continue
        label = f"{admin_class.__module__}.{admin_class.__qualname__}"
        edit_ok = _is_subclass(admin_class.edit_view_class, CustomerTicketsEditViewMixin)
        buttons_ok = _is_subclass(admin_class.button_helper_class, CustomerTicketsButtonHelperMixin)
        if edit_ok and buttons_ok:
            continue
        if not edit_ok and not buttons_ok:
            missing = "customer tickets tab and Tickets button"
            hint = (
                "Put wagtail_tickets.contrib.modeladmin.integration."
                f"CustomerTicketsModelAdminMixin before ModelAdmin in the bases of {label}; if it "
                "has its own edit view or button helper classes, add "
                "CustomerTicketsEditViewMixin and CustomerTicketsButtonHelperMixin to them "
                "instead."
            )
        elif not edit_ok:
            missing = "customer tickets tab"
            hint = (
                "Add wagtail_tickets.contrib.modeladmin.integration."
                f"CustomerTicketsEditViewMixin to {label}.edit_view_class."
            )
        else:
            missing = "Tickets button"
            hint = (
                "Add wagtail_tickets.contrib.modeladmin.integration."
                f"CustomerTicketsButtonHelperMixin to {label}.button_helper_class."
            )
        messages.append(
            Warning(
                f"The ModelAdmin {label} of the customer model has not opted in to the "
                f"{missing}: wagtail-tickets adds nothing to a ModelAdmin by itself.",
                hint=hint,
                obj=admin_class,
                id=CHECK_ID,
            )
        )
    return messages


@register(Tags.compatibility)
def check_customer_modeladmins(app_configs, **kwargs) -> list[CheckMessage]:
    """Warn about customer model ModelAdmins that have not opted in to the tab."""
    if not app_settings.CUSTOMER_TAB:
        return []
    return missing_opt_ins(_admin_classes(ModelAdmin))
