"""django-q2 task functions (run by ``manage.py qcluster`` workers) and the schedules the
package needs.

Tasks take ids, never objects, and are safe to run twice or on several workers at once:
each row is claimed atomically before it is worked on.
"""

from __future__ import annotations

from .notifications import sending

# (schedule name, task function, interval in minutes). Registered after ``migrate`` and by
# ``manage.py setup_ticket_schedules``; an administrator's edited interval is kept.
SCHEDULES = [
    ("wagtail_tickets: deliver mail", "wagtail_tickets.tasks.deliver_mail", 1),
    ("wagtail_tickets: import mail", "wagtail_tickets.tasks.import_ticket_mail", 5),
    ("wagtail_tickets: close stale tickets", "wagtail_tickets.tasks.close_stale_tickets", 1440),
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


def import_ticket_mail(mailbox_id: int | None = None) -> list[str]:
    """Every 5 minutes (B4): import every active mailbox; one progress line per mailbox."""
    from .mail.importer import import_all
    from .notifications.ratelimit import prune_records

    prune_records()
    return [report.line() for report in import_all(mailbox_id)]


def close_stale_tickets() -> int:
    """Daily (B8): close tickets that waited too long for the customer's answer."""
    from .autoclose import close_stale_tickets as close

    return close()
