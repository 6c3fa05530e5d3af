"""The kinds of mail, in one table: for each, the events that produce it, who gets it, whether
it goes out by itself, who may read the message in it, and how the admin previews it.

Everything that depends on the kinds reads ``KINDS``: the notifier's ``plan`` (which kinds an
event sends, to whom), the ``Auto-Submitted`` header (``AUTOMATIC_KINDS``), the agents' link
(``AGENT_KINDS``), the choices of ``EmailTemplate.kind`` (``EmailKind``) and the template
preview in the admin. Adding a kind is adding one row here and its texts to
``defaults.DEFAULT_TEMPLATES`` (a test checks both, the label, the preview and the plan).

This module is imported by the models (for the choices), so it imports neither models nor
``permissions``: the notifier tells the conditions whether the event's message may reach
customers (``Facts``), and the preview is handed the messages a customer may read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..conf import app_settings
from .events import Event, EventKind


class Audience(StrEnum):
    """Who a kind of mail goes to (``recipients`` finds the addresses)."""

    CUSTOMERS = "customers"  # the requester and the CC addresses
    TYPE_LIST = "type_list"  # the type's "email to" list (agents and team lists)
    ASSIGNEE = "assignee"  # the ticket's assignee, while an agent of the type
    # the assignee, else the type's agents; and the SLA_ESCALATION_EMAILS addresses
    ESCALATION = "escalation"


class Quoting(StrEnum):
    """Which recipients may read the event's message in the mail (``{MESSAGE}``); the others
    get the subject, number, link and a neutral line (``Notifier.quotes_message``)."""

    # every recipient: mail to agents, whose addresses administrators chose
    EVERYONE = "everyone"
    # an agent's message to every recipient (a person wrote and sent it, and relaying it
    # is what CC means); anyone else's only to its proven author
    AGENT_MESSAGE = "agent_message"
    # only the proven author: mail that goes out by itself must not relay what someone
    # writes to addresses they name
    AUTHOR = "author"


@dataclass(frozen=True)
class Facts:
    """What the notifier found out about an event, for the table's conditions: the access
    rules stay in ``permissions``, the table only reads their answers."""

    # the event's message may be shown or mailed to customers (an internal note may not)
    message_shown: bool
    # the changes customers are told about (``Notifier.visible_changes``)
    changes: Mapping[str, tuple[str, str]]


# (event, facts) -> whether the kind is sent
Condition = Callable[[Event, Facts], bool]
# (ticket, the user looking at the preview, the ticket's messages a customer may read)
# -> an event as the kind's mail would answer it
PreviewSample = Callable[[object, object, object], Event]


@dataclass(frozen=True)
class MailKind:
    """One kind of mail. ``events`` and ``condition`` decide when it is sent; the order of
    ``KINDS`` is the order in which an event's mails are built."""

    code: str
    label: Promise
    events: frozenset[EventKind]
    audience: Audience
    automatic: bool
    quoting: Quoting
    preview: PreviewSample
    condition: Condition | None = None
    # the author of the change gets it too (the confirmation of their own new ticket);
    # otherwise nobody is mailed about their own change
    to_author: bool = False

    @property
    def to_agents(self) -> bool:
        """Mail to staff: its ``{LINK}`` is the admin workspace, all recipients in To."""
        return self.audience != Audience.CUSTOMERS

    def applies(self, event: Event, facts: Facts) -> bool:
        """Whether ``event`` sends this kind."""
        if event.kind not in self.events:
            return False
        return self.condition is None or self.condition(event, facts)


# --- conditions ----------------------------------------------------------------------


def _opened_by_agent(event: Event, _facts: Facts) -> bool:
    return event.message is not None and event.message.is_staff


def _opened_by_customer(event: Event, facts: Facts) -> bool:
    return not _opened_by_agent(event, facts)


def _agent_answered(event: Event, facts: Facts) -> bool:
    return facts.message_shown and event.message.is_staff


def _customer_answered(event: Event, facts: Facts) -> bool:
    return facts.message_shown and not event.message.is_staff


def _status_changed(event: Event, facts: Facts) -> bool:
    """Closing and reopening are status changes; so is a change that includes the status."""
    return event.kind != EventKind.CHANGED or "status" in facts.changes


def _other_fields_changed(_event: Event, facts: Facts) -> bool:
    return bool(facts.changes) and "status" not in facts.changes


def _assigned_to_someone(event: Event, _facts: Facts) -> bool:
    """The ticket went to an agent (not back to nobody). Taking a ticket oneself is a
    claim, and nobody is mailed about their own change anyway."""
    _old, new = event.changes.get("assignee", ("", ""))
    return bool(new) and getattr(event.ticket, "assignee_id", None) is not None


def _closed_for_rating(event: Event, facts: Facts) -> bool:
    """An agent or the system (auto-close) closed a ticket whose type asks for ratings and
    that has no rating yet; a customer who closes their own ticket rates it on its page."""
    ticket = event.ticket
    if not app_settings.RATING_DAYS:
        return False
    if not getattr(ticket.ticket_type, "asks_for_rating", False):
        return False
    if event.kind == EventKind.CHANGED and "status" not in facts.changes:
        return False
    if event.kind == EventKind.CHANGED and not ticket.status.is_closed:
        return False
    actor = event.actor
    if actor is not None and actor.pk == getattr(ticket, "requester_id", None):
        return False
    return not hasattr(ticket, "rating")


# --- preview samples (the admin's template preview) -----------------------------------
# ``messages``: the ticket's messages a customer may read, oldest first, with their authors


def _preview_agent_answer(ticket, actor, messages) -> Event:
    message = messages.filter(is_staff=True).last() or messages.last()
    return Event(EventKind.REPLIED, ticket, actor=actor, message=message)


def _preview_customer_answer(ticket, actor, messages) -> Event:
    message = messages.filter(is_staff=False).last() or messages.last()
    return Event(EventKind.REPLIED, ticket, actor=actor, message=message)


def _preview_opening(ticket, actor, messages) -> Event:
    return Event(EventKind.OPENED, ticket, actor=actor, message=messages.first())


def _preview_claim(ticket, actor, _messages) -> Event:
    return Event(EventKind.CLAIMED, ticket, actor=actor)


def _preview_status(ticket, actor, _messages) -> Event:
    changes = {"status": ("", ticket.status.name)}
    return Event(EventKind.CHANGED, ticket, actor=actor, changes=changes)


def _preview_assignment(ticket, actor, _messages) -> Event:
    assignee = ticket.assignee or actor
    name = (assignee.get_full_name() or assignee.get_username()) if assignee else ""
    return Event(EventKind.ASSIGNED, ticket, actor=actor, changes={"assignee": ("", name)})


def _preview_fields(ticket, actor, _messages) -> Event:
    changes = {"priority": ("", ticket.priority.name if ticket.priority else "")}
    return Event(EventKind.CHANGED, ticket, actor=actor, changes=changes)


def _preview_merge(ticket, actor, _messages) -> Event:
    return Event(EventKind.MERGED, ticket, actor=actor)


def _preview_escalation(ticket, _actor, _messages) -> Event:
    # time passed, nobody acted: the breach of the first response as an example
    changes = {"sla_target": ("", "first_response"), "sla_stage": ("", "breach")}
    return Event(EventKind.ESCALATED, ticket, changes=changes)


def _preview_rating_request(ticket, actor, _messages) -> Event:
    return Event(
        EventKind.CLOSED, ticket, actor=actor, changes={"status": ("", ticket.status.name)}
    )


# --- the table -----------------------------------------------------------------------

KINDS: tuple[MailKind, ...] = (
    MailKind(
        code="default_reply",
        label=_("Default reply (an agent answers the customer)"),
        events=frozenset({EventKind.REPLIED}),
        condition=_agent_answered,
        audience=Audience.CUSTOMERS,
        automatic=False,
        quoting=Quoting.AGENT_MESSAGE,
        preview=_preview_agent_answer,
    ),
    MailKind(
        code="auto_reply",
        label=_("Auto reply (the customer opened a ticket)"),
        events=frozenset({EventKind.OPENED}),
        condition=_opened_by_customer,
        audience=Audience.CUSTOMERS,
        to_author=True,
        automatic=True,
        quoting=Quoting.AUTHOR,
        preview=_preview_opening,
    ),
    MailKind(
        code="created_for_customer",
        label=_("Ticket created for customer (an agent opened it)"),
        events=frozenset({EventKind.OPENED}),
        condition=_opened_by_agent,
        audience=Audience.CUSTOMERS,
        automatic=False,
        quoting=Quoting.AGENT_MESSAGE,
        preview=_preview_opening,
    ),
    MailKind(
        code="created_for_agent",
        label=_("Ticket created, for agents (the type's list)"),
        events=frozenset({EventKind.OPENED}),
        audience=Audience.TYPE_LIST,
        automatic=True,
        quoting=Quoting.EVERYONE,
        preview=_preview_opening,
    ),
    MailKind(
        code="claimed",
        label=_("Ticket claimed (to the customer)"),
        events=frozenset({EventKind.CLAIMED}),
        audience=Audience.CUSTOMERS,
        automatic=True,
        quoting=Quoting.AUTHOR,
        preview=_preview_claim,
    ),
    MailKind(
        code="status_changed",
        label=_("Status changed (to the customer)"),
        events=frozenset({EventKind.CLOSED, EventKind.REOPENED, EventKind.CHANGED}),
        condition=_status_changed,
        audience=Audience.CUSTOMERS,
        automatic=True,
        quoting=Quoting.AUTHOR,
        preview=_preview_status,
    ),
    MailKind(
        code="fields_changed",
        label=_("Fields changed (to the customer)"),
        events=frozenset({EventKind.CHANGED}),
        condition=_other_fields_changed,
        audience=Audience.CUSTOMERS,
        automatic=True,
        quoting=Quoting.AUTHOR,
        preview=_preview_fields,
    ),
    MailKind(
        code="customer_replied",
        label=_("Customer replied (to the assignee)"),
        events=frozenset({EventKind.REPLIED}),
        condition=_customer_answered,
        audience=Audience.ASSIGNEE,
        automatic=True,
        quoting=Quoting.EVERYONE,
        preview=_preview_customer_answer,
    ),
    MailKind(
        code="assigned",
        label=_("Ticket assigned (to the new assignee)"),
        # a change of several fields at once can include the assignee too
        events=frozenset({EventKind.ASSIGNED, EventKind.CHANGED}),
        condition=_assigned_to_someone,
        audience=Audience.ASSIGNEE,
        automatic=True,
        quoting=Quoting.EVERYONE,
        preview=_preview_assignment,
    ),
    MailKind(
        code="merged",
        label=_("Ticket merged (to the customer)"),
        events=frozenset({EventKind.MERGED}),
        audience=Audience.CUSTOMERS,
        automatic=True,
        quoting=Quoting.AUTHOR,
        preview=_preview_merge,
    ),
    MailKind(
        code="rating_request",
        label=_("Rating request (the ticket was closed)"),
        # closing by the workspace's button or the auto-close, or a status change to closed
        events=frozenset({EventKind.CLOSED, EventKind.CHANGED}),
        condition=_closed_for_rating,
        audience=Audience.CUSTOMERS,
        automatic=True,
        quoting=Quoting.AUTHOR,
        preview=_preview_rating_request,
    ),
    MailKind(
        code="sla_escalation",
        label=_("Service level due soon or breached (to the assignee or the type's agents)"),
        # the event names the target and the stage in its changes (``sla.escalation``)
        events=frozenset({EventKind.ESCALATED}),
        audience=Audience.ESCALATION,
        automatic=True,
        quoting=Quoting.EVERYONE,
        preview=_preview_escalation,
    ),
)

BY_CODE: dict[str, MailKind] = {kind.code: kind for kind in KINDS}


# The choices of ``EmailTemplate.kind`` and ``OutgoingMail.kind``, and names for the codes
# (``EmailKind.AUTO_REPLY == "auto_reply"``). A kind with no active template sends nothing.
EmailKind = models.TextChoices(
    "EmailKind", [(kind.code.upper(), (kind.code, kind.label)) for kind in KINDS], module=__name__
)

# Mail that nobody typed: marked ``Auto-Submitted: auto-generated`` so that other systems'
# auto-responders stay quiet (agent answers and tickets opened by an agent are typed).
AUTOMATIC_KINDS = frozenset(kind.code for kind in KINDS if kind.automatic)
# Mail to staff (the type's list, the assignee).
AGENT_KINDS = frozenset(kind.code for kind in KINDS if kind.to_agents)
# Events that may send mail: the others (internal notes) are not queued.
MAIL_EVENTS = frozenset(event for kind in KINDS for event in kind.events)
