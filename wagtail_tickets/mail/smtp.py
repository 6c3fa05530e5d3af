"""Mail that leaves through a mailbox's own SMTP account.

A mailbox with "send the type's mail through this mailbox" sends the mail about tickets of
its type itself, so replies come from the Microsoft 365 or Google address and land in its
Sent folder; every other mail goes through the site's ``EMAIL_BACKEND`` as before. The
backend is Django's SMTP backend with two changes: the connection goes through
``netguard`` (to the checked address; TLS still verifies the host name), and a mailbox
signed in with OAuth2 authenticates with SASL XOAUTH2 and its access token instead of a
password.
"""

from __future__ import annotations

import smtplib
import ssl

from django.core.mail.backends.smtp import EmailBackend

from .. import netguard
from ..models import Mailbox
from . import oauth


class _CheckedSMTP(smtplib.SMTP):
    """smtplib's client on a connection to addresses checked beforehand."""

    def __init__(self, host, port, endpoints, timeout, **kwargs):
        self._endpoints = endpoints
        super().__init__(host, port, timeout=timeout, **kwargs)

    def _get_socket(self, host, port, timeout):
        return netguard.connect(self._endpoints, timeout)


class _CheckedSMTP_SSL(smtplib.SMTP_SSL):
    """smtplib's TLS client on a connection to addresses checked beforehand."""

    def __init__(self, host, port, endpoints, timeout, context):
        self._endpoints = endpoints
        super().__init__(host, port, timeout=timeout, context=context)

    def _get_socket(self, host, port, timeout):
        sock = netguard.connect(self._endpoints, timeout)
        try:
            return self.context.wrap_socket(sock, server_hostname=self._host)
        except BaseException:
            sock.close()
            raise


class MailboxEmailBackend(EmailBackend):
    """Django's SMTP backend on one mailbox's SMTP account."""

    def __init__(self, mailbox: Mailbox, fail_silently: bool = False, timeout=None, **kwargs):
        self.mailbox = mailbox
        security = mailbox.smtp_security
        super().__init__(
            host=netguard.host_name(mailbox.smtp_host),
            port=int(mailbox.smtp_port),
            username=mailbox.username,
            password="",  # never handed to Django's login(): open() authenticates
            use_tls=security == Mailbox.SmtpSecurity.STARTTLS,
            use_ssl=security == Mailbox.SmtpSecurity.TLS,
            fail_silently=fail_silently,
            timeout=timeout or 30,
            **kwargs,
        )

    def open(self) -> bool | None:
        if self.connection:
            return False
        mailbox = self.mailbox
        token = ""
        if mailbox.uses_oauth:
            try:
                token = oauth.access_token(mailbox)
            except (oauth.SignInNeeded, oauth.TokenError, oauth.OAuthUnavailable) as exc:
                if self.fail_silently:
                    return False
                raise smtplib.SMTPException(f"{mailbox.name}: {exc}") from None
        elif not mailbox.password:
            if self.fail_silently:
                return False
            raise smtplib.SMTPException(f"{mailbox.name}: no password stored")
        try:
            endpoints = netguard.resolve(self.host, self.port)
            context = ssl.create_default_context()
            if self.use_ssl:
                connection = _CheckedSMTP_SSL(
                    self.host, self.port, endpoints, self.timeout, context
                )
            else:
                connection = _CheckedSMTP(self.host, self.port, endpoints, self.timeout)
                if self.use_tls:
                    connection.starttls(context=context)
            self.connection = connection
            connection.ehlo_or_helo_if_needed()
            if token:
                message = oauth.xoauth2(mailbox.username, token)
                try:
                    connection.auth("XOAUTH2", oauth.SaslResponder(message, text=True))
                except smtplib.SMTPAuthenticationError:
                    oauth.forget_access_token(mailbox)
                    raise
            else:
                connection.login(mailbox.username, mailbox.password)
            return True
        except (OSError, smtplib.SMTPException, netguard.AddressRefused) as exc:
            self.close()
            if self.fail_silently:
                return False
            if isinstance(exc, netguard.AddressRefused):
                raise smtplib.SMTPException(f"{mailbox.name}: {exc}") from None
            raise


def sending_mailbox(ticket_type_id: int | None) -> Mailbox | None:
    """The mailbox through which mail about tickets of this type leaves, or ``None`` for
    the site's own mail setup."""
    if ticket_type_id is None:
        return None
    return (
        Mailbox.objects.filter(ticket_type_id=ticket_type_id, send_mail=True, active=True)
        .exclude(smtp_host="")
        .select_related("oauth_application")
        .order_by("pk")
        .first()
    )
