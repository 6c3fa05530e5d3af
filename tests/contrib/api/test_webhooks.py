"""Webhook delivery against a real HTTP server on 127.0.0.1: signed payloads, retries with
backoff (server down, then up: nothing lost, nothing twice), a slow server, the network
guard, and the admin screens."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from wagtail_tickets import actions
from wagtail_tickets.contrib.api import webhooks
from wagtail_tickets.contrib.api.models import WebhookDelivery, WebhookEndpoint

from .conftest import ALL_EVENTS, client_for, endpoint_for

pytestmark = pytest.mark.django_db
State = WebhookDelivery.State


def test_every_event_is_delivered_signed(world, receiver, django_capture_on_commit_callbacks):
    endpoint = endpoint_for(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = actions.open_ticket(
            ticket_type=world["hardware"],
            subject="Webhook ticket",
            body_html="<p>Hi</p>",
            actor=world["alice"],
            requester=world["alice"],
        )
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_reply(ticket, actor=world["agent"], body_html="<p>Answer</p>")
    with django_capture_on_commit_callbacks(execute=True):
        actions.close_ticket(ticket, actor=world["agent"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.reopen_ticket(ticket, actor=world["agent"])
    assert receiver.events() == [
        "ticket.opened",
        "message.added",  # the opening message
        "message.added",
        "ticket.changed",
        "ticket.closed",
        "ticket.changed",
        "ticket.reopened",
    ]
    first = receiver.requests[0]
    assert first["path"] == "/hook?x=1"
    assert first["headers"]["Content-Type"] == "application/json"
    assert first["headers"]["X-Tickets-Event"] == "ticket.opened"
    # the receiver's check, written out as docs/api.md shows it
    signature = dict(p.split("=", 1) for p in first["headers"]["X-Tickets-Signature"].split(","))
    expected = hmac.new(
        endpoint.secret.encode(), signature["t"].encode() + b"." + first["body"], hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(expected, signature["v1"])
    assert abs(int(signature["t"]) - time.time()) < 60
    assert webhooks.verify(endpoint.secret, first["headers"]["X-Tickets-Signature"], first["body"])
    assert not webhooks.verify(
        "whsec_wrong", first["headers"]["X-Tickets-Signature"], first["body"]
    )
    assert not webhooks.verify(endpoint.secret, first["headers"]["X-Tickets-Signature"], b"{}")
    payload = json.loads(first["body"])
    assert payload["version"] == 1
    assert payload["ticket"]["number"] == ticket.number
    assert payload["ticket"]["requester"]["email"] == world["alice"].email
    opening = json.loads(receiver.requests[1]["body"])
    assert opening["message"]["body_text"] == "Hi" and opening["message"]["is_staff"] is False
    reply = json.loads(receiver.requests[2]["body"])
    assert reply["message"]["body_text"] == "Answer" and reply["message"]["is_staff"] is True
    changed = json.loads(receiver.requests[3]["body"])
    assert changed["changes"]["status"][1] == ticket.status.__class__.objects.closed_default().name
    deliveries = WebhookDelivery.objects.all()
    assert {d.state for d in deliveries} == {State.DELIVERED}
    assert all(d.response_status == 200 and len(d.response_body) <= 4096 for d in deliveries)


def test_internal_notes_only_where_asked(world, receiver, django_capture_on_commit_callbacks):
    plain = endpoint_for(receiver.url, events=["message.added"])
    with_notes = endpoint_for(receiver.url, events=["message.added"], include_internal=True)
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_reply(
            world["alice_hw"], actor=world["agent"], body_html="<p>note</p>", internal=True
        )
    assert WebhookDelivery.objects.filter(endpoint=plain).count() == 0
    assert WebhookDelivery.objects.filter(endpoint=with_notes).count() == 1
    assert len(receiver.requests) == 1
    assert json.loads(receiver.requests[0]["body"])["message"]["is_internal"] is True


def test_type_filter_and_inactive_endpoints(world, receiver, django_capture_on_commit_callbacks):
    billing_only = endpoint_for(receiver.url)
    billing_only.ticket_types.set([world["billing"]])
    endpoint_for(receiver.url, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_reply(world["alice_hw"], actor=world["alice"], body_html="<p>hw</p>")
    assert receiver.requests == []
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_reply(world["alice_bill"], actor=world["alice"], body_html="<p>bill</p>")
    assert receiver.events() == ["message.added"]


def test_server_down_then_up_nothing_lost_nothing_twice(
    world, receiver, django_capture_on_commit_callbacks
):
    endpoint_for(receiver.url, events=["message.added"])
    receiver.stop()
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_reply(world["alice_hw"], actor=world["alice"], body_html="<p>down</p>")
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == State.FAILED and delivery.attempts == 1
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 50 < wait <= 60  # the first retry waits WEBHOOK_RETRY_DELAY
    # not due yet: the schedule leaves it alone
    assert webhooks.deliver_due()["due"] == 0
    receiver.start()
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert webhooks.deliver_due()["delivered"] == 1
    assert webhooks.deliver_due()["due"] == 0
    assert webhooks.deliver(delivery.pk) is False  # delivered rows are never sent again
    assert receiver.events() == ["message.added"]
    delivery.refresh_from_db()
    assert delivery.state == State.DELIVERED and delivery.attempts == 2


def test_backoff_doubles_and_gives_up(
    world, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "WEBHOOK_MAX_ATTEMPTS": 3}
    receiver.status = 500
    endpoint_for(receiver.url, events=["ticket.closed"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.close_ticket(world["alice_hw"], actor=world["agent"])
    delivery = WebhookDelivery.objects.get()
    assert delivery.response_status == 500 and "500" in delivery.last_error
    waits = []
    for _ in range(2):
        waits.append((delivery.next_attempt_at - timezone.now()).total_seconds())
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
        webhooks.deliver_due()
        delivery.refresh_from_db()
    assert 50 < waits[0] <= 60 and 110 < waits[1] <= 120
    assert delivery.attempts == 3 and delivery.state == State.FAILED
    assert delivery.next_attempt_at is None  # given up
    assert len(receiver.requests) == 3
    # the admin's retry makes it due once more
    receiver.status = 204
    assert webhooks.retry_now([delivery.pk]) == 1
    delivery.refresh_from_db()
    assert delivery.state == State.DELIVERED


def test_slow_server_times_out(world, receiver, settings, django_capture_on_commit_callbacks):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "WEBHOOK_TIMEOUT": 0.3}
    receiver.delay = 1.5
    endpoint_for(receiver.url, events=["ticket.closed"])
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        actions.close_ticket(world["alice_hw"], actor=world["agent"])
    assert time.monotonic() - started < 1.4
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == State.FAILED and "timed out" in delivery.last_error.lower()


def test_network_guard_refuses_private_addresses(
    world, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "WEBHOOK_ALLOWED_PRIVATE_NETWORKS": (),
    }
    endpoint_for(receiver.url, events=["ticket.closed"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.close_ticket(world["alice_hw"], actor=world["agent"])
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == State.FAILED
    assert "private" in delivery.last_error
    assert receiver.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/",
        "ftp://example.com/",
        "http://user:pw@example.com/",
        "http://localhost:99999/",
    ],
)
def test_webhook_form_refuses_unsafe_urls(db, settings, url):
    from wagtail_tickets.contrib.api.forms import WebhookEndpointForm

    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "WEBHOOK_ALLOWED_PRIVATE_NETWORKS": ()}
    form = WebhookEndpointForm(
        {"name": "x", "url": url, "events": ["ticket.opened"], "active": "on"}
    )
    assert not form.is_valid()
    assert "url" in form.errors


def test_a_failing_receiver_never_breaks_the_action(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    endpoint_for("http://127.0.0.1:9/", events=["message.added"])

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(webhooks, "payload", broken)
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.add_reply(world["alice_hw"], actor=world["alice"], body_html="<p>x</p>")
    assert message.pk


# Admin screens -----------------------------------------------------------------------


def test_admin_creates_an_endpoint_and_sees_the_secret_once(admin_client, receiver, world):
    response = admin_client.post(
        reverse("wagtail_tickets_webhooks:add"),
        {
            "name": "Slack",
            "url": receiver.url,
            "events": ["ticket.opened", "message.added"],
            "ticket_types": [world["hardware"].pk],
            "active": "on",
        },
    )
    assert response.status_code == 200, response.content
    endpoint = WebhookEndpoint.objects.get(name="Slack")
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    edit = admin_client.get(reverse("wagtail_tickets_webhooks:edit", args=[endpoint.pk]))
    assert edit.status_code == 200 and endpoint.secret not in edit.content.decode()
    listing = admin_client.get(reverse("wagtail_tickets_webhooks:index"))
    assert listing.status_code == 200 and endpoint.secret not in listing.content.decode()


def test_admin_rotates_the_secret(admin_client, receiver):
    endpoint = endpoint_for(receiver.url)
    old = endpoint.secret
    response = admin_client.post(
        reverse("wagtail_tickets_webhooks:edit", args=[endpoint.pk]),
        {
            "name": "CRM",
            "url": receiver.url,
            "events": ALL_EVENTS,
            "active": "on",
            "new_secret": "on",
        },
    )
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in response.content.decode()


def test_delivery_log_and_retry(
    admin_client, world, receiver, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    receiver.status = 503
    endpoint_for(receiver.url, events=["message.added"])
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            actions.add_reply(world["alice_hw"], actor=world["alice"], body_html=f"<p>{n}</p>")
    index = reverse("wagtail_tickets_webhook_deliveries:index")
    admin_client.get(index)
    with django_assert_max_num_queries(30):
        response = admin_client.get(index)
    assert response.status_code == 200
    assert response.content.decode().count(world["alice_hw"].number) >= 3
    # the first failed; the later two wait behind it (same ticket), never sent yet
    delivery = WebhookDelivery.objects.get(state=State.FAILED)
    waiting = WebhookDelivery.objects.filter(state=State.PENDING)
    assert waiting.count() == 2 and {d.attempts for d in waiting} == {0}
    assert len(receiver.requests) == 1
    inspect = admin_client.get(
        reverse("wagtail_tickets_webhook_deliveries:inspect", args=[delivery.pk])
    )
    assert inspect.status_code == 200 and b"Retry now" in inspect.content
    receiver.status = 200
    admin_client.post(reverse("wagtail_tickets_webhook_deliveries:retry", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.state == State.DELIVERED
    # the ones that waited follow at once, in order
    assert {d.state for d in WebhookDelivery.objects.all()} == {State.DELIVERED}
    bodies = [json.loads(r["body"])["message"]["body_text"] for r in receiver.requests]
    assert bodies == ["0", "0", "1", "2"]


def test_delivery_log_is_for_administrators(world, client):
    client.force_login(world["agent"])
    assert client.get(reverse("wagtail_tickets_webhook_deliveries:index")).status_code in (302, 403)
    assert client.get(reverse("wagtail_tickets_webhooks:index")).status_code in (302, 403)
    api = client_for(world["agent"])
    assert api.get("/admin/ticket-webhooks/").status_code in (302, 403)
