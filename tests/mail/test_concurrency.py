"""Several workers on one mailbox, on PostgreSQL (the scale-out database): each message is
imported once, whether the mailbox lock or the ledger's unique key stops the second one."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from tests.mail import corpus
from wagtail_tickets.mail import importer
from wagtail_tickets.models import InboundMessage, Ticket

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")


def in_threads(count: int, work):
    """Run ``work(i)`` in ``count`` threads released at the same moment."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


@pytest.fixture
def slow_ticket_change(monkeypatch):
    """Hold each ticket change open a moment, so concurrent imports really overlap."""
    original = importer._change_ticket

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(importer, "_change_ticket", slow)


def test_two_importers_on_one_mailbox_import_each_message_once(imap, mailbox, slow_ticket_change):
    imap.append(*(corpus.plain(subject=f"mail {n}") for n in range(6)))
    reports = in_threads(2, lambda i: importer.import_mailbox(mailbox))
    assert sum(r.imported for r in reports) == 6
    assert not any(r.error for r in reports)
    assert Ticket.objects.count() == 6
    assert InboundMessage.objects.count() == 6
    assert imap.messages() == []


def test_same_message_imported_at_once_without_the_lock_is_stopped_by_the_ledger(
    mailbox, slow_ticket_change
):
    """Defence in depth: two workers that both got the message (say, the lease expired
    under a stalled worker) race on the ledger's unique key; one wins, one is a duplicate."""
    raw = corpus.plain(message_id="<race@customer.example>")
    outcomes = in_threads(2, lambda i: importer.import_raw(raw, mailbox, uidvalidity=1, uid=7))
    assert sorted(outcomes) == ["duplicate", "opened"]
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_concurrent_copies_in_two_mailboxes_open_one_ticket(imap, mailbox, slow_ticket_change):
    from tests.factories import MailboxFactory

    other = MailboxFactory(
        name="Sales inbox",
        host=mailbox.host,
        port=mailbox.port,
        username=mailbox.username,
        password=mailbox.password,
        folder="Sales",
    )
    client = imap.client()
    client.create('"Sales"')
    client.logout()
    raw = corpus.plain(message_id="<to-both@customer.example>")
    imap.append(raw)
    imap.append(b"Received: by mx2.example; Tue, 3 Nov 2026\r\n" + raw, folder="Sales")
    reports = in_threads(2, lambda i: importer.import_mailbox([mailbox, other][i]))
    assert sum(r.imported for r in reports) == 1
    assert sum(r.ignored for r in reports) == 1
    assert Ticket.objects.count() == 1
    assert imap.messages() == [] and imap.messages("Sales") == []
