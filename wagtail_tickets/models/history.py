"""Ticket history on Wagtail's audit log, so it also shows in the admin's site history.

Entries keep the ticket id without a database constraint (as Wagtail's page log does), so
the record of a deleted ticket, with who deleted which number, stays.
"""

from __future__ import annotations

from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.models import BaseLogEntry, BaseLogEntryManager


class TicketLogEntryManager(BaseLogEntryManager):
    def log_action(self, instance, action, **kwargs):
        kwargs.update(ticket=instance)
        return super().log_action(instance, action, **kwargs)

    def for_instance(self, instance):
        return self.filter(ticket_id=instance.pk)


class TicketLogEntry(BaseLogEntry):
    ticket = models.ForeignKey(
        "wagtail_tickets.Ticket",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="log_entries",
    )

    objects = TicketLogEntryManager()

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True):
        """Wagtail validates every entry before saving it. The ticket and the content type
        are set by the actions, never typed in, so their existence is not checked: that
        was two queries for every ticket change."""
        exclude = {*(exclude or ()), "ticket", "content_type"}
        super().full_clean(exclude, validate_unique, validate_constraints)

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        # Wagtail 8 gives log entries this index and Wagtail 7 does not: naming it here keeps
        # the model, and so the migrations, the same on both
        indexes = [
            models.Index(
                fields=["uuid", "action", "-timestamp"], name="wagtail_tic_uuid_3576aa_idx"
            )
        ]
        verbose_name = _("ticket log entry")
        verbose_name_plural = _("ticket log entries")

    def __str__(self) -> str:
        return f"TicketLogEntry {self.pk}: '{self.action}' on ticket {self.ticket_id}"

    @cached_property
    def object_id(self):
        return self.ticket_id
