"""Undo what a scenario wrote, so the benchmark database serves the next run unchanged:
ticket fields put back, and the history, notifications and queued tasks of the run
removed. Callers run these after Django is set up."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.db import transaction

BUILD_TASK = "wagtail_tickets.tasks.build_notification"
# what closing, reopening or a reply changes on a ticket row
TICKET_STATE = (
    "status_id",
    "closed_at",
    "updated_at",
    "last_message_at",
    "last_message_by_staff",
    "first_response_at",
)


def quiet_queue() -> None:
    """The task queue logs every task it is handed at INFO: thousands of lines per run."""
    logging.getLogger("django-q").setLevel(logging.WARNING)


def queue_mark() -> int:
    """The newest queued task now; tasks the run queues come after it."""
    from django_q.models import OrmQ

    return OrmQ.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def drop_queued_builds(pending_ids: Iterable[int], after: int) -> int:
    """Remove the build tasks queued for ``pending_ids`` (only tasks newer than ``after``,
    the ``queue_mark()`` taken before the run). Returns how many were removed."""
    from django_q.models import OrmQ

    wanted = set(pending_ids)
    doomed = []
    for row in OrmQ.objects.filter(pk__gt=after).only("pk", "payload").iterator(chunk_size=2000):
        task = row.task
        args = task.get("args") or ()
        if task.get("func") == BUILD_TASK and args and args[0] in wanted:
            doomed.append(row.pk)
    for start in range(0, len(doomed), 5000):
        OrmQ.objects.filter(pk__in=doomed[start : start + 5000]).delete()
    return len(doomed)


def ticket_state(ticket_ids: Iterable[int]) -> list[dict]:
    """The fields a run may change, per ticket, to put back with ``restore_tickets``."""
    from wagtail_tickets.models import Ticket

    ids = list(ticket_ids)
    rows: list[dict] = []
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        rows.extend(Ticket.objects.filter(pk__in=chunk).values("pk", *TICKET_STATE))
    return rows


def restore_tickets(rows: list[dict]) -> None:
    from wagtail_tickets.models import Ticket

    tickets = [Ticket(**{name: row[name] for name in ("pk", *TICKET_STATE)}) for row in rows]
    fields = [name.removesuffix("_id") for name in TICKET_STATE]
    with transaction.atomic():
        Ticket.objects.bulk_update(tickets, fields, batch_size=1000)


def remove_history(
    ticket_ids: Iterable[int], since: datetime.datetime, *, all_of: Iterable[int] = ()
) -> list[int]:
    """Delete the log entries, pending notifications, outbox rows and queued build tasks
    written since ``since`` for ``ticket_ids`` (and all of them for the tickets in
    ``all_of``, which the run created). Returns the removed pending notification ids."""
    from wagtail_tickets.models import OutgoingMail, PendingNotification, TicketLogEntry

    ids, created = list(ticket_ids), list(all_of)
    pending: list[int] = []
    for chunk, whole in _chunks(ids, False) + _chunks(created, True):
        newer = {} if whole else {"created_at__gte": since}
        pending += PendingNotification.objects.filter(ticket_id__in=chunk, **newer).values_list(
            "pk", flat=True
        )
        PendingNotification.objects.filter(ticket_id__in=chunk, **newer).delete()
        OutgoingMail.objects.filter(ticket_id__in=chunk, **newer).delete()
        logged = {} if whole else {"timestamp__gte": since}
        TicketLogEntry.objects.filter(ticket_id__in=chunk, **logged).delete()
    return pending


def _chunks(ids: list[int], whole: bool, size: int = 5000) -> list[tuple[list[int], bool]]:
    return [(ids[start : start + size], whole) for start in range(0, len(ids), size)]
