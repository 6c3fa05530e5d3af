"""Outgoing mail: the templates administrators edit, the mail options, and the outbox.

The notifier writes a ``PendingNotification`` inside the transaction of each ticket change;
a task turns it into ``OutgoingMail`` rows (recipients and texts decided then, after
everything the request changed) and hands each row to the host's email backend.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting

from ..notifications.kinds import EmailKind
from .config import TicketType
from .tickets import Message, Ticket

MAX_TEMPLATE_SUBJECT = 255
MAX_TEMPLATE_BODY = 20_000


class EmailTemplate(models.Model):
    """The text of one kind of mail, for all types or one type, any or one language.

    Subject and body are plain text with ``{variables}`` (see ``notifications.variables``):
    no template code, so administrators cannot reach anything but the listed values.
    """

    kind = models.CharField(_("kind"), max_length=30, choices=EmailKind.choices)
    ticket_type = models.ForeignKey(
        TicketType,
        verbose_name=_("ticket type"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="email_templates",
        help_text=_("Leave empty to use this template for every type without its own."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("Language code such as en, de, nl or it; empty means any language."),
    )
    subject = models.CharField(
        _("subject"),
        max_length=MAX_TEMPLATE_SUBJECT,
        blank=True,
        help_text=_(
            "Empty: the subject option (default: the ticket subject). "
            "“[ts #number]” is always put in front."
        ),
    )
    body = models.TextField(
        _("text"),
        max_length=MAX_TEMPLATE_BODY,
        help_text=_("Plain text with variables such as {contact:first_name} and {MESSAGE}."),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)

    class Meta:
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        ordering = ["kind", "ticket_type", "language", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "ticket_type", "language"],
                name="wagtail_tickets_one_email_template",
            ),
            models.UniqueConstraint(
                fields=["kind", "language"],
                condition=models.Q(ticket_type__isnull=True),
                name="wagtail_tickets_one_default_email_template",
            ),
        ]

    def __str__(self) -> str:
        parts = [str(self.get_kind_display())]
        if self.ticket_type_id:
            parts.append(str(self.ticket_type))
        if self.language:
            parts.append(self.language)
        return " / ".join(parts)

    def kind_label(self) -> str:
        """The kind as listings show it: its label, not the stored code."""
        return str(self.get_kind_display())

    kind_label.short_description = _("kind")
    kind_label.admin_order_field = "kind"


class MailSettings(BaseGenericSetting):
    """Mail options administrators change without a deploy; registered in
    ``hooks.py`` (Settings > Ticket mail options)."""

    sender_name = models.CharField(_("default sender name"), max_length=100, blank=True)
    sender_email = models.EmailField(
        _("default sender address"),
        blank=True,
        help_text=_("Empty: the site's DEFAULT_FROM_EMAIL."),
    )
    subject_template = models.CharField(
        _("subject template"),
        max_length=MAX_TEMPLATE_SUBJECT,
        default="{ticket:subject}",
        help_text=_("Used when a template has no subject. “[ts #number]” is always in front."),
    )
    template_language = models.CharField(
        _("template language"),
        max_length=10,
        blank=True,
        help_text=_(
            "Language of mail to customers who have not chosen their own "
            "(empty: the site's LANGUAGE_CODE)."
        ),
    )

    class Meta:
        verbose_name = _("ticket mail options")


class PendingNotification(models.Model):
    """One ticket event waiting to become mail. Written in the event's own transaction, so
    it exists exactly when the change does; built once (``built_at``) by a task."""

    kind = models.CharField(max_length=20)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changes = models.JSONField(default=dict, blank=True)
    # {LINK} fixed when the event happened (a private link); blanked once the mail is built
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    built_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("pending notification")
        verbose_name_plural = _("pending notifications")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.ticket_id}"


class OutgoingMail(models.Model):
    """One rendered email in the outbox. Claimed atomically before it is handed to the
    backend, so a retry never sends it twice; failures wait ``next_attempt_at``."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outgoing_mail",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=EmailKind.choices)
    language = models.CharField(_("language"), max_length=10, blank=True)
    from_email = models.CharField(_("from"), max_length=400)
    to = models.TextField(_("to"), help_text=_("One address per line."))
    cc = models.TextField(_("CC"), blank=True)
    reply_to = models.CharField(_("reply to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=400)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"))
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="wt_outmail_due"),
            models.Index(fields=["-created_at", "-id"], name="wt_outmail_created"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def to_list(self) -> list[str]:
        return [line for line in self.to.splitlines() if line.strip()]

    @property
    def cc_list(self) -> list[str]:
        return [line for line in self.cc.splitlines() if line.strip()]
