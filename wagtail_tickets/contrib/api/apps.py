"""The app a site adds to ``INSTALLED_APPS`` for the REST API and the webhooks."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WagtailTicketsApiConfig(AppConfig):
    """Registers the system check that names the missing ``api`` extra, the webhook
    receivers of the package's signals and the delivery schedule."""

    name = "wagtail_tickets.contrib.api"
    label = "wagtail_tickets_api"
    verbose_name = _("Tickets: REST API and webhooks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  (register the check and receivers)
        from .tasks import register_after_migrate

        post_migrate.connect(register_after_migrate, sender=self)
