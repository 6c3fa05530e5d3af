"""How tickets relate: one merged into another (``TicketMerge``), and links between them
(``TicketLink``: "related to", parent and child).

Both are written only by ``wagtail_tickets.actions`` (``merge_tickets``, ``split_ticket``,
``link_tickets``, ``unlink_tickets``); who may see them is ``permissions``' decision.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .tickets import Ticket


class TicketMerge(models.Model):
    """A ticket merged into another: the source is closed, its number leads to the target,
    and ``record`` keeps what it held when it was merged (its messages' ids and counts;
    its own fields, CC included, stay on its row), so its own record stays readable after
    its messages moved."""

    source = models.OneToOneField(
        Ticket, verbose_name=_("merged ticket"), on_delete=models.CASCADE, related_name="merge"
    )
    # a source merged into a ticket that is merged later follows it: there is never a chain
    target = models.ForeignKey(
        Ticket,
        verbose_name=_("merged into"),
        on_delete=models.CASCADE,
        related_name="merged_sources",
    )
    merged_at = models.DateTimeField(_("merged"), auto_now_add=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    record = models.JSONField(_("what it held"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ticket merge")
        verbose_name_plural = _("ticket merges")
        ordering = ["merged_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("target")), name="wt_merge_not_into_itself"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id} -> {self.target_id}"

    @property
    def message_ids(self) -> list[int]:
        ids = (self.record or {}).get("messages") or []
        return [value for value in ids if isinstance(value, int)]


class TicketLink(models.Model):
    """Two tickets linked. ``RELATED`` is symmetric (stored once, the lower id first);
    ``PARENT``: ``from_ticket`` is the parent of ``to_ticket``. A ticket has at most one
    parent, and no ticket is its own ancestor (``actions.link_tickets`` checks)."""

    class Kind(models.TextChoices):
        RELATED = "related", _("Related to")
        PARENT = "parent", _("Parent of")

    from_ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="links_out", db_index=False
    )
    to_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("link"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["from_ticket", "to_ticket"], name="wt_link_unique"),
            models.UniqueConstraint(
                fields=["to_ticket"], condition=Q(kind="parent"), name="wt_link_one_parent"
            ),
            models.CheckConstraint(
                condition=~Q(from_ticket=F("to_ticket")), name="wt_link_not_to_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_ticket_id} {self.kind} {self.to_ticket_id}"
