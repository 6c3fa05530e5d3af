"""The external ticket page: its options in the admin, and the private links that let
visitors without an account follow their tickets."""

from __future__ import annotations

from django import forms
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting
from wagtail.contrib.settings.registry import register_setting

from .config import TicketType
from .tickets import Ticket


@register_setting(icon="globe")
class ExternalPageSettings(BaseGenericSetting):
    """Options of the page that can be embedded on any website."""

    enabled = models.BooleanField(
        _("enable the external page"),
        default=False,
        help_text=_("Off: the external page answers “not found”."),
    )
    allow_anonymous = models.BooleanField(
        _("allow anonymous users"),
        default=False,
        help_text=_(
            "Visitors open tickets with their name and email address, without an account, "
            "and follow them through a private link. Off: visitors must log in."
        ),
    )
    alternative_url = models.CharField(
        _("alternative URL"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_(
            "The address of the page on your website that embeds the external page. Links in "
            "mail point there (with “#ticket=…” added) instead of to this site."
        ),
    )
    custom_css = models.TextField(
        _("custom CSS"),
        blank=True,
        help_text=_("Style rules added after the default look, e.g. your colours and fonts."),
    )
    offered_types = models.ManyToManyField(
        TicketType,
        verbose_name=_("offered types"),
        blank=True,
        related_name="+",
        help_text=_(
            "Types visitors can choose on the external page. Logged-in users see those of "
            "them they may open tickets on."
        ),
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("enabled"), FieldPanel("allow_anonymous"), FieldPanel("alternative_url")],
            heading=_("Access"),
        ),
        FieldPanel("offered_types", widget=forms.CheckboxSelectMultiple),
        FieldPanel("custom_css"),
    ]

    class Meta:
        verbose_name = _("external ticket page")
        verbose_name_plural = _("external ticket page")

    def offered(self):
        """The active types offered on the page, in menu order."""
        return (
            self.offered_types.filter(active=True)
            .select_related("group")
            .order_by("group__sort_order", "group__name", "sort_order", "name")
        )


class ExternalAccess(models.Model):
    """One private link to a ticket. Only the SHA-256 of the token is stored: a copy of the
    database does not open anyone's ticket. A ticket gets a link when it is opened on the
    external page and one more with each mail that carries a link, so every link sent stays
    valid."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="external_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("private ticket link")
        verbose_name_plural = _("private ticket links")

    def __str__(self) -> str:
        return f"private link to #{self.ticket_id}"
