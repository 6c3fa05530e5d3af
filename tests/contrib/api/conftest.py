"""The API's test world: two types, two companies' customers, an agent of each type."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.factories import (
    CompanyFactory,
    TicketTypeFactory,
    make_agent,
    make_customer,
    make_ticket,
)
from wagtail_tickets import actions
from wagtail_tickets.contrib.api import tokens


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
