"""What happened to a ticket, as ``actions`` hands it to the notifier. The notifier class
is the ``NOTIFIER`` option, so a site can change who is told what without touching the
code that changes tickets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from django.utils.module_loading import import_string

from ..conf import app_settings


class EventKind(StrEnum):
    """What kind of change an event is; the notifier picks its mail by it."""

    OPENED = "opened"
    REPLIED = "replied"
    NOTE = "note"
    CLOSED = "closed"
    REOPENED = "reopened"
    CHANGED = "changed"
    CLAIMED = "claimed"
    ASSIGNED = "assigned"
    MERGED = "merged"
    # a service-level target is due soon or was breached (``sla.escalation``): nobody
    # changed the ticket, time passed
    ESCALATED = "escalated"


@dataclass
class Event:
    """One change of a ticket, as the notifier sees it."""

    kind: EventKind
    ticket: object
    actor: object = None
    message: object = None
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    request: object = None
    # The {LINK} fixed when the event happened (a private link shown on the page too).
    link: str = ""
    # The private link the external page chose for the ticket it opens (``open_ticket``).
    link_token: str = ""


@lru_cache(maxsize=4)
def _notifier_class(path: str):
    return import_string(path)


def get_notifier():
    """A notifier of the class the ``NOTIFIER`` option names."""
    return _notifier_class(app_settings.NOTIFIER)()


def notify(event: Event) -> None:
    """Hand an event to the notifier, inside the action's transaction (so the mail it
    queues is committed with the change or not at all)."""
    get_notifier().notify(event)
