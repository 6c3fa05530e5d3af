"""The outbox never loses mail and never sends one twice."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_ticket
from wagtail_tickets import actions, tasks
from wagtail_tickets.models import OutgoingMail, PendingNotification
from wagtail_tickets.notifications import sending

from .conftest import outbox_states

pytestmark = pytest.mark.django_db
State = OutgoingMail.State


def test_smtp_down_then_up_every_mail_arrives_exactly_once(world, smtp_server, committed, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAIL_RETRY_DELAY": 1}
    smtp_server.stop()
    with committed():
        ticket = make_ticket(world.carla, world.support, cc=["boss@acme.example"])
    for n in range(3):
        with committed():
            actions.add_reply(ticket, actor=world.anna, body_html=f"<p>Answer {n}</p>")
    with committed():
        actions.claim_ticket(ticket, actor=world.anna)
    expected = OutgoingMail.objects.count()
    # auto replies (the quoting one to Carla, one without the message to the CC address),
    # created for agents, 3 answers, claimed
    assert expected == 7
    assert outbox_states() == {"failed": expected}
    assert all(m.last_error and m.attempts == 1 for m in OutgoingMail.objects.all())
    assert smtp_server.received == []

    # Still down: the next run fails again and waits longer.
    time.sleep(1.1)
    assert tasks.deliver_mail()["failed"] == expected
    waits = [m.next_attempt_at - timezone.now() for m in OutgoingMail.objects.all()]
    assert all(timedelta(seconds=1) < w <= timedelta(seconds=2) for w in waits)

    smtp_server.start()
    time.sleep(2.1)
    assert tasks.deliver_mail()["sent"] == expected
    assert tasks.deliver_mail()["sent"] == 0
    sending.deliver_due()
    assert outbox_states() == {"sent": expected}
    ids = Counter(m["Message-ID"] for m in smtp_server.messages)
    assert len(ids) == expected and set(ids.values()) == {1}
    assert len(smtp_server.to("carla@example.com")) == 5
    assert len(smtp_server.to("boss@acme.example")) == 5


def test_growing_delays_then_gives_up_until_an_administrator_retries(world, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAIL_MAX_ATTEMPTS": 3}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    assert [sending.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert sending.retry_delay(30).total_seconds() == 6 * 60 * 60
    ticket = make_ticket(world.carla, world.billing)
    PendingNotification.objects.update(built_at=None)
    [mail_id] = sending.build_pending(PendingNotification.objects.get().pk)
    for attempt in (1, 2, 3):
        OutgoingMail.objects.filter(pk=mail_id).update(next_attempt_at=timezone.now())
        assert sending.send_outgoing(mail_id) is False
        mail = OutgoingMail.objects.get(pk=mail_id)
        assert (mail.state, mail.attempts) == (State.FAILED, attempt)
    assert mail.next_attempt_at is None  # gave up: stays visible as failed
    assert sending.deliver_due()["failed"] == 0
    assert sending.retry_now([mail_id]) == 1
    assert OutgoingMail.objects.get(pk=mail_id).next_attempt_at is not None
    assert ticket.outgoing_mail.count() == 1


def test_a_claimed_row_is_never_sent_by_a_second_worker(world, smtp_server):
    make_ticket(world.carla, world.billing)
    pending = PendingNotification.objects.get()
    [mail_id] = sending.build_pending(pending.pk)
    assert sending.build_pending(pending.pk) == []  # built once only
    assert sending.claim(mail_id) is True
    assert sending.claim(mail_id) is False
    assert sending.send_outgoing(mail_id) is False
    assert smtp_server.received == []


def test_a_worker_that_died_while_sending_is_recovered(world, smtp_server, settings):
    make_ticket(world.carla, world.billing)
    [mail_id] = sending.build_pending(PendingNotification.objects.get().pk)
    assert sending.claim(mail_id)
    assert sending.deliver_due()["recovered"] == 0  # still within the sending timeout
    long_ago = timezone.now() - timedelta(seconds=settings_timeout(settings) + 5)
    OutgoingMail.objects.filter(pk=mail_id).update(claimed_at=long_ago)
    result = sending.deliver_due()
    assert (result["recovered"], result["sent"]) == (1, 1)
    assert len(smtp_server.messages) == 1


def settings_timeout(settings) -> int:
    from wagtail_tickets.conf import app_settings

    return app_settings.MAIL_SENDING_TIMEOUT


def test_unbuilt_notifications_are_built_by_the_schedule(world, smtp_server, monkeypatch):
    # The broker was unreachable when the change committed: nothing is lost.
    monkeypatch.setattr(sending, "enqueue", lambda *args: None)
    make_ticket(world.carla, world.billing)
    assert PendingNotification.objects.filter(built_at__isnull=True).count() == 1
    result = tasks.deliver_mail()
    assert (result["built"], result["sent"]) == (1, 1)
    assert len(smtp_server.messages) == 1


def test_the_web_request_only_queues(client, world, smtp_server, committed, monkeypatch):
    from django_q.brokers import get_broker
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)
    broker = get_broker()
    broker.purge_queue()
    client.force_login(world.carla)
    with committed():
        response = client.post(
            reverse("wagtail_tickets:create"),
            {"type": world.support.pk, "subject": "Queued", "cc": "", "body": "<p>Hi</p>"},
        )
    assert response.status_code == 302
    assert smtp_server.received == []
    assert OutgoingMail.objects.count() == 0
    assert broker.queue_size() == 1
    # What a worker does with the queued task:
    from django_q.signing import SignedPackage

    task = SignedPackage.loads(broker.dequeue()[0][1])
    assert task["func"] == "wagtail_tickets.tasks.build_notification"
    assert tasks.build_notification(*task["args"]) == 2
    assert len(smtp_server.messages) == 2
