"""django-q2 task functions (run by ``manage.py qcluster`` workers) and the schedules the
package needs.

Tasks take ids, never objects, and are safe to run twice or on several workers at once:
each row is claimed atomically before it is worked on.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .notifications import sending

if TYPE_CHECKING:
    from .models import Status

logger = logging.getLogger("wagtail_tickets.statuses")

# (schedule name, task function, interval in minutes). Registered after ``migrate`` and by
# ``manage.py setup_ticket_schedules``; an administrator's edited interval is kept.
SCHEDULES = [
    ("wagtail_tickets: deliver mail", "wagtail_tickets.tasks.deliver_mail", 1),
    ("wagtail_tickets: import mail", "wagtail_tickets.tasks.import_ticket_mail", 5),
    ("wagtail_tickets: close stale tickets", "wagtail_tickets.tasks.close_stale_tickets", 1440),
    ("wagtail_tickets: personal data retention", "wagtail_tickets.tasks.apply_retention", 1440),
    ("wagtail_tickets: service level escalation", "wagtail_tickets.tasks.escalate_sla", 1),
]


def build_notification(pending_id: int) -> int:
    """Turn one ticket event into mail and send it; returns how many mails were sent."""
    return sum(sending.send_outgoing(mail_id) for mail_id in sending.build_pending(pending_id))


def send_mail(mail_id: int) -> bool:
    """Send one outbox row if it is due (the admin's "retry" queues this)."""
    return sending.send_outgoing(mail_id)


def deliver_mail() -> dict[str, int]:
    """Every minute: build what was never built, retry what failed and is due, recover
    rows whose worker died while sending."""
    return sending.deliver_due()


def escalate_sla() -> str:
    """Every minute: queue the warnings and breach mail whose moment has come
    (``sla.escalation``); safe on several workers at once."""
    from .sla.escalation import escalate_due

    result = escalate_due()
    return (
        f"service levels: {result['sent']} escalations queued, {result['skipped']} skipped, "
        f"{result['dropped']} dropped"
    )


def import_ticket_mail(mailbox_id: int | None = None) -> list[str]:
    """Every 5 minutes: import every active mailbox; one progress line per mailbox."""
    from .mail.importer import import_all
    from .notifications.ratelimit import prune_records

    prune_records()
    return [report.line() for report in import_all(mailbox_id)]


def close_stale_tickets() -> int:
    """Daily: close tickets that waited too long for the customer's answer."""
    from .autoclose import close_stale_tickets as close

    return close()


def replace_status(old_id: int, new_id: int, actor_id: int | None = None) -> str:
    """Delete a status after moving its tickets to another (``actions.replace_status``),
    for the administrator ``actor_id``; returns a line for the task's result. Run twice,
    the second run finds the status gone and changes nothing."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import PermissionDenied, ValidationError

    from . import actions
    from .models import Status

    old = Status.objects.filter(pk=old_id).first()
    new = Status.objects.filter(pk=new_id).first()
    if old is None:
        return f"status {old_id} is already deleted"
    if new is None:
        logger.warning("Status %s was not deleted: its replacement %s is gone.", old_id, new_id)
        return f"status {old_id} kept: its replacement {new_id} is gone"
    actor = None
    if actor_id is not None:
        actor = get_user_model()._default_manager.filter(pk=actor_id).first()
    try:
        moved = actions.replace_status(old, new, actor=actor)
    except (ValidationError, PermissionDenied) as exc:
        reason = " ".join(getattr(exc, "messages", None) or ["permission denied"])
        logger.warning("Status %s was not deleted: %s", old_id, reason)
        return f"status {old_id} kept: {reason}"
    return f"status {old_id} deleted; {moved} tickets moved to status {new_id}"


def queue_status_replacement(old: Status, new: Status, actor=None) -> bool:
    """Hand ``replace_status`` to the task queue; False when the queue cannot take it
    (nothing has changed then)."""
    from django_q.tasks import async_task

    args = (old.pk, new.pk, getattr(actor, "pk", None))
    try:
        async_task(
            "wagtail_tickets.tasks.replace_status", *args, task_name=f"replace_status-{old.pk}"
        )
    except Exception:
        logger.exception("Could not queue the replacement of status %s", old.pk)
        return False
    return True


# tickets per task of a bulk change: each task stays well within a worker's timeout
BULK_TASK_SIZE = 200


def bulk_change(ticket_ids: list[int], actor_id: int, field: str, value_id: int | None) -> str:
    """Change tickets the way the inbox's bulk change does (``actions.bulk_change``), for
    the agent ``actor_id``; returns a line for the task's result. The value is read
    again: one deleted meanwhile changes nothing."""
    from django.contrib.auth import get_user_model

    from . import actions
    from .models import Category, Priority, Status

    actor = get_user_model()._default_manager.filter(pk=actor_id, is_active=True).first()
    if actor is None:
        return f"bulk {field}: user {actor_id} is gone or inactive; nothing changed"
    value = None
    if field != "close" and value_id is not None:
        model = {
            "assignee": get_user_model(),
            "status": Status,
            "priority": Priority,
            "category": Category,
        }[field]
        value = model._default_manager.filter(pk=value_id).first()
        if value is None:
            return f"bulk {field}: {value_id} no longer exists; nothing changed"
    result = actions.bulk_change(ticket_ids, actor=actor, field=field, value=value)
    return (
        f"bulk {field}: {result.changed} changed, {result.unchanged} unchanged, "
        f"{result.skipped} skipped, {result.refused} refused"
    )


def queue_bulk_change(ticket_ids: list[int], actor, field: str, value_id: int | None) -> bool:
    """Hand a bulk change to the task queue, ``BULK_TASK_SIZE`` tickets per task; False
    when the queue cannot take it (the tickets of tasks queued before stay queued)."""
    from django_q.tasks import async_task

    ids = sorted(set(ticket_ids))
    try:
        for start in range(0, len(ids), BULK_TASK_SIZE):
            async_task(
                "wagtail_tickets.tasks.bulk_change",
                ids[start : start + BULK_TASK_SIZE],
                actor.pk,
                field,
                value_id,
                task_name=f"bulk_{field}-{actor.pk}-{ids[start]}",
            )
    except Exception:
        logger.exception("Could not queue a bulk change of %s tickets", len(ids))
        return False
    return True


def run_personal_data_request(request_id: int) -> str:
    """Make an export archive or carry out an erasure; run again after a crash, it goes
    on where it stopped, and a finished request is left alone."""
    from .models import PersonalDataRequest
    from .privacy.erasure import run_erasure
    from .privacy.export import run_export

    action = (
        PersonalDataRequest.objects.filter(pk=request_id).values_list("action", flat=True).first()
    )
    if action is None:
        return f"personal data request {request_id} is gone"
    done = run_export(request_id) if action == "export" else run_erasure(request_id)
    if done is None:
        return f"personal data request {request_id} was done already"
    return f"personal data request {request_id} ({action}) done"


def queue_personal_data_request(request_id: int) -> bool:
    """Hand a personal data request to the task queue; False when the queue cannot take it
    (the request stays waiting and can be started again)."""
    from django_q.tasks import async_task

    try:
        async_task(
            "wagtail_tickets.tasks.run_personal_data_request",
            request_id,
            task_name=f"personal_data-{request_id}",
        )
    except Exception:
        logger.exception("Could not queue personal data request %s", request_id)
        return False
    return True


def apply_retention() -> str:
    """Daily: the retention settings applied in batches (``privacy.retention``)."""
    from .privacy.retention import apply_retention as apply

    return apply().line()


# open tickets per transaction when due times follow changed policies
SLA_RECOMPUTE_BATCH = 500
# batches one task runs before it hands the rest to a new task (a worker's timeout)
SLA_RECOMPUTE_BATCHES_PER_TASK = 20


def recompute_sla_due_times(after: int = 0) -> str:
    """Give open tickets the due times of the current policies (``actions.recompute_sla``),
    batch by batch; a task that has done its share queues the rest."""
    from . import actions

    done = 0
    for _batch in range(SLA_RECOMPUTE_BATCHES_PER_TASK):
        count, last = actions.recompute_sla(after=after, limit=SLA_RECOMPUTE_BATCH)
        done += count
        if last is None:
            return f"service levels: due times of {done} open tickets recomputed; done"
        after = last
    queue_sla_recompute(after=after)
    return f"service levels: due times of {done} open tickets recomputed; more queued"


def queue_sla_recompute(after: int = 0) -> bool:
    """Hand ``recompute_sla_due_times`` to the task queue; False when the queue cannot
    take it (``manage.py recompute_sla_due_times`` does the same work)."""
    from django_q.tasks import async_task

    try:
        async_task(
            "wagtail_tickets.tasks.recompute_sla_due_times",
            after,
            task_name=f"recompute_sla-{after}",
        )
    except Exception:
        logger.exception("Could not queue the recomputation of due times")
        return False
    return True
