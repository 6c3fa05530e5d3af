"""The demo shows mail becoming a ticket (issue 5): the demo's IMAP server with the demo
login, ``tickets_demo``'s Support mailbox pointing at it, ``send_demo_mail`` dropping a mail in
and ``import_ticket_mail`` turning it into a Support ticket. The site commands run in
subprocesses with the example site's settings and their own SQLite file, migrated once for
the module (marked ``slow``: it migrates a fresh site and starts processes)."""

from __future__ import annotations

import imaplib
import importlib.util
import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from example_site.mailserver import DEMO_PASSWORD, DEMO_PORT, DEMO_USER, port_is_free
from tests.mail.conftest import ImapServer, _free_port
from tests.test_example_site import MANAGE, ROOT, run_python, site_env
from wagtail_tickets.models import Mailbox

pytestmark = pytest.mark.slow

SUBJECT = "Label printer jams on every second label"

SHOW_TICKETS = """
import django
django.setup()
from wagtail_tickets.models import Mailbox, Ticket
mailbox = Mailbox.objects.get(name="Support demo mailbox")
print("last_error:", repr(mailbox.last_error))
for ticket in Ticket.objects.filter(subject=%r):
    body = ticket.messages.first().body_html
    print("ticket:", ticket.ticket_type.name, ticket.requester_email,
          ticket.requester.username if ticket.requester else None, "paper" in body)
"""

SET_PORT = """
import django
django.setup()
from wagtail_tickets.models import Mailbox
print(Mailbox.objects.filter(name="Support demo mailbox").update(port=%d))
"""


@pytest.fixture(scope="module")
def demo_imap():
    server = ImapServer(user=DEMO_USER, password=DEMO_PASSWORD)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory, demo_imap):
    """The example site migrated from scratch, with the demo data, shared by the tests of
    this module; its mailbox reads the demo IMAP server on a free port (1143 may be taken by
    a running demo)."""
    folder = tmp_path_factory.mktemp("demo_mail")
    env = site_env(DATABASE_URL=f"sqlite:///{folder / 'site.sqlite3'}")
    for command in (["migrate", "--noinput"], ["tickets_demo", "--imap-port", str(demo_imap.port)]):
        result = manage(command, folder, env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return folder, env


def manage(command: list[str], folder, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MANAGE), *command],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_mail_sent_to_the_demo_mailbox_becomes_a_support_ticket(demo_site, demo_imap):
    folder, env = demo_site
    demo_imap.clear()

    sent = manage(
        ["send_demo_mail", "--from", "customer@example.com", "--subject", SUBJECT,
         "--body", "It jams on every second label, the paper is new."],
        folder, env,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr[-3000:]
    assert len(demo_imap.messages()) == 1

    imported = manage(["import_ticket_mail"], folder, env)
    assert imported.returncode == 0, imported.stderr[-3000:]
    assert "Support demo mailbox: 1 imported" in imported.stdout

    shown = run_python(SHOW_TICKETS % SUBJECT, env, folder)
    assert shown.returncode == 0, shown.stderr[-3000:]
    lines = shown.stdout.strip().splitlines()
    assert "last_error: ''" in lines
    # one ticket, of the mailbox's type, from the demo customer's account
    assert [line for line in lines if line.startswith("ticket:")] == [
        "ticket: Support customer@example.com customer True"
    ]
    # imported mail is removed from the server; importing again changes nothing
    assert demo_imap.messages() == []
    again = manage(["import_ticket_mail"], folder, env)
    assert "0 imported" in again.stdout
    assert run_python(SHOW_TICKETS % SUBJECT, env, folder).stdout == shown.stdout


def test_an_unknown_sender_opens_a_ticket_too(demo_site, demo_imap):
    folder, env = demo_site
    demo_imap.clear()
    subject = "Question from a new customer"
    sent = manage(
        ["send_demo_mail", "--from", "carla@example.net", "--subject", subject], folder, env
    )
    assert sent.returncode == 0, sent.stderr[-3000:]
    assert manage(["import_ticket_mail"], folder, env).returncode == 0
    shown = run_python(SHOW_TICKETS % subject, env, folder)
    assert "ticket: Support carla@example.net None False" in shown.stdout, shown.stderr[-3000:]


@pytest.fixture
def mailbox_without_server(demo_site, demo_imap):
    """The shared site's demo mailbox pointed at a port nothing listens on, for one test."""
    folder, env = demo_site

    def point_at(port: int) -> None:
        result = run_python(SET_PORT % port, env, folder)
        assert result.returncode == 0 and result.stdout.strip() == "1", result.stderr[-3000:]

    point_at(_free_port())
    yield folder, env
    point_at(demo_imap.port)


def test_without_a_server_the_helper_says_so_without_a_traceback(mailbox_without_server):
    folder, env = mailbox_without_server

    result = manage(["send_demo_mail"], folder, env)

    assert result.returncode == 1
    assert "connection refused" in result.stderr
    assert "Traceback" not in result.stderr
    assert DEMO_PASSWORD not in result.stderr + result.stdout
    missing = manage(["send_demo_mail", "--mailbox", "No such mailbox"], folder, env)
    assert missing.returncode == 1 and "tickets_demo" in missing.stderr


@pytest.mark.django_db
def test_tickets_demo_creates_the_support_mailbox_once_and_keeps_admin_changes():
    call_command("tickets_demo", stdout=StringIO())
    mailbox = Mailbox.objects.get()
    assert mailbox.ticket_type.name == "Support"
    assert (mailbox.host, mailbox.port, mailbox.folder) == ("127.0.0.1", DEMO_PORT, "INBOX")
    assert mailbox.security == Mailbox.Security.NONE and mailbox.active
    assert (mailbox.username, mailbox.password) == (DEMO_USER, DEMO_PASSWORD)
    mailbox.active = False
    mailbox.save()

    call_command("tickets_demo", stdout=StringIO())

    assert Mailbox.objects.get().active is False


@pytest.fixture
def dev():
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dev_script_leaves_a_taken_port_alone(dev, demo_imap, monkeypatch, capsys):
    """A real IMAP server already holds the default port: the demo takes another one and
    says so, and a port chosen in DEMO_IMAP_PORT that is taken stops the demo."""
    monkeypatch.setattr(dev, "DEMO_PORT", demo_imap.port)
    monkeypatch.delenv("DEMO_IMAP_PORT", raising=False)

    assert dev.choose_imap_port() != demo_imap.port
    assert f"127.0.0.1:{demo_imap.port} is in use" in capsys.readouterr().out
    monkeypatch.setenv("DEMO_IMAP_PORT", str(demo_imap.port))
    with pytest.raises(ValueError, match="is in use by another program"):
        dev.choose_imap_port()


def test_dev_script_starts_and_stops_the_demo_server(dev, monkeypatch):
    port = _free_port()
    monkeypatch.setattr(dev, "DEMO_PORT", port)
    [server] = dev.start_mail_server(Path(sys.executable), dict(os.environ), port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                client = imaplib.IMAP4("127.0.0.1", port, timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, "the demo IMAP server does not listen"
                time.sleep(0.1)
        client.login(DEMO_USER, DEMO_PASSWORD)
        assert client.select("INBOX")[0] == "OK"
        client.logout()
    finally:
        dev.stop(server)
    assert server.returncode == 0
    assert port_is_free(port)
