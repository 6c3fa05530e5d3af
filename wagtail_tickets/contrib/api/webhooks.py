"""Webhooks: which endpoints want an event, the signed payload, and its delivery.

A ticket event (the package's signals, after commit) becomes one ``WebhookDelivery`` row
per endpoint that wants it, with the payload as it will be sent; a task posts it. A
failed delivery is retried with growing delays (``WEBHOOK_RETRY_DELAY``, doubled each
time) until ``WEBHOOK_MAX_ATTEMPTS``; the schedule picks up what is due and what a worker
left half-sent. Rows are claimed atomically, so two workers never send one twice.

The receiver checks ``X-Tickets-Signature: t=<unix time>,v1=<hex>``: HMAC-SHA256 with the
endpoint's secret over ``"<t>.<body>"``. Connections go only to addresses
``netguard`` allows (public ones, and ``WEBHOOK_ALLOWED_PRIVATE_NETWORKS``), to exactly
the addresses it checked; redirects are not followed; the answer is read up to
``MAX_RESPONSE_BYTES``.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import secrets
import ssl
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wagtail_tickets import netguard
from wagtail_tickets.conf import app_settings
from wagtail_tickets.models import Message, Ticket

from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger(__name__)

PAYLOAD_VERSION = 1
SIGNATURE_HEADER = "X-Tickets-Signature"
MAX_RESPONSE_BYTES = 4096
MAX_RETRY_DELAY = 6 * 3600
# a worker that died while sending leaves its row "sending": taken again after this
STALE_SENDING = timedelta(minutes=10)
BATCH_SIZE = 200
USER_AGENT = "wagtail-tickets-webhooks/1"
State = WebhookDelivery.State


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a receiver does (docs/api.md shows the same in a few lines)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# Who wants an event ---------------------------------------------------------------------


def endpoints_for(event: str, ticket: Ticket, message: Message | None = None):
    """The active endpoints subscribed to ``event`` for this ticket's type; internal
    notes only to those that asked for them."""
    endpoints = WebhookEndpoint.objects.filter(active=True).filter(
        Q(ticket_types__isnull=True) | Q(ticket_types=ticket.ticket_type_id)
    )
    if message is not None and message.is_internal:
        endpoints = endpoints.filter(include_internal=True)
    return [e for e in endpoints.distinct() if event in (e.events or [])]


def payload(event: str, ticket: Ticket, *, actor=None, message=None, changes=None) -> dict:
    from .serializers import MessageSerializer, TicketSerializer, with_related

    ticket = with_related([Ticket.objects.get(pk=ticket.pk)])[0]
    data = {
        "version": PAYLOAD_VERSION,
        "id": str(uuid.uuid4()),
        "event": event,
        "created_at": timezone.now().isoformat(),
        "actor": None
        if actor is None
        else {"id": actor.pk, "name": actor.get_full_name() or actor.get_username()},
        "ticket": TicketSerializer(ticket, context={"agent": True}).data,
    }
    if message is not None:
        message = Message.objects.prefetch_related("attachments").get(pk=message.pk)
        for item in message.attachments.all():
            item.message = message
        data["message"] = MessageSerializer(message).data
    if changes is not None:
        data["changes"] = {name: list(values) for name, values in changes.items()}
    return data


def queue_event(event: str, ticket: Ticket, **details) -> list[int]:
    """One delivery row per endpoint that wants the event, each handed to the queue."""
    event = WebhookEvent(event).value  # an unknown event is a programming error
    endpoints = endpoints_for(event, ticket, details.get("message"))
    if not endpoints:
        return []
    body = json.dumps(payload(event, ticket, **details), separators=(",", ":"), default=str)
    now = timezone.now()
    rows = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint,
                event=event,
                ticket_number=ticket.number,
                payload=body,
                next_attempt_at=now,
            )
            for endpoint in endpoints
        ]
    )
    ids = [row.pk for row in rows if row.pk is not None]
    if not ids:  # a database that gives no ids back from bulk_create
        ids = list(
            WebhookDelivery.objects.filter(ticket_number=ticket.number, event=event)
            .order_by("-pk")
            .values_list("pk", flat=True)[: len(endpoints)]
        )
    for pk in ids:
        enqueue(pk)
    return ids


def enqueue(delivery_id: int) -> None:
    from django_q.tasks import async_task

    try:
        async_task(
            "wagtail_tickets.contrib.api.tasks.deliver_webhook",
            delivery_id,
            task_name=f"deliver_webhook-{delivery_id}",
        )
    except Exception:
        logger.exception(
            "Could not queue webhook delivery %s; the schedule retries it", delivery_id
        )


# Delivery -----------------------------------------------------------------------------


class DeliveryError(Exception):
    pass


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST ``body`` to ``url`` through the network guard; ``(status, start of body)``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError(_("Only http and https URLs can receive webhooks."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise DeliveryError(_("The URL's port is not valid.")) from None
    try:
        endpoints = netguard.resolve(
            parts.hostname, port, networks=app_settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS
        )
    except netguard.AddressRefused as exc:
        raise DeliveryError(str(exc)) from None
    timeout = app_settings.WEBHOOK_TIMEOUT
    sock = netguard.connect(endpoints, timeout)
    connection_class = http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl.create_default_context()
        sock = context.wrap_socket(sock, server_hostname=parts.hostname)
        connection_class = http.client.HTTPSConnection
    connection = connection_class(parts.hostname, port, timeout=timeout)
    connection.sock = sock  # the checked address; the name is not looked up again
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(MAX_RESPONSE_BYTES).decode("utf-8", "replace")
        return response.status, text
    finally:
        connection.close()


def retry_delay(attempts: int) -> timedelta:
    base = max(1, app_settings.WEBHOOK_RETRY_DELAY)
    return timedelta(seconds=min(MAX_RETRY_DELAY, base * 2 ** max(0, attempts - 1)))


def claim(delivery_id: int) -> bool:
    now = timezone.now()
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id,
            state__in=[State.PENDING, State.FAILED],
            next_attempt_at__isnull=False,
            next_attempt_at__lte=now,
        ).update(state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def deliver(delivery_id: int) -> bool:
    """Send one due delivery that nobody else is sending; ``True`` when delivered."""
    if not claim(delivery_id):
        return False
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = delivery.payload.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Tickets-Event": delivery.event,
        "X-Tickets-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: sign(endpoint.secret, int(time.time()), body),
    }
    status, text, error = None, "", ""
    try:
        status, text = post(endpoint.url, body, headers)
        if not 200 <= status < 300:
            error = _("The endpoint answered with status %(status)s.") % {"status": status}
    except DeliveryError as exc:
        error = str(exc)
    except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    mine = WebhookDelivery.objects.filter(pk=delivery_id, state=State.SENDING)
    if not error:
        mine.update(
            state=State.DELIVERED,
            delivered_at=timezone.now(),
            next_attempt_at=None,
            response_status=status,
            response_body=text,
            last_error="",
        )
        return True
    gave_up = delivery.attempts >= app_settings.WEBHOOK_MAX_ATTEMPTS
    mine.update(
        state=State.FAILED,
        next_attempt_at=None if gave_up else timezone.now() + retry_delay(delivery.attempts),
        response_status=status,
        response_body=text,
        last_error=error[:2000],
    )
    logger.warning(
        "Webhook delivery %s failed (attempt %s): %s", delivery_id, delivery.attempts, error
    )
    return False


def retry_now(delivery_ids) -> int:
    """Make failed deliveries due at once (the admin's "retry"); returns how many."""
    ids = list(
        WebhookDelivery.objects.filter(pk__in=delivery_ids, state=State.FAILED).values_list(
            "pk", flat=True
        )
    )
    WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=timezone.now())
    for pk in ids:
        enqueue(pk)
    return len(ids)


def deliver_due(limit: int = BATCH_SIZE) -> dict[str, int]:
    """The schedule: recover rows a dead worker left "sending", send what is due."""
    now = timezone.now()
    recovered = WebhookDelivery.objects.filter(
        state=State.SENDING, claimed_at__lt=now - STALE_SENDING
    ).update(state=State.FAILED, next_attempt_at=now)
    due = list(
        WebhookDelivery.objects.filter(
            state__in=[State.PENDING, State.FAILED], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    delivered = sum(deliver(pk) for pk in due)
    return {"recovered": recovered, "due": len(due), "delivered": delivered}
