"""The test project's admin for its customer records, the two ways hosts do it: a snippet
(``Company``) and a wagtail-modeladmin ModelAdmin (``CompanyRecord``, a proxy of it) that
opts in to the customer tickets tab with the integration's mixin."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet
from wagtail_modeladmin.options import ModelAdmin, modeladmin_register

from wagtail_tickets.contrib.modeladmin.integration import CustomerTicketsModelAdminMixin

from .models import Company, CompanyRecord


class CompanyViewSet(SnippetViewSet):
    model = Company
    icon = "group"
    list_display = ["name", "email"]
    search_fields = ["name", "email"]


register_snippet(CompanyViewSet)


@modeladmin_register
class CompanyRecordAdmin(CustomerTicketsModelAdminMixin, ModelAdmin):
    model = CompanyRecord
    menu_label = "Company records"
    menu_icon = "group"
    list_display = ["name", "email"]
    add_to_admin_menu = False
