"""Mail to tickets: fetch, parse, classify, thread, change the ticket
through ``actions``, and only then remove the message from the server.

Never lose, never duplicate:

- every distinct message has a ledger key (its Message-ID, sender and body hash, or sender,
  date, subject and body hash when it has no Message-ID: the same Message-ID from another
  sender is another message); the ledger row is written in the same
  transaction as the ticket change, under a unique constraint. A second copy, a second run
  after a crash between commit and expunge, or a second worker importing the same message
  at the same moment finds the key taken and changes nothing;
- the messages of a fetched group share one transaction: their ledger keys claimed in
  one insert, their ticket changes, one commit, their notifications queued together
  after it. If anything in it fails (a key taken, a bad message, a database error), it
  is rolled back whole and each message is imported again in a transaction of its own.
  A message with files, or one too large or not parseable, is always imported alone;
- a message is flagged ``\\Deleted`` only after that transaction committed, so
  ``import_mailbox`` must run outside any transaction (a task, a command);
- one importer per mailbox at a time: a lease on the mailbox row taken by a conditional
  UPDATE, which is atomic on every database and across machines; it expires by itself if a
  worker dies;
- a message that cannot be parsed or imported is quarantined with its raw bytes and the
  reason; the rest of the mailbox goes on. IMAP failures end the run for that mailbox,
  are logged and recorded on the mailbox, and the next run tries again.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from .. import actions, permissions
from ..conf import app_settings
from ..models import InboundMessage, Mailbox, Message, QuarantinedMessage, Ticket
from ..models.tickets import display_name_for
from ..notifications.tokens import verify_message_id
from ..validators import validate_uploads
from . import authresults
from . import classify as classify_module
from .imap import ImapConnection, ImapError
from .parse import ParsedMessage, parse_message
from .thread import Bindings, find_accounts, find_ticket, own_message_id, strip_reply_prefixes

logger = logging.getLogger("wagtail_tickets.mail")

Outcome = InboundMessage.Outcome
DUPLICATE = "duplicate"


class MessageTooLarge(ValueError):
    pass


@dataclass
class ImportReport:
    """What one run did on one mailbox: the progress line of ``import_ticket_mail``."""

    mailbox: str
    imported: int = 0
    replies: int = 0
    ignored: int = 0
    quarantined: int = 0
    error: str = ""
    busy: bool = False

    def count(self, outcome: str) -> None:
        if outcome == Outcome.OPENED:
            self.imported += 1
        elif outcome == Outcome.REPLY:
            self.replies += 1
        elif outcome == Outcome.QUARANTINED:
            self.quarantined += 1
        else:
            self.ignored += 1

    def line(self) -> str:
        text = (
            f"{self.mailbox}: {self.imported} imported, {self.replies} replies, "
            f"{self.ignored} ignored, {self.quarantined} quarantined"
        )
        if self.busy:
            text += " (skipped: another importer is working on it)"
        if self.error:
            text += f" (error: {self.error})"
        return text


# ----------------------------------------------------------------------------- the ledger


def _sha(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8", "replace")).hexdigest()


def ledger_key(parsed: ParsedMessage) -> str:
    """The identity of a message across copies (see the module docstring)."""
    if parsed.message_id:
        return _sha("mid", parsed.message_id, parsed.sender_email, parsed.content_hash)
    return _sha(
        "nomid",
        parsed.sender_email,
        parsed.header("Date"),
        parsed.subject,
        parsed.content_hash,
    )


def raw_key(raw: bytes) -> str:
    return hashlib.sha256(b"raw\n" + raw).hexdigest()


# ----------------------------------------------------------------------------- one message


class ImportRun:
    """What a run looks up once for all its messages rather than once per message: the
    addresses whose mail is ours, the status and priority new tickets open with, and the
    accounts of the senders' addresses with their customer records. Made for each run, so a
    change an administrator makes counts from the next run."""

    def __init__(self, mailbox: Mailbox | None) -> None:
        self.mailbox = mailbox
        self.senders: dict[str, tuple] = {}  # address -> its active accounts

    def sender(self, parsed: ParsedMessage) -> permissions.MailSender:
        """Who the message says it is from: its From address, the accounts with that
        address, and whether the site's receiving server authenticated it (when the site
        asks for that). What this may unlock is ``permissions``' decision."""
        address = parsed.sender_email
        if address and address not in self.senders:
            self.know_senders([address])
        return permissions.MailSender(
            address=address,
            accounts=self.senders.get(address, ()),
            authenticated=authresults.sender_authenticated(parsed.headers, address),
        )

    def know_senders(self, addresses) -> None:
        """Look up the accounts of the senders of a group, with their customer records,
        in two queries for all of them."""
        unknown = {address for address in addresses if address and address not in self.senders}
        if not unknown:
            return
        found = find_accounts(unknown)
        self.senders.update(found)
        permissions.prefetch_customers([user for users in found.values() for user in users])

    @cached_property
    def own_addresses(self) -> set[str]:
        return own_addresses(self.mailbox)

    @cached_property
    def opening_defaults(self) -> actions.OpeningDefaults:
        return actions.opening_defaults()


def import_raw(
    raw: bytes,
    mailbox: Mailbox,
    *,
    uidvalidity: int | None = None,
    uid: int | None = None,
    run: ImportRun | None = None,
) -> str:
    """Import one message; returns its outcome (``duplicate`` for one already imported).
    Everything that goes wrong with the message itself ends in the quarantine. ``run``
    carries the look-ups a run shares between its messages."""
    parsed: ParsedMessage | None = None
    key = raw_key(raw)
    try:
        if len(raw) > app_settings.MAIL_MAX_MESSAGE_SIZE:
            raise MessageTooLarge(
                _("The message is %(size)d bytes, more than the limit of %(max)d bytes.")
                % {"size": len(raw), "max": app_settings.MAIL_MAX_MESSAGE_SIZE}
            )
        parsed = parse_message(raw)
        key = ledger_key(parsed)
        # a message imported before is found by its ledger key when it is claimed
        return _import_parsed(parsed, key, mailbox, uidvalidity, uid, run)
    except _Duplicate:
        return DUPLICATE
    except Exception as exc:  # the message is bad, not the run: keep it aside
        logger.warning(
            "Quarantined a message from %s (UID %s): %s",
            mailbox.address_label if mailbox else "-",
            uid,
            exc,
        )
        return quarantine(raw, mailbox, key, _reason(exc), parsed, uidvalidity, uid)


class _Duplicate(Exception):
    pass


def _reason(exc: Exception) -> str:
    if hasattr(exc, "messages"):
        text = "; ".join(str(m) for m in exc.messages)
    else:
        text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"[:2000]


def _import_parsed(parsed, key, mailbox, uidvalidity, uid, run=None) -> str:
    """Claim the ledger key and change the ticket, in one transaction. The ledger row is
    written first: a concurrent import of the same message waits there for our commit and
    then fails on the unique key, as does a message imported before. Nothing precedes the
    claim in the transaction, so that failure needs no savepoint of its own."""
    run = run or ImportRun(mailbox)
    verdict = _classify(parsed, run)
    claimed = False
    try:
        with transaction.atomic():
            entry = _ledger_entry(parsed, key, verdict, mailbox, uidvalidity, uid)
            entry.save(force_insert=True)
            claimed = True
            if not verdict.is_person:
                logger.info("Ignored mail from %s: %s", parsed.sender_email, verdict.reason)
                return Outcome.IGNORED
            outcome, ticket, message, reason = _change_ticket(parsed, mailbox, run, Bindings())
            entry.outcome, entry.ticket, entry.ticket_message = outcome, ticket, message
            entry.reason = reason
            entry.save(update_fields=["outcome", "ticket", "ticket_message", "reason"])
            return outcome
    except IntegrityError:
        if claimed:  # not the ledger key: a real error, the message goes to the quarantine
            raise
        raise _Duplicate from None


def _ledger_entry(parsed, key, verdict, mailbox, uidvalidity, uid) -> InboundMessage:
    """The ledger row of a message, unsaved: ignored until its ticket change says more."""
    return InboundMessage(
        key=key,
        message_id=parsed.message_id,
        content_hash=parsed.content_hash,
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uid=uid,
        sender=parsed.sender_email[:255],
        subject=parsed.subject[:255],
        outcome=Outcome.IGNORED,
        reason="" if verdict.is_person else verdict.reason[:255],
    )


def own_addresses(mailbox: Mailbox | None) -> set[str]:
    """The addresses whose mail is our own (see ``classify.own_addresses_for``)."""
    return classify_module.own_addresses_for(_mailbox_addresses(mailbox))


def _mailbox_addresses(mailbox: Mailbox | None) -> list[str]:
    if mailbox is None:
        return []
    return [m.username for m in Mailbox.objects.only("username") if "@" in (m.username or "")]


def _uploads(parsed: ParsedMessage) -> tuple[list[SimpleUploadedFile], list[str]]:
    """Attachments as uploads, under the web upload rules; refused ones are named in the
    message so nothing disappears without a word."""
    accepted: list[SimpleUploadedFile] = []
    notes: list[str] = []
    for attachment in parsed.attachments:
        upload = SimpleUploadedFile(
            attachment.filename, attachment.content, attachment.content_type
        )
        try:
            validate_uploads([upload])
            if len(accepted) >= app_settings.MAX_ATTACHMENTS:
                validate_uploads(accepted + [upload])
        except Exception as exc:
            notes.append(
                _("Attachment “%(name)s” was not kept: %(reason)s")
                % {"name": attachment.filename, "reason": " ".join(getattr(exc, "messages", []))}
            )
            continue
        accepted.append(upload)
    return accepted, notes


def _body(parsed: ParsedMessage, notes: list[str], prefix: str = "") -> str:
    """The message body as stored. Without notes or a prefix it is returned as the parser's
    ``CleanHTML``, so the action does not sanitise it a second time (joining strings would
    make it plain text again)."""
    body = parsed.body_html(app_settings.MAX_BODY_LENGTH)
    if not notes and not prefix:
        return body
    extra = "".join(f"<p><em>{escape(note)}</em></p>" for note in notes)
    return prefix + body + extra


def _long_body(parsed: ParsedMessage, files: list, notes: list[str]) -> None:
    """A body longer than the web's limit is shown cut, and kept whole as a file: the
    sanitiser's time stays bounded and nothing is lost."""
    whole = parsed.full_body(app_settings.MAX_BODY_LENGTH)
    if whole is None:
        return
    files.append(SimpleUploadedFile(whole.filename, whole.content, whole.content_type))
    notes.append(
        _(
            "The message was longer than %(max)d characters; its whole text is attached as "
            "“%(name)s”."
        )
        % {"max": app_settings.MAX_BODY_LENGTH, "name": whole.filename}
    )


def _change_ticket(
    parsed: ParsedMessage, mailbox: Mailbox | None, run: ImportRun, bindings: Bindings
):
    """Returns ``(outcome, ticket, message, reason)``; runs inside the ledger transaction.
    Who the sender is and what they may do is asked of ``permissions``: their account
    (``inbound_account``), joining a ticket (``find_ticket``), answering as staff
    (``is_agent_of``)."""
    sender = run.sender(parsed)
    user = permissions.inbound_account(sender)
    files, notes = _uploads(parsed)
    _long_body(parsed, files, notes)
    unverified = ""
    if sender.impersonates_account:
        unverified = "sender not authenticated"
        notes.append(
            _(
                "The sender address %(address)s belongs to a registered user, but the site's "
                "mail server did not authenticate this mail: it was taken as a stranger's."
            )
            % {"address": parsed.sender_email}
        )
    author_name = display_name_for(user) if user else (parsed.sender_name or parsed.sender_email)
    match = find_ticket(parsed, sender, bindings)
    if match is not None:
        ticket = match.ticket
        if ticket.status.is_closed:
            # its customers within the reopen window (and its agents) reopen it; any other
            # mail follows the mailbox's policy for replies to closed tickets
            policy = mailbox.on_closed_reply if mailbox else Mailbox.ClosedTicketReply.REOPEN
            if permissions.may_reopen_by_mail(sender, ticket):
                policy = Mailbox.ClosedTicketReply.REOPEN
            if policy == Mailbox.ClosedTicketReply.NEW_TICKET:
                prefix = "<p>{}</p>".format(
                    escape(
                        _("Follow-up to the closed ticket #%(number)s.") % {"number": ticket.number}
                    )
                )
                new = _open(
                    parsed,
                    user,
                    files,
                    _body(parsed, notes, prefix),
                    bindings,
                    ticket.ticket_type,
                    run,
                    subject=ticket.subject,
                )
                reason = _join_reasons(f"follow-up of #{ticket.number}", unverified)
                return Outcome.OPENED, new, new.opening_message, reason
            actions.reopen_ticket(ticket, actor=None)
        message_id = own_message_id(parsed, ticket, bindings)
        message = actions.add_reply(
            ticket,
            actor=None,
            body_html=_body(parsed, notes),
            files=files,
            author_name=author_name,
            author_email=parsed.sender_email,
            source=Message.Source.EMAIL,
            message_id=message_id,
            as_staff=permissions.is_agent_of(user, ticket),
            author=user,
        )
        if message_id:
            bindings.bind(message_id, ticket.pk)
        return Outcome.REPLY, ticket, message, _join_reasons(f"threaded by {match.via}", unverified)
    if mailbox is None:
        raise ValueError(_("No mailbox to open a new ticket in."))
    ticket = _open(parsed, user, files, _body(parsed, notes), bindings, mailbox.ticket_type, run)
    return Outcome.OPENED, ticket, ticket.opening_message, unverified


def _join_reasons(*reasons: str) -> str:
    return "; ".join(reason for reason in reasons if reason)


def _open(parsed, user, files, body, bindings, ticket_type, run, subject=None) -> Ticket:
    message_id = own_message_id(parsed, None, bindings)
    ticket = actions.open_ticket(
        ticket_type=ticket_type,
        subject=subject or strip_reply_prefixes(parsed.subject) or _("(no subject)"),
        body_html=body,
        actor=None,
        requester=user,
        requester_name="" if user else parsed.sender_name,
        requester_email=parsed.sender_email,
        files=files,
        source=Message.Source.EMAIL,
        message_id=message_id,
        defaults=run.opening_defaults,
    )
    if message_id:
        bindings.bind(message_id, ticket.pk)
    return ticket


# ----------------------------------------------------------------------------- quarantine


def quarantine(raw, mailbox, key, reason, parsed=None, uidvalidity=None, uid=None) -> str:
    """Keep the message aside with its reason; its ledger row stops it being imported or
    quarantined again while it waits for an administrator."""
    sender = parsed.sender_email if parsed else ""
    subject = parsed.subject if parsed else ""
    message_id = parsed.message_id if parsed else ""
    with transaction.atomic():
        try:
            with transaction.atomic():
                InboundMessage.objects.create(
                    key=key,
                    message_id=message_id,
                    content_hash=hashlib.sha256(raw).hexdigest(),
                    mailbox=mailbox,
                    uidvalidity=uidvalidity,
                    uid=uid,
                    sender=sender[:255],
                    subject=subject[:255],
                    outcome=Outcome.QUARANTINED,
                    reason=reason[:255],
                )
        except IntegrityError:
            return DUPLICATE
        QuarantinedMessage.objects.create(
            mailbox=mailbox,
            uidvalidity=uidvalidity,
            uid=uid,
            key=key,
            message_id=message_id,
            sender=sender[:255],
            subject=subject[:255],
            reason=reason,
            raw=raw,
            size=len(raw),
        )
    return Outcome.QUARANTINED


def retry_quarantined(item: QuarantinedMessage) -> str:
    """Import a quarantined message again (after a fix or a raised limit). On success it
    leaves the quarantine; on failure it stays with the new reason."""
    raw = bytes(item.raw)
    try:
        with transaction.atomic():
            InboundMessage.objects.filter(key=item.key, outcome=Outcome.QUARANTINED).delete()
            if len(raw) > app_settings.MAIL_MAX_MESSAGE_SIZE:
                raise MessageTooLarge(
                    _("The message is %(size)d bytes, more than the limit of %(max)d bytes.")
                    % {"size": len(raw), "max": app_settings.MAIL_MAX_MESSAGE_SIZE}
                )
            parsed = parse_message(raw)
            key = ledger_key(parsed)
            if InboundMessage.objects.filter(key=key).exists():
                outcome = DUPLICATE
            else:
                outcome = _import_parsed(parsed, key, item.mailbox, item.uidvalidity, item.uid)
            item.delete()
            return outcome
    except _Duplicate:
        item.delete()
        return DUPLICATE
    except Exception as exc:
        QuarantinedMessage.objects.filter(pk=item.pk).update(
            reason=_reason(exc), attempts=item.attempts + 1, last_attempt_at=timezone.now()
        )
        item.refresh_from_db()
        return Outcome.QUARANTINED


# ----------------------------------------------------------------------------- mailboxes


def _acquire(mailbox: Mailbox) -> str | None:
    token = uuid.uuid4().hex
    now = timezone.now()
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    taken = (
        Mailbox.objects.filter(pk=mailbox.pk)
        .filter(free)
        .update(
            locked_until=now + datetime.timedelta(seconds=app_settings.MAIL_IMPORT_LOCK_SECONDS),
            lock_token=token,
        )
    )
    return token if taken else None


def _renew(mailbox: Mailbox, token: str) -> bool:
    until = timezone.now() + datetime.timedelta(seconds=app_settings.MAIL_IMPORT_LOCK_SECONDS)
    return bool(Mailbox.objects.filter(pk=mailbox.pk, lock_token=token).update(locked_until=until))


class _Lease:
    """Renews the mailbox lease once a tenth of it has passed, not after every message (a
    query each): at least nine tenths of the lease are always left for the next message."""

    def __init__(self, mailbox: Mailbox, token: str) -> None:
        self.mailbox, self.token = mailbox, token
        self.renewed = time.monotonic()

    def keep(self) -> bool:
        """False when another worker holds the lease now."""
        if time.monotonic() - self.renewed < app_settings.MAIL_IMPORT_LOCK_SECONDS / 10:
            return True
        self.renewed = time.monotonic()
        return _renew(self.mailbox, self.token)


def _release(mailbox: Mailbox, token: str, error: str) -> None:
    Mailbox.objects.filter(pk=mailbox.pk, lock_token=token).update(
        locked_until=None, lock_token="", last_run_at=timezone.now(), last_error=error
    )


# Messages fetched in one IMAP round trip: at most this many, and no more bytes than this
# together (a larger message comes alone).
FETCH_GROUP_MESSAGES = 25
FETCH_GROUP_BYTES = 8 * 1024 * 1024


def fetch_groups(uids: list[int], sizes: dict[int, int]) -> list[list[int]]:
    """``uids`` in their order, cut into groups fetched together: bounded in number and in
    bytes, so a mailbox of large messages is never held in memory at once. A message of
    unknown size counts as large."""
    groups: list[list[int]] = []
    group: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, FETCH_GROUP_BYTES)
        if group and (len(group) >= FETCH_GROUP_MESSAGES or total + size > FETCH_GROUP_BYTES):
            groups.append(group)
            group, total = [], 0
        group.append(uid)
        total += size
    if group:
        groups.append(group)
    return groups


# Messages imported in one transaction at most. Until it commits, web users opening a
# ticket of the same type and status wait for it (the counters and daily totals its
# tickets count in are locked): ten keep that wait short.
TOGETHER_MESSAGES = 10


def _import_group(connection, group, mailbox, run, report, lease, done=None) -> bool:
    """Fetch a group of messages in one round trip and import them, in their order; then
    remove from the server, in one command, those whose transaction committed (also when
    something stops the group half-way). False when the lease was lost. ``done`` collects
    the UIDs committed, for a caller that must know them when the connection fails.

    Messages follow each other in one transaction (``_import_together``); a message with
    files, or one that is too large or cannot be parsed, is imported alone in its own, as
    is every message of a run whose shared transaction failed."""
    fetched = connection.fetch_many(group)
    uidvalidity = connection.uidvalidity
    done = [] if done is None else done
    together: list[_Prepared] = []

    def import_together() -> bool:
        items = together[:]
        together.clear()
        if len(items) > 1:
            try:
                outcomes = _import_together(items, mailbox, uidvalidity, run)
            except Exception as exc:  # nothing was kept: each message again on its own
                logger.info(
                    "Importing %d messages of %s together failed (%s); one by one now.",
                    len(items),
                    mailbox.name,
                    _reason(exc),
                )
            else:
                for item, outcome in zip(items, outcomes, strict=True):
                    report.count(outcome)
                    done.append(item.uid)  # committed: now they may leave the server
                return lease.keep()
        for item in items:
            if not import_alone(item.raw, item.uid):
                return False
        return True

    def import_alone(raw: bytes, uid: int) -> bool:
        report.count(import_raw(raw, mailbox, uidvalidity=uidvalidity, uid=uid, run=run))
        done.append(uid)  # committed: now the message may leave the server
        return lease.keep()

    try:
        for uid in group:
            raw = fetched.pop(uid, None)
            if raw is None:  # vanished from the server meanwhile
                continue
            item = _prepare(raw, uid, run)
            if item is not None:
                together.append(item)
                if len(together) >= TOGETHER_MESSAGES and not import_together():
                    return False
                continue
            if not import_together() or not import_alone(raw, uid):
                return False
        return import_together()
    finally:
        connection.delete(done)


@dataclass
class _Prepared:
    """A message parsed and judged before its group's transaction begins."""

    uid: int
    raw: bytes
    parsed: ParsedMessage
    key: str
    verdict: classify_module.Verdict


def _prepare(raw: bytes, uid: int, run: ImportRun) -> _Prepared | None:
    """The message ready to be imported with others, or ``None`` when it goes alone: too
    large, not parseable (``import_raw`` quarantines it), or with files to store (a shared
    transaction rolled back could not take back files already stored). The sanitised body
    is made here, outside the transaction."""
    if len(raw) > app_settings.MAIL_MAX_MESSAGE_SIZE:
        return None
    try:
        parsed = parse_message(raw)
        if parsed.attachments or parsed.full_body(app_settings.MAX_BODY_LENGTH) is not None:
            return None
        parsed.body_html(app_settings.MAX_BODY_LENGTH)
        return _Prepared(uid, raw, parsed, ledger_key(parsed), _classify(parsed, run))
    except Exception:
        return None


def _classify(parsed: ParsedMessage, run: ImportRun) -> classify_module.Verdict:
    return classify_module.classify(
        parsed,
        own_addresses=run.own_addresses,
        is_own_message_id=lambda mid: verify_message_id(mid) is not None,
    )


def _import_together(items: list[_Prepared], mailbox, uidvalidity, run) -> list[str]:
    """Import messages in one transaction and return their outcomes. Their ledger keys are
    claimed first, in one insert (in key order, so two workers claiming the same keys wait
    for each other instead of deadlocking), then the tickets change, the outcomes are
    recorded in one update, and one commit keeps it all; the notifications are queued
    together after it. Raises when anything fails, a key taken included: then nothing of
    it was kept, and the caller imports each message on its own."""
    entries = [
        _ledger_entry(item.parsed, item.key, item.verdict, mailbox, uidvalidity, item.uid)
        for item in items
    ]
    outcomes: list[str] = []
    run.know_senders(item.parsed.sender_email for item in items if item.verdict.is_person)
    people = [item.parsed for item in items if item.verdict.is_person]
    # one transaction rolled back whole on any failure, its tasks queued after its commit
    with actions.batch(atomic=True, savepoints=False, hold_tasks=True):
        InboundMessage.objects.bulk_create(sorted(entries, key=lambda e: e.key))
        # the Message-IDs of the group, bound in this transaction only
        bindings = Bindings()
        bindings.load(
            thread_ids=[mid for parsed in people for mid in parsed.thread_ids],
            own_ids=[parsed.message_id for parsed in people],
        )
        changed = []
        for item, entry in zip(items, entries, strict=True):
            if not item.verdict.is_person:
                logger.info(
                    "Ignored mail from %s: %s", item.parsed.sender_email, item.verdict.reason
                )
                outcomes.append(Outcome.IGNORED)
                continue
            outcome, ticket, message, reason = _change_ticket(item.parsed, mailbox, run, bindings)
            entry.outcome, entry.ticket, entry.ticket_message = outcome, ticket, message
            entry.reason = reason
            changed.append(entry)
            outcomes.append(outcome)
        if changed:
            _record_outcomes(changed)
    return outcomes


_OUTCOME_FIELDS = ("outcome", "reason", "ticket", "ticket_message")


def _record_outcomes(entries: list[InboundMessage]) -> None:
    """Write the outcomes of claimed ledger rows in one statement. On PostgreSQL an
    ``UPDATE ... FROM (VALUES ...)``: Django's ``bulk_update`` builds a ``CASE`` for every
    row and field, which costs more than the rest of a message's ledger work."""
    connection = connections[router.db_for_write(InboundMessage)]
    if any(entry.pk is None for entry in entries):  # a bulk insert that returned no ids
        ids = dict(
            InboundMessage.objects.filter(key__in=[e.key for e in entries]).values_list("key", "pk")
        )
        for entry in entries:
            entry.pk = ids[entry.key]
    if connection.vendor != "postgresql":
        InboundMessage.objects.bulk_update(entries, _OUTCOME_FIELDS)
        return
    quote = connection.ops.quote_name
    columns = [quote(InboundMessage._meta.get_field(name).column) for name in _OUTCOME_FIELDS]
    row = "(%s::bigint, %s, %s, %s::bigint, %s::bigint)"
    params: list = []
    for entry in entries:
        params += [entry.pk, entry.outcome, entry.reason, entry.ticket_id, entry.ticket_message_id]
    assignments = ", ".join(f"{column} = v.c{n}" for n, column in enumerate(columns))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(InboundMessage._meta.db_table)} AS e SET {assignments} "
            f"FROM (VALUES {', '.join([row] * len(entries))}) AS v(id, c0, c1, c2, c3) "
            f"WHERE e.{quote(InboundMessage._meta.pk.column)} = v.id",
            params,
        )


# Times a run of an OAuth2 mailbox opens a new session when the server ends one: an access
# token can expire during a long run, and Microsoft 365 then ends the session.
REOPEN_SESSIONS = 3


def import_mailbox(
    mailbox: Mailbox, *, connect: Callable[[Mailbox], ImapConnection] = ImapConnection
) -> ImportReport:
    """Import what waits in one mailbox (at most ``MAIL_IMPORT_BATCH`` messages)."""
    report = ImportReport(mailbox.name)
    token = _acquire(mailbox)
    if token is None:
        report.busy = True
        logger.info("Mailbox %s is being imported by another worker.", mailbox.name)
        return report
    try:
        # a group's transaction must not keep the number counter, which web openers
        # need too, locked until it commits
        with connect(mailbox) as connection, actions.batch(numbers_outside=True):
            # looked up once per run, not for every message
            run = ImportRun(mailbox)
            lease = _Lease(mailbox, token)
            uids = connection.uids()[: app_settings.MAIL_IMPORT_BATCH]
            groups = fetch_groups(uids, connection.sizes(uids))
            reopened = 0
            while groups:
                if not groups[0]:
                    groups.pop(0)
                    continue
                done: list[int] = []
                try:
                    kept = _import_group(connection, groups[0], mailbox, run, report, lease, done)
                except ImapError as exc:
                    if not mailbox.uses_oauth or reopened >= REOPEN_SESSIONS:
                        raise
                    # the provider ended the session (its access token expired): go on in
                    # a new one, signed in with a fresh token
                    reopened += 1
                    logger.info("Mailbox %s: session ended (%s); signing in again.", mailbox, exc)
                    uidvalidity = connection.uidvalidity
                    connection.close()
                    connection.open()
                    if connection.uidvalidity != uidvalidity:  # the UIDs mean other mail now
                        raise ImapError(f"{mailbox.name}: UIDVALIDITY changed") from exc
                    connection.delete(done)  # committed before the session ended
                    groups[0] = [uid for uid in groups[0] if uid not in done]
                    continue
                if not kept:
                    logger.warning("Lost the import lock of mailbox %s.", mailbox.name)
                    break
                groups.pop(0)
            connection.expunge()
    except ImapError as exc:
        report.error = str(exc)
        logger.error("Mail import from %s failed, retried next run: %s", mailbox.name, exc)
    finally:
        _release(mailbox, token, report.error[:2000])
    return report


def import_all(mailbox_id: int | None = None) -> list[ImportReport]:
    """Import every active mailbox (or just one); one mailbox failing stops no other. A
    mailbox whose sign-in the provider refused waits for an administrator (its mail stays
    on the server), rather than failing every run."""
    imap = Mailbox.objects.filter(receive=Mailbox.Receive.IMAP)  # the others are posted to us
    mailboxes = imap.filter(active=True, signin_needed="").select_related(
        "ticket_type", "oauth_application"
    )
    if mailbox_id is not None:
        mailboxes = imap.filter(pk=mailbox_id).select_related("ticket_type", "oauth_application")
    reports = []
    for mailbox in mailboxes:
        try:
            reports.append(import_mailbox(mailbox))
        except Exception as exc:  # a database outage, a bug: log it, go on, retry later
            logger.exception("Mail import from %s stopped", mailbox.name)
            reports.append(ImportReport(mailbox.name, error=_reason(exc)))
    return reports
