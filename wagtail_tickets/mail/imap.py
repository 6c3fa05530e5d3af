"""The IMAP side of the import, with the standard library's ``imaplib``: connect, list,
fetch, flag ``\\Deleted`` and expunge. Every failure becomes an ``ImapError`` whose text
says what went wrong and where, without the password, so it can be logged and shown."""

from __future__ import annotations

import imaplib
import ssl

from ..conf import app_settings
from ..models import Mailbox


class ImapError(Exception):
    """The mailbox cannot be read now; the next run tries again."""


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapConnection:
    """One logged-in session on a mailbox's folder. Use as a context manager."""

    def __init__(self, mailbox: Mailbox, timeout: float | None = None) -> None:
        self.mailbox = mailbox
        self.timeout = app_settings.MAIL_IMAP_TIMEOUT if timeout is None else timeout
        self.client: imaplib.IMAP4 | None = None
        self.uidvalidity = 0
        self.uidplus = False

    def __enter__(self) -> ImapConnection:
        self.open()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _fail(self, what: str, exc: BaseException) -> ImapError:
        detail = str(exc) or exc.__class__.__name__
        if isinstance(exc, bytes):  # pragma: no cover - imaplib passes text
            detail = exc.decode("utf-8", "replace")
        detail = detail.replace(self.mailbox.password, "***") if self.mailbox.password else detail
        return ImapError(f"{self.mailbox.address_label}: {what}: {detail}")

    def open(self) -> None:
        mailbox = self.mailbox
        try:
            if mailbox.security == Mailbox.Security.TLS:
                client = imaplib.IMAP4_SSL(
                    mailbox.host,
                    mailbox.port,
                    ssl_context=ssl.create_default_context(),
                    timeout=self.timeout,
                )
            else:
                client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=self.timeout)
                if mailbox.security == Mailbox.Security.STARTTLS:
                    client.starttls(ssl.create_default_context())
        except ConnectionRefusedError as exc:
            raise self._fail("connection refused", exc) from None
        except TimeoutError as exc:
            raise self._fail("timed out while connecting", exc) from None
        except ssl.SSLError as exc:
            raise self._fail("TLS failed", exc) from None
        except (OSError, imaplib.IMAP4.error) as exc:
            raise self._fail("cannot connect", exc) from None
        self.client = client
        try:
            client.login(mailbox.username, mailbox.password)
        except imaplib.IMAP4.error as exc:
            self.close()
            raise self._fail("login failed", exc) from None
        except OSError as exc:
            self.close()
            raise self._fail("connection lost during login", exc) from None
        self.uidplus = "UIDPLUS" in client.capabilities
        typ, data = self._call("select folder", client.select, _quote(mailbox.folder))
        if typ != "OK":
            raise self._fail("cannot open folder", Exception(_text(data)))
        codes = client.response("UIDVALIDITY")[1]
        try:
            self.uidvalidity = int(codes[0]) if codes and codes[0] else 0
        except ValueError:
            self.uidvalidity = 0

    def _call(self, what: str, method, *args):
        try:
            return method(*args)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise self._fail(what, exc) from None

    def uids(self) -> list[int]:
        """UIDs of the messages not yet flagged ``\\Deleted``, oldest first."""
        typ, data = self._call("search", self.client.uid, "SEARCH", None, "UNDELETED")
        if typ != "OK":
            raise self._fail("search failed", Exception(_text(data)))
        return sorted(int(x) for x in b" ".join(_bytes(d) for d in data if d).split())

    def fetch(self, uid: int) -> bytes | None:
        """The whole message, without setting ``\\Seen``; ``None`` if it vanished."""
        typ, data = self._call("fetch", self.client.uid, "FETCH", str(uid), "(BODY.PEEK[])")
        if typ != "OK":
            raise self._fail(f"fetch of UID {uid} failed", Exception(_text(data)))
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        return None

    def delete(self, uid: int) -> None:
        """Flag one message ``\\Deleted`` and, where the server can (UIDPLUS), expunge just
        that message; otherwise ``expunge()`` at the end of the run removes it."""
        typ, data = self._call(
            "flag as deleted", self.client.uid, "STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)"
        )
        if typ != "OK":
            raise self._fail(f"cannot flag UID {uid}", Exception(_text(data)))
        if self.uidplus:
            self._call("expunge", self.client.uid, "EXPUNGE", str(uid))

    def expunge(self) -> None:
        self._call("expunge", self.client.expunge)

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            if client.state == "SELECTED":
                client.close()
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            try:
                client.shutdown()
            except OSError:
                pass


def _bytes(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def _text(data) -> str:
    return " ".join(_bytes(d).decode("utf-8", "replace") for d in (data or []) if d)[:300]
