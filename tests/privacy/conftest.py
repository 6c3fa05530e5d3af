"""A person whose data is everywhere the helpdesk keeps data, each copy carrying the
marker, so that export and erasure tests can look for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tests.factories import (
    CompanyFactory,
    OutgoingMailFactory,
    make_agent,
    make_customer,
    make_ticket,
)
from wagtail_tickets import actions
from wagtail_tickets.models import (
    AutoMailRecord,
    InboundMessage,
    QuarantinedMessage,
    ReplyDraft,
    TicketVisit,
)

MARKER = "zqx7mark"
EMAIL = f"{MARKER}@example.com"


@pytest.fixture
def world(db, settings):
    from tests.factories import TicketTypeFactory

    settings.WAGTAIL_TICKETS = {
        **getattr(settings, "WAGTAIL_TICKETS", {}),
        "CC_NEW_ADDRESSES_RATE": (0, 1),
    }
    hardware = TicketTypeFactory(name="Hardware")
    company = CompanyFactory(name="Acme")
    alice = make_customer(
        hardware,
        company=company,
        username=MARKER,
        email=EMAIL,
        first_name="Alice",
        last_name="Markerson",
    )
    bob = make_customer(hardware, company=company, username="bob", email="bob@example.com")
    agent = make_agent(hardware, username="agent", email="agent@example.com")
    actions.set_display_name(alice, f"{MARKER} display")
    ticket = make_ticket(
        alice,
        hardware,
        subject=f"{MARKER} printer",
        body=f"<p>My {MARKER} secret</p>",
        files=[SimpleUploadedFile(f"{MARKER}.txt", f"file {MARKER}".encode(), "text/plain")],
    )
    staff_reply = actions.add_reply(ticket, actor=agent, body_html=f"<p>Hello {MARKER}</p>")
    note = actions.add_reply(
        ticket, actor=agent, body_html="<p>internal thought</p>", internal=True
    )
    # bob's ticket: alice is on its CC list and wrote in it
    other = make_ticket(bob, hardware, subject="Bob's ticket", cc=[EMAIL, "carol@example.com"])
    foreign = actions.add_reply(
        other,
        body_html=f"<p>alice {MARKER} here</p>",
        author_name="Alice",
        author_email=EMAIL,
        source="email",
    )
    OutgoingMailFactory(ticket=ticket, to=f"Alice <{EMAIL}>", body_text=f"Dear {MARKER}")
    OutgoingMailFactory(ticket=None, to=EMAIL, body_text=f"hi {MARKER}")
    InboundMessage.objects.create(
        key="k1",
        content_hash="h",
        sender=EMAIL,
        subject=f"re {MARKER}",
        outcome="imported",
    )
    QuarantinedMessage.objects.create(
        key="q1",
        sender=EMAIL,
        subject=f"{MARKER}?",
        reason="bad",
        raw=f"From: {EMAIL}\r\n\r\n{MARKER} body".encode(),
        size=30,
    )
    AutoMailRecord.objects.create(address=EMAIL)
    ReplyDraft.objects.create(user=agent, ticket=ticket, body=f"Dear {MARKER}, ...")
    TicketVisit.objects.create(user=alice, ticket=other, seen_at=ticket.created_at)
    return {
        "type": hardware,
        "company": company,
        "alice": alice,
        "bob": bob,
        "agent": agent,
        "ticket": ticket,
        "other": other,
        "staff_reply": staff_reply,
        "note": note,
        "foreign": foreign,
    }


def tables_with(marker: str, skip=("auth_user",)) -> dict[str, int]:
    """Rows holding ``marker`` (any case) in any column of any table."""
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table in skip:
                continue
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            cond = " OR ".join(
                f"LOWER(CAST({connection.ops.quote_name(c)} AS TEXT)) LIKE %s" for c in columns
            )
            cursor.execute(
                f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)} WHERE {cond}",
                [f"%{marker}%"] * len(columns),
            )
            count = cursor.fetchone()[0]
            if count:
                found[table] = count
    return found


def files_with(root: str, marker: str) -> list[str]:
    base = Path(root)
    if not base.exists():
        return []
    return [
        str(p)
        for p in base.rglob("*")
        if p.is_file() and (marker.encode() in p.read_bytes().lower() or marker in p.name.lower())
    ]
