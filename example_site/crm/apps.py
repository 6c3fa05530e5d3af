from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "example_site.crm"
    label = "crm"
    verbose_name = _("CRM")
    default_auto_field = "django.db.models.BigAutoField"
