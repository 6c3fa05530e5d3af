"""The app a site adds to ``INSTALLED_APPS`` for the help centre."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpCentreConfig(AppConfig):
    """Help centre pages, article suggestions and their counts."""

    name = "wagtail_tickets.contrib.helpcentre"
    label = "wagtail_tickets_helpcentre"
    verbose_name = _("Tickets: help centre")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .suggestions import connect_signals

        connect_signals()
