"""Which ticket an inbound message belongs to (E1), in the order of DESIGN.md:

1. our signed token in ``In-Reply-To`` / ``References`` -> that ticket;
2. a Message-ID we stored for a message of a ticket -> that ticket;
3. ``[ts #<number>]`` in the subject -> that ticket, only when the sender is the requester,
   a CC address, the extra contact or an agent of the ticket's type;
4. otherwise no ticket: the importer opens a new one. A stranger never joins a ticket.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from functools import reduce

from django.contrib.auth import get_user_model
from django.db.models import Q

from .. import permissions
from ..models import Message, Ticket
from ..notifications.tokens import verify_message_id
from .parse import REPLY_PREFIX, ParsedMessage

TOKEN = "token"
MESSAGE_ID = "message_id"
SUBJECT = "subject"

SUBJECT_TAG = re.compile(r"\[\s*ts\s*#\s*([A-Za-z0-9_-]{1,32})\s*\]", re.IGNORECASE)
_LEADING_TAG = re.compile(r"^\s*" + SUBJECT_TAG.pattern, re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    ticket: Ticket
    via: str


def strip_reply_prefixes(subject: str) -> str:
    """``Re: AW: Fwd: [ts #12] Printer`` -> ``Printer``: the subject of a new ticket."""
    previous = None
    subject = subject or ""
    while previous != subject:
        previous = subject
        subject = _LEADING_TAG.sub("", REPLY_PREFIX.sub("", subject))
    return re.sub(r"\s+", " ", SUBJECT_TAG.sub("", subject)).strip()


def _tickets():
    return Ticket.objects.select_related("status", "ticket_type")


def find_ticket(parsed: ParsedMessage) -> Match | None:
    """The ticket this message continues, or ``None`` for a new ticket."""
    for mid in parsed.thread_ids:
        ref = verify_message_id(mid)
        if ref is not None:
            ticket = _tickets().filter(pk=ref.ticket_id).first()
            if ticket is not None:
                return Match(ticket, TOKEN)
    ids = parsed.thread_ids
    if ids:
        candidates = ids + [f"<{mid}>" for mid in ids]
        ticket_id = (
            Message.objects.filter(message_id__in=candidates)
            .order_by("-pk")
            .values_list("ticket_id", flat=True)
            .first()
        )
        if ticket_id is None:
            ticket_id = _outgoing_ticket_id(candidates)
        if ticket_id is not None:
            ticket = _tickets().filter(pk=ticket_id).first()
            if ticket is not None:
                return Match(ticket, MESSAGE_ID)
    tag = SUBJECT_TAG.search(parsed.subject)
    if tag:
        ticket = _tickets().filter(number=tag.group(1)).first()
        if ticket is not None and sender_belongs_to(parsed.sender_email, ticket):
            return Match(ticket, SUBJECT)
    return None


def _outgoing_ticket_id(candidates: list[str]) -> int | None:
    """Message-IDs of the mail we sent, when the outbox keeps them."""
    try:
        from ..models.mail import OutgoingMail
    except ImportError:  # pragma: no cover - outbox not installed
        return None
    return (
        OutgoingMail.objects.filter(message_id__in=candidates, ticket__isnull=False)
        .values_list("ticket_id", flat=True)
        .first()
    )


def sender_belongs_to(address: str, ticket: Ticket) -> bool:
    """Whether ``address`` may add to ``ticket`` by naming it in the subject: the
    requester, a CC address (the extra contacts agents add, D5) or an agent of the type."""
    address = (address or "").lower()
    if not address:
        return False
    known = {ticket.requester_email.lower(), *(cc.lower() for cc in ticket.cc_list)}
    if ticket.requester_id and ticket.requester and ticket.requester.email:
        known.add(ticket.requester.email.lower())
    if address in known:
        return True
    return permissions.agents_for_type(ticket.ticket_type).filter(email__iexact=address).exists()


def _active_users():
    # with the profile: the display name of the message's author is read from it
    return (
        get_user_model()._default_manager.filter(is_active=True).select_related("ticket_profile")
    )


def recognise_user(address: str):
    """The registered, active user with this address (C9), or ``None`` if there is none or
    the address is shared by several accounts (then nobody is guessed)."""
    if not address:
        return None
    users = list(_active_users().filter(email__iexact=address)[:2])
    return users[0] if len(users) == 1 else None


def recognise_users(addresses) -> dict:
    """``recognise_user`` of many addresses, ``{address: user or None}``, in one query for
    the ASCII ones (their matches are told apart by their upper case, as the database
    compares them); any other address is looked up alone."""
    wanted = {address for address in addresses if address}
    plain = sorted(address for address in wanted if address.isascii())
    found: dict = {}
    if plain:
        matches: dict[str, list] = {address.upper(): [] for address in plain}
        condition = reduce(operator.or_, (Q(email__iexact=address) for address in plain))
        for user in _active_users().filter(condition):
            matches.get((user.email or "").upper(), []).append(user)
        for address in plain:
            users = matches[address.upper()]
            found[address] = users[0] if len(users) == 1 else None
    for address in wanted - set(found):
        found[address] = recognise_user(address)
    return found


def is_agent_of(user, ticket: Ticket) -> bool:
    return user is not None and permissions.can_manage(user, ticket)
