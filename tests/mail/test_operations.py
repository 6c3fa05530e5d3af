"""Running the import: IMAP failures, the mailbox lock, the command, quarantine retry and
the per-address limit on automatic mail."""

from __future__ import annotations

import datetime
import logging
import socket

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.mail import corpus
from tests.mail.conftest import IMAP_PASSWORD, _free_port
from wagtail_tickets.mail.importer import import_all, import_mailbox, retry_quarantined
from wagtail_tickets.models import AutoMailRecord, OutgoingMail, QuarantinedMessage, Ticket
from wagtail_tickets.notifications.ratelimit import allow_automatic_mail, prune_records

pytestmark = pytest.mark.django_db


def assert_no_password(text: str) -> None:
    assert IMAP_PASSWORD not in text
    assert "imap-secret" not in text


def test_connection_refused_is_logged_and_retried_next_run(imap, mailbox, caplog):
    good_port = mailbox.port
    mailbox.port = _free_port()  # nobody listens there
    mailbox.set_password(IMAP_PASSWORD)  # a new port needs the password again
    mailbox.save()
    imap.append(corpus.plain())
    with caplog.at_level(logging.ERROR, logger="wagtail_tickets.mail"):
        [report] = import_all()
    assert "connection refused" in report.error
    assert "retried next run" in caplog.text
    assert_no_password(report.error + caplog.text)
    mailbox.refresh_from_db()
    assert "connection refused" in mailbox.last_error and mailbox.locked_until is None
    mailbox.port = good_port
    mailbox.set_password(IMAP_PASSWORD)
    mailbox.save()
    [report] = import_all()
    assert report.imported == 1 and not report.error
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""


def test_bad_login_is_reported_without_the_password(imap, mailbox, caplog):
    mailbox.password = "wrong-password-123"
    mailbox.save()
    imap.append(corpus.plain())
    with caplog.at_level(logging.ERROR, logger="wagtail_tickets.mail"):
        report = import_mailbox(mailbox)
    assert "login failed" in report.error
    assert "wrong-password-123" not in report.error + caplog.text
    assert not Ticket.objects.exists()
    assert len(imap.messages()) == 1  # nothing lost


def test_timeout_is_reported(mailbox, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAIL_IMAP_TIMEOUT": 0.5}
    with socket.socket() as silent:  # accepts connections, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        mailbox.port = silent.getsockname()[1]
        mailbox.set_password(IMAP_PASSWORD)
        mailbox.save()
        report = import_mailbox(mailbox)
    assert "timed out" in report.error or "cannot connect" in report.error
    assert report.line().endswith(f"(error: {report.error})")


def test_missing_folder_is_reported(imap, mailbox):
    mailbox.folder = "Does not exist"
    mailbox.save()
    report = import_mailbox(mailbox)
    assert "cannot open folder" in report.error


def test_mailbox_held_by_another_worker_is_skipped(imap, mailbox):
    imap.append(corpus.plain())
    mailbox.locked_until = timezone.now() + datetime.timedelta(minutes=5)
    mailbox.lock_token = "other-worker"
    mailbox.save()
    report = import_mailbox(mailbox)
    assert report.busy and report.imported == 0
    assert "another importer" in report.line()
    assert len(imap.messages()) == 1


def test_expired_lock_of_a_dead_worker_is_taken_over(imap, mailbox):
    imap.append(corpus.plain())
    mailbox.locked_until = timezone.now() - datetime.timedelta(seconds=1)
    mailbox.lock_token = "dead-worker"
    mailbox.save()
    assert import_mailbox(mailbox).imported == 1


def test_server_without_uidplus_expunges_at_the_end(imap, mailbox, monkeypatch):
    from wagtail_tickets.mail import imap as imap_module

    original_open = imap_module.ImapConnection.open

    def open_without_uidplus(self):
        original_open(self)
        self.uidplus = False

    monkeypatch.setattr(imap_module.ImapConnection, "open", open_without_uidplus)
    imap.append(corpus.plain(subject="one"), corpus.plain(subject="two"))
    assert import_mailbox(mailbox).imported == 2
    assert imap.messages() == []


def test_command_prints_a_progress_line_per_mailbox(imap, mailbox, capsys):
    imap.append(corpus.plain(), corpus.bounce(), corpus.no_sender())
    call_command("import_ticket_mail")
    out = capsys.readouterr().out
    assert "Support inbox: 1 imported, 0 replies, 1 ignored, 1 quarantined" in out


def test_command_for_one_mailbox_by_name_or_id(imap, mailbox, capsys):
    imap.append(corpus.plain())
    call_command("import_ticket_mail", mailbox=str(mailbox.pk))
    assert "1 imported" in capsys.readouterr().out
    call_command("import_ticket_mail", mailbox="Support inbox")
    assert "0 imported" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("import_ticket_mail", mailbox="nope")


def test_command_reports_errors_on_stderr_and_goes_on(imap, mailbox, capsys):
    mailbox.password = "bad-pass-xyz"
    mailbox.save()
    call_command("import_ticket_mail")
    err = capsys.readouterr().err
    assert "Support inbox: 0 imported" in err and "login failed" in err
    assert "bad-pass-xyz" not in err


def test_inactive_mailbox_is_not_imported(imap, mailbox):
    mailbox.active = False
    mailbox.save()
    imap.append(corpus.plain())
    assert import_all() == []
    assert len(imap.messages()) == 1


def test_retry_after_raising_the_limit_imports_the_quarantined_message(imap, mailbox, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAIL_MAX_MESSAGE_SIZE": 10_000}
    imap.append(corpus.oversized(20_000))
    import_mailbox(mailbox)
    item = QuarantinedMessage.objects.get()
    assert retry_quarantined(item) == "quarantined"  # still too large
    item.refresh_from_db()
    assert item.attempts == 2
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAIL_MAX_MESSAGE_SIZE": 100_000}
    assert retry_quarantined(item) == "opened"
    assert not QuarantinedMessage.objects.exists()
    assert Ticket.objects.get().subject == "Huge"


def test_quarantined_message_is_not_quarantined_twice(imap, mailbox):
    raw = corpus.no_sender()
    imap.append(raw)
    import_mailbox(mailbox)
    imap.append(raw)  # the same bytes delivered again
    report = import_mailbox(mailbox)
    assert report.ignored == 1
    assert QuarantinedMessage.objects.count() == 1


def test_automatic_mail_is_capped_per_address_and_hour(settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "AUTO_MAIL_LIMIT_PER_HOUR": 3}
    now = timezone.now()
    assert [allow_automatic_mail("Robot@x.example", now) for _ in range(4)] == [
        True, True, True, False
    ]  # fmt: skip
    assert allow_automatic_mail("human@x.example", now)
    later = now + datetime.timedelta(hours=1, seconds=1)
    assert allow_automatic_mail("robot@x.example", later)
    assert prune_records(later) == 4
    assert AutoMailRecord.objects.count() == 1


def test_auto_replies_to_a_chatty_robot_stop_at_the_limit(
    imap, mailbox, settings, django_capture_on_commit_callbacks
):
    """A robot that answers every mail without marking it: each of its mails opens a
    ticket, but our automatic confirmations stop at the per-address limit."""
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "AUTO_MAIL_LIMIT_PER_HOUR": 2}
    imap.append(*(corpus.plain(sender="bot@robots.example", subject=f"n{n}") for n in range(4)))
    with django_capture_on_commit_callbacks(execute=True):
        assert import_mailbox(mailbox).imported == 4
    to_robot = OutgoingMail.objects.filter(to__icontains="bot@robots.example")
    assert to_robot.count() == 2
    assert all(mail.headers.get("Auto-Submitted") == "auto-generated" for mail in to_robot)


@pytest.fixture
def starttls_mailbox(imap_tls_server, mailbox):
    imap_tls_server.clear()
    mailbox.port = imap_tls_server.port
    mailbox.security = "starttls"
    mailbox.set_password(IMAP_PASSWORD)
    mailbox.save()
    yield mailbox
    imap_tls_server.clear()


def test_starttls_with_a_trusted_certificate_imports(
    imap_tls_server, starttls_mailbox, tls_certificate, monkeypatch
):
    monkeypatch.setenv("SSL_CERT_FILE", tls_certificate[0])  # the host trusts this CA
    imap_tls_server.append(corpus.plain())
    report = import_mailbox(starttls_mailbox)
    assert report.imported == 1 and not report.error
    assert imap_tls_server.messages() == []


def test_starttls_with_an_untrusted_certificate_fails_before_login(
    imap_tls_server, starttls_mailbox
):
    imap_tls_server.append(corpus.plain())
    report = import_mailbox(starttls_mailbox)
    assert "TLS failed" in report.error and "CERTIFICATE_VERIFY_FAILED" in report.error
    assert len(imap_tls_server.messages()) == 1
