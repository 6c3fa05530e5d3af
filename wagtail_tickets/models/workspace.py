"""What the agents' workspace needs besides tickets: support rates, response templates,
each agent's default inbox view and the global options that are not about mail,
kept as a Wagtail setting so administrators edit them in the admin."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting
from wagtail.fields import RichTextField

from ..conf import app_settings
from .config import Ordered, Status, TicketType
from .tickets import Ticket

# What agents may format in replies and response templates: what sanitize.py keeps.
REPLY_FEATURES = ["bold", "italic", "ol", "ul", "link", "h3", "blockquote", "code"]


class Rate(Ordered):
    """A named support rate; agents pick one with the hours they log on a message."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    value = models.DecimalField(
        _("value per hour"),
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive rates are kept for old time records.")
    )

    class Meta(Ordered.Meta):
        verbose_name = _("rate")
        verbose_name_plural = _("rates")

    def __str__(self) -> str:
        return self.name


class ResponseTemplateQuerySet(models.QuerySet):
    def for_type(self, ticket_type: TicketType) -> ResponseTemplateQuerySet:
        """Templates usable on a ticket of this type: those limited to it, and those
        limited to no type at all."""
        return self.filter(models.Q(types=ticket_type) | models.Q(types__isnull=True)).distinct()


class ResponseTemplate(Ordered):
    """A prepared answer inserted into the reply box and edited before sending."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    body = RichTextField(_("text"), blank=True, features=REPLY_FEATURES)
    types = models.ManyToManyField(
        TicketType,
        verbose_name=_("ticket types"),
        blank=True,
        related_name="response_templates",
        help_text=_("Offered only on tickets of these types; none means every type."),
    )
    is_default = models.BooleanField(
        _("default"),
        default=False,
        help_text=_("Put into the reply box when an agent opens a ticket."),
    )

    objects = ResponseTemplateQuerySet.as_manager()

    class Meta(Ordered.Meta):
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")

    def __str__(self) -> str:
        return self.name


class InboxPreference(models.Model):
    """The agent's default inbox view (filters and sort), opened when a new session opens
    the inbox without any (a "preferred view"). Only the agent's own POST from the inbox
    saves or resets it (``admin.inbox.DefaultInboxView``): a GET, even a link from someone
    else, changes the view of that session only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_inbox_preference"
    )
    query = models.CharField(_("filters and sort"), max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("inbox preference")
        verbose_name_plural = _("inbox preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.query}"


class ReplyDraft(models.Model):
    """An agent's unsent reply on one ticket, with the field changes meant to go with it.
    Kept on the server so that a reload, a saved field or another device finds it again;
    removed when the reply is sent or discarded."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_reply_drafts"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="reply_drafts")
    body = models.TextField(_("text"), blank=True)
    internal = models.BooleanField(_("internal note"), default=False)
    # pending changes of the ticket's fields, by field name (ids as strings)
    changes = models.JSONField(_("field changes"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("saved"), auto_now=True)

    class Meta:
        verbose_name = _("reply draft")
        verbose_name_plural = _("reply drafts")
        constraints = [
            models.UniqueConstraint(fields=["user", "ticket"], name="wt_one_draft_per_agent")
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.ticket_id}"


class TicketVisit(models.Model):
    """When an agent last opened a ticket. Customer messages written after it are new for
    that agent (the inbox's and the dashboard's "new for me")."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_visits"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="visits")
    seen_at = models.DateTimeField(_("seen"))

    class Meta:
        verbose_name = _("ticket visit")
        verbose_name_plural = _("ticket visits")
        constraints = [
            models.UniqueConstraint(fields=["user", "ticket"], name="wt_one_visit_per_agent")
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.ticket_id}: {self.seen_at}"


def default_customers_may_close() -> bool:
    """The first value of the setting comes from ``WAGTAIL_TICKETS["CUSTOMERS_MAY_CLOSE"]``."""
    return app_settings.CUSTOMERS_MAY_CLOSE


class TicketSettings(BaseGenericSetting):
    """Global options of the helpdesk that are not about mail."""

    auto_close_days = models.PositiveIntegerField(
        _("close automatically after days"),
        default=0,
        help_text=_(
            "Close tickets that waited this many days for the customer's answer; "
            "0 never closes them."
        ),
    )
    never_auto_close_status = models.ForeignKey(
        Status,
        verbose_name=_("never close automatically in status"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"is_closed": False},
        help_text=_("Tickets in this status stay open however long they wait."),
    )
    customers_may_close = models.BooleanField(
        _("customers may close their tickets"), default=default_customers_may_close
    )
    reopen_days = models.PositiveIntegerField(
        _("customers may reopen for days"),
        default=14,
        help_text=_(
            "How long after closing a customer may reopen a ticket, on the web or by replying "
            "to its mail; later they are offered a new ticket that refers to it. "
            "0: customers cannot reopen."
        ),
    )
    customers_may_choose_priority = models.BooleanField(
        _("customers may choose the priority"),
        default=False,
        help_text=_("On every type; a type can also allow it on its own."),
    )

    class Meta:
        verbose_name = _("ticket options")
        verbose_name_plural = _("ticket options")
