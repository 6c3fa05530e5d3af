"""Planning the escalation of a ticket's service-level targets: which warnings and breach
mail its due times call for (``models.SlaEscalation`` rows), written by ``actions`` in the
transaction that stored the due times (``sla.due``). The scan that sends them when their
moment comes is ``sla.escalation``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone

from ..conf import app_settings
from ..models import SlaEscalation
from . import due, hours
from .display import counted_seconds, due_at, started_at, stored_state

Stage = SlaEscalation.Stage
State = SlaEscalation.State


def warning_moment(ticket, target: str, now: datetime.datetime) -> datetime.datetime | None:
    """When ``SLA_WARNING_PERCENT`` of the target's business time will have passed: from
    the business seconds counted up to ``sla_clock_at`` (pauses excluded), on the target's
    calendar. ``None``: no warning (the option is 0, or the policy has no length)."""
    percent = app_settings.SLA_WARNING_PERCENT
    policy = ticket.sla_policy
    total = due.target_seconds(policy, target) if policy is not None else None
    if not percent or percent >= 100 or not total:
        return None
    left = total * percent / 100 - counted_seconds(ticket, target)
    clock = ticket.sla_clock_at or now
    if left <= 0:
        return clock
    return hours.add_business_seconds(due.target_spec(policy, target), clock, left)


def plan(ticket, now: datetime.datetime | None = None) -> list[SlaEscalation]:
    """The ledger rows a ticket's running targets call for (unsaved): a breach at each
    due time and a warning before it."""
    now = now or timezone.now()
    if not ticket.is_open:
        return []
    rows = []
    for target in due.TARGETS:
        due_time, started = due_at(ticket, target), started_at(ticket, target)
        if stored_state(ticket, target) != due.State.RUNNING or due_time is None:
            continue
        if started is None:
            continue
        common = {
            "ticket": ticket,
            "target": target,
            "started_at": started,
            "due_at": due_time,
        }
        rows.append(SlaEscalation(stage=Stage.BREACH, fire_at=due_time, **common))
        warn = warning_moment(ticket, target, now) if due_time > now else None
        if warn is not None and warn < due_time:
            rows.append(SlaEscalation(stage=Stage.WARNING, fire_at=warn, **common))
    return rows


def reschedule(ticket, now: datetime.datetime | None = None, *, new: bool = False) -> None:
    """Replace the ticket's planned rows with those its due times call for now. Call it in
    the transaction that stored them (``actions``); two queries, none to delete for a
    ``new`` ticket (it has no rows yet) and none to insert when nothing is due."""
    reschedule_many([ticket], now, new=new)


def reschedule_many(
    tickets: Iterable, now: datetime.datetime | None = None, *, new: bool = False
) -> None:
    """``reschedule`` for many tickets at once, still two queries."""
    tickets = list(tickets)
    if not tickets:
        return
    rows = [row for ticket in tickets for row in plan(ticket, now)]
    if not new:
        SlaEscalation.objects.filter(
            ticket_id__in=[ticket.pk for ticket in tickets], state=State.PLANNED
        ).delete()
    if rows:
        # a row sent before for the same run of a target stays, and this one is left out
        SlaEscalation.objects.bulk_create(rows, ignore_conflicts=True)
