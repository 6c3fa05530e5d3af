from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailTicketsConfig(AppConfig):
    name = "wagtail_tickets"
    label = "wagtail_tickets"
    verbose_name = _("Tickets")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers system checks)
        from .admin.policies import register_policies

        register_policies()
