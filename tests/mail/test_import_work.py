"""The importer does its expensive work once per message: sanitising a 20 KB body costs
more than everything else, so a body the parser sanitised is not sanitised again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import MailboxFactory, PriorityFactory, make_ticket
from tests.mail import corpus
from wagtail_tickets import sanitize
from wagtail_tickets.mail.importer import import_raw
from wagtail_tickets.models import (
    InboundMessage,
    Message,
    Priority,
    QuarantinedMessage,
    Status,
    Ticket,
    TicketType,
)
from wagtail_tickets.notifications.tokens import make_message_id

pytestmark = pytest.mark.django_db

BACKENDS = ["bleach", "nh3"]


@pytest.fixture
def stored_mailbox(support_type):
    return MailboxFactory(ticket_type=support_type)


@pytest.fixture
def sanitiser_calls(request, settings, monkeypatch):
    """Every call of the configured sanitiser backend, by its input."""
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "SANITIZER": request.param}
    calls: list[str] = []
    clean_nh3 = sanitize._clean_nh3
    cleaner = sanitize._cleaner()

    def counted_nh3(value):
        calls.append(value)
        return clean_nh3(value)

    class CountedCleaner:
        def clean(self, value):
            calls.append(value)
            return cleaner.clean(value)

    monkeypatch.setattr(sanitize, "_clean_nh3", counted_nh3)
    monkeypatch.setattr(sanitize, "_cleaner", CountedCleaner)
    return calls


@pytest.mark.parametrize("sanitiser_calls", BACKENDS, indirect=True)
def test_new_ticket_body_is_sanitised_once(stored_mailbox, sanitiser_calls):
    assert import_raw(corpus.html_only(), stored_mailbox) == "opened"
    message = Ticket.objects.get().messages.get()
    assert "invoice" in message.body_html and "javascript" not in message.body_html
    assert len(sanitiser_calls) == 1
    assert InboundMessage.objects.get().ticket_message == message


@pytest.mark.parametrize("sanitiser_calls", BACKENDS, indirect=True)
def test_reply_body_is_not_sanitised_again_by_the_action(stored_mailbox, sanitiser_calls):
    ticket = make_ticket(None, stored_mailbox.ticket_type, requester_email="hanna@x.example")
    sanitiser_calls.clear()
    raw = corpus.plain(in_reply_to=make_message_id(ticket.pk, 0, "tickets.example"))
    assert import_raw(raw, stored_mailbox) == "reply"
    # the text part becomes HTML once; nothing cleans the stored body again
    assert len(sanitiser_calls) == 1


@pytest.mark.parametrize("sanitiser_calls", BACKENDS, indirect=True)
def test_body_with_notes_is_still_sanitised_by_the_action(
    stored_mailbox, sanitiser_calls, settings
):
    """A body joined with the importer's notes is plain text again: the action cleans it."""
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAX_BODY_LENGTH": 20}
    assert import_raw(corpus.html_only(), stored_mailbox) == "opened"
    assert len(sanitiser_calls) == 2
    body = Ticket.objects.get().messages.get().body_html
    assert "whole text is attached" in body and "<script" not in body


# ----------------------------------------------------------------------------- per run


def test_a_run_reads_the_opening_defaults_once(stored_mailbox):
    from wagtail_tickets.mail.importer import ImportRun

    run = ImportRun(stored_mailbox)
    with CaptureQueriesContext(connection) as captured:
        for n in range(3):
            assert import_raw(corpus.plain(subject=f"mail {n}"), stored_mailbox, run=run) == (
                "opened"
            )
    sql = [q["sql"] for q in captured.captured_queries]
    for model in (Status, Priority, TicketType):
        reads = [s for s in sql if s.startswith("SELECT") and f'"{model._meta.db_table}"' in s]
        assert len(reads) <= 1, reads
    assert Ticket.objects.count() == 3


def test_each_run_reads_the_defaults_afresh(stored_mailbox):
    from wagtail_tickets.mail.importer import ImportRun

    first = ImportRun(stored_mailbox)
    import_raw(corpus.plain(subject="one"), stored_mailbox, run=first)
    Priority.objects.update(is_default=False)
    urgent = PriorityFactory(name="Rush from mail", is_default=True)
    import_raw(corpus.plain(subject="two"), stored_mailbox, run=ImportRun(stored_mailbox))
    assert Ticket.objects.get(subject="one").priority != urgent
    assert Ticket.objects.get(subject="two").priority == urgent


def test_a_second_copy_is_found_by_the_ledger_key_and_changes_nothing(stored_mailbox):
    raw = corpus.plain(message_id="<twice@customer.example>")
    assert import_raw(raw, stored_mailbox) == "opened"
    assert import_raw(raw, stored_mailbox) == "duplicate"
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1
    assert InboundMessage.objects.count() == 1
    assert not QuarantinedMessage.objects.exists()


def test_another_integrity_error_after_the_claim_is_quarantined(stored_mailbox, monkeypatch):
    """Only the ledger key's own conflict means "imported before"; any other one is an
    error of this message, kept aside with its reason, and nothing of it stays."""
    from django.db import IntegrityError

    from wagtail_tickets.mail import importer

    def conflict(*args, **kwargs):
        raise IntegrityError("some other constraint")

    monkeypatch.setattr(importer, "_change_ticket", conflict)
    assert import_raw(corpus.plain(), stored_mailbox) == "quarantined"
    assert not Ticket.objects.exists()
    item = QuarantinedMessage.objects.get()
    assert "some other constraint" in item.reason
    assert InboundMessage.objects.get().outcome == "quarantined"


def test_ignored_mail_is_recorded_with_its_reason_in_one_write(stored_mailbox):
    with CaptureQueriesContext(connection) as captured:
        assert import_raw(corpus.auto_reply(), stored_mailbox) == "ignored"
    ledger = f'"{InboundMessage._meta.db_table}"'
    assert not [q for q in captured.captured_queries if q["sql"].startswith(f"UPDATE {ledger}")]
    assert InboundMessage.objects.get().reason.startswith("Auto-Submitted")
