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
        from .derived import reinstall_after_migrate
        from .report_days import ensure_after_migrate
        from .schedules import register_after_migrate

        # the import and auto-close schedules exist right after ``migrate``
        post_migrate.connect(
            register_after_migrate, sender=self, dispatch_uid="wagtail_tickets.schedules"
        )
        post_migrate.connect(
            reinstall_after_migrate, sender=self, dispatch_uid="wagtail_tickets.derived"
        )
        post_migrate.connect(
            ensure_after_migrate, sender=self, dispatch_uid="wagtail_tickets.report_days"
        )
        from .admin.policies import register_policies

        register_policies()
