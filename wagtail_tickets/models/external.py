"""The external ticket page: its options in the admin, and the private links that let
visitors without an account follow their tickets."""

from __future__ import annotations

from django import forms
from django.core.validators import URLValidator
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting
from wagtail.contrib.settings.registry import register_setting

from .config import TicketType
from .tickets import Ticket

# the custom properties the page's look is built on (static/.../css/customer.css)
CUSTOM_PROPERTIES = (
    "--wt-accent",
    "--wt-accent-strong",
    "--wt-accent-soft",
    "--wt-focus",
    "--wt-text",
    "--wt-muted",
    "--wt-border",
    "--wt-field-border",
    "--wt-surface",
    "--wt-surface-alt",
    "--wt-staff",
    "--wt-danger",
    "--wt-success",
    "--wt-with-us",
    "--wt-waiting",
    "--wt-closed",
    "--wt-radius",
    "--wt-shadow",
)
CUSTOM_CSS_HELP = format_lazy(
    "{} {} {}",
    _(
        "Style rules added after the default look. The simplest way to match your website "
        "is to set the page's custom properties on .wt-customer, for example "
        ".wt-customer { --wt-accent: #0b6e4f; --wt-radius: 4px; }."
    ),
    format_lazy(_("Custom properties: {properties}."), properties=", ".join(CUSTOM_PROPERTIES)),
    _(
        "Which websites may embed the page in an iframe is not set here but in the site's "
        'settings: WAGTAIL_TICKETS["EXTERNAL_FRAME_ANCESTORS"] (the CSP frame-ancestors, '
        "only this site by default)."
    ),
)


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
        FieldPanel("custom_css", help_text=CUSTOM_CSS_HELP),
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
