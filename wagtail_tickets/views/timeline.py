"""The conversation as customers and holders of a private link read it: one page of
messages with the changes customers are told about (status, priority, category, target
date: what their mail tells them) in time order between them.

A status change is shown in the customer's words ("With us → Waiting for your answer"),
never by the team's internal status names; a change that means nothing to the customer
(two statuses with the same meaning) is left out. The page's history entries are read in
one query, whatever the conversation's length.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page
from django.utils.translation import gettext as _

from ..display import change_text
from ..models import Status, Ticket, TicketLogEntry
from ..models.config import customer_state_label
from ..notifications.notifier import CUSTOMER_VISIBLE_CHANGES

HISTORY_ACTIONS = ("wagtail_tickets.changed", "wagtail_tickets.closed", "wagtail_tickets.reopened")
# the state a ticket is in after these actions, when its status name is no longer known
ACTION_STATES = {
    "wagtail_tickets.closed": Status.CLOSED,
    "wagtail_tickets.reopened": Status.WITH_US,
}


@dataclass(frozen=True)
class ChangeLine:
    label: str
    old: str
    new: str


@dataclass
class Change:
    """One history entry as the customer reads it: a few short lines."""

    timestamp: datetime.datetime
    lines: list[ChangeLine] = field(default_factory=list)


def _labels() -> dict[str, str]:
    return {
        "status": _("Status"),
        "priority": _("Priority"),
        "category": _("Category"),
        "target_date": _("Target date"),
    }


def _status_line(values: list, action: str, states: dict[str, str]) -> ChangeLine | None:
    old, new = states.get(values[0]), states.get(values[1]) or ACTION_STATES.get(action)
    if new is None or old == new:
        return None
    return ChangeLine(
        _("Status"), customer_state_label(old) if old else "", customer_state_label(new)
    )


def customer_changes(entries, states: dict[str, str]) -> list[Change]:
    """The changes of ``entries`` (history entries, oldest first) a customer is shown.
    ``states`` maps status names to ``Status.customer_state``."""
    labels = _labels()
    shown = []
    for entry in entries:
        recorded = (entry.data or {}).get("changes") or {}
        lines = []
        for name in CUSTOMER_VISIBLE_CHANGES:
            values = recorded.get(name)
            if not isinstance(values, list | tuple) or len(values) != 2:
                continue
            if name == "status":
                line = _status_line(values, entry.action, states)
            else:
                old, new = (str(change_text(name, value) or "") for value in values)
                line = ChangeLine(labels[name], old, new)
            if line is not None and line.old != line.new:
                lines.append(line)
        if lines:
            shown.append(Change(entry.timestamp, lines))
    return shown


def conversation_timeline(ticket: Ticket, page: Page) -> list[tuple[str, object]]:
    """``[("message", message) | ("change", Change)]`` of one page of the conversation,
    in time order. The page holds the changes from its first message (from the start of
    the ticket on the first page) up to the next page's first message."""
    messages = list(page.object_list)
    entries = TicketLogEntry.objects.filter(ticket_id=ticket.pk, action__in=HISTORY_ACTIONS)
    if page.has_previous() and messages:
        entries = entries.filter(timestamp__gte=messages[0].created_at)
    if page.has_next():
        following = page.paginator.object_list.values_list("created_at", flat=True)[
            page.end_index()
        ]
        entries = entries.filter(timestamp__lt=following)
    entries = list(entries.only("timestamp", "action", "data").order_by("timestamp", "pk"))
    states: dict[str, str] = {}
    if any("status" in ((e.data or {}).get("changes") or {}) for e in entries):
        states = {status.name: status.customer_state for status in Status.objects.all()}
    items: list[tuple[str, object, datetime.datetime]] = [
        ("message", m, m.created_at) for m in messages
    ]
    items.extend(("change", c, c.timestamp) for c in customer_changes(entries, states))
    items.sort(key=lambda item: item[2])
    return [(kind, item) for kind, item, _when in items]
