"""The app's configuration. When Django is ready it registers the system checks and the
admin's ticket permission policy; after ``migrate`` it installs the database machinery and
the task schedules, so a plain ``migrate`` leaves a helpdesk that works.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailTicketsConfig(AppConfig):
    name = "wagtail_tickets"
    label = "wagtail_tickets"
    verbose_name = _("Tickets")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers system checks)
        from .db.install import after_migrate
        from .schedules import register_after_migrate

        # the import and auto-close schedules exist right after ``migrate``
        post_migrate.connect(
            register_after_migrate, sender=self, dispatch_uid="wagtail_tickets.schedules"
        )
        # the database machinery kept right (and a new database's shipped mail templates)
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="wagtail_tickets.db")
        from .admin.policies import register_policies
        from .mail import webhooks

        # mail posted by a provider (django-anymail, when installed) is imported like IMAP mail
        webhooks.connect()

        register_policies()
