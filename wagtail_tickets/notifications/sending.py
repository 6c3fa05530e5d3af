"""The outbox: queue, build, claim, send, retry.

1. ``queue_event`` (inside the ticket change's transaction) writes a ``PendingNotification``
   and, after commit, asks the task queue to build it. The web request never talks to SMTP.
2. ``build_pending`` (a task) turns it into ``OutgoingMail`` rows once: the notifier decides
   recipients and texts then, so the mail reflects everything the request changed.
3. ``send_outgoing`` claims one row atomically (``pending``/``failed`` and due ->
   ``sending``), hands it to the host's email backend (or to the SMTP account of the
   mailbox that sends its type's mail: ``mail.smtp``) and marks it ``sent``. Two workers
   never both claim a row, so a retry never sends a mail twice. A failure records the error
   and the next attempt, with delays that double each time.
4. ``deliver_due`` (scheduled every minute) builds what was never built, sends what is due,
   and gives rows whose worker died while "sending" another chance.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..conf import app_settings

logger = logging.getLogger("wagtail_tickets.mail")

MAX_RETRY_DELAY = 6 * 60 * 60
BATCH_SIZE = 200


def enqueue(func: str, *args) -> None:
    """Hand a task to django-q2. If the broker is unreachable the work is not lost: the
    rows stay in the database and the ``deliver_due`` schedule picks them up. Inside an
    ``actions.batch(hold_tasks=True)`` the task waits, and goes with the batch's others
    when it ends (``enqueue_many``)."""
    from ..actions import current_batch  # actions imports this module

    held = current_batch().held_tasks
    if held is not None:
        held.append((func, args))
        return
    from django_q.tasks import async_task

    try:
        async_task(func, *args, task_name=_task_name(func, args))
    except Exception:
        logger.exception("Could not queue %s%r; the outbox schedule will retry it", func, args)


def _task_name(func: str, args) -> str:
    return f"{func.rsplit('.', 1)[-1]}-{'-'.join(map(str, args))}"


class _Packed:
    """A stand-in broker for ``async_task``: it keeps the signed package instead of
    sending it, so the packages can be sent together."""

    def __init__(self, broker) -> None:
        self.list_key = broker.list_key
        self.packages: list = []

    def enqueue(self, package) -> None:
        self.packages.append(package)


def enqueue_many(tasks: list[tuple[str, tuple]]) -> None:
    """Hand ``(func, args)`` tasks to django-q2 together: with its database broker one
    insert for all, not one insert and commit each (the held tasks of ``actions.batch``)."""
    from django_q.brokers import get_broker
    from django_q.brokers.orm import ORM
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.tasks import async_task

    try:
        broker = get_broker()
    except Exception:
        logger.exception(
            "Could not queue %d tasks; the outbox schedule will retry them", len(tasks)
        )
        return
    packed = _Packed(broker)
    for func, args in tasks:
        try:
            # a synchronous queue (Q_CLUSTER "sync") runs the task here and packs nothing
            async_task(func, *args, task_name=_task_name(func, args), broker=packed)
        except Exception:
            logger.exception("Could not queue %s%r; the outbox schedule will retry it", func, args)
    if not packed.packages:
        return
    try:
        if isinstance(broker, ORM):
            now = timezone.now()
            key = broker.list_key or Conf.CLUSTER_NAME
            OrmQ.objects.using(Conf.ORM).bulk_create(
                [OrmQ(key=key, payload=package, lock=now) for package in packed.packages]
            )
        else:
            for package in packed.packages:
                broker.enqueue(package)
    except Exception:
        logger.exception(
            "Could not queue %d tasks; the outbox schedule will retry them", len(packed.packages)
        )


def queue_event(event) -> None:
    """Record ``event`` for mail in the current transaction; build it after commit."""
    from ..models import PendingNotification

    pending = PendingNotification.objects.create(
        kind=str(event.kind),
        ticket_id=event.ticket.pk,
        message_id=getattr(event.message, "pk", None),
        actor_id=getattr(event.actor, "pk", None),
        changes={key: list(value) for key, value in (event.changes or {}).items()},
        link=event.link or "",
    )
    transaction.on_commit(lambda: enqueue("wagtail_tickets.tasks.build_notification", pending.pk))


def event_from(pending):
    """The ``Event`` a pending row was made from, read again from the database now."""
    from .events import Event, EventKind

    return Event(
        kind=EventKind(pending.kind),
        ticket=pending.ticket,
        actor=pending.actor,
        message=pending.message,
        changes={key: tuple(value) for key, value in (pending.changes or {}).items()},
        link=pending.link,
    )


def build_pending(pending_id: int) -> list[int]:
    """Build the mail of one pending notification (once; a second call does nothing) and
    return the ids of the outbox rows it created."""
    from ..models import PendingNotification
    from .events import get_notifier

    now = timezone.now()
    try:
        with transaction.atomic():
            # The conditional update is the claim: a second worker finds built_at set.
            if not PendingNotification.objects.filter(pk=pending_id, built_at__isnull=True).update(
                built_at=now, attempts=F("attempts") + 1
            ):
                return []
            pending = PendingNotification.objects.select_related(
                "ticket", "ticket__ticket_type", "ticket__status", "message", "actor"
            ).get(pk=pending_id)
            mails = get_notifier().build(event_from(pending))
            for mail in mails:
                mail.next_attempt_at = now
                mail.save()
            if pending.link:
                # a private link lives on only in the mail that carries it
                PendingNotification.objects.filter(pk=pending_id).update(link="")
            return [mail.pk for mail in mails]
    except Exception as exc:
        logger.exception("Building notification %s failed", pending_id)
        PendingNotification.objects.filter(pk=pending_id, built_at__isnull=True).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise


def retry_delay(attempts: int) -> timedelta:
    """Seconds to wait after the ``attempts``-th failure: base, 2x, 4x ... capped."""
    base = max(1, app_settings.MAIL_RETRY_DELAY)
    return timedelta(seconds=min(MAX_RETRY_DELAY, base * 2 ** max(0, attempts - 1)))


def claim(mail_id: int) -> bool:
    """Atomically take one due row for sending; only one caller ever wins."""
    from ..models import OutgoingMail

    State = OutgoingMail.State
    now = timezone.now()
    return bool(
        OutgoingMail.objects.filter(
            pk=mail_id,
            state__in=[State.PENDING, State.FAILED],
            next_attempt_at__isnull=False,
            next_attempt_at__lte=now,
        ).update(state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def as_email_message(mail, connection=None) -> EmailMultiAlternatives:
    """The stored row as a Django email message (text part plus HTML alternative)."""
    headers = dict(mail.headers or {})
    headers["Message-ID"] = mail.message_id
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body_text,
        from_email=mail.from_email,
        to=mail.to_list,
        cc=mail.cc_list,
        reply_to=[mail.reply_to] if mail.reply_to else None,
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(mail.body_html, "text/html")
    return message


def mailbox_connection(mail):
    """The SMTP connection of the mailbox that sends mail about this row's ticket type,
    or ``None``: the host's ``EMAIL_BACKEND`` (the default)."""
    from ..mail.smtp import MailboxEmailBackend, sending_mailbox

    mailbox = sending_mailbox(mail.ticket.ticket_type_id if mail.ticket else None)
    return MailboxEmailBackend(mailbox) if mailbox is not None else None


def send_outgoing(mail_id: int, connection=None) -> bool:
    """Send one outbox row if it is due and nobody else is sending it. True when sent."""
    from ..models import OutgoingMail

    if not claim(mail_id):
        return False
    State = OutgoingMail.State
    mail = OutgoingMail.objects.select_related("ticket").get(pk=mail_id)
    try:
        own = mailbox_connection(mail)
        as_email_message(mail, connection=own or connection).send(fail_silently=False)
    except Exception as exc:
        attempts = mail.attempts
        gave_up = attempts >= app_settings.MAIL_MAX_ATTEMPTS
        OutgoingMail.objects.filter(pk=mail_id, state=State.SENDING).update(
            state=State.FAILED,
            next_attempt_at=None if gave_up else timezone.now() + retry_delay(attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning("Sending mail %s failed (attempt %s): %s", mail_id, attempts, exc)
        return False
    OutgoingMail.objects.filter(pk=mail_id, state=State.SENDING).update(
        state=State.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""
    )
    return True


def retry_now(mail_ids) -> int:
    """Make failed rows due at once (the admin's "retry"); returns how many."""
    from ..models import OutgoingMail

    State = OutgoingMail.State
    ids = list(
        OutgoingMail.objects.filter(pk__in=list(mail_ids), state=State.FAILED).values_list(
            "pk", flat=True
        )
    )
    OutgoingMail.objects.filter(pk__in=ids, state=State.FAILED).update(
        next_attempt_at=timezone.now()
    )
    for mail_id in ids:
        transaction.on_commit(
            lambda mail_id=mail_id: enqueue("wagtail_tickets.tasks.send_mail", mail_id)
        )
    return len(ids)


def deliver_due(limit: int = BATCH_SIZE) -> dict[str, int]:
    """The periodic safety net: build, recover and send whatever is due."""
    from ..models import OutgoingMail, PendingNotification

    State = OutgoingMail.State
    now = timezone.now()
    stale = now - timedelta(seconds=app_settings.MAIL_SENDING_TIMEOUT)
    recovered = OutgoingMail.objects.filter(state=State.SENDING, claimed_at__lt=stale).update(
        state=State.FAILED,
        next_attempt_at=now,
        last_error="The worker stopped while sending; delivery is tried again.",
    )
    built = 0
    for pending_id in PendingNotification.objects.filter(built_at__isnull=True).values_list(
        "pk", flat=True
    )[:limit]:
        try:
            built += len(build_pending(pending_id))
        except Exception:  # logged in build_pending; the next run tries again
            pass
    connection = get_connection()
    due = OutgoingMail.objects.filter(
        state__in=[State.PENDING, State.FAILED], next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at", "pk")
    sent = failed = 0
    for mail_id in list(due.values_list("pk", flat=True)[:limit]):
        if send_outgoing(mail_id, connection=connection):
            sent += 1
        else:
            failed += 1
    return {"recovered": recovered, "built": built, "sent": sent, "failed": failed}
