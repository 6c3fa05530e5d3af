"""Erasure: no trace of the person anywhere, tickets and totals kept or deleted, batches
that resume after a crash."""

from __future__ import annotations

import dataclasses
import io

import pytest
from django.core.management import call_command

from tests.factories import make_ticket
from wagtail_tickets.models import (
    Attachment,
    Message,
    PersonalDataRequest,
    Ticket,
    TicketCounter,
    TicketLogEntry,
)
from wagtail_tickets.privacy import holders
from wagtail_tickets.privacy.erasure import request_erasure, run_erasure
from wagtail_tickets.privacy.person import Person

from .conftest import EMAIL, MARKER, files_with, tables_with

State = PersonalDataRequest.State


def _counters() -> dict:
    return {(c.ticket_type_id, c.status_id): c.count for c in TicketCounter.objects.all()}


@pytest.fixture
def erase(world, django_capture_on_commit_callbacks):
    """Erase alice's data; files are removed when a batch commits, so the test runs the
    commit callbacks."""

    def run(mode, **kw):
        request = request_erasure(
            Person.for_user(world["alice"]), mode, requested_by=world["agent"]
        )
        with django_capture_on_commit_callbacks(execute=True):
            return run_erasure(request.pk, **kw)

    return run


def test_anonymise_leaves_no_trace_and_keeps_the_tickets(world, settings, erase):
    assert tables_with(MARKER)  # the world really holds her data
    assert files_with(settings.MEDIA_ROOT, MARKER)
    tickets, counters = Ticket.objects.count(), _counters()
    ticket = world["ticket"]

    request = erase("anonymise")

    assert tables_with(MARKER) == {}
    assert files_with(settings.MEDIA_ROOT, MARKER) == []
    assert Ticket.objects.count() == tickets and _counters() == counters
    ticket.refresh_from_db()
    assert ticket.requester_id is None and ticket.requester_email == ""
    assert ticket.requester_name == "Anonymised" and ticket.subject == "Anonymised ticket"
    # the agent's reply stays, her name cut out of it
    reply = Message.objects.get(pk=world["staff_reply"].pk)
    assert reply.body_text.strip() == "Hello […]" and reply.author_id == world["agent"].pk
    # carol stays on bob's CC list, alice is gone from it
    world["other"].refresh_from_db()
    assert world["other"].cc_list == ["carol@example.com"]
    # the audit record: who, when, what, how much; not whom
    request.refresh_from_db()
    assert request.state == State.DONE and request.subject == {}
    assert request.requested_by == world["agent"] and request.finished_at
    assert request.progress["tickets"] == 1 and request.progress["cc"] == 1
    assert EMAIL not in str(request.progress)


def test_delete_removes_her_tickets_and_files_and_keeps_totals(world, settings, erase):
    ticket, other = world["ticket"], world["other"]
    counters = _counters()

    erase("delete")

    assert not Ticket.objects.filter(pk=ticket.pk).exists()
    assert Ticket.objects.filter(pk=other.pk).exists()
    assert not Attachment.objects.exists()
    assert tables_with(MARKER) == {}
    assert files_with(settings.MEDIA_ROOT, MARKER) == []
    key = (ticket.ticket_type_id, ticket.status_id)
    assert _counters()[key] == counters[key] - 1
    # the audit log keeps that a number was deleted, and nothing else about it
    [entry] = TicketLogEntry.objects.filter(ticket_id=ticket.pk)
    assert entry.data == {"number": ticket.number, "personal_data_erased": True}


def test_a_guest_found_by_address(world, settings):
    guest = make_ticket(
        None,
        world["type"],
        subject=f"{MARKER} guest",
        requester_name="Guest Person",
        requester_email=EMAIL.upper(),
    )
    request = request_erasure(Person.for_email(EMAIL), "anonymise")
    run_erasure(request.pk)
    guest.refresh_from_db()
    assert guest.requester_email == "" and guest.subject == "Anonymised ticket"
    # her account's rows are found by user, not by address: the profile stays
    assert tables_with(MARKER, skip=("auth_user", "wagtail_tickets_ticketprofile")) == {}


def test_crash_in_the_middle_and_resume(world, monkeypatch):
    def broken(person, mode, limit):
        raise RuntimeError("worker died")

    step = next(h for h in holders.HOLDERS if h.key == "received_mail")
    real = step.erase
    index = holders.HOLDERS.index(step)
    patched = list(holders.HOLDERS)
    patched[index] = dataclasses.replace(step, erase=broken)
    monkeypatch.setattr(holders, "HOLDERS", patched)
    request = request_erasure(Person.for_user(world["alice"]), "anonymise")

    with pytest.raises(RuntimeError):
        run_erasure(request.pk, batch_size=1)
    request.refresh_from_db()
    assert request.state == State.FAILED and request.step == "received_mail"
    assert "RuntimeError" in request.error and EMAIL not in request.error
    done_before = dict(request.progress)
    assert done_before["tickets"] == 1 and done_before["outbox"] == 1

    patched[index] = dataclasses.replace(step, erase=real)
    run_erasure(request.pk, batch_size=1)
    request.refresh_from_db()
    assert request.state == State.DONE
    # the steps finished before the crash were not counted twice
    assert request.progress["tickets"] == 1 and request.progress["outbox"] == 1
    assert tables_with(MARKER) == {}
    # a finished request is not run again
    assert run_erasure(request.pk) is None


def test_every_step_is_idempotent(world):
    person = Person.for_user(world["alice"])
    request = request_erasure(person, "anonymise")
    run_erasure(request.pk)
    for holder in holders.holders():
        assert holder.erase(person, "anonymise", 50) == 0, holder.key


def test_command_erases_and_resumes(world):
    out = io.StringIO()
    call_command("tickets_erase_personal_data", "--email", EMAIL, "--mode", "delete", stdout=out)
    assert "done" in out.getvalue()
    request = PersonalDataRequest.objects.get()
    out = io.StringIO()
    call_command("tickets_erase_personal_data", "--resume", str(request.pk), stdout=out)
    assert "done already" in out.getvalue()


def test_unknown_mode_is_refused(db):
    with pytest.raises(ValueError):
        request_erasure(Person.for_email("a@example.com"), "shred")


def test_search_words_and_report_totals_follow(world, erase):
    """PostgreSQL: the ticket's search words are collected again without her text; the
    daily totals keep the anonymised ticket and lose the deleted one."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("search words and daily totals are PostgreSQL machinery")
    ticket = world["ticket"]

    def words():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT search_vector::text FROM wagtail_tickets_ticket WHERE id = %s", [ticket.pk]
            )
            row = cursor.fetchone()
            return row[0] if row else None

    def opened():
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(SUM(opened), 0) FROM wagtail_tickets_openedday")
            return cursor.fetchone()[0]

    assert MARKER in words()
    before = opened()
    erase("anonymise")
    assert MARKER not in (words() or "")
    assert "anonymised" in words().lower() or "removed" in words().lower()
    assert opened() == before
