"""Fixtures of the mail tests: a real IMAP server (pymap) on 127.0.0.1 and a free port,
fed with IMAP APPEND, and a mailbox pointing at it."""

from __future__ import annotations

import imaplib
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import MailboxFactory, TicketTypeFactory

ROOT = Path(__file__).resolve().parents[2]
IMAP_USER = "support@tickets.example"
IMAP_PASSWORD = "imap-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ImapServer:
    """A pymap process; it exits when the test process closes its standard input."""

    def __init__(
        self,
        cert: str | None = None,
        key: str | None = None,
        user: str = IMAP_USER,
        password: str = IMAP_PASSWORD,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.cafile = cert
        self.user, self.password = user, password
        tls_files = [cert, key] if cert else []
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.mail.imap_server",
                str(self.port),
                user,
                password,
                *tls_files,
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        line = self.process.stdout.readline()
        if line.strip() != b"ready":
            self.stop()
            raise RuntimeError("the IMAP test server did not start")
        self._wait_listening()

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the IMAP test server does not listen")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def login(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        if self.cafile:
            client.starttls(ssl.create_default_context(cafile=self.cafile))
        client.login(self.user, self.password)
        return client

    def client(self, folder: str = "INBOX") -> imaplib.IMAP4:
        client = self.login()
        client.select(f'"{folder}"')
        return client

    def append(self, *messages: bytes, folder: str = "INBOX") -> None:
        client = self.login()
        for raw in messages:
            typ, data = client.append(f'"{folder}"', None, None, raw)
            assert typ == "OK", data
        client.logout()

    def messages(self, folder: str = "INBOX") -> list[bytes]:
        """Every message still on the server (also those flagged, not yet expunged)."""
        client = self.client(folder)
        typ, data = client.uid("SEARCH", None, "ALL")
        uids = data[0].split()
        found = []
        for uid in uids:
            typ, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
            found.extend(item[1] for item in fetched if isinstance(item, tuple))
        client.logout()
        return found

    def clear(self, folder: str = "INBOX") -> None:
        client = self.client(folder)
        typ, data = client.uid("SEARCH", None, "ALL")
        if data[0]:
            client.uid("STORE", b",".join(data[0].split()), "+FLAGS.SILENT", "(\\Deleted)")
            client.expunge()
        client.logout()


@pytest.fixture(scope="session")
def imap_server():
    server = ImapServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


@pytest.fixture(scope="session")
def imap_tls_server(tls_certificate):
    """An IMAP server that requires STARTTLS before login."""
    server = ImapServer(*tls_certificate)
    yield server
    server.stop()


@pytest.fixture
def imap(imap_server):
    """The IMAP server with an empty INBOX."""
    imap_server.clear()
    yield imap_server
    imap_server.clear()


@pytest.fixture
def support_type(db):
    return TicketTypeFactory(name="Support")


@pytest.fixture
def mailbox(imap, support_type):
    return MailboxFactory(
        name="Support inbox",
        ticket_type=support_type,
        host=imap.host,
        port=imap.port,
        security="none",
        username=IMAP_USER,
        password=IMAP_PASSWORD,
    )
