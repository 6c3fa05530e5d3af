"""Who has a ticket's workspace open right now: one row per agent and browser tab,
refreshed by the page's ping and removed when the tab leaves (or ignored once it stops
pinging). A database table rather than the cache: every web process sees the same rows
whatever cache the site configures (the default local-memory cache is per process)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .tickets import Ticket


class TicketPresence(models.Model):
    """An agent's open workspace of one ticket in one browser tab, and whether they are
    writing a reply there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_presences"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="presences")
    # a random key the workspace page was given: one agent may have the ticket open twice
    tab = models.CharField(_("browser tab"), max_length=64)
    seen_at = models.DateTimeField(_("last seen"))
    writing = models.BooleanField(_("writing a reply"), default=False)

    class Meta:
        verbose_name = _("agent on a ticket")
        verbose_name_plural = _("agents on tickets")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "user", "tab"], name="wt_one_presence_per_tab"
            )
        ]
        indexes = [models.Index(fields=["ticket", "seen_at"], name="wt_presence_ticket_seen")]

    def __str__(self) -> str:
        return f"{self.user} / {self.ticket_id}: {self.seen_at}"
