"""Mail in and out with OAuth2, against real servers on 127.0.0.1: an IMAP server (pymap)
whose only SASL mechanism is XOAUTH2 and which checks each bearer token with the local
authorization server, and an SMTP server (aiosmtpd) that accepts only AUTH XOAUTH2 (or a
password, for a password mailbox)."""

from __future__ import annotations

import base64
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import MailboxFactory, OutgoingMailFactory, TicketTypeFactory
from tests.mail import corpus
from tests.mail.conftest import ROOT, ImapServer, _free_port
from tests.mail.oauth_provider import CLIENT_ID, CLIENT_SECRET, USER, Provider
from wagtail_tickets.mail.importer import import_all, import_mailbox, import_raw
from wagtail_tickets.models import Mailbox, OAuthApplication, OutgoingMail, Ticket
from wagtail_tickets.notifications.sending import send_outgoing

pytestmark = pytest.mark.django_db

HARNESS_PASSWORD = "harness-only"


class OAuthImapServer(ImapServer):
    """The pymap server of ``tests.mail.oauth_imap_server``: XOAUTH2 only for SASL."""

    def __init__(self, introspect_url: str) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.cafile = None
        self.user, self.password = USER, HARNESS_PASSWORD
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.mail.oauth_imap_server",
                str(self.port),
                USER,
                HARNESS_PASSWORD,
                introspect_url,
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        if self.process.stdout.readline().strip() != b"ready":
            self.stop()
            raise RuntimeError("the IMAP test server did not start")
        self._wait_listening()


@pytest.fixture(scope="module")
def provider():
    server = Provider()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def oauth_imap(provider):
    server = OAuthImapServer(f"{provider.base}/introspect")
    yield server
    server.stop()


@pytest.fixture
def imap(oauth_imap, provider):
    oauth_imap.clear()
    provider.mode = ""
    provider.refresh_count = 0
    provider.token_requests.clear()
    yield oauth_imap
    oauth_imap.clear()


@pytest.fixture
def app(provider):
    return OAuthApplication.objects.create(
        name="Local provider",
        provider="generic",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        authorize_url=provider.authorize_url,
        token_url=provider.token_url,
        scopes="imap",
    )


def signed_in_mailbox(provider, app, **fields) -> Mailbox:
    """A mailbox as after a sign-in, its access token already expired."""
    refresh = f"seed-{Mailbox.objects.count()}-{timezone.now().timestamp()}"
    with provider.lock:
        provider.refresh[refresh] = USER
    mailbox = MailboxFactory(
        auth_method="oauth2",
        oauth_application=app,
        password="",
        username=USER,
        ticket_type=TicketTypeFactory(name="Support"),
        **fields,
    )
    Mailbox.objects.filter(pk=mailbox.pk).update(
        oauth_refresh_token=refresh,
        oauth_expires_at=timezone.now() - timedelta(minutes=1),
    )
    return Mailbox.objects.select_related("ticket_type", "oauth_application").get(pk=mailbox.pk)


@pytest.fixture
def mailbox(imap, provider, app):
    return signed_in_mailbox(provider, app, host=imap.host, port=imap.port, security="none")


def test_the_server_offers_only_xoauth2(imap):
    client = imap.login()
    assert "AUTH=XOAUTH2" in client.capabilities and "AUTH=PLAIN" not in client.capabilities
    client.logout()


def test_a_full_import_with_oauth2(imap, mailbox, provider):
    imap.append(corpus.plain(subject="Signed-in mailbox"))
    checked = provider.introspections
    report = import_mailbox(mailbox)
    assert report.error == "", report.error
    assert provider.introspections > checked  # the server checked our bearer token
    assert Ticket.objects.get().subject == "Signed-in mailbox"
    assert imap.messages() == []
    assert provider.refresh_count == 1  # the expired token was refreshed first
    # the next run finds a valid token and asks the provider nothing
    imap.append(corpus.plain(subject="Second"))
    assert import_mailbox(Mailbox.objects.get(pk=mailbox.pk)).error == ""
    assert provider.refresh_count == 1 and Ticket.objects.count() == 2


def test_a_token_expiring_between_runs_is_refreshed(imap, mailbox, provider):
    import_mailbox(mailbox)
    Mailbox.objects.filter(pk=mailbox.pk).update(oauth_expires_at=timezone.now())
    imap.append(corpus.plain(subject="Later"))
    assert import_mailbox(Mailbox.objects.get(pk=mailbox.pk)).error == ""
    assert provider.refresh_count == 2 and Ticket.objects.filter(subject="Later").exists()


def test_a_token_the_server_refuses_is_dropped_and_replaced(imap, mailbox, provider):
    # our clock says valid, the server says no (revoked by an administrator of the tenant)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        oauth_access_token="revoked-access", oauth_expires_at=timezone.now() + timedelta(hours=1)
    )
    imap.append(corpus.plain(subject="Kept"))
    report = import_mailbox(Mailbox.objects.get(pk=mailbox.pk))
    assert "login failed" in report.error and "revoked-access" not in report.error
    assert len(imap.messages()) == 1
    stored = Mailbox.objects.get(pk=mailbox.pk)
    assert stored.oauth_access_token == "" and stored.signin_needed == ""
    assert import_mailbox(stored).error == ""
    assert Ticket.objects.filter(subject="Kept").exists()


def test_a_revoked_consent_pauses_the_mailbox_and_loses_nothing(imap, mailbox, provider):
    provider.revoke_all()
    imap.append(corpus.plain(subject="Waits on the server"))
    report = import_mailbox(mailbox)
    assert "Sign in again" in report.error and "invalid_grant" in report.error
    assert len(imap.messages()) == 1 and not Ticket.objects.exists()
    stored = Mailbox.objects.get(pk=mailbox.pk)
    assert stored.signin_needed and stored.last_error
    # later runs leave it alone: no crash loop, no requests to the provider
    requests = len(provider.token_requests)
    assert [r.name for r in import_all()] == []
    assert len(provider.token_requests) == requests
    assert len(imap.messages()) == 1


class SmtpWithXOAuth2:
    """An aiosmtpd server that requires authentication: XOAUTH2 checked against the
    provider, or a password for a password mailbox."""

    def __init__(self, provider: Provider, password: str = "") -> None:
        from aiosmtpd.controller import Controller

        self.provider = provider
        self.password = password
        self.received: list[tuple[str, list[str], bytes]] = []
        self.logins: list[tuple[str, str]] = []
        self.port = _free_port()
        self.controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            auth_required=True,
            auth_require_tls=False,
            authenticator=self.check_password,
        )
        self.controller.start()

    def check_password(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        ok = bool(self.password) and auth_data.password.decode() == self.password
        if ok:
            self.logins.append((mechanism, auth_data.login.decode()))
        return AuthResult(success=ok)

    async def auth_XOAUTH2(self, server, args):
        from aiosmtpd.smtp import AuthResult

        if len(args) < 2:
            return AuthResult(success=False)
        message = base64.b64decode(args[1]).decode()
        fields = dict(part.split("=", 1) for part in message.split("\x01") if "=" in part)
        token = fields.get("auth", "").removeprefix("Bearer ")
        user = self.provider.valid(token)
        if user is None or user != fields.get("user"):
            return AuthResult(success=False)
        self.logins.append(("XOAUTH2", user))
        return AuthResult(success=True)

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp(provider):
    server = SmtpWithXOAuth2(provider, password="smtp-password")
    yield server
    server.stop()


def outbox_row(ticket_type) -> OutgoingMail:
    """An outbox row about a ticket of ``ticket_type`` (opened by mail, as a customer
    would), due now."""
    mailbox = MailboxFactory(ticket_type=ticket_type, active=False, name=f"in-{ticket_type.pk}")
    import_raw(corpus.plain(subject=f"About {ticket_type.name}"), mailbox)
    ticket = Ticket.objects.get(ticket_type=ticket_type)
    return OutgoingMailFactory(
        ticket=ticket, state="pending", next_attempt_at=timezone.now(), to="carla@customer.example"
    )


def test_a_type_s_mail_leaves_through_its_mailbox_with_xoauth2(
    smtp, provider, app, mailoutbox, settings
):
    mailbox = signed_in_mailbox(
        provider,
        app,
        send_mail=True,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security="none",
    )
    row = outbox_row(mailbox.ticket_type)
    mailoutbox.clear()
    assert send_outgoing(row.pk)
    assert smtp.logins == [("XOAUTH2", USER)]
    assert len(smtp.received) == 1 and smtp.received[0][1] == ["carla@customer.example"]
    assert mailoutbox == []  # not through the site's EMAIL_BACKEND
    assert OutgoingMail.objects.get(pk=row.pk).state == "sent"

    # another type's mail goes through the site's backend, as before
    other = outbox_row(TicketTypeFactory(name="Sales"))
    mailoutbox.clear()
    assert send_outgoing(other.pk)
    assert len(mailoutbox) == 1 and len(smtp.received) == 1


def test_a_password_mailbox_sends_with_its_password(smtp, mailoutbox):
    mailbox = MailboxFactory(
        password="smtp-password",
        username="sales@tickets.example",
        send_mail=True,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security="none",
    )
    row = outbox_row(mailbox.ticket_type)
    assert send_outgoing(row.pk)
    assert smtp.logins == [("PLAIN", "sales@tickets.example")] or smtp.logins[0][1] == (
        "sales@tickets.example"
    )
    assert len(smtp.received) == 1


def test_a_refused_sign_in_fails_the_mail_for_a_retry(smtp, provider, app, mailoutbox):
    mailbox = signed_in_mailbox(
        provider,
        app,
        send_mail=True,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security="none",
    )
    provider.revoke_all()
    row = outbox_row(mailbox.ticket_type)
    assert not send_outgoing(row.pk)
    stored = OutgoingMail.objects.get(pk=row.pk)
    assert stored.state == "failed" and "Sign in again" in stored.last_error
    assert stored.next_attempt_at is not None  # kept for a retry, not lost
    assert smtp.received == [] and mailoutbox == []
    assert Mailbox.objects.get(pk=mailbox.pk).signin_needed


def test_a_token_expiring_mid_run_is_refreshed_and_the_run_completes(imap, mailbox, provider):
    """Microsoft 365 ends an IMAP session when its access token expires. Here the token
    expires after the first group of messages was committed, and the server ends the
    session before they are removed: the run signs in again with a refreshed token (the
    server checks it with the provider, which no longer accepts the old one), removes what
    was committed, imports the rest, and nothing is imported twice."""
    from wagtail_tickets.mail.imap import ImapConnection, ImapError
    from wagtail_tickets.mail.importer import FETCH_GROUP_MESSAGES

    total = FETCH_GROUP_MESSAGES + 5
    imap.append(*(corpus.plain(subject=f"Message {n}") for n in range(total)))
    sessions = []

    class ExpiringSession(ImapConnection):
        ended = False

        def open(self):
            super().open()
            sessions.append(self.mailbox.oauth_access_token)

        def delete(self, uids):
            if uids and not ExpiringSession.ended:
                ExpiringSession.ended = True
                with provider.lock:  # the hour is over: the provider expires the token
                    for token, (user, _expires) in list(provider.access.items()):
                        provider.access[token] = (user, 0)
                # and our clock, which said it was valid for a while yet, agrees
                expired = timezone.now() - timedelta(seconds=1)
                Mailbox.objects.filter(pk=self.mailbox.pk).update(oauth_expires_at=expired)
                self.mailbox.oauth_expires_at = expired
                raise ImapError("BYE Session invalidated - AccessTokenExpired")
            super().delete(uids)

    report = import_mailbox(mailbox, connect=ExpiringSession)
    assert report.error == "", report.error
    assert ExpiringSession.ended
    assert len(sessions) == 2 and sessions[0] != sessions[1]
    assert provider.valid(sessions[0]) is None and provider.valid(sessions[1]) == USER
    assert provider.refresh_count == 2  # once before the run, once in it
    assert Ticket.objects.count() == total and report.imported == total
    assert imap.messages() == []
    assert Mailbox.objects.get(pk=mailbox.pk).oauth_access_token == sessions[1]


def test_a_server_that_keeps_ending_sessions_ends_the_run(imap, mailbox, provider):
    """A new session is opened only a few times in one run: a server that keeps ending
    them ends the run with its error, and the mail waits on the server."""
    from wagtail_tickets.mail.imap import ImapConnection, ImapError

    imap.append(corpus.plain(subject="Stays"))

    class AlwaysEnding(ImapConnection):
        opened = 0

        def open(self):
            super().open()
            AlwaysEnding.opened += 1

        def fetch_many(self, uids):
            raise ImapError("BYE Session invalidated - AccessTokenExpired")

    report = import_mailbox(mailbox, connect=AlwaysEnding)
    assert "AccessTokenExpired" in report.error
    assert AlwaysEnding.opened == 4  # the first session and three new ones
    assert len(imap.messages()) == 1 and not Ticket.objects.exists()
