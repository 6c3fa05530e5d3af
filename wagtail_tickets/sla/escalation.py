"""Escalation: mail before a service-level target is breached and when it is.

Two halves, both reading a small ledger (``models.SlaEscalation``) instead of the open
tickets:

- ``sla.schedule.reschedule(ticket)`` runs inside the action that stored the ticket's due
  times: it plans, for every running target, a warning (when ``SLA_WARNING_PERCENT`` of the
  target's business time has passed) and a breach (at the due time). Planned rows of the
  ticket are replaced; rows already sent stay and, by the ledger's unique key, keep the
  same run of a target from being planned again.
- ``escalate_due()`` runs every minute (``tasks.escalate_sla``). It takes the planned rows
  whose moment has come with one conditional update that marks them with a token of its
  own, so of several workers each row goes to exactly one, and hands them to the outbox
  (``PendingNotification`` rows, built into mail by the usual task) in the same
  transaction: a row is marked sent exactly when its mail is queued. A constant number of
  queries whatever the number of tickets or rows.

Who is told: the assignee, else the type's agents, and the ``SLA_ESCALATION_EMAILS``
(``notifications.recipients.escalation_recipients``), in the mail kind ``sla_escalation``.
"""

from __future__ import annotations

import datetime
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..conf import app_settings
from ..models import PendingNotification, SlaEscalation, Ticket
from ..notifications.events import EventKind
from ..notifications.sending import enqueue_many
from ..notifications.variables import as_text
from . import due
from .display import due_at, stored_state

Stage = SlaEscalation.Stage
State = SlaEscalation.State
BATCH_SIZE = 500
BUILD_TASK = "wagtail_tickets.tasks.build_notification"


def escalation_addresses(_ticket=None) -> list[str]:
    """The addresses told besides the assignee or the agents (``SLA_ESCALATION_EMAILS``)."""
    return [address.strip() for address in app_settings.SLA_ESCALATION_EMAILS if address.strip()]


# --- sending (the task) ------------------------------------------------------------------


SEND, SKIP, DROP = "send", "skip", "drop"


def verdict(row: SlaEscalation, ticket: Ticket, now: datetime.datetime) -> str:
    """What to do with a row that fired. ``DROP`` (delete it) when it no longer says
    something true: the ticket is closed, or the target is not running with the due time
    the row was planned for (a later plan of the same run may fire again). ``SKIP`` (keep
    it, send nothing) for a warning overtaken by the breach, which says it. Else ``SEND``."""
    if row.target not in due.TARGETS or not ticket.is_open:
        return DROP
    if stored_state(ticket, row.target) != due.State.RUNNING:
        return DROP
    if due_at(ticket, row.target) != row.due_at:
        return DROP
    if row.stage == Stage.WARNING and row.due_at <= now:
        return SKIP
    return SEND


def escalate_due(now: datetime.datetime | None = None, limit: int = BATCH_SIZE) -> dict[str, int]:
    """Queue the mail of every planned row whose moment has come (at most ``limit``);
    returns how many were sent, skipped and dropped (``verdict``). Safe on several
    workers at once."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        ids = list(
            SlaEscalation.objects.filter(state=State.PLANNED, fire_at__lte=now)
            .order_by("fire_at")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return {"sent": 0, "skipped": 0, "dropped": 0}
        # the claim: a row another worker took meanwhile is no longer "planned"
        SlaEscalation.objects.filter(pk__in=ids, state=State.PLANNED).update(
            state=State.SENT, claim=token, sent_at=now
        )
        claimed = SlaEscalation.objects.filter(pk__in=ids, claim=token).select_related("ticket")
        decided: dict[str, list[SlaEscalation]] = {SEND: [], SKIP: [], DROP: []}
        for row in claimed:
            decided[verdict(row, row.ticket, now)].append(row)
        if decided[SKIP]:
            SlaEscalation.objects.filter(pk__in=[row.pk for row in decided[SKIP]]).update(
                state=State.SKIPPED, sent_at=None
            )
        if decided[DROP]:
            SlaEscalation.objects.filter(pk__in=[row.pk for row in decided[DROP]]).delete()
        pending = PendingNotification.objects.bulk_create(
            [
                PendingNotification(
                    kind=str(EventKind.ESCALATED),
                    ticket_id=row.ticket_id,
                    changes={"sla_target": ["", row.target], "sla_stage": ["", row.stage]},
                )
                for row in decided[SEND]
            ]
        )
        if pending:
            tasks = [(BUILD_TASK, (item.pk,)) for item in pending]
            transaction.on_commit(lambda: enqueue_many(tasks))
        breaches = [row for row in decided[SEND] if row.stage == Stage.BREACH]
        if breaches:
            transaction.on_commit(lambda: _announce_breaches(breaches))
    return {"sent": len(pending), "skipped": len(decided[SKIP]), "dropped": len(decided[DROP])}


def _announce_breaches(rows: list[SlaEscalation]) -> None:
    """``signals.sla_breached`` for each breach the scan sent (once per target's run,
    since a row is claimed by one scan only)."""
    for row in rows:
        signals.sla_breached.send(
            sender=Ticket,
            ticket=row.ticket,
            actor=None,
            target=row.target,
            due_at=row.due_at,
        )


# --- the mail's variables ----------------------------------------------------------------


def stage_label(stage: str) -> str:
    """``{sla:state}``: "due soon" or "breached", in the mail's language."""
    if stage == Stage.WARNING:
        return _("due soon")
    return _("breached")


def escalation_values(event) -> dict[str, str]:
    """``{sla:target}``, ``{sla:state}``, ``{sla:due}`` of an escalation event."""
    code = (event.changes.get("sla_target") or ("", ""))[1]
    stage = (event.changes.get("sla_stage") or ("", ""))[1]
    if code not in due.TARGETS:
        return {"sla:target": "", "sla:state": "", "sla:due": ""}
    return {
        "sla:target": str(due.target_label(code)),
        "sla:state": stage_label(stage),
        "sla:due": as_text(due_at(event.ticket, code)),
    }
