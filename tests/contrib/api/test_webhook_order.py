"""Webhooks in order per ticket and endpoint (a later event waits while an earlier one is
retried), endpoints paused after a day of failures and switched on again, the log's
"retry all failed", and the bounded total time of one attempt."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from wagtail_tickets import actions
from wagtail_tickets.contrib.api import webhooks
from wagtail_tickets.contrib.api.models import WebhookDelivery, WebhookEndpoint

from .conftest import endpoint_for

pytestmark = pytest.mark.django_db
State = WebhookDelivery.State


def reply(ticket, actor, text, capture):
    with capture(execute=True):
        actions.add_reply(ticket, actor=actor, body_html=f"<p>{text}</p>")


def texts(receiver) -> list[str]:
    return [json.loads(r["body"])["message"]["body_text"] for r in receiver.requests]


def test_down_then_up_keeps_the_order_and_sends_each_once(
    world, receiver, django_capture_on_commit_callbacks
):
    endpoint_for(receiver.url, events=["message.added"])
    ticket = world["alice_hw"]
    receiver.stop()
    for text in ("one", "two", "three"):
        reply(ticket, world["alice"], text, django_capture_on_commit_callbacks)
    first, *later = WebhookDelivery.objects.order_by("pk")
    assert first.state == State.FAILED and first.attempts == 1
    # the later ones were never tried: they wait behind the first
    assert [(d.state, d.attempts) for d in later] == [(State.PENDING, 0)] * 2
    assert webhooks.deliver(later[1].pk) is False
    assert webhooks.deliver_due()["due"] == 0  # the first is not due, the others wait
    receiver.start()
    WebhookDelivery.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    result = webhooks.deliver_due()
    assert result == {"recovered": 0, "due": 1, "delivered": 3}
    assert texts(receiver) == ["one", "two", "three"]
    assert webhooks.deliver_due() == {"recovered": 0, "due": 0, "delivered": 0}
    assert [d.attempts for d in WebhookDelivery.objects.order_by("pk")] == [2, 1, 1]
    ids = [r["headers"]["X-Tickets-Delivery"] for r in receiver.requests]
    assert len(set(ids)) == 3  # nothing twice


def test_a_later_delivery_sends_the_older_due_one_first(
    world, receiver, django_capture_on_commit_callbacks
):
    endpoint_for(receiver.url, events=["message.added"])
    receiver.stop()
    for text in ("a", "b", "c"):
        reply(world["alice_hw"], world["alice"], text, django_capture_on_commit_callbacks)
    receiver.start()
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    last = WebhookDelivery.objects.order_by("pk").last()
    assert webhooks.deliver(last.pk) is True
    assert texts(receiver) == ["a", "b", "c"]


def test_a_later_delivery_is_not_claimed_while_an_older_one_is_sending(
    world, receiver, django_capture_on_commit_callbacks
):
    endpoint_for(receiver.url, events=["message.added"])
    receiver.stop()
    reply(world["alice_hw"], world["alice"], "a", django_capture_on_commit_callbacks)
    reply(world["alice_hw"], world["alice"], "b", django_capture_on_commit_callbacks)
    first, second = WebhookDelivery.objects.order_by("pk")
    # another worker is sending the first
    WebhookDelivery.objects.filter(pk=first.pk).update(
        state=State.SENDING, claimed_at=timezone.now()
    )
    receiver.start()
    assert webhooks.claim(second.pk) is False
    assert webhooks.deliver(second.pk) is False
    assert receiver.requests == []
    WebhookDelivery.objects.filter(pk=first.pk).update(state=State.DELIVERED)
    assert webhooks.deliver(second.pk) is True
    assert texts(receiver) == ["b"]


def test_other_tickets_and_endpoints_are_not_held_back(
    world, receiver, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(receiver.url, events=["message.added"])
    receiver.stop()
    reply(world["alice_hw"], world["alice"], "stuck", django_capture_on_commit_callbacks)
    receiver.start()
    reply(world["alice_bill"], world["alice"], "other ticket", django_capture_on_commit_callbacks)
    second = endpoint_for(receiver.url, events=["message.added"])
    reply(world["alice_hw"], world["alice"], "same ticket", django_capture_on_commit_callbacks)
    sent = [(json.loads(r["body"])["message"]["body_text"]) for r in receiver.requests]
    assert sent == ["other ticket", "same ticket"]  # the second: only to the new endpoint
    waiting = WebhookDelivery.objects.get(endpoint=endpoint, state=State.PENDING)
    assert waiting.ticket_number == world["alice_hw"].number
    assert WebhookDelivery.objects.filter(endpoint=second, state=State.DELIVERED).count() == 1


def test_a_given_up_delivery_no_longer_holds_the_ticket_back(
    world, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "WEBHOOK_MAX_ATTEMPTS": 1}
    endpoint_for(receiver.url, events=["message.added"])
    receiver.status = 500
    reply(world["alice_hw"], world["alice"], "lost", django_capture_on_commit_callbacks)
    first = WebhookDelivery.objects.get()
    assert first.state == State.FAILED and first.next_attempt_at is None
    receiver.status = 200
    reply(world["alice_hw"], world["alice"], "next", django_capture_on_commit_callbacks)
    assert texts(receiver) == ["lost", "next"]


def test_slow_server_holds_later_events_until_it_answers(
    world, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "WEBHOOK_TIMEOUT": 0.3}
    endpoint_for(receiver.url, events=["message.added"])
    receiver.delay = 1.0
    started = time.monotonic()
    reply(world["alice_hw"], world["alice"], "slow", django_capture_on_commit_callbacks)
    reply(world["alice_hw"], world["alice"], "after", django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 3  # one bounded attempt; the second never tried
    first, second = WebhookDelivery.objects.order_by("pk")
    assert first.state == State.FAILED and "timed out" in first.last_error.lower()
    assert second.state == State.PENDING and second.attempts == 0
    receiver.delay = 0
    time.sleep(1.2)  # the server finishes the answer nobody waited for
    receiver.requests.clear()
    WebhookDelivery.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    assert webhooks.deliver_due()["delivered"] == 2
    assert texts(receiver) == ["slow", "after"]


# Bounded total time -----------------------------------------------------------------


class DrippingServer:
    """Accepts, reads the request, then sends its answer one byte at a time, each well
    within the read timeout, so only a total deadline can stop it."""

    def __init__(self, pause: float):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.pause = pause
        self.stopped = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.stopped.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.drip, args=(conn,), daemon=True).start()

    def drip(self, conn):
        answer = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"
        with conn:
            try:
                conn.recv(65536)
                for byte in answer:
                    if self.stopped.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(self.pause)
            except OSError:
                return

    def stop(self):
        self.stopped.set()
        self.sock.close()


def test_a_dripping_server_is_cut_off_at_the_deadline(
    world, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "WEBHOOK_TIMEOUT": 0.5}
    server = DrippingServer(pause=0.05)  # 220 bytes: 11 s in all, never 0.5 s silent
    try:
        endpoint_for(f"http://127.0.0.1:{server.port}/hook", events=["ticket.closed"])
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            actions.close_ticket(world["alice_hw"], actor=world["agent"])
        took = time.monotonic() - started
    finally:
        server.stop()
    assert webhooks.deadline_seconds() == 1.5
    assert took < 4
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == State.FAILED
    assert "longer than 1.5 seconds" in delivery.last_error


# Pausing ----------------------------------------------------------------------------


def test_a_day_of_failures_pauses_the_endpoint_and_switching_it_on_resumes(
    world,
    receiver,
    admin_client,
    django_capture_on_commit_callbacks,
):
    endpoint = endpoint_for(receiver.url, events=["message.added"])
    receiver.status = 503
    reply(world["alice_hw"], world["alice"], "one", django_capture_on_commit_callbacks)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None and endpoint.active
    # not a day yet: still active
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    webhooks.deliver_due()
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.paused_at is None
    WebhookEndpoint.objects.update(failing_since=timezone.now() - timedelta(hours=25))
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    webhooks.deliver_due()
    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.paused_at is not None
    assert "503" in endpoint.pause_reason and "a day" in endpoint.pause_reason
    # paused: nothing is sent, new events are not queued for it
    sent = len(receiver.requests)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert webhooks.deliver_due()["due"] == 0
    assert webhooks.deliver(WebhookDelivery.objects.get().pk) is False
    reply(world["alice_hw"], world["alice"], "while paused", django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == 1 and len(receiver.requests) == sent
    listing = admin_client.get(reverse("wagtail_tickets_webhooks:index"))
    assert "Paused on" in listing.content.decode()
    assert "503" in listing.content.decode()
    # the administrator switches it on again: what waited is sent, the pause forgotten
    receiver.status = 200
    receiver.requests.clear()
    response = admin_client.post(
        reverse("wagtail_tickets_webhooks:edit", args=[endpoint.pk]),
        {"name": "CRM", "url": receiver.url, "events": ["message.added"], "active": "on"},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.paused_at is None and endpoint.pause_reason == ""
    assert endpoint.failing_since is None
    assert texts(receiver) == ["one"]
    assert WebhookDelivery.objects.get().state == State.DELIVERED
    listing = admin_client.get(reverse("wagtail_tickets_webhooks:index"))
    assert "Paused on" not in listing.content.decode()


def test_a_success_forgets_earlier_failures(world, receiver, django_capture_on_commit_callbacks):
    endpoint = endpoint_for(receiver.url, events=["message.added"])
    receiver.status = 500
    reply(world["alice_hw"], world["alice"], "x", django_capture_on_commit_callbacks)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None
    receiver.status = 200
    reply(world["alice_bill"], world["alice"], "y", django_capture_on_commit_callbacks)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.active


# Retry all failed -------------------------------------------------------------------


def test_retry_all_failed(
    world,
    receiver,
    admin_client,
    django_capture_on_commit_callbacks,
):
    endpoint_for(receiver.url, events=["message.added"])
    off = endpoint_for(receiver.url, events=["message.added"], name="Off")
    receiver.status = 500
    reply(world["alice_hw"], world["alice"], "hw 1", django_capture_on_commit_callbacks)
    reply(world["alice_hw"], world["alice"], "hw 2", django_capture_on_commit_callbacks)
    reply(world["alice_bill"], world["alice"], "bill", django_capture_on_commit_callbacks)
    WebhookEndpoint.objects.filter(pk=off.pk).update(active=False)
    index = admin_client.get(reverse("wagtail_tickets_webhook_deliveries:index"))
    url = reverse("wagtail_tickets_webhook_deliveries:retry_all")
    assert url in index.content.decode()
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "2 failed deliveries will be sent again" in page.content.decode()
    assert "2 failed deliveries belong to paused" in page.content.decode()
    receiver.status = 200
    receiver.requests.clear()
    response = admin_client.post(url)
    assert response.status_code == 302
    # the waiting "hw 2" follows its ticket's first; the switched-off endpoint gets nothing
    assert sorted(texts(receiver)) == ["bill", "hw 1", "hw 2"]
    assert texts(receiver).index("hw 1") < texts(receiver).index("hw 2")
    assert WebhookDelivery.objects.filter(endpoint=off, state=State.FAILED).count() == 2
    assert admin_client.put(url).status_code == 405
    again = admin_client.post(url, follow=True)
    assert "There are no failed deliveries to retry." in again.content.decode()


def test_retry_all_failed_is_for_administrators(world, client):
    endpoint = endpoint_for("https://example.com/hook")
    failed = WebhookDelivery.objects.create(
        endpoint=endpoint, event="ticket.closed", payload="{}", state=State.FAILED
    )
    url = reverse("wagtail_tickets_webhook_deliveries:retry_all")
    client.force_login(world["agent"])
    assert client.get(url).status_code in (302, 403)
    assert client.post(url).status_code in (302, 403)
    failed.refresh_from_db()
    assert failed.next_attempt_at is None
    index = client.get(reverse("wagtail_tickets_webhook_deliveries:index"))
    assert url not in index.content.decode()
