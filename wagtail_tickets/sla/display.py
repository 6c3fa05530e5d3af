"""How a ticket's service-level targets stand, for the screens (the inbox's column and
badge, the workspace's header) and the escalation mail, read from the fields ``actions``
stored (``sla.due``): nothing is computed but comparisons with the current time, so a
page of fifty tickets shows its badges without a query.

A target still running past its due time is breached now; less than ``SOON`` before it,
it is due soon. Each state has a word: the badges never say it with colour alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import due

# "due soon": the inbox's badge and its "due within the hour" filter
SOON = datetime.timedelta(hours=1)


class Standing(StrEnum):
    """Where a target stands now (``due.State`` plus the current time)."""

    RUNNING = "running"
    SOON = "soon"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"
    MISSED = "missed"  # done, but after its due time


LABELS: dict[Standing, Promise] = {
    Standing.RUNNING: _("On time"),
    Standing.SOON: _("Due soon"),
    Standing.BREACHED: _("Breached"),
    Standing.PAUSED: _("Paused"),
    Standing.MET: _("Met"),
    Standing.MISSED: _("Missed"),
}


def due_at(ticket, target: str) -> datetime.datetime | None:
    return getattr(ticket, f"sla_{target}_due_at", None)


def started_at(ticket, target: str) -> datetime.datetime | None:
    return getattr(ticket, f"sla_{target}_started_at", None)


def stored_state(ticket, target: str) -> str:
    return getattr(ticket, f"sla_{target}_state", "") or ""


def counted_seconds(ticket, target: str) -> int:
    return getattr(ticket, f"sla_{target}_seconds", None) or 0


def standing_of(due_time: datetime.datetime | None, now: datetime.datetime) -> Standing:
    """A running target's standing from its due time alone."""
    if due_time is None:
        return Standing.RUNNING
    if due_time <= now:
        return Standing.BREACHED
    if due_time - now <= SOON:
        return Standing.SOON
    return Standing.RUNNING


def standing(ticket, target: str, now: datetime.datetime) -> Standing | None:
    """``target``'s standing on ``ticket``; ``None`` when the ticket has no such target."""
    state = stored_state(ticket, target)
    if state == due.State.RUNNING:
        return standing_of(due_at(ticket, target), now)
    if state == due.State.PAUSED:
        return Standing.PAUSED
    if state == due.State.MET:
        return Standing.MET
    if state == due.State.BREACHED:
        return Standing.MISSED
    return None


@dataclass(frozen=True)
class TargetRow:
    """One target of a ticket as the workspace's header shows it."""

    code: str
    label: str
    due: datetime.datetime | None
    standing: Standing

    @property
    def standing_label(self) -> Promise:
        return LABELS[self.standing]


def target_rows(ticket, now: datetime.datetime | None = None) -> list[TargetRow]:
    """Every target the ticket has, in the order of ``due.TARGETS``."""
    now = now or timezone.now()
    rows = []
    for code in due.TARGETS:
        found = standing(ticket, code, now)
        if found is not None:
            rows.append(TargetRow(code, str(due.target_label(code)), due_at(ticket, code), found))
    return rows


def next_due(ticket, now: datetime.datetime) -> tuple[str, datetime.datetime, Standing] | None:
    """``(target label, due time, standing)`` of the target due first (``sla_next_due_at``);
    ``None`` when none is running."""
    moment = ticket.sla_next_due_at
    if moment is None:
        return None
    code = ticket.sla_next_due_target
    label = str(due.target_label(code)) if code in due.TARGETS else ""
    return label, moment, standing_of(moment, now)


# --- as database conditions (the inbox's filters, the dashboard's counter) ----------------
# The next due time is set only while a target runs: its index serves both.


def breached(now: datetime.datetime | None = None) -> Q:
    """Open tickets with a running target past its due time."""
    return Q(is_open=True, sla_next_due_at__lte=now or timezone.now())


def due_within_the_hour(now: datetime.datetime | None = None) -> Q:
    """Open tickets whose next target is due within the hour (``SOON``), not breached yet."""
    now = now or timezone.now()
    return Q(is_open=True, sla_next_due_at__gt=now, sla_next_due_at__lte=now + SOON)
