"""The API's test world: two types, two companies' customers, an agent of each type; a
real HTTP server on 127.0.0.1 that receives webhooks."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.factories import (
    CompanyFactory,
    TicketTypeFactory,
    UserFactory,
    make_agent,
    make_customer,
    make_ticket,
)
from wagtail_tickets import actions
from wagtail_tickets.contrib.api import tokens, webhooks
from wagtail_tickets.contrib.api.models import WebhookEndpoint


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits are counted in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def client_for(user=None) -> APIClient:
    """An API client sending ``user``'s new token (none for ``None``)."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.create_token(user, 'test').secret}")
    return client


@pytest.fixture
def world(db):
    hardware = TicketTypeFactory(name="Hardware")
    billing = TicketTypeFactory(name="Billing")
    acme = CompanyFactory(name="Acme")
    other = CompanyFactory(name="Globex")
    alice = make_customer(hardware, billing, company=acme, username="alice")
    bob = make_customer(hardware, billing, company=other, username="bob")
    agent = make_agent(hardware, username="agent")
    agent_b = make_agent(billing, username="agent_b")
    alice_hw = make_ticket(
        alice,
        hardware,
        subject="Printer jam",
        files=[SimpleUploadedFile("log.txt", b"customer file", content_type="text/plain")],
    )
    alice_bill = make_ticket(alice, billing, subject="Invoice question")
    bob_hw = make_ticket(bob, hardware, subject="Bob's laptop")
    note = actions.add_reply(
        alice_hw,
        actor=agent,
        body_html="<p>secret internal remark</p>",
        internal=True,
        files=[SimpleUploadedFile("internal.txt", b"agents only", content_type="text/plain")],
    )
    return {
        "hardware": hardware,
        "billing": billing,
        "acme": acme,
        "other": other,
        "alice": alice,
        "bob": bob,
        "agent": agent,
        "agent_b": agent_b,
        "alice_hw": alice_hw,
        "alice_bill": alice_bill,
        "bob_hw": bob_hw,
        "note": note,
    }


# Webhooks ------------------------------------------------------------------------------


ALL_EVENTS = [
    "ticket.opened",
    "message.added",
    "ticket.changed",
    "ticket.closed",
    "ticket.reopened",
]


class Receiver:
    """A real HTTP server that records every POST; ``status`` and ``delay`` say how it
    answers. ``stop()`` / ``start()`` take it down and up on the same port."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.requests: list[dict] = []
        self.status = 200
        self.delay = 0.0
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook?x=1"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok" * 5000)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def events(self) -> list[str]:
        return [json.loads(r["body"])["event"] for r in self.requests]


@pytest.fixture
def receiver(settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "WEBHOOK_ALLOWED_PRIVATE_NETWORKS": ("127.0.0.1",),
        "WEBHOOK_TIMEOUT": 2,
    }
    server = Receiver()
    server.start()
    yield server
    server.stop()


def endpoint_for(url: str, events=ALL_EVENTS, **fields) -> WebhookEndpoint:
    fields.setdefault("name", "CRM")
    endpoint = WebhookEndpoint.objects.create(
        url=url, events=list(events), secret=webhooks.new_secret(), **fields
    )
    return endpoint


@pytest.fixture
def admin_client(client, db):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    return client
