"""A host's customer record, as the tests use it: a company linked to its users."""

from django.conf import settings
from django.db import models


class Company(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="companies")

    def __str__(self) -> str:
        return self.name


class CompanyRecord(Company):
    """The same customer records, managed with wagtail-modeladmin (a proxy, so the snippet
    of ``Company`` and the ModelAdmin of this model are both testable in one project)."""

    class Meta:
        proxy = True
        verbose_name = "company record"
