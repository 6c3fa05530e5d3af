"""Auto-close: tickets whose last message is from staff and older than the configured
number of days are closed, except in the status that is never closed automatically. The
customer gets the status mail: closing goes through ``actions.close_ticket``, whose event
the notifier turns into mail.

Work is done in batches, each in its own short transaction, so a large backlog never holds
long locks; each ticket is re-checked under its row lock, so a customer answer that arrives
meanwhile keeps the ticket open.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import actions
from .conf import app_settings
from .models import Ticket, TicketSettings

logger = logging.getLogger("wagtail_tickets.autoclose")


def stale_tickets(now: datetime.datetime | None = None) -> QuerySet[Ticket]:
    """Open tickets waiting for the customer longer than the option allows (none if the
    option is 0)."""
    options = TicketSettings.load()
    if not options.auto_close_days:
        return Ticket.objects.none()
    cutoff = (now or timezone.now()) - datetime.timedelta(days=options.auto_close_days)
    tickets = Ticket.objects.filter(
        is_open=True, last_message_by_staff=True, last_message_at__lt=cutoff
    )
    if options.never_auto_close_status_id:
        tickets = tickets.exclude(status_id=options.never_auto_close_status_id)
    return tickets


def close_stale_tickets(now: datetime.datetime | None = None, batch_size: int | None = None) -> int:
    """Close every stale ticket; returns how many were closed."""
    batch_size = batch_size or app_settings.AUTO_CLOSE_BATCH_SIZE
    closed = 0
    last_pk = 0
    while True:
        stale = stale_tickets(now)
        batch = list(
            stale.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            break
        last_pk = batch[-1]
        with transaction.atomic():
            locked = stale.filter(pk__in=batch).select_for_update(of=("self",)).order_by("pk")
            for ticket in locked.select_related("status"):
                actions.close_ticket(ticket, actor=None)
                closed += 1
    if closed:
        logger.info("Closed %d tickets that waited for the customer's answer.", closed)
    return closed
