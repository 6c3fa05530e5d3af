"""The send check: an agent's reply is saved only if the conversation is still the one
their page showed. The workspace's form carries what the agent saw (``Seen``: the newest
message's id and the number of messages); ``actions.reply_and_change`` compares it with
the ticket, under the ticket's row lock, before it stores the reply. When a message was
added (or moved in or out by a merge or split) meanwhile, ``ConversationChanged`` stops
the send, and the agent reads what is new and confirms. Two agents answering at once
cannot both pass: the second waits for the first one's lock and then sees its reply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Count, Max, Q

from .models import Message, Ticket
from .models.tickets import AUTHOR_NAME_RELATED

LAST_FIELD = "seen_message"
COUNT_FIELD = "seen_count"
# the most new messages a confirmation lists (the conversation shows them all)
SHOWN_NEW = 10
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Seen:
    """What an agent's page showed of a ticket's conversation."""

    last_message: int
    count: int


class ConversationChanged(Exception):
    """The conversation is not the one the agent saw: ``now`` is what it is, ``new`` the
    messages added after the agent's newest (at most ``SHOWN_NEW``, oldest first)."""

    def __init__(self, now: Seen, new: list[Message]):
        super().__init__("the conversation changed")
        self.now = now
        self.new = new


def read(data: Mapping) -> Seen | None:
    """``Seen`` from a posted form; None when the form carries neither field (a client
    that does not know the check). Raises ValueError for values that are not counts."""
    last, count = data.get(LAST_FIELD), data.get(COUNT_FIELD)
    if last is None and count is None:
        return None
    values = []
    for value in (last, count):
        if not isinstance(value, str) or not value.isascii() or not value.isdigit():
            raise ValueError("not a count")
        number = int(value)
        if number > MAX_ID:
            raise ValueError("too large")
        values.append(number)
    return Seen(*values)


def current(ticket: Ticket) -> Seen:
    """What the conversation is now (one query)."""
    row = Message.objects.filter(ticket_id=ticket.pk).aggregate(last=Max("pk"), count=Count("pk"))
    return Seen(row["last"] or 0, row["count"])


def verify(ticket: Ticket, seen: Seen) -> None:
    """Raise ``ConversationChanged`` unless the conversation is what the agent saw. Call
    it in the transaction that stores the reply, with the ticket's row locked."""
    row = Message.objects.filter(ticket_id=ticket.pk).aggregate(
        last=Max("pk"), count=Count("pk"), newer=Count("pk", filter=Q(pk__gt=seen.last_message))
    )
    now = Seen(row["last"] or 0, row["count"])
    if now == seen and not row["newer"]:
        return
    new = list(
        Message.objects.filter(ticket_id=ticket.pk, pk__gt=seen.last_message)
        .select_related(*AUTHOR_NAME_RELATED)
        .order_by("pk")[:SHOWN_NEW]
    )
    raise ConversationChanged(now, new)
