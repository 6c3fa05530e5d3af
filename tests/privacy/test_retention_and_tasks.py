"""Retention options, the queued requests and an erasure of many tickets."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.utils import timezone

from tests.factories import OutgoingMailFactory, closed_status
from wagtail_tickets import tasks
from wagtail_tickets.models import (
    Message,
    PersonalDataRequest,
    QuarantinedMessage,
    Ticket,
    TicketCounter,
)
from wagtail_tickets.privacy import erasure, export
from wagtail_tickets.privacy.person import Person
from wagtail_tickets.privacy.retention import apply_retention

from .conftest import EMAIL, MARKER

DAY = datetime.timedelta(days=1)


def _close_long_ago(ticket, days):
    Ticket.objects.filter(pk=ticket.pk).update(
        status=closed_status(), closed_at=timezone.now() - days * DAY
    )


def test_retention_off_by_default_changes_nothing(world):
    _close_long_ago(world["ticket"], 4000)
    report = apply_retention()
    assert (report.tickets, report.quarantine, report.sent_mail) == (0, 0, 0)
    world["ticket"].refresh_from_db()
    assert world["ticket"].requester_email == EMAIL


@pytest.mark.parametrize("mode", ["anonymise", "delete"])
def test_old_closed_tickets_quarantine_and_sent_bodies(world, settings, mode):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "RETAIN_CLOSED_TICKETS_DAYS": 30,
        "CLOSED_TICKETS_RETENTION": mode,
        "RETAIN_QUARANTINE_DAYS": 10,
        "RETAIN_SENT_MAIL_DAYS": 5,
    }
    ticket, other = world["ticket"], world["other"]
    _close_long_ago(ticket, 31)
    _close_long_ago(other, 29)  # not old enough
    QuarantinedMessage.objects.update(created_at=timezone.now() - 11 * DAY)
    old = OutgoingMailFactory(body_text="old body", sent_at=timezone.now() - 6 * DAY)
    new = OutgoingMailFactory(body_text="new body", sent_at=timezone.now() - 4 * DAY)

    report = apply_retention(batch_size=1)

    assert (report.tickets, report.quarantine) == (1, 1)
    assert report.sent_mail >= 1
    if mode == "delete":
        assert not Ticket.objects.filter(pk=ticket.pk).exists()
    else:
        ticket.refresh_from_db()
        assert ticket.requester_email == "" and ticket.subject == "Anonymised ticket"
        assert MARKER not in "".join(
            Message.objects.filter(ticket=ticket).values_list("body_text", flat=True)
        )
    other.refresh_from_db()
    assert other.requester_email == "bob@example.com"
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.body_text == "" and new.body_text == "new body"
    # a second run finds nothing left to do
    again = apply_retention()
    assert (again.tickets, again.quarantine, again.sent_mail) == (0, 0, 0)


def test_retention_is_scheduled_daily():
    assert ("wagtail_tickets.tasks.apply_retention", 1440) in [
        (f, m) for _n, f, m in tasks.SCHEDULES
    ]


def test_retention_task_reports_a_line(db):
    assert tasks.apply_retention().startswith("retention: 0 closed tickets")


def test_queued_export_is_downloadable_until_it_expires(world, settings):
    request = export.request_export(Person.for_user(world["alice"]), requested_by=world["agent"])
    assert tasks.queue_personal_data_request(request.pk)  # the test cluster runs it at once
    request.refresh_from_db()
    assert request.state == PersonalDataRequest.State.DONE and request.subject == {}
    assert request.expires_at > timezone.now()
    with request.archive.open("rb") as stored:
        data = zipfile.ZipFile(io.BytesIO(stored.read())).read("data.json")
    assert world["ticket"].number.encode() in data
    name = request.archive.name
    assert export.remove_expired_archives(timezone.now() + 8 * DAY) == 1
    request.refresh_from_db()
    assert request.archive.name == ""
    assert not request.archive.storage.exists(name)
    assert tasks.run_personal_data_request(request.pk).endswith("done already")
    assert tasks.run_personal_data_request(987654).endswith("is gone")


def test_queued_erasure(world):
    request = erasure.request_erasure(Person.for_user(world["alice"]), "anonymise")
    assert tasks.queue_personal_data_request(request.pk)
    request.refresh_from_db()
    assert request.state == PersonalDataRequest.State.DONE


@pytest.mark.slow
def test_ten_thousand_tickets_of_one_customer(world, django_assert_max_num_queries):
    """Bulk-made rows: the erasure goes through them in batches of ``batch_size``, each
    batch's queries bounded, and the counters stay right."""
    alice, ticket = world["alice"], world["ticket"]
    Ticket.objects.bulk_create(
        Ticket(
            number=f"B{n:05d}",
            ticket_type=ticket.ticket_type,
            status=ticket.status,
            subject=f"{MARKER} {n}",
            requester=alice,
            requester_name="Alice",
            requester_email=EMAIL,
        )
        for n in range(10_000)
    )
    total = Ticket.objects.count()
    counters = list(TicketCounter.objects.values_list("count", flat=True))
    request = erasure.request_erasure(Person.for_user(alice), "anonymise")
    batches = []
    real = erasure.holder_registry.HOLDERS[0].erase

    def counted(person, mode, limit):
        batches.append(limit)
        return real(person, mode, limit)

    import dataclasses

    erasure.holder_registry.HOLDERS[0] = dataclasses.replace(
        erasure.holder_registry.HOLDERS[0], erase=counted
    )
    try:
        erasure.run_erasure(request.pk, batch_size=500)
    finally:
        erasure.holder_registry.HOLDERS[0] = dataclasses.replace(
            erasure.holder_registry.HOLDERS[0], erase=real
        )
    request.refresh_from_db()
    assert request.progress["tickets"] == 10_001
    assert len(batches) == 21 and set(batches) == {500}
    assert Ticket.objects.count() == total
    assert not Ticket.objects.filter(subject__contains=MARKER).exists()
    assert list(TicketCounter.objects.values_list("count", flat=True)) == counters
