"""API tokens, webhook endpoints and the webhook delivery log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail_tickets.models import TicketType


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of its secret is stored; the short
    public ``prefix`` finds the row, the digest is then compared in constant time."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="ticket_api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class WebhookEvent(models.TextChoices):
    OPENED = "ticket.opened", _("Ticket opened")
    MESSAGE = "message.added", _("Message added")
    CHANGED = "ticket.changed", _("Ticket changed")
    CLOSED = "ticket.closed", _("Ticket closed")
    REOPENED = "ticket.reopened", _("Ticket reopened")
    MERGED = "ticket.merged", _("Ticket merged")
    SLA_BREACHED = "ticket.sla_breached", _("Service level breached")


class WebhookEndpoint(models.Model):
    """Where the site sends ticket events: a URL, the events wanted, optionally only
    some types' tickets, and the secret the payloads are signed with."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    ticket_types = models.ManyToManyField(
        TicketType,
        verbose_name=_("ticket types"),
        blank=True,
        related_name="+",
        help_text=_("Only tickets of these types; none selected: every type."),
    )
    include_internal = models.BooleanField(
        _("include internal notes"),
        default=False,
        help_text=_("Send “message added” for agents' internal notes too."),
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Ticking it again resumes a paused webhook: what waits is sent."),
    )
    secret = models.CharField(_("secret"), max_length=100, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # the first failure since the last success; a day of failures pauses the endpoint
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True, editable=False)
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True, editable=False)
    pause_reason = models.TextField(_("pause reason"), blank=True, editable=False)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event for one endpoint: its payload as sent, its attempts and the answer."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("webhook"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=32, choices=WebhookEvent.choices)
    ticket_number = models.CharField(_("ticket"), max_length=32, blank=True)
    payload = models.TextField(_("payload"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(_("response status"), null=True, blank=True)
    response_body = models.TextField(_("response"), blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="wt_api_delivery_due"),
            models.Index(fields=["endpoint", "-created_at"], name="wt_api_delivery_endpoint"),
            # the oldest undelivered event of one ticket for one endpoint goes first
            models.Index(fields=["endpoint", "ticket_number", "id"], name="wt_api_delivery_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} #{self.ticket_number}"
