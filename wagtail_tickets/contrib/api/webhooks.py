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
import socket
import ssl
import threading
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from django.db.models import Exists, F, OuterRef, Q
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
# deliveries of one ticket and endpoint sent one after the other by one task
CHAIN_LIMIT = 20
# an attempt may take this many times WEBHOOK_TIMEOUT in all (connect, send, answer)
DEADLINE_FACTOR = 3
# an endpoint whose deliveries all failed for this long is paused
PAUSE_AFTER = timedelta(days=1)
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


def payload(
    event: str,
    ticket: Ticket,
    *,
    actor=None,
    message=None,
    changes=None,
    target=None,
    sla=None,
) -> dict:
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
    if target is not None:
        # ``ticket.merged``: the ticket the merged one now lives in
        data["merged_into"] = {"id": target.pk, "number": target.number}
    if sla is not None:
        # ``ticket.sla_breached``: which target, and when it was due
        data["sla"] = {"target": sla["target"], "due_at": sla["due_at"].isoformat()}
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
#
# Order: the events of one ticket reach one endpoint in the order they happened. A delivery
# is claimed only when no older delivery of the same (endpoint, ticket) is still live
# (pending, being sent, or failed with a retry ahead), so a later event waits while an
# earlier one is retried; after a success the next ones of that pair follow at once.
# Claims are single conditional UPDATEs, so several workers never send one row twice nor
# overtake one another. A delivery that was given up no longer holds its ticket's later
# events back.


class DeliveryError(Exception):
    pass


def deadline_seconds() -> float:
    """The most one attempt may take, from name lookup to the last byte read."""
    return max(0.1, DEADLINE_FACTOR * app_settings.WEBHOOK_TIMEOUT)


def _abort(sock, expired: threading.Event) -> None:
    expired.set()
    try:
        sock.shutdown(socket.SHUT_RDWR)  # wakes a read blocked on a dripping server
    except OSError:
        pass


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST ``body`` to ``url`` through the network guard; ``(status, start of body)``.

    Each connect and read waits at most ``WEBHOOK_TIMEOUT``, and the whole attempt at most
    ``deadline_seconds()``: a server that sends its answer a byte at a time is cut off."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError(_("Only http and https URLs can receive webhooks."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise DeliveryError(_("The URL's port is not valid.")) from None
    started = time.monotonic()
    total = deadline_seconds()
    try:
        endpoints = netguard.resolve(
            parts.hostname, port, networks=app_settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS
        )
    except netguard.AddressRefused as exc:
        raise DeliveryError(str(exc)) from None
    remaining = total - (time.monotonic() - started)
    if remaining <= 0:
        raise DeliveryError(too_slow(total))
    timeout = min(app_settings.WEBHOOK_TIMEOUT, remaining)
    sock = netguard.connect(endpoints, timeout)
    expired = threading.Event()
    timer = threading.Timer(max(0.0, total - (time.monotonic() - started)), _abort, (sock, expired))
    timer.daemon = True
    timer.start()
    connection = None
    try:
        connection_class = http.client.HTTPConnection
        if parts.scheme == "https":
            context = ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=parts.hostname)
            connection_class = http.client.HTTPSConnection
        connection = connection_class(parts.hostname, port, timeout=timeout)
        connection.sock = sock  # the checked address; the name is not looked up again
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(MAX_RESPONSE_BYTES).decode("utf-8", "replace")
        if expired.is_set():
            raise DeliveryError(too_slow(total))
        return response.status, text
    except (OSError, http.client.HTTPException, ValueError):
        if expired.is_set():
            raise DeliveryError(too_slow(total)) from None
        raise
    finally:
        timer.cancel()
        if connection is not None:
            connection.close()
        sock.close()


def too_slow(total: float) -> str:
    return _("The endpoint took longer than %(seconds)s seconds.") % {"seconds": f"{total:g}"}


def retry_delay(attempts: int) -> timedelta:
    base = max(1, app_settings.WEBHOOK_RETRY_DELAY)
    return timedelta(seconds=min(MAX_RETRY_DELAY, base * 2 ** max(0, attempts - 1)))


LIVE = Q(state__in=[State.PENDING, State.SENDING]) | Q(
    state=State.FAILED, next_attempt_at__isnull=False
)


def _earlier_live():
    """Older deliveries of the same endpoint and ticket that still have to go first."""
    return WebhookDelivery.objects.filter(
        LIVE,
        endpoint_id=OuterRef("endpoint_id"),
        ticket_number=OuterRef("ticket_number"),
        pk__lt=OuterRef("pk"),
    )


def _due(now):
    return WebhookDelivery.objects.filter(
        state__in=[State.PENDING, State.FAILED],
        next_attempt_at__isnull=False,
        next_attempt_at__lte=now,
    )


def claim(delivery_id: int) -> bool:
    """Take a due delivery for sending, if nothing older of its ticket is waiting."""
    now = timezone.now()
    return bool(
        _due(now)
        .filter(pk=delivery_id)
        .exclude(Exists(_earlier_live()))
        .update(state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def deliver(delivery_id: int) -> bool:
    """Send a delivery (after any older one of its ticket and endpoint that is due), then
    those of the same pair that waited for it; ``True`` when this one was delivered."""
    row = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .values("endpoint_id", "ticket_number", "endpoint__active")
        .first()
    )
    if row is None or not row["endpoint__active"]:
        return False
    delivered = send_in_order(row["endpoint_id"], row["ticket_number"])
    return delivery_id in delivered


def send_in_order(endpoint_id: int, ticket_number: str, limit: int = CHAIN_LIMIT) -> list[int]:
    """Send the pair's deliveries oldest first while they succeed (at most ``limit``);
    returns the ids delivered."""
    delivered: list[int] = []
    for _attempt in range(limit):
        head = (
            WebhookDelivery.objects.filter(
                LIVE, endpoint_id=endpoint_id, ticket_number=ticket_number
            )
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if head is None or not send_one(head):
            break
        delivered.append(head)
    return delivered


def send_one(delivery_id: int) -> bool:
    """Claim, post and record one delivery; ``True`` when delivered."""
    if not claim(delivery_id):
        return False
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.active:  # paused or switched off meanwhile: give the claim back
        WebhookDelivery.objects.filter(pk=delivery_id, state=State.SENDING).update(
            state=State.PENDING, attempts=F("attempts") - 1
        )
        return False
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
    except (OSError, http.client.HTTPException, ssl.SSLError, ValueError) as exc:
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
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(
            failing_since=None
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
    note_failure(endpoint, error)
    return False


def note_failure(endpoint: WebhookEndpoint, error: str) -> bool:
    """Remember when the endpoint began to fail; after ``PAUSE_AFTER`` of failures it is
    paused (switched off, with the reason) until an administrator switches it on again.
    ``True`` when this failure paused it."""
    now = timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    reason = _("Every delivery failed for %(days)s; the last error: %(error)s") % {
        "days": _("a day") if PAUSE_AFTER == timedelta(days=1) else str(PAUSE_AFTER),
        "error": error[:1000],
    }
    paused = WebhookEndpoint.objects.filter(
        pk=endpoint.pk, active=True, failing_since__lte=now - PAUSE_AFTER
    ).update(active=False, paused_at=now, pause_reason=reason)
    if paused:
        logger.error("Webhook %s (%s) is paused: %s", endpoint.pk, endpoint.url, reason)
    return bool(paused)


def resume(endpoint: WebhookEndpoint) -> int:
    """After an endpoint is switched on again: forget its pause and failures, make what
    waits due now and queue it (oldest of each ticket first); returns how many wait."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        paused_at=None, pause_reason="", failing_since=None
    )
    waiting = WebhookDelivery.objects.filter(LIVE, endpoint=endpoint).exclude(state=State.SENDING)
    count = waiting.update(next_attempt_at=timezone.now())
    heads = (
        waiting.exclude(Exists(_earlier_live()))
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH_SIZE]
    )
    for pk in list(heads):
        enqueue(pk)
    return count


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


def retry_all_failed(endpoint_id: int | None = None) -> int:
    """The delivery log's "retry all failed": every failed delivery (of one endpoint if
    given) of an active endpoint becomes due now; the schedule sends them, oldest of each
    ticket first. Returns how many."""
    failed = WebhookDelivery.objects.filter(state=State.FAILED, endpoint__active=True)
    if endpoint_id is not None:
        failed = failed.filter(endpoint_id=endpoint_id)
    ids = list(failed.values_list("pk", flat=True))
    now = timezone.now()
    for start in range(0, len(ids), 500):
        WebhookDelivery.objects.filter(pk__in=ids[start : start + 500]).update(next_attempt_at=now)
    for pk in ids[:BATCH_SIZE]:
        enqueue(pk)
    return len(ids)


def deliver_due(limit: int = BATCH_SIZE) -> dict[str, int]:
    """The schedule: recover rows a dead worker left "sending", send what is due (the
    oldest live delivery of each ticket and endpoint, then what waited behind it)."""
    now = timezone.now()
    recovered = WebhookDelivery.objects.filter(
        state=State.SENDING, claimed_at__lt=now - STALE_SENDING
    ).update(state=State.FAILED, next_attempt_at=now)
    due = list(
        _due(now)
        .filter(endpoint__active=True)
        .exclude(Exists(_earlier_live()))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "endpoint_id", "ticket_number")[:limit]
    )
    delivered = 0
    for _pk, endpoint_id, ticket_number in due:
        delivered += len(send_in_order(endpoint_id, ticket_number))
    return {"recovered": recovered, "due": len(due), "delivered": delivered}
