"""django-q2 tasks of the webhooks and their schedule (registered after ``migrate``)."""

from __future__ import annotations

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

SCHEDULE = (
    "wagtail_tickets: deliver webhooks",
    "wagtail_tickets.contrib.api.tasks.deliver_due_webhooks",
    1,
)


def deliver_webhook(delivery_id: int) -> bool:
    """Send one delivery if it is due and nobody else is sending it."""
    from .webhooks import deliver

    return deliver(delivery_id)


def deliver_due_webhooks() -> dict[str, int]:
    """Every minute: retries that are due, and rows a dead worker left half-sent."""
    from .webhooks import deliver_due

    return deliver_due()


def ensure_schedule(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Create the schedule when it is missing; ``True`` when created."""
    if not apps.is_installed("django_q"):
        return False
    from django_q.models import Schedule

    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return False
    name, func, minutes = SCHEDULE
    if Schedule.objects.using(using).filter(func=func).exists():
        return False
    Schedule.objects.using(using).create(
        name=name,
        func=func,
        schedule_type=Schedule.MINUTES,
        minutes=minutes,
        repeats=-1,
        next_run=timezone.now(),
    )
    return True


def register_after_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    ensure_schedule(using)
