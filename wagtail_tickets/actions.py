"""THE only code that changes tickets.

Views, the admin, the mail importer, the API and commands call these functions; none saves a
ticket or message itself. Each action is atomic, checks the actor's permission (``actor=None``
is the system, e.g. mail import), sanitises what it stores, records history in the audit log,
hands an ``Event`` to the notifier inside the transaction and sends its signal after commit.
"""

from __future__ import annotations

import datetime
import mimetypes
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from . import numbering, permissions, sendcheck, signals
from .conf import app_settings, language_codes
from .db import search_vector
from .external import token as link_tokens
from .models import (
    Attachment,
    Category,
    Message,
    Priority,
    Rate,
    Rating,
    Status,
    Ticket,
    TicketLink,
    TicketMerge,
    TicketProfile,
    TicketType,
)
from .models.tickets import display_name_for
from .notifications import Event, EventKind, notify, ratelimit, sending
from .sanitize import (
    clean_filename,
    clean_html,
    clean_plain_text,
    clean_subject,
    html_to_text,
    is_blank,
)
from .sla import due as sla_due
from .sla import policies as sla_policies
from .sla import schedule as sla_schedule

NUMBER_ATTEMPTS = 5


@dataclass(frozen=True)
class Batch:
    """The policies actions follow inside ``batch()``; outside any, the defaults."""

    # whether an action inside a caller's transaction takes a savepoint of its own
    savepoints: bool = True
    # the connection ticket numbers are taken on (``None``: the caller's own)
    number_connection: BaseDatabaseWrapper | None = None
    # tasks ``sending.enqueue`` holds back until the batch ends (``None``: none held)
    held_tasks: list[tuple[str, tuple]] | None = None


# The one piece of state that changes how actions behave: the batch they run in. It is set
# only by ``batch()`` and read through ``current_batch()`` (here, and by ``sending.enqueue``,
# which runs in commit hooks far from any caller that could pass it an argument).
_NO_BATCH = Batch()
_current: ContextVar[Batch] = ContextVar("wagtail_tickets_batch", default=_NO_BATCH)


def current_batch() -> Batch:
    """The batch actions run in now (the defaults outside any ``batch()`` block)."""
    return _current.get()


@contextmanager
def batch(
    *,
    atomic: bool = False,
    savepoints: bool | None = None,
    numbers_outside: bool = False,
    hold_tasks: bool = False,
) -> Iterator[Batch]:
    """Run many actions as one batch, the way the mail import runs a group of messages:
    ``atomic=True, savepoints=False, hold_tasks=True`` for each group's transaction, inside
    ``numbers_outside=True`` for the whole run. Each policy, and why:

    - ``atomic``: the block is one transaction (``transaction.atomic``); with
      ``hold_tasks`` its tasks go to the queue after its commit.
    - ``savepoints=False``: actions take no savepoints of their own inside the caller's
      transaction, two round trips fewer per action. Only for a transaction the caller
      rolls back whole when any action fails (the import then imports each message of
      the group alone): a failing action fails the transaction, which must not go on, and
      a ticket number taken by hand meanwhile is not skipped but fails the action too.
    - ``numbers_outside=True``: ticket numbers are taken on a connection of the batch's
      own, each committed at once (``numbering.separate_connection``; PostgreSQL), so the
      counter row is not locked until a long transaction commits and a web user opening a
      ticket meanwhile does not wait for it. A rolled-back ticket leaves a gap in the
      numbers. Entered inside a transaction the caller is already in, it changes nothing.
    - ``hold_tasks=True``: tasks handed to ``sending.enqueue`` inside the block (by the
      commit hooks of the tickets' notifications) wait and go to the task queue together
      when the block ends: with django-q2's database broker one insert for all, not one
      insert and commit each. Tasks of a rolled-back transaction are never handed over.

    A batch inside another keeps the outer one's policies and adds its own (its held tasks
    join the outer batch's; ``savepoints`` left at ``None`` is the outer batch's)."""
    outer = _current.get()
    with ExitStack() as stack:
        connection = outer.number_connection
        if numbers_outside and connection is None:
            # decided before ``atomic`` opens a transaction of the caller's
            connection = stack.enter_context(numbering.separate_connection())
        held, own_held = outer.held_tasks, None
        if hold_tasks and held is None:
            held = own_held = []
        current = Batch(
            savepoints=outer.savepoints if savepoints is None else savepoints,
            number_connection=connection,
            held_tasks=held,
        )
        token = _current.set(current)
        try:
            with transaction.atomic() if atomic else nullcontext():
                yield current
        finally:
            _current.reset(token)
            if own_held:
                sending.enqueue_many(own_held)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _after_commit(signal, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=Ticket, **kwargs))


def _stored_body(body_html: str) -> str:
    body = clean_html(body_html)
    if is_blank(body):
        raise ValidationError(_("The message is empty."))
    return body


def _store_files(message: Message, files: Sequence[UploadedFile], saved: list) -> None:
    for upload in files:
        name = clean_filename(upload.name)
        attachment = Attachment(
            message=message,
            filename=name,
            content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
            size=upload.size,
        )
        storage = attachment.file.storage
        target = attachment.file.field.generate_filename(attachment, name)
        try:
            attachment.file.name = storage.save(
                target, upload, max_length=attachment.file.field.max_length
            )
        except BaseException:
            # a storage that fails half-way may leave a partial file under the target name
            _discard_names(storage, [target])
            raise
        saved.append(attachment.file)
        attachment.save()


def _discard(files: list) -> None:
    for stored in files:
        _discard_names(stored.storage, [stored.name])


def _discard_names(storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            pass


def _add_message(
    ticket: Ticket,
    *,
    author,
    body_html: str,
    files: Sequence[UploadedFile],
    saved: list,
    is_staff: bool,
    internal: bool = False,
    author_name: str = "",
    author_email: str = "",
    source: str = Message.Source.WEB,
    message_id: str = "",
    hours: Decimal | None = None,
    rate: Rate | None = None,
    touch_ticket: bool = True,
) -> Message:
    """Store one message with its files. ``touch_ticket`` records it on the ticket object
    (its last message, first response, update time) for the caller to save; a ticket
    being opened was written with those values already."""
    body = _stored_body(body_html)
    message = Message.objects.create(
        ticket=ticket,
        author=author,
        author_name=clean_subject(author_name or (display_name_for(author) if author else ""))
        or _("Unknown sender"),
        author_email=author_email or (getattr(author, "email", "") or ""),
        is_staff=is_staff,
        is_internal=internal,
        body_html=body,
        body_text=html_to_text(body),
        source=source,
        message_id=message_id,
        hours=hours,
        rate=rate,
    )
    _store_files(message, files, saved)
    if not touch_ticket:
        return message
    now = timezone.now()
    ticket.updated_at = now
    if not internal:
        ticket.last_message_at = now
        ticket.last_message_by_staff = is_staff
        if not is_staff:
            ticket.last_customer_message_at = now
        if is_staff and ticket.first_response_at is None:
            ticket.first_response_at = now
    return message


def _guarded(fn):
    """Run ``fn(saved_files)`` atomically; remove stored files if anything fails."""
    saved: list = []
    try:
        with transaction.atomic(savepoint=_current.get().savepoints):
            return fn(saved)
    except BaseException:
        _discard(saved)
        raise


@dataclass(frozen=True)
class OpeningDefaults:
    """The status and priority a new ticket gets unless told otherwise."""

    status: Status | None
    priority: Priority | None


def opening_defaults() -> OpeningDefaults:
    """The rule for a new ticket's status and priority, read now. A caller that opens many
    tickets in one go (the mail import) reads it once and hands it to ``open_ticket``."""
    return OpeningDefaults(
        status=Status.objects.default(),
        priority=Priority.objects.filter(is_default=True).first(),
    )


def open_ticket(
    *,
    ticket_type: TicketType,
    subject: str,
    body_html: str,
    actor=None,
    requester=None,
    requester_name: str = "",
    requester_email: str = "",
    cc: Sequence[str] = (),
    priority: Priority | None = None,
    category: Category | None = None,
    files: Sequence[UploadedFile] = (),
    source: str = Message.Source.WEB,
    message_id: str = "",
    request=None,
    defaults: OpeningDefaults | None = None,
    link_token: str = "",
    status: Status | None = None,
    assignee=None,
) -> Ticket:
    """Open a ticket with its first message. A customer opens for themselves (create level);
    an agent of the type may open on behalf of a customer, and may give it a ``status``
    other than the default and an ``assignee`` of the type's team. ``defaults`` is
    ``opening_defaults()`` when the caller has read it already. ``link_token`` is the
    private link the external page chose for a visitor's ticket before it exists: it is
    stored with the ticket and is the ``{LINK}`` of its confirmation mail, so the page
    and the mail show the same link. The returned ticket's ``opening_message`` is that
    first message (no query to find it again)."""
    if link_token and (requester is not None or not link_tokens.looks_like_token(link_token)):
        # a programming error, not input: only a visitor's ticket is followed by a link,
        # and only a token of new_token()'s strength may open it
        raise ValueError("link_token: a new_token() for a ticket without an account")
    if actor is not None:
        if requester is not None and requester.pk != actor.pk:
            _require(permissions.manages_type(actor, ticket_type))
        else:
            _require(permissions.can_create(actor, ticket_type))
    if actor is not None and (status is not None or assignee is not None):
        _require(permissions.manages_type(actor, ticket_type))
    if assignee is not None and not permissions.is_assignable(assignee, ticket_type):
        raise ValidationError(_("Only agents of the ticket's type can be assigned."))
    subject = clean_subject(subject, app_settings.MAX_SUBJECT_LENGTH)
    if not subject:
        raise ValidationError(_("The subject is empty."))
    defaults = defaults or opening_defaults()
    status = status or defaults.status
    if status is None:
        raise ValidationError(_("No open status is configured; ask an administrator."))
    if priority is None:
        priority = defaults.priority
    is_staff = actor is not None and requester is not None and actor.pk != requester.pk
    # CC addresses a person puts on their own ticket count against their limit (agents
    # opening for a customer are not limited); refused before anything is written
    cc_limited = actor is not None and not is_staff and bool(cc)
    if cc_limited:
        ratelimit.check_new_cc_addresses(actor, cc)

    def run(saved):
        # the ticket row is written once, already saying what its first message will be:
        # a second write would touch every listing index of the ticket table again
        now = timezone.now()
        ticket = Ticket(
            ticket_type=ticket_type,
            subject=subject,
            status=status,
            priority=priority,
            category=category,
            assignee=assignee,
            closed_at=now if status.is_closed else None,
            is_open=not status.is_closed,  # what the database trigger writes, here too
            requester=requester,
            requester_name=clean_subject(
                requester_name or (display_name_for(requester) if requester else ""), 150
            ),
            requester_email=requester_email or (getattr(requester, "email", "") or ""),
            customer=permissions.customer_for(requester),
            cc="\n".join(cc),
            last_message_at=now,
            last_message_by_staff=is_staff,
            last_customer_message_at=None if is_staff else now,
            first_response_at=now if is_staff else None,
        )
        _apply_sla(ticket, now, opening=True)
        _save_numbered(ticket)
        sla_schedule.reschedule(ticket, now, new=True)
        author = actor if actor is not None else requester
        message = _add_message(
            ticket,
            author=author,
            body_html=body_html,
            files=files,
            saved=saved,
            is_staff=is_staff,
            author_name="" if author else (requester_name or requester_email),
            author_email="" if author else requester_email,
            source=source,
            message_id=message_id,
            touch_ticket=False,
        )
        ticket.opening_message = message
        if link_token:
            link_tokens.attach(ticket, link_token)
        if cc_limited:
            transaction.on_commit(lambda: ratelimit.count_new_cc_addresses(actor, cc))
        log(ticket, "wagtail_tickets.opened", user=actor, data={"number": ticket.number})
        notify(
            Event(
                EventKind.OPENED,
                ticket,
                actor=actor,
                message=message,
                request=request,
                link_token=link_token,
            )
        )
        _after_commit(signals.ticket_opened, ticket=ticket, actor=actor)
        _after_commit(signals.message_added, ticket=ticket, message=message, actor=actor)
        return ticket

    # The number is taken and committed on a connection of its own (where the caller is in
    # no transaction yet): the counter row is never locked while this opener waits for the
    # ticket counters that a mail import group holds, which would in turn wait for it.
    with batch(numbers_outside=True):
        return _guarded(run)


def _apply_sla(ticket: Ticket, now: datetime.datetime, *, opening: bool = False, **events):
    """Move the ticket's service-level times for what just happened (``sla.due``): the
    one place actions do it. Sets them on ``ticket`` and returns the fields for the
    action's own save."""
    if opening:
        return sla_due.start(ticket, now)
    fields = sla_due.update(ticket, now, **events)
    # the warnings and breaches the new times call for (a new ticket's: once it is saved)
    sla_schedule.reschedule(ticket, now)
    return fields


def recompute_sla(*, after: int = 0, limit: int = 500) -> tuple[int, int | None]:
    """Give open tickets with an id above ``after`` (at most ``limit``, in id order) the
    due times of the policies as they are now, keeping the business time each target has
    counted (after an administrator changed policies, calendars or customer tiers).
    Returns how many were done and the last id, or ``None`` for the last id when no open
    ticket is left to do. One transaction per call: no lock is held long."""
    known = sla_policies.active_policies()
    with transaction.atomic():
        tickets = list(
            Ticket.objects.filter(is_open=True, pk__gt=after)
            .order_by("pk")
            .select_related("status")
            .select_for_update(of=("self",))[:limit]
        )
        now = timezone.now()
        for ticket in tickets:
            fields = _apply_sla(ticket, now, rematch=True, known_policies=known)
            ticket.save(update_fields=fields)
    if len(tickets) < limit:
        return len(tickets), None
    return len(tickets), tickets[-1].pk


def _save_numbered(ticket: Ticket) -> None:
    """Insert a new ticket row under the next free number."""
    current = _current.get()
    savepoint = current.savepoints
    for attempt in range(NUMBER_ATTEMPTS):
        ticket.number = numbering.next_number(connection=current.number_connection)
        try:
            with transaction.atomic(savepoint=savepoint):
                ticket.save()
            return
        except IntegrityError:
            # a number taken by hand or under an older format: take the next one
            if attempt == NUMBER_ATTEMPTS - 1 or not savepoint:
                raise


def add_reply(
    ticket: Ticket,
    *,
    actor=None,
    body_html: str,
    files: Sequence[UploadedFile] = (),
    internal: bool = False,
    author_name: str = "",
    author_email: str = "",
    source: str = Message.Source.WEB,
    message_id: str = "",
    hours: Decimal | None = None,
    rate: Rate | None = None,
    as_staff: bool | None = None,
    author=None,
    request=None,
) -> Message:
    """Add a reply (or, for agents, an internal note) to a ticket. Agents may log
    ``hours`` worked, at a support ``rate``. When the system adds a message on a
    user's behalf (``actor=None``, e.g. their mail), ``author`` names that user."""
    manages = actor is not None and permissions.can_manage(actor, ticket)
    if actor is not None:
        if author is not None and author.pk != actor.pk:
            raise PermissionDenied
        _require(permissions.can_reply(actor, ticket))
        if internal or hours is not None or rate is not None:
            _require(manages)
    is_staff = manages if as_staff is None else as_staff

    def run(saved):
        locked = _locked(ticket)
        _refuse_merged(locked)
        message = _add_message(
            locked,
            author=actor if actor is not None else author,
            body_html=body_html,
            files=files,
            saved=saved,
            is_staff=is_staff,
            internal=internal,
            author_name=author_name,
            author_email=author_email,
            source=source,
            message_id=message_id,
            hours=hours,
            rate=rate,
        )
        sla_fields = []
        if not internal:
            sla_fields = _apply_sla(
                locked,
                locked.updated_at,
                customer_message=not is_staff,
                staff_reply=is_staff,
            )
        locked.save(
            update_fields=[
                "updated_at",
                "last_message_at",
                "last_message_by_staff",
                "last_customer_message_at",
                "first_response_at",
                *sla_fields,
            ]
        )
        _copy_state(locked, ticket)
        action = "wagtail_tickets.note" if internal else "wagtail_tickets.reply"
        log(locked, action, user=actor, data={"message": message.pk})
        kind = EventKind.NOTE if internal else EventKind.REPLIED
        notify(Event(kind, locked, actor=actor, message=message, request=request))
        _after_commit(signals.message_added, ticket=locked, message=message, actor=actor)
        return message

    return _guarded(run)


def _copy_state(source: Ticket, target: Ticket) -> None:
    """Keep the caller's ticket object in step with the locked row we changed."""
    if source is target:
        return
    for field in Ticket._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    for name in ("status", "priority", "category", "assignee", "ticket_type"):
        if name in source._state.fields_cache:
            target._state.fields_cache[name] = source._state.fields_cache[name]
        else:
            target._state.fields_cache.pop(name, None)


def _display(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "get_username"):
        return display_name_for(value)
    if isinstance(value, Status | Priority):
        return value.name  # as stored: readers see it in their language (seeded.change_label)
    return str(value)


CHANGEABLE = ("status", "priority", "category", "target_date", "assignee", "ticket_type", "cc")


def change_ticket(ticket: Ticket, *, actor=None, request=None, **values) -> dict:
    """Change fields of a ticket (agents only). Returns ``{field: (old, new)}`` of what
    actually changed; nothing changed means no history, no event, no mail. A ticket moved
    to a type its assignee is not an agent of goes back to unassigned in the same change
    (unless ``assignee`` is given too): only a type's team may hold its tickets."""
    unknown = set(values) - set(CHANGEABLE)
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))}")
    if actor is not None:
        _require(permissions.can_manage(actor, ticket))
        if "ticket_type" in values:
            _require(permissions.manages_type(actor, values["ticket_type"]))
    if "assignee" in values and values["assignee"] is not None:
        target_type = values.get("ticket_type") or ticket.ticket_type
        if not permissions.is_assignable(values["assignee"], target_type):
            raise ValidationError(_("Only agents of the ticket's type can be assigned."))

    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if "status" in values and values["status"] is not None:
            if not values["status"].is_closed:
                _refuse_merged(locked)
        target_type = values.get("ticket_type")
        if (
            target_type is not None
            and "assignee" not in values
            and locked.assignee_id is not None
            and locked.ticket_type_id != target_type.pk
            and not permissions.is_assignable(locked.assignee, target_type)
        ):
            values = {**values, "assignee": None}
        changes = _apply_changes(locked, values, actor=actor, request=request)
        _copy_state(locked, ticket)
    return changes


def reply_and_change(
    ticket: Ticket,
    *,
    actor,
    changes: dict,
    request=None,
    seen: sendcheck.Seen | None = None,
    **reply,
) -> Message:
    """An agent's reply (or note) and changes of the ticket's fields as one unit ("send and
    set status to ..."): ``add_reply`` (``reply`` are its arguments), then
    ``change_ticket(**changes)``, each with its own checks, history and notifications, in
    one ``batch`` transaction. When either fails neither is kept, nor the reply's files.
    With ``seen`` (what the agent's page showed), raises ``sendcheck.ConversationChanged``
    and stores nothing when a message came meanwhile (checked under the ticket's lock)."""
    stored: list = []
    try:
        with batch(atomic=True):
            if seen is not None:
                _require(permissions.can_reply(actor, ticket))
                sendcheck.verify(_locked(ticket), seen)
            message = add_reply(ticket, actor=actor, request=request, **reply)
            if reply.get("files"):
                stored = [attachment.file for attachment in message.attachments.all()]
            if changes:
                change_ticket(ticket, actor=actor, request=request, **changes)
    except BaseException:
        _discard(stored)
        raise
    return message


def _apply_changes(
    locked: Ticket, values: dict, *, actor, request, tell_people: bool = True
) -> dict[str, tuple[str, str]]:
    """Set ``values`` on a ticket row the caller's transaction has locked: the one way
    its fields change (``change_ticket``, ``replace_status``). Writes what differs and its
    history entry. A new status brings ``closed_at`` and ``is_open`` along, as closing
    and reopening do: set when the ticket closes, kept while it moves between closed
    statuses, cleared when it reopens. The event goes to the notifier unless
    ``tell_people`` is false; the signals follow the commit."""
    changes: dict[str, tuple[str, str]] = {}
    previous = {}
    for name, new in values.items():
        old = getattr(locked, name)
        if (old.pk if hasattr(old, "pk") else old) == (new.pk if hasattr(new, "pk") else new):
            continue
        changes[name] = (_display(old), _display(new))
        previous[name] = old
        setattr(locked, name, new)
    if not changes:
        return {}
    now = timezone.now()
    locked.updated_at = now
    fields = [*changes, "updated_at"]
    closing = reopening = False
    if "status" in changes:
        was_closed, is_closed = previous["status"].is_closed, values["status"].is_closed
        closing, reopening = is_closed and not was_closed, was_closed and not is_closed
        if not is_closed:
            locked.closed_at = None
        elif closing or locked.closed_at is None:
            locked.closed_at = now
        locked.is_open = not is_closed  # what the database trigger writes, on this object too
        fields.append("closed_at")
    if {"status", "priority", "ticket_type"} & set(changes):
        fields += _apply_sla(
            locked,
            now,
            was_waiting=previous["status"].waits_for_customer if "status" in changes else None,
            closing=closing,
            reopening=reopening,
            rematch=bool({"priority", "ticket_type"} & set(changes)),
        )
    locked.save(update_fields=fields)
    data = {"changes": {k: list(v) for k, v in changes.items()}}
    log(locked, "wagtail_tickets.changed", user=actor, data=data)
    if tell_people:
        kind = EventKind.CHANGED
        if set(changes) == {"assignee"}:
            claimed = (
                actor is not None
                and values["assignee"] is not None
                and values["assignee"].pk == actor.pk
            )
            kind = EventKind.CLAIMED if claimed else EventKind.ASSIGNED
        notify(Event(kind, locked, actor=actor, changes=changes, request=request))
    _after_commit(signals.ticket_changed, ticket=locked, changes=changes, actor=actor)
    if closing:
        _after_commit(signals.ticket_closed, ticket=locked, actor=actor)
    elif reopening:
        _after_commit(signals.ticket_reopened, ticket=locked, actor=actor)
    return changes


def replace_status(old: Status, new: Status, *, actor=None) -> int:
    """Delete the status ``old`` after moving its tickets to ``new``; returns how many
    moved. Each ticket changes as ``change_ticket`` changes a status: a history entry by
    ``actor``, ``closed_at`` and ``is_open`` that agree with the new status, and
    ``ticket_changed`` (with ``ticket_closed`` or ``ticket_reopened`` where the new status
    is closed and the old was open, or the other way round) after commit.

    Nobody is mailed and nothing is shown per ticket: an administrator reorganising the
    statuses is not news about each ticket, and a mailing to every customer of a status
    would surprise them. The history and the signals record the change; to tell customers,
    change their tickets' status in the workspace before deleting the status.

    The tickets move in id order, ``STATUS_REPLACEMENT_BATCH_SIZE`` per transaction, so
    no lock is held long; the last transaction moves the tickets given the old status
    meanwhile and deletes it. A ValidationError refuses a status replacing itself and a
    status or replacement deleted meanwhile (by another administrator): the batches
    before it stay done, each ticket's change whole, and running it again finishes."""
    if actor is not None:
        _require(permissions.can_replace_status(actor))
    if old.pk == new.pk:
        raise ValidationError(_("A status cannot replace itself."))
    size = app_settings.STATUS_REPLACEMENT_BATCH_SIZE
    moved = last_pk = 0
    while True:
        with transaction.atomic():
            batch = _lock_tickets_in_status(old, after=last_pk, limit=size)
            if not batch:
                break
            old_row, new_row = _lock_replacement(old, new)
            moved += _move_tickets(batch, old_row, new_row, actor)
        last_pk = batch[-1].pk
    with transaction.atomic():
        # tickets before statuses, the order of every action that locks both
        _lock_tickets_in_status(old)
        old_row, new_row = _lock_replacement(old, new)
        # a ticket given the old status now commits after this transaction (its foreign
        # key waits for the status row): these are the last
        moved += _move_tickets(_lock_tickets_in_status(old), old_row, new_row, actor)
        log(old_row, "wagtail.delete", user=actor, deleted=True)
        old_row.delete()
    return moved


def _locked(ticket: Ticket) -> Ticket:
    """The ticket's row, locked for this transaction, with its status (whose row is not
    locked: replies and closes of tickets in one status must not queue behind each other)."""
    return Ticket.objects.select_for_update(of=("self",)).select_related("status").get(pk=ticket.pk)


def _lock_tickets_in_status(status: Status, *, after: int = 0, limit: int | None = None):
    tickets = Ticket.objects.filter(status_id=status.pk, pk__gt=after)
    tickets = tickets.order_by("pk").select_for_update()
    return list(tickets[:limit] if limit else tickets)


def _lock_replacement(old: Status, new: Status) -> tuple[Status, Status]:
    """Both statuses as they are now, locked (the old one is about to go), or a clear
    error when either was deleted meanwhile."""
    rows = {
        row.pk: row
        for row in Status.objects.filter(pk__in=(old.pk, new.pk)).order_by("pk").select_for_update()
    }
    if old.pk not in rows:
        raise ValidationError(
            _("The status “%(name)s” has already been deleted.") % {"name": old.name}
        )
    if new.pk not in rows:
        raise ValidationError(
            _("The status “%(name)s” no longer exists; choose another one.") % {"name": new.name}
        )
    return rows[old.pk], rows[new.pk]


def _move_tickets(tickets: list[Ticket], old: Status, new: Status, actor) -> int:
    for ticket in tickets:
        ticket.status = old  # the row's status, as locked: no query for it
        _apply_changes(ticket, {"status": new}, actor=actor, request=None, tell_people=False)
    return len(tickets)


def claim_ticket(ticket: Ticket, *, actor, request=None) -> dict:
    """The agent takes the ticket."""
    return change_ticket(ticket, actor=actor, assignee=actor, request=request)


def _set_closed(ticket: Ticket, actor, closed: bool, request) -> None:
    """Move a ticket to the default closed (or open) status; nothing if it already is."""
    if closed:
        kind, action, signal = EventKind.CLOSED, "wagtail_tickets.closed", signals.ticket_closed
    else:
        kind, action = EventKind.REOPENED, "wagtail_tickets.reopened"
        signal = signals.ticket_reopened
    status = Status.objects.closed_default() if closed else Status.objects.default()
    if status is None:
        raise ValidationError(_("No suitable status is configured; ask an administrator."))
    with transaction.atomic(savepoint=_current.get().savepoints):
        locked = _locked(ticket)
        if not closed:
            _refuse_merged(locked)
        if locked.status.is_closed == closed:
            _copy_state(locked, ticket)
            return
        old = locked.status
        now = timezone.now()
        locked.status = status
        locked.closed_at = now if closed else None
        locked.updated_at = now
        sla_fields = _apply_sla(
            locked,
            now,
            was_waiting=old.waits_for_customer,
            closing=closed,
            reopening=not closed,
        )
        locked.save(update_fields=["status", "closed_at", "updated_at", *sla_fields])
        _copy_state(locked, ticket)
        changes = {"status": (old.name, status.name)}
        log(locked, action, user=actor, data={"changes": {"status": [old.name, status.name]}})
        notify(Event(kind, locked, actor=actor, changes=changes, request=request))
        _after_commit(signals.ticket_changed, ticket=locked, changes=changes, actor=actor)
        _after_commit(signal, ticket=locked, actor=actor)


def close_ticket(ticket: Ticket, *, actor=None, request=None) -> None:
    """Close a ticket: the customer while it is open, or an agent."""
    if actor is not None:
        _require(permissions.can_close(actor, ticket))
    _set_closed(ticket, actor, True, request)


def reopen_ticket(ticket: Ticket, *, actor=None, request=None) -> None:
    """Reopen a closed ticket (agents; the system for mail to a closed ticket)."""
    if actor is not None:
        _require(permissions.can_reopen(actor, ticket))
    _set_closed(ticket, actor, False, request)


def delete_ticket(ticket: Ticket, *, actor=None) -> None:
    """Delete a ticket with its messages and files; the audit log keeps who deleted which
    number."""
    if actor is not None:
        _require(permissions.can_delete(actor, ticket))
    with transaction.atomic():
        files = [a.file for a in Attachment.objects.filter(message__ticket=ticket)]
        log(
            ticket,
            "wagtail_tickets.deleted",
            user=actor,
            deleted=True,
            data={"number": ticket.number, "subject": ticket.subject},
        )
        number = ticket.number
        ticket.delete()
        transaction.on_commit(lambda: _discard(files))
        _after_commit(signals.ticket_deleted, ticket=None, number=number, actor=actor)


# Longest comment kept with a rating (characters); forms refuse longer ones.
RATING_COMMENT_MAX_LENGTH = 2000


def rate_ticket(
    ticket: Ticket,
    *,
    score: str,
    comment: str = "",
    via: str,
    actor=None,
) -> Rating:
    """Record the requester's rating of a closed ticket, or change it: one per ticket.
    Who may rate is ``permissions.can_rate`` for a signed-in ``actor``; a caller without an
    actor (the private link, the rating mail's signed link) has asked
    ``link_holder_can_rate`` / ``rating_link_can_rate``. The window (``RATING_DAYS`` after
    closing) is checked here again under the ticket's lock, so a late POST is refused
    whoever calls. The comment is stored as plain text. Writes a history entry and sends
    ``ticket_rated`` after commit; nobody is mailed."""
    if score not in Rating.Score.values:
        raise ValidationError(_("Choose good, okay or bad."))
    if actor is not None:
        _require(permissions.can_rate(actor, ticket))
    comment = clean_plain_text(comment, RATING_COMMENT_MAX_LENGTH)
    with transaction.atomic(savepoint=_current.get().savepoints):
        locked = _locked(ticket)
        if not permissions.within_rating_window(locked):
            raise ValidationError(_("This ticket can no longer be rated."))
        rating, created = Rating.objects.select_for_update().get_or_create(
            ticket=locked,
            defaults={
                "score": score,
                "comment": comment,
                "via": via,
                "rated_by": actor,
                "agent_id": locked.assignee_id,
                "ticket_type_id": locked.ticket_type_id,
            },
        )
        if not created:
            old = rating.score
            rating.score, rating.comment, rating.via = score, comment, via
            if actor is not None:
                rating.rated_by = actor
            rating.save(update_fields=["score", "comment", "via", "rated_by", "updated_at"])
        data = {"score": score, "changed_from": "" if created else old}
        log(locked, "wagtail_tickets.rated", user=actor, data=data)
        transaction.on_commit(
            lambda: signals.ticket_rated.send(
                sender=Ticket, ticket=locked, actor=actor, rating=rating, created=created
            )
        )
    ticket.rating = rating
    return rating


def set_display_name(user, display_name: str) -> TicketProfile:
    """The customer's display name in tickets."""
    profile, _created = TicketProfile.objects.update_or_create(
        user=user, defaults={"display_name": clean_subject(display_name, 100)}
    )
    user.ticket_profile = profile
    return profile


def set_mail_language(user, language: str) -> TicketProfile:
    """The language of the customer's ticket mail; ``""`` means the site's template
    language. Only the site's ``LANGUAGES`` are accepted."""
    if language and language not in language_codes():
        raise ValidationError(_("Choose one of the offered languages."))
    profile, _created = TicketProfile.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    user.ticket_profile = profile
    return profile


# What the inbox changes on many tickets at once; each is one ticket's change.
BULK_FIELDS = ("assignee", "status", "priority", "category")


@dataclass
class BulkResult:
    """What ``bulk_change`` did: tickets ``changed``, those that already were so
    (``unchanged``), those ``skipped`` (no such ticket, or one the actor does not manage),
    and those a rule ``refused`` (an assignee who is not an agent of the ticket's type)."""

    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    refused: int = 0

    def __add__(self, other: BulkResult) -> BulkResult:
        return BulkResult(
            self.changed + other.changed,
            self.unchanged + other.unchanged,
            self.skipped + other.skipped,
            self.refused + other.refused,
        )


def bulk_change(
    ticket_ids: Iterable[int], *, actor, field: str, value=None, request=None
) -> BulkResult:
    """Change many tickets the same way: ``field`` one of ``BULK_FIELDS`` set to ``value``
    (``None``: nobody, no category), or ``"close"``. Each ticket changes as
    ``change_ticket`` or ``close_ticket`` changes one, with its own history entry and
    notifications; ``permissions.can_manage`` decides per ticket, and tickets the actor
    may not manage are skipped and counted. The whole is one ``batch``: one transaction
    (an error leaves every ticket as it was) whose tasks reach the queue after the commit."""
    if field != "close" and field not in BULK_FIELDS:
        raise TypeError(f"cannot change {field} in bulk")
    ids = sorted(set(ticket_ids))
    result = BulkResult()
    assignable: dict[int, bool] = {}

    def may_hold(ticket: Ticket) -> bool:
        # asked once per type: the rule is about the type, not the ticket
        if ticket.ticket_type_id not in assignable:
            assignable[ticket.ticket_type_id] = permissions.is_assignable(value, ticket.ticket_type)
        return assignable[ticket.ticket_type_id]

    with batch(atomic=True, hold_tasks=True):
        tickets = Ticket.objects.filter(pk__in=ids).select_related("status", "ticket_type")
        tickets = list(tickets.order_by("pk"))  # locks are taken in one order
        result.skipped = len(ids) - len(tickets)
        for ticket in tickets:
            if actor is not None and not permissions.can_manage(actor, ticket):
                result.skipped += 1
            elif field == "close":
                if ticket.status.is_closed:
                    result.unchanged += 1
                else:
                    close_ticket(ticket, actor=actor, request=request)
                    result.changed += 1
            elif field == "assignee" and value is not None and not may_hold(ticket):
                result.refused += 1
            elif change_ticket(ticket, actor=actor, request=request, **{field: value}):
                result.changed += 1
            else:
                result.unchanged += 1
    return result


# --- merge, split, link --------------------------------------------------------------


def merge_refusal_text(reason: str) -> str:
    """The words for a reason of ``permissions.merge_refusal``."""
    if reason == "requester":
        return _(
            "The requester of #%(source)s may not see #%(target)s: a merge would show it to them."
        )
    return _(
        "#%(source)s has no account: it can only join a ticket without an account from the "
        "same address."
    )


def _refuse_merged(locked: Ticket) -> None:
    """A merged ticket stays as it was merged: closed, without new messages (they belong
    in the ticket it went into, where mail and links lead)."""
    if locked.is_open:
        return
    merge = TicketMerge.objects.filter(source_id=locked.pk).select_related("target").first()
    if merge is not None:
        raise ValidationError(
            _("#%(number)s was merged into #%(target)s: continue there.")
            % {"number": locked.number, "target": merge.target.number}
        )


def _lock_many(ids: Iterable[int]) -> dict[int, Ticket]:
    """The tickets' rows locked in id order (the one order every action locks them in)."""
    rows = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("status", "ticket_type", "requester")
        .filter(pk__in=sorted(set(ids)))
        .order_by("pk")
    )
    return {ticket.pk: ticket for ticket in rows}


def merge_tickets(sources: Sequence[Ticket], target: Ticket, *, actor=None, request=None) -> int:
    """Merge ``sources`` into ``target``: their messages (with attachments and logged time)
    move to the target, where they take their place in time order; their CC addresses join
    the target's; their private links open the target; each source is closed, remembers
    what it held (``TicketMerge.record``) and its number leads to the target from then on
    (customer area, private links, admin, inbound mail). Tickets merged into a source
    before follow it, so a merged ticket is never a target.

    The actor manages both types of each pair (``permissions.can_merge``); a merge that
    would show a ticket to someone who could not see it is refused
    (``permissions.merge_refusal``), as are a ticket merged into itself and merged
    tickets. One transaction: all sources merge or none. Each source's customers get one
    "merged" mail; the history of both tickets records it. Returns how many merged."""
    ids = [source.pk for source in sources]
    if not ids:
        raise ValidationError(_("Choose the tickets to merge."))
    if target.pk in ids:
        raise ValidationError(_("A ticket cannot be merged into itself."))
    closed = Status.objects.closed_default()
    if closed is None:
        raise ValidationError(_("No suitable status is configured; ask an administrator."))
    with batch(atomic=True):
        rows = _lock_many([*ids, target.pk])
        locked_target = rows.get(target.pk)
        if locked_target is None or len(rows) != len(set(ids)) + 1:
            raise ValidationError(_("One of the tickets no longer exists."))
        merged = set(
            TicketMerge.objects.filter(source_id__in=rows).values_list("source_id", flat=True)
        )
        if locked_target.pk in merged:
            raise ValidationError(
                _("#%(number)s was merged into another ticket; merge into that one.")
                % {"number": locked_target.number}
            )
        locked_sources = [rows[pk] for pk in sorted(set(ids))]
        for source in locked_sources:
            if actor is not None:
                _require(permissions.can_merge(actor, source, locked_target))
            if source.pk in merged:
                raise ValidationError(
                    _("#%(number)s is merged already.") % {"number": source.number}
                )
            refusal = permissions.merge_refusal(source, locked_target)
            if refusal is not None:
                raise ValidationError(
                    merge_refusal_text(refusal)
                    % {"source": source.number, "target": locked_target.number}
                )
        now = timezone.now()
        cc = list(locked_target.cc_list)
        known = {permissions.mail_address_key(a) for a in [*cc, locked_target.requester_email]}
        for source in locked_sources:
            _merge_one(source, locked_target, closed, actor=actor, now=now, request=request)
            for address in source.cc_list + [source.requester_email]:
                key = permissions.mail_address_key(address)
                if key and key not in known and address in source.cc_list:
                    known.add(key)
                    cc.append(address)
        _absorb(locked_target, cc, now)
        search_vector.recollect_words(default_connection, [locked_target.pk])
        numbers = [source.number for source in locked_sources]
        log(
            locked_target,
            "wagtail_tickets.merged_here",
            user=actor,
            data={"sources": numbers},
        )
        _copy_state(locked_target, target)
    return len(locked_sources)


def _merge_one(source: Ticket, target: Ticket, closed: Status, *, actor, now, request) -> None:
    """Move one locked source's content to the locked target and close it as merged."""
    from .models import ExternalAccess

    held = Message.objects.filter(ticket_id=source.pk)
    message_ids = list(held.order_by("created_at", "pk").values_list("pk", flat=True))
    totals = held.aggregate(hours=Sum("hours"))
    files = Attachment.objects.filter(message__ticket_id=source.pk).aggregate(n=Count("pk"))
    record = {
        "number": source.number,
        "subject": source.subject,
        "into": target.number,
        "messages": message_ids,
        "attachments": files["n"],
        "hours": str(totals["hours"] or 0),
        "status": source.status.name,
    }
    held.update(ticket_id=target.pk)
    # tickets merged into the source before now live in the target: no chains
    TicketMerge.objects.filter(target_id=source.pk).update(target_id=target.pk)
    if source.requester_id is None:
        ExternalAccess.objects.filter(ticket_id=source.pk).update(ticket_id=target.pk)
    TicketMerge.objects.create(source=source, target=target, merged_by=actor, record=record)
    old = source.status
    source.status = closed
    source.is_open = False
    source.closed_at = source.closed_at if old.is_closed else now
    source.updated_at = now
    sla_fields = []
    if not old.is_closed:
        sla_fields = _apply_sla(source, now, was_waiting=old.waits_for_customer, closing=True)
    source.save(update_fields=["status", "closed_at", "updated_at", *sla_fields])
    changes = {"status": (old.name, closed.name)} if old.pk != closed.pk else {}
    log(
        source,
        "wagtail_tickets.merged",
        user=actor,
        data={
            "into": target.number,
            "messages": len(message_ids),
            "changes": {k: list(v) for k, v in changes.items()},
        },
    )
    notify(Event(EventKind.MERGED, source, actor=actor, request=request))
    if changes:
        _after_commit(signals.ticket_changed, ticket=source, changes=changes, actor=actor)
    if not old.is_closed:
        _after_commit(signals.ticket_closed, ticket=source, actor=actor)
    _after_commit(signals.ticket_merged, ticket=source, target=target, actor=actor)


def _absorb(target: Ticket, cc: list[str], now) -> None:
    """The locked target after messages moved in: its CC list and its message times."""
    times = Message.objects.filter(ticket_id=target.pk).aggregate(
        last=Max("created_at", filter=Q(is_internal=False)),
        customer=Max("created_at", filter=Q(is_internal=False, is_staff=False)),
        first_staff=Min("created_at", filter=Q(is_internal=False, is_staff=True)),
    )
    target.cc = "\n".join(cc)
    target.updated_at = now
    target.last_message_at = times["last"]
    target.last_customer_message_at = times["customer"]
    if times["first_staff"] is not None and (
        target.first_response_at is None or times["first_staff"] < target.first_response_at
    ):
        target.first_response_at = times["first_staff"]
    if times["last"] is not None:
        newest = Message.objects.filter(ticket_id=target.pk, is_internal=False)
        target.last_message_by_staff = (
            newest.order_by("-created_at", "-pk").values_list("is_staff", flat=True).first()
            or False
        )
    target.save(
        update_fields=[
            "cc",
            "updated_at",
            "last_message_at",
            "last_message_by_staff",
            "last_customer_message_at",
            "first_response_at",
        ]
    )


def split_ticket(
    message: Message,
    *,
    actor=None,
    following: bool = False,
    subject: str = "",
    ticket_type: TicketType | None = None,
    request=None,
) -> Ticket:
    """Move ``message`` (and with ``following`` every later one) of its ticket into a new
    ticket of the same customer, requester, CC and type (unless ``ticket_type`` is given),
    linked to the original as related. The first message stays: it is what the original
    ticket is. Nobody is mailed: the agent answers on the new ticket to tell the customer,
    and replies to earlier mail about the moved messages reach the new ticket (their
    Message-IDs move with them)."""
    original = message.ticket
    new_type = ticket_type or original.ticket_type
    if actor is not None:
        _require(permissions.can_manage(actor, original))
        _require(permissions.manages_type(actor, new_type))
    subject = clean_subject(subject or original.subject, app_settings.MAX_SUBJECT_LENGTH)
    if not subject:
        raise ValidationError(_("The subject is empty."))
    status = Status.objects.default()
    if status is None:
        raise ValidationError(_("No open status is configured; ask an administrator."))
    with batch(atomic=True):
        locked = _locked(original)
        if TicketMerge.objects.filter(source_id=locked.pk).exists():
            raise ValidationError(_("A merged ticket cannot be split."))
        messages = Message.objects.filter(ticket_id=locked.pk)
        first = messages.order_by("created_at", "pk").values_list("pk", flat=True).first()
        if first == message.pk:
            raise ValidationError(_("The ticket's first message stays with it."))
        if following:
            chosen = messages.filter(
                Q(created_at__gt=message.created_at)
                | Q(created_at=message.created_at, pk__gte=message.pk)
            )
        else:
            chosen = messages.filter(pk=message.pk)
        now = timezone.now()
        new = Ticket(
            ticket_type=new_type,
            subject=subject,
            status=status,
            is_open=not status.is_closed,
            priority=locked.priority,
            category=locked.category if new_type.pk == locked.ticket_type_id else None,
            requester_id=locked.requester_id,
            requester_name=locked.requester_name,
            requester_email=locked.requester_email,
            customer_id=locked.customer_id,
            cc=locked.cc,
        )
        _apply_sla(new, now, opening=True)
        _save_numbered(new)
        sla_schedule.reschedule(new, now, new=True)
        moved = chosen.update(ticket_id=new.pk)
        if not moved:
            raise ValidationError(_("The message is no longer on this ticket."))
        TicketLink.objects.create(
            from_ticket_id=min(locked.pk, new.pk),
            to_ticket_id=max(locked.pk, new.pk),
            kind=TicketLink.Kind.RELATED,
            created_by=actor,
        )
        _absorb(new, new.cc_list, now)
        _absorb(locked, locked.cc_list, now)
        search_vector.recollect_words(default_connection, [new.pk, locked.pk])
        log(
            new,
            "wagtail_tickets.opened",
            user=actor,
            data={"number": new.number, "split_from": locked.number},
        )
        log(
            locked,
            "wagtail_tickets.split",
            user=actor,
            data={"to": new.number, "messages": moved},
        )
        _copy_state(locked, original)
        _after_commit(signals.ticket_opened, ticket=new, actor=actor)
        _after_commit(
            signals.ticket_split, ticket=locked, new_ticket=new, messages=moved, actor=actor
        )
    return new


def link_tickets(ticket: Ticket, other: Ticket, *, kind: str, actor=None) -> TicketLink:
    """Link two tickets: ``"related"``, or ``"parent"`` (``ticket`` is the parent of
    ``other``). A ticket has one parent at most and is never its own ancestor; two tickets
    are linked once. Agents of both types only (``permissions.can_link``)."""
    if kind not in TicketLink.Kind.values:
        raise ValidationError(_("Choose how the tickets are linked."))
    if ticket.pk == other.pk:
        raise ValidationError(_("A ticket cannot be linked to itself."))
    if actor is not None:
        _require(permissions.can_link(actor, ticket, other))
    with transaction.atomic():
        rows = _lock_many([ticket.pk, other.pk])
        if len(rows) != 2:
            raise ValidationError(_("One of the tickets no longer exists."))
        if TicketMerge.objects.filter(source_id__in=rows).exists():
            raise ValidationError(_("A merged ticket cannot be linked; link the one it is in."))
        pair = Q(from_ticket_id=ticket.pk, to_ticket_id=other.pk) | Q(
            from_ticket_id=other.pk, to_ticket_id=ticket.pk
        )
        if TicketLink.objects.filter(pair).exists():
            raise ValidationError(_("These tickets are linked already."))
        if kind == TicketLink.Kind.PARENT:
            if TicketLink.objects.filter(to_ticket_id=other.pk, kind=kind).exists():
                raise ValidationError(
                    _("#%(number)s has a parent already.") % {"number": other.number}
                )
            if other.pk in _ancestors(ticket.pk):
                raise ValidationError(
                    _("#%(child)s is above #%(parent)s already: a ticket cannot be its own parent.")
                    % {"child": other.number, "parent": ticket.number}
                )
            low, high = ticket.pk, other.pk
        else:
            low, high = sorted((ticket.pk, other.pk))
        link = TicketLink.objects.create(
            from_ticket_id=low, to_ticket_id=high, kind=kind, created_by=actor
        )
        for one, two in ((rows[ticket.pk], rows[other.pk]), (rows[other.pk], rows[ticket.pk])):
            log(
                one,
                "wagtail_tickets.linked",
                user=actor,
                data={"other": two.number, "kind": _link_role(kind, one.pk == low)},
            )
        _after_commit(
            signals.ticket_linked, ticket=rows[low], other=rows[high], kind=kind, actor=actor
        )
    return link


def _link_role(kind: str, is_from: bool) -> str:
    """How the link reads from one side: ``related``, ``parent`` (the other is the
    parent) or ``child`` (the other is a child)."""
    if kind != TicketLink.Kind.PARENT:
        return "related"
    return "child" if is_from else "parent"


MAX_LINK_DEPTH = 50


def _ancestors(ticket_id: int) -> set[int]:
    """The parents of a ticket up the chain (one query per level, at most
    ``MAX_LINK_DEPTH``: deeper trees are refused rather than walked)."""
    found: set[int] = set()
    current = ticket_id
    for _level in range(MAX_LINK_DEPTH):
        parent = (
            TicketLink.objects.filter(to_ticket_id=current, kind=TicketLink.Kind.PARENT)
            .values_list("from_ticket_id", flat=True)
            .first()
        )
        if parent is None or parent in found:
            return found
        found.add(parent)
        current = parent
    raise ValidationError(_("The tickets are nested too deep."))


def unlink_tickets(link: TicketLink, *, actor=None) -> None:
    """Remove a link between two tickets (agents of both types)."""
    with transaction.atomic():
        rows = _lock_many([link.from_ticket_id, link.to_ticket_id])
        if len(rows) != 2:
            raise ValidationError(_("One of the tickets no longer exists."))
        first, second = rows[link.from_ticket_id], rows[link.to_ticket_id]
        if actor is not None:
            _require(permissions.can_link(actor, first, second))
        deleted, _rows = TicketLink.objects.filter(pk=link.pk).delete()
        if not deleted:
            return
        for one, two in ((first, second), (second, first)):
            log(
                one,
                "wagtail_tickets.unlinked",
                user=actor,
                data={"other": two.number, "kind": _link_role(link.kind, one is first)},
            )
        _after_commit(
            signals.ticket_unlinked, ticket=first, other=second, kind=link.kind, actor=actor
        )


def close_with_children(ticket: Ticket, *, actor=None, request=None) -> int:
    """Close a parent ticket and its open children (those the actor may close; the others
    stay open), as one unit; each closes as ``close_ticket`` closes it, with its mail.
    Returns how many children closed."""
    if actor is not None:
        _require(permissions.can_close(actor, ticket))
    closed = 0
    with batch(atomic=True):
        close_ticket(ticket, actor=actor, request=request)
        children = (
            Ticket.objects.filter(
                links_in__from_ticket_id=ticket.pk,
                links_in__kind=TicketLink.Kind.PARENT,
                is_open=True,
            )
            .select_related("status", "ticket_type")
            .order_by("pk")
        )
        for child in children:
            if actor is None or permissions.can_close(actor, child):
                close_ticket(child, actor=actor, request=request)
                closed += 1
    return closed
