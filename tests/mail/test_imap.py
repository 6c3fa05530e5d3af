"""The IMAP side of the import: messages fetched in bounded groups, one round trip per
group, and removed from the server only after their transaction committed; every connection
checked by the guard (no private server unless allowed, no second lookup, TLS on the name)
and none without a password."""

from __future__ import annotations

import socket
import ssl

import pytest

from tests.mail import corpus
from tests.mail.conftest import IMAP_PASSWORD
from tests.test_netguard import fake_dns
from wagtail_tickets.mail import importer
from wagtail_tickets.mail.imap import ImapConnection, ImapError, _literals, _uid_set
from wagtail_tickets.mail.importer import fetch_groups, import_mailbox
from wagtail_tickets.models import InboundMessage, Mailbox, Ticket

MiB = 1024 * 1024


def test_uid_sets_join_runs():
    assert _uid_set([3]) == "3"
    assert _uid_set([1, 2, 3, 7, 9, 10]) == "1:3,7,9:10"
    assert _uid_set([]) == ""


def test_fetch_groups_are_bounded_in_count_and_bytes(monkeypatch):
    monkeypatch.setattr(importer, "FETCH_GROUP_MESSAGES", 3)
    monkeypatch.setattr(importer, "FETCH_GROUP_BYTES", 10 * MiB)
    uids = list(range(1, 8))
    assert fetch_groups(uids, dict.fromkeys(uids, 1000)) == [[1, 2, 3], [4, 5, 6], [7]]
    sizes = {1: 4 * MiB, 2: 4 * MiB, 3: 4 * MiB, 4: 30 * MiB, 5: 1000}
    assert fetch_groups([1, 2, 3, 4, 5], sizes) == [[1, 2], [3], [4], [5]]
    # a size the server did not tell counts as large: that message comes alone
    assert fetch_groups([1, 2, 3], {1: 10, 3: 10}) == [[1], [2], [3]]
    assert fetch_groups([], {}) == []


def test_fetch_answers_are_read_with_the_uid_before_or_after_the_body():
    data = [
        (b"1 (UID 11 BODY[] {5}", b"first"),
        b")",
        (b"2 (BODY[] {6}", b"second"),
        b" UID 12)",
        b"3 (FLAGS (\\Seen) UID 13)",  # an unsolicited update, no body
        (b"4 (UID 14 BODY[] {5}", b"third"),
        b")",
    ]
    assert list(_literals(data)) == [(11, b"first"), (12, b"second"), (14, b"third")]


@pytest.mark.django_db
def test_messages_are_fetched_and_removed_a_group_at_a_time(imap, mailbox, monkeypatch):
    monkeypatch.setattr(importer, "FETCH_GROUP_MESSAGES", 4)
    imap.append(*(corpus.plain(subject=f"mail {n}") for n in range(10)))
    commands: list[str] = []
    original_open = ImapConnection.open

    def counting_open(self):
        original_open(self)
        uid = self.client.uid

        def counted(command, *args):
            commands.append(f"{command} {args[-1] if command == 'FETCH' else ''}".strip())
            return uid(command, *args)

        self.client.uid = counted

    monkeypatch.setattr(ImapConnection, "open", counting_open)
    report = import_mailbox(mailbox)
    assert not report.error and report.imported == 10
    assert imap.messages() == []
    assert commands.count("FETCH (BODY.PEEK[])") == 3  # 4 + 4 + 2 messages
    assert commands.count("FETCH (RFC822.SIZE)") == 1
    assert commands.count("STORE") == 3
    assert Ticket.objects.count() == 10


@pytest.mark.django_db
def test_a_worker_killed_in_a_shared_transaction_keeps_nothing_of_it(imap, mailbox, monkeypatch):
    """Messages imported together commit together: a worker killed half-way through them
    leaves every one on the server, none in the ledger, and the next run imports each once."""
    imap.append(*(corpus.plain(subject=f"mail {n}") for n in range(3)))
    real_change = importer._change_ticket
    calls = []

    def dies_on_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("worker killed")
        return real_change(*args, **kwargs)

    monkeypatch.setattr(importer, "_change_ticket", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        import_mailbox(mailbox)
    assert len(calls) == 2  # the first ticket was made, then rolled back with the rest
    assert not Ticket.objects.exists() and not InboundMessage.objects.exists()
    assert len(imap.messages()) == 3
    monkeypatch.setattr(importer, "_change_ticket", real_change)
    mailbox.refresh_from_db()
    mailbox.locked_until = None  # the dead worker's lease would expire; do not wait for it
    mailbox.save(update_fields=["locked_until"])
    report = import_mailbox(mailbox)
    assert report.imported == 3
    assert imap.messages() == []
    assert Ticket.objects.count() == 3 and InboundMessage.objects.count() == 3


@pytest.mark.django_db
def test_a_group_stopped_half_way_removes_only_what_committed(imap, mailbox, monkeypatch):
    """A worker killed in the middle of a group of messages imported one by one (each
    carries a file): the messages it imported leave the server, the others stay for the
    next run, and nothing is imported twice."""
    imap.append(*(corpus.multipart_with_attachments() for _n in range(3)))
    real_import = importer.import_raw
    calls = []

    def dies_on_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("worker killed")
        return real_import(*args, **kwargs)

    monkeypatch.setattr(importer, "import_raw", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        import_mailbox(mailbox)
    assert Ticket.objects.count() == 1
    assert len(imap.messages()) == 2
    monkeypatch.setattr(importer, "import_raw", real_import)
    mailbox.refresh_from_db()
    mailbox.locked_until = None  # the dead worker's lease would expire; do not wait for it
    mailbox.save(update_fields=["locked_until"])
    report = import_mailbox(mailbox)
    assert report.imported == 2
    assert imap.messages() == []
    assert Ticket.objects.count() == 3 and InboundMessage.objects.count() == 3


@pytest.mark.django_db
def test_a_message_that_vanished_before_the_fetch_is_skipped(imap, mailbox, monkeypatch):
    imap.append(corpus.plain(subject="stays"), corpus.plain(subject="gone"))
    original = ImapConnection.fetch_many

    def lose_the_last(self, uids):
        found = original(self, uids)
        found.pop(max(found))
        return found

    monkeypatch.setattr(ImapConnection, "fetch_many", lose_the_last)
    report = import_mailbox(mailbox)
    assert report.imported == 1
    assert Ticket.objects.get().subject == "stays"
    assert len(imap.messages()) == 1  # not removed: it was never imported


# Every connection goes through the guard: the host is looked up once, checked, and the
# socket opened to the checked address; TLS still verifies the host name.


@pytest.fixture
def no_allow_list(settings):
    settings.WAGTAIL_TICKETS = {
        key: value
        for key, value in settings.WAGTAIL_TICKETS.items()
        if key != "MAIL_ALLOWED_PRIVATE_NETWORKS"
    }


@pytest.fixture
def connections(monkeypatch):
    """Every TCP connection opened from now on, by address (the test's own IMAP helper
    connects too: clear the list before the call under test)."""
    opened: list = []
    real_connect = socket.socket.connect

    def connect(self, address):
        opened.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return opened


@pytest.mark.django_db
@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "2130706433", "0x7f.1", "::ffff:127.0.0.1"]
)
def test_a_local_server_is_refused_without_the_allow_list(
    imap, mailbox, no_allow_list, connections, host
):
    imap.append(corpus.plain())
    Mailbox.objects.filter(pk=mailbox.pk).update(host=host)
    mailbox.refresh_from_db()
    connections.clear()  # the test's own APPEND
    report = import_mailbox(mailbox)
    assert "local, private or reserved" in report.error
    assert IMAP_PASSWORD not in report.error
    assert connections == []
    assert len(imap.messages()) == 1 and not Ticket.objects.exists()


@pytest.mark.django_db
def test_the_allow_list_lets_the_import_reach_the_local_server(imap, mailbox, settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "MAIL_ALLOWED_PRIVATE_NETWORKS": ["127.0.0.0/8"],
    }
    imap.append(corpus.plain())
    assert import_mailbox(mailbox).imported == 1


@pytest.mark.django_db
def test_the_name_is_looked_up_once_and_not_again(imap, mailbox, monkeypatch, connections):
    """DNS rebinding: whatever the name answers after the check, the connection goes to
    the address that was checked."""
    imap.append(corpus.plain())
    Mailbox.objects.filter(pk=mailbox.pk).update(host="imap.rebinding.example")
    mailbox.refresh_from_db()
    real = socket.getaddrinfo
    answers = iter([["127.0.0.1"], ["169.254.169.254"], ["169.254.169.254"]])
    asked = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "imap.rebinding.example":
            return real(host, port, *args, **kwargs)
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in next(answers)]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    connections.clear()
    report = import_mailbox(mailbox)
    assert not report.error and report.imported == 1
    assert asked == ["imap.rebinding.example"]
    assert connections == [("127.0.0.1", imap.port)]


@pytest.mark.django_db
def test_tls_checks_the_certificate_against_the_host_name(
    imap_tls_server, mailbox, tls_certificate, monkeypatch, connections
):
    """The connection goes to the checked address, but the certificate (made for
    127.0.0.1) must match the name the mailbox gives, which it does not."""
    monkeypatch.setenv("SSL_CERT_FILE", tls_certificate[0])
    imap_tls_server.clear()
    imap_tls_server.append(corpus.plain())
    fake_dns(monkeypatch, {"imap.tickets.example": ["127.0.0.1"]})
    wrapped: list = []
    real_wrap = ssl.SSLContext.wrap_socket

    def wrap_socket(self, sock, *args, **kwargs):
        wrapped.append(kwargs.get("server_hostname"))
        return real_wrap(self, sock, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "wrap_socket", wrap_socket)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        host="imap.tickets.example", port=imap_tls_server.port, security="starttls"
    )
    mailbox.refresh_from_db()
    connections.clear()
    report = import_mailbox(mailbox)
    assert "TLS failed" in report.error
    assert "match" in report.error or "CERTIFICATE_VERIFY_FAILED" in report.error
    assert wrapped == ["imap.tickets.example"]
    assert connections == [("127.0.0.1", imap_tls_server.port)]
    assert len(imap_tls_server.messages()) == 1

    # the same server under the name its certificate has: imported
    Mailbox.objects.filter(pk=mailbox.pk).update(host="127.0.0.1")
    mailbox.refresh_from_db()
    assert import_mailbox(mailbox).imported == 1
    assert wrapped[-1] == "127.0.0.1"


@pytest.mark.django_db
def test_tls_mailboxes_send_the_host_name_too(mailbox, monkeypatch, connections):
    """Implicit TLS (port 993 style) wraps the checked connection with the name as well."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        fake_dns(monkeypatch, {"imap.tickets.example": ["127.0.0.1"]})
        wrapped: list = []

        def wrap_socket(self, sock, *args, **kwargs):
            wrapped.append(kwargs.get("server_hostname"))
            raise ssl.SSLError("handshake stopped by the test")

        monkeypatch.setattr(ssl.SSLContext, "wrap_socket", wrap_socket)
        Mailbox.objects.filter(pk=mailbox.pk).update(
            host="imap.tickets.example", port=port, security="tls"
        )
        mailbox.refresh_from_db()
        with pytest.raises(ImapError, match="TLS failed"):
            ImapConnection(mailbox, timeout=2).open()
    assert wrapped == ["imap.tickets.example"]
    assert connections == [("127.0.0.1", port)]


@pytest.mark.django_db
def test_without_a_password_nothing_is_connected(imap, mailbox, connections):
    Mailbox.objects.filter(pk=mailbox.pk).update(password="")
    mailbox.refresh_from_db()
    imap.append(corpus.plain())
    connections.clear()
    report = import_mailbox(mailbox)
    assert "no password stored" in report.error
    assert connections == []
    with pytest.raises(ImapError, match="no password stored"):
        ImapConnection(mailbox).open()


@pytest.mark.django_db
@pytest.mark.parametrize("port", [0, 70000, 65536, -5, "abc", None])
def test_a_port_out_of_range_is_refused_before_connecting(mailbox, connections, port):
    mailbox.port = port  # as another code path could leave it
    with pytest.raises(ImapError, match="between 1 and 65535"):
        ImapConnection(mailbox).open()
    assert connections == []
