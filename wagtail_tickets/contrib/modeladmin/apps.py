"""The app a site adds to ``INSTALLED_APPS`` for the wagtail-modeladmin integration, so that
its system check runs."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailTicketsModelAdminConfig(AppConfig):
    """Registers the system check that names a customer ModelAdmin without the opt-in.

    The tab itself comes from the mixins in ``integration``; this app changes no class of
    wagtail-modeladmin."""

    name = "wagtail_tickets.contrib.modeladmin"
    label = "wagtail_tickets_modeladmin"
    verbose_name = _("Tickets: wagtail-modeladmin integration")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check)
