"""Which ticket an inbound message belongs to, tried in this order:

1. our signed token in ``In-Reply-To`` / ``References`` -> that ticket, whoever sent the
   mail: the token proves it answers our mail about that ticket (and grants nothing else);
2. a Message-ID stored with a ticket (of a message imported or written there, or of a mail
   we sent) -> that ticket, when the sender may join it;
3. ``[ts #<number>]`` in the subject -> that ticket, when the sender may join it;
4. otherwise no ticket: the importer opens a new one. A stranger never joins a ticket.

A ticket found that was merged into another (``TicketMerge``) hands the mail to that
target, on every path: the token's ticket's target whoever sent it, and through the
Message-ID or the subject tag when the sender may join the merged ticket or the target
(the merge chose to bring the source's people there).

Who may join is decided by ``permissions.may_join_by_mail``; this module only finds the
candidates. A Message-ID belongs to the ticket it was first stored with: a later message
with the same id never takes it over (``Bindings``, ``own_message_id``).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce

from django.contrib.auth import get_user_model
from django.db.models import Q

from .. import permissions
from ..models import Message, Ticket, TicketMerge
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
    return Ticket.objects.select_related("status", "ticket_type", "requester")


def _merge_targets(ticket_ids: Iterable[int]) -> dict[int, Ticket]:
    """``{merged ticket id: the ticket it was merged into}`` for those of ``ticket_ids``
    that were merged, in one query."""
    ids = [pk for pk in ticket_ids if pk is not None]
    if not ids:
        return {}
    rows = TicketMerge.objects.filter(source_id__in=ids).select_related(
        "target__status", "target__ticket_type", "target__requester"
    )
    return {row.source_id: row.target for row in rows}


def _joinable(sender, ticket: Ticket, targets: dict[int, Ticket]) -> Ticket | None:
    """The ticket a mail joins through ``ticket`` (its target when it was merged), when
    the sender may join the ticket or that target; else ``None``."""
    target = targets.get(ticket.pk)
    if permissions.may_join_by_mail(sender, ticket):
        return target or ticket
    if target is not None and permissions.may_join_by_mail(sender, target):
        return target
    return None


def _bare(mid: str) -> str:
    return (mid or "").strip().strip("<>")


class Bindings:
    """The ticket each Message-ID is bound to: the ticket of the earliest message stored
    with it, else the ticket of the mail we sent with it. Looked up for all the messages of
    one import transaction at once, and kept only as long as that transaction (what it
    binds is rolled back with it)."""

    def __init__(self) -> None:
        self._tickets: dict[str, int | None] = {}

    def load(self, thread_ids: Iterable[str] = (), own_ids: Iterable[str] = ()) -> None:
        """Look up ids not known yet: one query for stored messages; one for the mail we
        sent, for the ids messages refer to (our own ids never reach the import as a
        message's own: they are signed, and such mail is ignored as ours)."""
        refs = {_bare(mid) for mid in thread_ids} - self._tickets.keys() - {""}
        own = {_bare(mid) for mid in own_ids} - self._tickets.keys() - {""}
        wanted = refs | own
        if not wanted:
            return
        forms = sorted(wanted | {f"<{mid}>" for mid in wanted})
        stored = (
            Message.objects.filter(message_id__in=forms)
            .order_by("pk")
            .values_list("message_id", "ticket_id")
        )
        for mid, ticket_id in stored:
            self._tickets.setdefault(_bare(mid), ticket_id)
        missing = sorted(refs - self._tickets.keys())
        if missing:
            from ..models.mail import OutgoingMail

            sent = OutgoingMail.objects.filter(
                message_id__in=missing + [f"<{mid}>" for mid in missing],
                ticket__isnull=False,
            ).values_list("message_id", "ticket_id")
            for mid, ticket_id in sent:
                self._tickets.setdefault(_bare(mid), ticket_id)
        for mid in wanted:
            self._tickets.setdefault(mid, None)

    def ticket_id(self, mid: str) -> int | None:
        mid = _bare(mid)
        if mid and mid not in self._tickets:
            self.load(thread_ids=[mid])
        return self._tickets.get(mid)

    def bind(self, mid: str, ticket_id: int) -> None:
        """Record that ``mid`` was stored with ``ticket_id`` (unless it was bound before)."""
        mid = _bare(mid)
        if mid and self._tickets.get(mid) is None:
            self._tickets[mid] = ticket_id


def find_ticket(
    parsed: ParsedMessage, sender: permissions.MailSender, bindings: Bindings | None = None
) -> Match | None:
    """The ticket this message continues, or ``None`` for a new ticket."""
    ids = parsed.thread_ids
    for mid in ids:
        ref = verify_message_id(mid)
        if ref is not None:
            ticket = _tickets().filter(pk=ref.ticket_id).first()
            if ticket is not None:
                return Match(_merge_targets([ticket.pk]).get(ticket.pk, ticket), TOKEN)
    if ids:
        bindings = bindings or Bindings()
        bindings.load(thread_ids=ids)
        bound = []  # the tickets the ids are bound to, the most direct first
        for mid in ids:
            ticket_id = bindings.ticket_id(mid)
            if ticket_id is not None and ticket_id not in bound:
                bound.append(ticket_id)
        tickets = _tickets().in_bulk(bound)
        targets = _merge_targets(tickets)
        for ticket_id in bound:
            ticket = tickets.get(ticket_id)
            joined = _joinable(sender, ticket, targets) if ticket is not None else None
            if joined is not None:
                return Match(joined, MESSAGE_ID)
    tag = SUBJECT_TAG.search(parsed.subject)
    if tag:
        ticket = _tickets().filter(number=tag.group(1)).first()
        joined = None
        if ticket is not None:
            joined = _joinable(sender, ticket, _merge_targets([ticket.pk]))
        if joined is not None:
            return Match(joined, SUBJECT)
    return None


def own_message_id(parsed: ParsedMessage, ticket: Ticket | None, bindings: Bindings) -> str:
    """The Message-ID to store with the message (``<id>``), or ``""``. Its own id, unless
    that id is bound to another ticket already (``ticket`` ``None``: a ticket not opened
    yet): whoever sends a mail with someone else's Message-ID must not pull the mail that
    refers to it into their own ticket. Call ``bindings.bind`` once it is stored."""
    if not parsed.message_id:
        return ""
    bindings.load(own_ids=[parsed.message_id])
    bound = bindings.ticket_id(parsed.message_id)
    if bound is not None and (ticket is None or bound != ticket.pk):
        return ""
    return f"<{parsed.message_id}>"


def _active_users():
    # with the profile: the display name of the message's author is read from it
    return get_user_model()._default_manager.filter(is_active=True).select_related("ticket_profile")


def find_accounts(addresses: Iterable[str]) -> dict[str, tuple]:
    """The active accounts of each address, ``{address: (user, ...)}``, in one query. The
    database finds candidates without regard to case; only those whose address has the
    same key (``permissions.mail_address_key``) count, as the database folds more than
    ASCII letters on PostgreSQL. What the accounts may do is ``permissions``' decision."""
    wanted = {address for address in addresses if address}
    if not wanted:
        return {}
    condition = reduce(operator.or_, (Q(email__iexact=address) for address in sorted(wanted)))
    by_key: dict[str, list] = {}
    for user in _active_users().filter(condition).order_by("pk"):
        by_key.setdefault(permissions.mail_address_key(user.email), []).append(user)
    return {
        address: tuple(by_key.get(permissions.mail_address_key(address), ())) for address in wanted
    }
