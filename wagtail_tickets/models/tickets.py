"""Tickets, their messages and attachments, and the customer's ticket profile.

These models are changed only through ``wagtail_tickets.actions``; reading goes through the
querysets of ``wagtail_tickets.permissions``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from .. import storage
from ..conf import app_settings, get_customer_model_string
from ..db.indexes import CoveringIndex
from .config import Category, Priority, Status, TicketType
from .sla import SlaState


class NumberSequence(models.Model):
    """One counter per numbering period; see ``wagtail_tickets.numbering``."""

    key = models.CharField(max_length=32, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket number sequence")
        verbose_name_plural = _("ticket number sequences")

    def __str__(self) -> str:
        return f"{self.key}: {self.value}"


OPEN = Q(is_open=True)


class Ticket(models.Model):
    # db_index=False: the foreign keys that lead a listing index (Meta.indexes) need no
    # index of their own; every index costs each ticket written
    number = models.CharField(_("number"), max_length=32, unique=True)
    ticket_type = models.ForeignKey(
        TicketType,
        verbose_name=_("type"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    subject = models.CharField(_("subject"), max_length=255)
    status = models.ForeignKey(
        Status,
        verbose_name=_("status"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    priority = models.ForeignKey(
        Priority,
        verbose_name=_("priority"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        db_index=False,
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets_requested",
        db_index=False,
    )
    requester_name = models.CharField(_("requester name"), max_length=150, blank=True)
    requester_email = models.EmailField(_("requester email"), blank=True)
    customer = models.ForeignKey(
        get_customer_model_string(),
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets_assigned",
        db_index=False,
    )
    cc = models.TextField(
        _("CC addresses"), blank=True, help_text=_("Addresses told about updates, one per line.")
    )
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last update"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    last_message_by_staff = models.BooleanField(default=False)
    # the newest message a customer (not staff) wrote: agents who opened the ticket before
    # it have something new to read (``TicketVisit``)
    last_customer_message_at = models.DateTimeField(null=True, blank=True, editable=False)
    # ``not status.is_closed``, kept by database triggers (migration 0008) for the partial
    # indexes on open tickets: filter on it, never set it.
    is_open = models.BooleanField(_("open"), default=True, editable=False)
    # service levels (``wagtail_tickets.sla``), written only by ``actions`` through
    # ``sla.due``: the policy that matched, the business seconds counted up to
    # ``sla_clock_at`` on each target's calendar, and the due times they give
    sla_policy = models.ForeignKey(
        "wagtail_tickets.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        db_index=False,
    )
    sla_clock_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_paused_at = models.DateTimeField(_("SLA paused"), null=True, blank=True, editable=False)
    # the earliest due time of the running targets: the inbox sorts and filters on it
    sla_next_due_at = models.DateTimeField(_("next due"), null=True, blank=True, editable=False)
    sla_next_due_target = models.CharField(max_length=20, blank=True, editable=False)
    sla_first_response_due_at = models.DateTimeField(
        _("first response due"), null=True, blank=True, editable=False
    )
    sla_first_response_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_first_response_state = models.CharField(
        _("first response SLA"),
        max_length=10,
        choices=SlaState.choices,
        blank=True,
        default="",
        editable=False,
    )
    sla_first_response_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    sla_next_response_due_at = models.DateTimeField(
        _("next response due"), null=True, blank=True, editable=False
    )
    sla_next_response_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_next_response_state = models.CharField(
        _("next response SLA"),
        max_length=10,
        choices=SlaState.choices,
        blank=True,
        default="",
        editable=False,
    )
    sla_next_response_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    sla_resolution_due_at = models.DateTimeField(
        _("resolution due"), null=True, blank=True, editable=False
    )
    sla_resolution_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_resolution_state = models.CharField(
        _("resolution SLA"),
        max_length=10,
        choices=SlaState.choices,
        blank=True,
        default="",
        editable=False,
    )
    sla_resolution_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            # the listings' filters, in their order (newest first, ties by id)
            models.Index(
                fields=["requester", "-updated_at", "-id"], name="wt_ticket_requester_upd"
            ),
            models.Index(fields=["customer", "-updated_at", "-id"], name="wt_ticket_customer_upd"),
            models.Index(fields=["ticket_type", "-updated_at", "-id"], name="wt_ticket_type_upd"),
            models.Index(fields=["status", "-updated_at", "-id"], name="wt_ticket_status_upd"),
            models.Index(fields=["assignee", "-updated_at", "-id"], name="wt_ticket_assignee_upd"),
            models.Index(fields=["-updated_at", "-id"], name="wt_ticket_upd"),
            # the customer area's counts per state (with us, waiting, closed), read from
            # the index alone: the status says which open tickets wait for the customer
            CoveringIndex(
                fields=["requester", "is_open"],
                include=["ticket_type", "status"],
                name="wt_ticket_requester_state",
            ),
            CoveringIndex(
                fields=["customer", "is_open"],
                include=["ticket_type", "requester", "status"],
                name="wt_ticket_customer_state",
            ),
            models.Index(fields=["priority", "-updated_at", "-id"], name="wt_ticket_priority_upd"),
            models.Index(fields=["created_at"], name="wt_ticket_created"),
            models.Index(
                fields=["closed_at"], name="wt_ticket_closed", condition=Q(closed_at__isnull=False)
            ),
            # open tickets: the inbox's open view, workload, unassigned, overdue, auto-close
            models.Index(fields=["-updated_at", "-id"], name="wt_ticket_open_upd", condition=OPEN),
            models.Index(fields=["assignee"], name="wt_ticket_open_assignee", condition=OPEN),
            models.Index(fields=["target_date"], name="wt_ticket_open_target", condition=OPEN),
            models.Index(
                fields=["last_message_at"],
                name="wt_ticket_open_awaiting",
                condition=Q(is_open=True, last_message_by_staff=True),
            ),
            # the reports read these alone (index-only): opened, closed and open tickets
            models.Index(
                fields=["created_at", "ticket_type", "status", "first_response_at"],
                name="wt_ticket_report_opened",
            ),
            models.Index(
                fields=["closed_at", "ticket_type", "assignee", "created_at"],
                name="wt_ticket_report_closed",
                condition=Q(is_open=False),
            ),
            models.Index(
                fields=["ticket_type", "assignee", "target_date"],
                name="wt_ticket_report_open",
                condition=OPEN,
            ),
            # the reports' service-level medians, read alone over the tickets with a
            # final duration (only those under a policy have one)
            models.Index(
                fields=["created_at", "ticket_type", "sla_first_response_seconds"],
                name="wt_ticket_sla_first_response",
                condition=Q(
                    first_response_at__isnull=False, sla_first_response_seconds__isnull=False
                ),
            ),
            models.Index(
                fields=["created_at", "ticket_type", "sla_resolution_seconds"],
                name="wt_ticket_sla_resolution",
                condition=Q(is_open=False, sla_resolution_seconds__isnull=False),
            ),
            # service levels: sorting and filtering by the next due target
            models.Index(
                fields=["sla_next_due_at"],
                name="wt_ticket_sla_next_due",
                condition=Q(sla_next_due_at__isnull=False),
            ),
            # the external page's cap on open tickets per address (any case)
            models.Index(Upper("requester_email"), name="wt_ticket_open_email", condition=OPEN),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_closed(self) -> bool:
        return self.status.is_closed

    @property
    def cc_list(self) -> list[str]:
        return [line.strip() for line in self.cc.splitlines() if line.strip()]

    @property
    def requester_display_name(self) -> str:
        if self.requester_id:
            return display_name_for(self.requester)
        return self.requester_name or self.requester_email


def display_name_for(user) -> str:
    """The name shown as sender of a user's messages: profile, full name, username."""
    try:
        profile_name = user.ticket_profile.display_name
    except (AttributeError, TicketProfile.DoesNotExist):
        profile_name = ""
    return profile_name or user.get_full_name() or user.get_username()


def agent_name(user) -> str:
    """The name the admin gives an agent (assignee column and filter, forms, reports): full
    name, else username; ``""`` for nobody. Unlike ``display_name_for``, no profile name:
    agents are told apart by their accounts."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def agent_names(ids) -> dict[int, str]:
    """``agent_name`` of many users in one query of their name columns, ``{pk: name}``
    (the reports name every agent of a period without loading their rows)."""
    model = get_user_model()
    rows = model._default_manager.filter(pk__in=ids).values_list(
        "pk", "first_name", "last_name", model.USERNAME_FIELD
    )
    return {
        pk: f"{first or ''} {last or ''}".strip() or str(login or "")
        for pk, first, last, login in rows
    }


class Message(models.Model):
    class Source(models.TextChoices):
        WEB = "web", _("Web")
        ADMIN = "admin", _("Admin")
        EMAIL = "email", _("Email")
        SYSTEM = "system", _("System")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket_messages",
    )
    author_name = models.CharField(_("author"), max_length=150)
    author_email = models.EmailField(_("author email"), blank=True)
    is_staff = models.BooleanField(_("from staff"), default=False)
    is_internal = models.BooleanField(_("internal note"), default=False)
    body_html = models.TextField(_("message"))
    body_text = models.TextField(_("message as text"), blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2, null=True, blank=True)
    rate = models.ForeignKey(
        "wagtail_tickets.Rate",
        verbose_name=_("rate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="wt_message_ticket_created"),
            # time logged (reports): read without the wide message rows, in the order of
            # the time spent groups; a period's messages are filtered while reading
            models.Index(
                fields=["ticket", "author", "rate", "author_name", "created_at", "hours"],
                name="wt_message_report_hours",
                condition=Q(hours__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_name} on #{self.ticket_id}"

    @property
    def author_display_name(self) -> str:
        """The sender's name wherever the message is shown (customer area, private link,
        admin, mail): a registered author's current display name (``display_name_for``),
        so a changed display name applies to their earlier messages too; a guest's or an
        unknown mail sender's name as stored with the message. Lists select
        ``author__ticket_profile`` (``AUTHOR_NAME_RELATED``) to read it without a query."""
        if self.author_id is None:
            return self.author_name
        return display_name_for(self.author)


# what ``Message.author_display_name`` reads, for ``select_related``
AUTHOR_NAME_RELATED = ("author", "author__ticket_profile")


def attachment_storage():
    """The storage of attachment and export-archive files (``storage.attachment_storage``),
    named in the models so that migrations refer to a model callable."""
    return storage.attachment_storage()


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    """A generated name: the original name never reaches the storage backend."""
    return f"{app_settings.ATTACHMENT_UPLOAD_TO}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(
        _("file"), upload_to=attachment_upload_to, storage=attachment_storage, max_length=255
    )
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename


class TicketCounter(models.Model):
    """How many tickets each (type, status) pair holds, kept by database triggers
    (migration 0008) so that status counters never count the ticket table."""

    ticket_type = models.ForeignKey(TicketType, on_delete=models.CASCADE, related_name="+")
    status = models.ForeignKey(Status, on_delete=models.CASCADE, related_name="+")
    count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket counter")
        verbose_name_plural = _("ticket counters")
        constraints = [
            models.UniqueConstraint(fields=["ticket_type", "status"], name="wt_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_type_id}/{self.status_id}: {self.count}"


class TicketProfile(models.Model):
    """Per-user ticket preferences: the display name in tickets, the language of their mail."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_profile"
    )
    display_name = models.CharField(
        _("display name in tickets"),
        max_length=100,
        blank=True,
        help_text=_("Shown as the sender of your messages, e.g. your company name or a nickname."),
    )
    language = models.CharField(
        _("language of ticket mail"),
        max_length=10,
        blank=True,
        help_text=_("Empty: the site's template language for customer mail."),
    )

    class Meta:
        verbose_name = _("ticket profile")
        verbose_name_plural = _("ticket profiles")

    def __str__(self) -> str:
        return self.display_name or str(self.user)
