"""The IMAP side of the import, with the standard library's ``imaplib``: connect, list,
fetch, flag ``\\Deleted`` and expunge. Every failure becomes an ``ImapError`` whose text
says what went wrong and where, without the password, so it can be logged and shown.

A mailbox logs in with its password or, signed in with OAuth2, with SASL XOAUTH2 (or
OAUTHBEARER where the server offers only that) and an access token from ``mail.oauth``.

Every connection goes through ``netguard``: the host is looked up once, refused when it
leads to a private or local address the site does not allow, and the socket is opened to
the checked address while TLS still verifies the certificate against the host name."""

from __future__ import annotations

import imaplib
import re
import ssl
from collections.abc import Iterable, Iterator

from .. import netguard
from ..conf import app_settings
from ..models import Mailbox
from . import oauth


class ImapError(Exception):
    """The mailbox cannot be read now; the next run tries again."""


class _CheckedIMAP4(imaplib.IMAP4):
    """imaplib's client on a connection to addresses checked beforehand. ``host`` stays
    the name, for STARTTLS's certificate check."""

    def __init__(self, host: str, port: int, endpoints: list[netguard.Endpoint], timeout):
        self._endpoints = endpoints
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout):
        return netguard.connect(self._endpoints, timeout)


class _CheckedIMAP4_SSL(imaplib.IMAP4_SSL):
    """imaplib's TLS client on a connection to addresses checked beforehand; the
    certificate must match the host name (also sent as SNI), not the address."""

    def __init__(
        self, host: str, port: int, endpoints: list[netguard.Endpoint], ssl_context, timeout
    ):
        self._endpoints = endpoints
        super().__init__(host, port, ssl_context=ssl_context, timeout=timeout)

    def _create_socket(self, timeout):
        sock = netguard.connect(self._endpoints, timeout)
        try:
            return self.ssl_context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


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
        for secret in (self.mailbox.password, self.mailbox.oauth_access_token):
            if secret:
                detail = detail.replace(secret, "***")
        return ImapError(f"{self.mailbox.address_label}: {what}: {detail}")

    def open(self) -> None:
        mailbox = self.mailbox
        token = ""
        if mailbox.uses_oauth:
            try:
                token = oauth.access_token(mailbox)
            except (oauth.SignInNeeded, oauth.TokenError, oauth.OAuthUnavailable) as exc:
                raise ImapError(f"{mailbox.address_label}: {exc}") from None
        elif not mailbox.password:
            # cleared when the server or login changed: nothing is sent anywhere until an
            # administrator enters the password for the new one
            raise ImapError(
                f"{mailbox.address_label}: no password stored; "
                "enter it again in the mailbox's settings"
            )
        try:
            endpoints = netguard.resolve(mailbox.host, mailbox.port)
        except netguard.AddressRefused as exc:
            raise ImapError(f"{mailbox.address_label}: {exc}") from None
        host = netguard.host_name(mailbox.host)
        try:
            if mailbox.security == Mailbox.Security.TLS:
                client = _CheckedIMAP4_SSL(
                    host,
                    int(mailbox.port),
                    endpoints,
                    ssl_context=ssl.create_default_context(),
                    timeout=self.timeout,
                )
            else:
                client = _CheckedIMAP4(host, int(mailbox.port), endpoints, timeout=self.timeout)
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
            if token:
                self._authenticate(client, host, token)
            else:
                client.login(mailbox.username, mailbox.password)
        except imaplib.IMAP4.error as exc:
            self.close()
            if token:
                oauth.forget_access_token(mailbox)
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

    def _authenticate(self, client: imaplib.IMAP4, host: str, token: str) -> None:
        """SASL with the access token: XOAUTH2 where offered (or when nothing is said),
        OAUTHBEARER where only that is."""
        mailbox = self.mailbox
        offered = {str(item).upper() for item in client.capabilities}
        if "AUTH=OAUTHBEARER" in offered and "AUTH=XOAUTH2" not in offered:
            message = oauth.oauthbearer(mailbox.username, token, host, int(mailbox.port))
            client.authenticate("OAUTHBEARER", oauth.SaslResponder(message))
        else:
            client.authenticate(
                "XOAUTH2", oauth.SaslResponder(oauth.xoauth2(mailbox.username, token))
            )

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

    def sizes(self, uids: Iterable[int]) -> dict[int, int]:
        """The size in bytes of each message, in one command, so the import can fetch
        several at a time and still bound what it holds in memory."""
        wanted = sorted(set(uids))
        if not wanted:
            return {}
        typ, data = self._call(
            "fetch sizes", self.client.uid, "FETCH", _uid_set(wanted), "(RFC822.SIZE)"
        )
        if typ != "OK":
            raise self._fail("fetch of message sizes failed", Exception(_text(data)))
        found: dict[int, int] = {}
        for item in data or []:
            line = item[0] if isinstance(item, tuple) else item
            uid, size = _UID.search(_bytes(line or b"")), _SIZE.search(_bytes(line or b""))
            if uid and size and int(uid.group(1)) in wanted:
                found[int(uid.group(1))] = int(size.group(1))
        return found

    def fetch(self, uid: int) -> bytes | None:
        """The whole message, without setting ``\\Seen``; ``None`` if it vanished."""
        return self.fetch_many([uid]).get(uid)

    def fetch_many(self, uids: Iterable[int]) -> dict[int, bytes]:
        """Whole messages by UID in one round trip, without setting ``\\Seen``. A message
        that vanished is missing from the result; anything the server adds that was not
        asked for is left out."""
        wanted = sorted(set(uids))
        if not wanted:
            return {}
        typ, data = self._call("fetch", self.client.uid, "FETCH", _uid_set(wanted), "(BODY.PEEK[])")
        if typ != "OK":
            raise self._fail(f"fetch of UID {_uid_set(wanted)} failed", Exception(_text(data)))
        found: dict[int, bytes] = {}
        for uid, body in _literals(data or []):
            if uid is None and len(wanted) == 1:
                uid = wanted[0]  # a server that leaves the UID out of a single answer
            if uid in wanted and uid not in found:
                found[uid] = body
        return found

    def delete(self, uids: Iterable[int] | int) -> None:
        """Flag messages ``\\Deleted`` (one command for all of them) and, where the server
        can (UIDPLUS), expunge just those; otherwise ``expunge()`` at the end of the run
        removes them."""
        wanted = [uids] if isinstance(uids, int) else sorted(set(uids))
        if not wanted:
            return
        uid_set = _uid_set(wanted)
        typ, data = self._call(
            "flag as deleted", self.client.uid, "STORE", uid_set, "+FLAGS.SILENT", "(\\Deleted)"
        )
        if typ != "OK":
            raise self._fail(f"cannot flag UID {uid_set}", Exception(_text(data)))
        if self.uidplus:
            self._call("expunge", self.client.uid, "EXPUNGE", uid_set)

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


_UID = re.compile(rb"\bUID\s+(\d+)", re.IGNORECASE)
_SIZE = re.compile(rb"\bRFC822\.SIZE\s+(\d+)", re.IGNORECASE)


def _uid_set(uids: list[int]) -> str:
    """``1,2,3`` (RFC 3501 sequence set); runs of consecutive UIDs as ``4:9``."""
    parts: list[str] = []
    start = previous = None
    for uid in uids:
        if previous is not None and uid == previous + 1:
            previous = uid
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}:{previous}")
        start = previous = uid
    if start is not None:
        parts.append(str(start) if start == previous else f"{start}:{previous}")
    return ",".join(parts)


def _literals(data: list) -> Iterator[tuple[int | None, bytes]]:
    """``(uid, body)`` of each message in a FETCH answer. imaplib gives a message as a
    ``(head, literal)`` pair followed by the rest of its line; the UID may stand in the
    head (``1 (UID 7 BODY[] {512}``) or in that rest (`` UID 7)``)."""
    for index, item in enumerate(data):
        if not (isinstance(item, tuple) and len(item) == 2):
            continue
        head, body = _bytes(item[0]), item[1]
        match = _UID.search(head)
        if match is None and index + 1 < len(data) and not isinstance(data[index + 1], tuple):
            match = _UID.search(_bytes(data[index + 1] or b""))
        yield (int(match.group(1)) if match else None), body


def _bytes(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def _text(data) -> str:
    return " ".join(_bytes(d).decode("utf-8", "replace") for d in (data or []) if d)[:300]
