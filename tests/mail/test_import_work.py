"""The importer does its expensive work once per message: sanitising a 20 KB body costs
more than everything else, so a body the parser sanitised is not sanitised again."""

from __future__ import annotations

import pytest

from tests.factories import MailboxFactory, make_ticket
from tests.mail import corpus
from wagtail_tickets import sanitize
from wagtail_tickets.mail.importer import import_raw
from wagtail_tickets.models import Ticket
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
