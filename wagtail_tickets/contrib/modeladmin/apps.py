from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailTicketsModelAdminConfig(AppConfig):
    name = "wagtail_tickets.contrib.modeladmin"
    label = "wagtail_tickets_modeladmin"
    verbose_name = _("Tickets: wagtail-modeladmin integration")

    def ready(self) -> None:
        from .integration import install

        install()
