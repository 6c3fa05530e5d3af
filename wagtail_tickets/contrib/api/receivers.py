"""The package's ticket signals (sent after commit) turned into webhook deliveries. A
failure here is logged and never reaches the code that changed the ticket."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from wagtail_tickets import signals
from wagtail_tickets.models import Ticket

from . import webhooks
from .models import WebhookEvent

logger = logging.getLogger(__name__)


def _queue(event: str, ticket, **details) -> None:
    try:
        webhooks.queue_event(event, ticket, **details)
    except Exception:
        logger.exception("Webhook event %s of ticket %s was not queued", event, ticket.pk)


@receiver(signals.ticket_opened, sender=Ticket, dispatch_uid="wagtail_tickets_api.opened")
def on_opened(sender, ticket, actor=None, **kwargs) -> None:
    _queue(WebhookEvent.OPENED, ticket, actor=actor)


@receiver(signals.message_added, sender=Ticket, dispatch_uid="wagtail_tickets_api.message")
def on_message(sender, ticket, message, actor=None, **kwargs) -> None:
    _queue(WebhookEvent.MESSAGE, ticket, actor=actor, message=message)


@receiver(signals.ticket_changed, sender=Ticket, dispatch_uid="wagtail_tickets_api.changed")
def on_changed(sender, ticket, changes=None, actor=None, **kwargs) -> None:
    _queue(WebhookEvent.CHANGED, ticket, actor=actor, changes=changes or {})


@receiver(signals.ticket_closed, sender=Ticket, dispatch_uid="wagtail_tickets_api.closed")
def on_closed(sender, ticket, actor=None, **kwargs) -> None:
    _queue(WebhookEvent.CLOSED, ticket, actor=actor)


@receiver(signals.ticket_merged, sender=Ticket, dispatch_uid="wagtail_tickets_api.merged")
def on_merged(sender, ticket, target, actor=None, **kwargs) -> None:
    _queue(WebhookEvent.MERGED, ticket, actor=actor, target=target)


@receiver(signals.ticket_reopened, sender=Ticket, dispatch_uid="wagtail_tickets_api.reopened")
def on_reopened(sender, ticket, actor=None, **kwargs) -> None:
    _queue(WebhookEvent.REOPENED, ticket, actor=actor)


@receiver(signals.sla_breached, sender=Ticket, dispatch_uid="wagtail_tickets_api.sla_breached")
def on_sla_breached(sender, ticket, target, due_at, **kwargs) -> None:
    _queue(WebhookEvent.SLA_BREACHED, ticket, sla={"target": target, "due_at": due_at})
