"""The escalation ledger: one row per ticket, service-level target, stage (warning before
the breach, the breach itself) and run of that target (``started_at``).

A row is planned when ``actions`` store a ticket's due times (``sla.escalation.reschedule``)
and fires at ``fire_at``. The unique key is what makes a warning or breach mail go out once
per ticket and target whatever the number of workers: a row that was sent stays, so the
same run of a target is never planned again, and a worker sends only the rows its own
conditional update claimed (``sla.escalation.escalate_due``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .tickets import Ticket


class SlaEscalation(models.Model):
    class Stage(models.TextChoices):
        WARNING = "warning", _("Due soon")
        BREACH = "breach", _("Breached")

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        SENT = "sent", _("Sent")
        # a warning whose target was breached before it went out: the breach mail says it
        SKIPPED = "skipped", _("Skipped")

    # no index of its own: the unique key starts with the ticket
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    # the target's code (``sla.escalation.TARGETS``)
    target = models.CharField(_("target"), max_length=20)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    # when this run of the target began: a new customer message starts a new run of the
    # next-response target, and with it a new warning and breach
    started_at = models.DateTimeField(_("target started"))
    due_at = models.DateTimeField(_("due"))
    fire_at = models.DateTimeField(_("fires at"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PLANNED
    )
    # the run of the scan that took the row (a random token): read back after the claim
    claim = models.CharField(max_length=32, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA escalation")
        verbose_name_plural = _("SLA escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "target", "stage", "started_at"], name="wt_escalation_once"
            )
        ]
        indexes = [
            # the scan reads the planned rows that are due, and nothing else
            models.Index(
                fields=["fire_at"],
                name="wt_escalation_planned",
                condition=Q(state="planned"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.target} {self.stage}"
