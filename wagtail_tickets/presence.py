"""Who else has a ticket open, and who is writing a reply there: the rows of
``TicketPresence``, written by the workspace when it opens and by its ping every
``PRESENCE_PING_SECONDS``, read back as the other agents on the ticket.

An open workspace is a row per agent and browser tab. It counts while its last ping is
younger than ``expiry()`` (about three missed pings), so a tab that vanished without a
word (a crash, a lost connection) drops out by itself; the page's leave beacon removes
its row at once. Each call is one query of fixed shape, whatever the number of agents."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from .conf import app_settings
from .models import Ticket, TicketPresence
from .models.tickets import agent_name

MISSED_PINGS = 3
# a tab key as ``new_tab`` makes it; anything else in a ping is refused
TAB_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class Present:
    """Another agent on the ticket: their name, and whether they write in any tab."""

    user_id: int
    name: str
    writing: bool


def enabled() -> bool:
    return app_settings.PRESENCE_PING_SECONDS > 0


def expiry() -> timedelta:
    """How long an agent counts as present after their last ping."""
    return timedelta(seconds=app_settings.PRESENCE_PING_SECONDS * MISSED_PINGS + 2)


def new_tab() -> str:
    """A fresh key for one opened workspace page."""
    return secrets.token_urlsafe(18)


def valid_tab(value: object) -> str | None:
    """The tab key from a request, or None when it is not one we could have made."""
    if isinstance(value, str) and TAB_KEY.fullmatch(value):
        return value
    return None


def record(user, ticket: Ticket, tab: str, *, writing: bool = False, now=None) -> None:
    """The agent is on the ticket in this tab now (one upsert)."""
    TicketPresence.objects.bulk_create(
        [
            TicketPresence(
                user=user,
                ticket=ticket,
                tab=tab,
                seen_at=now or timezone.now(),
                writing=writing,
            )
        ],
        update_conflicts=True,
        unique_fields=["ticket", "user", "tab"],
        update_fields=["seen_at", "writing"],
    )


def leave(user, ticket: Ticket, tab: str) -> None:
    """The tab closed or moved on: its row goes at once (one delete)."""
    TicketPresence.objects.filter(user=user, ticket=ticket, tab=tab).delete()


def sweep(now: datetime | None = None) -> None:
    """Remove the rows of tabs that stopped pinging, of every ticket (one delete). Run
    whenever a workspace opens, it keeps the table at about the number of open tabs."""
    limit = (now or timezone.now()) - expiry()
    TicketPresence.objects.filter(seen_at__lt=limit).delete()


def others(user, ticket: Ticket, now: datetime | None = None) -> list[Present]:
    """The other agents with the ticket open, first comer first, each once (one query)."""
    limit = (now or timezone.now()) - expiry()
    rows = (
        TicketPresence.objects.filter(ticket=ticket, seen_at__gte=limit)
        .exclude(user=user)
        .select_related("user")
        .order_by("pk")
    )
    found: dict[int, Present] = {}
    for row in rows:
        seen = found.get(row.user_id)
        if seen is None:
            found[row.user_id] = Present(row.user_id, agent_name(row.user), row.writing)
        elif row.writing and not seen.writing:
            found[row.user_id] = Present(seen.user_id, seen.name, True)
    return list(found.values())
