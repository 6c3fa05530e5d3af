"""OAuth2 sign-in of mailboxes (Microsoft 365, Google, another provider).

An administrator registers the app once (``OAuthApplication``) and signs a mailbox in:
``start_sign_in`` makes the provider's authorization URL (authorization-code flow with
PKCE; the ``state`` is single-use, expires after ``STATE_LIFETIME`` and is bound to the
administrator's session and to the mailbox), ``finish_sign_in`` checks what comes back to
the callback and exchanges the code for tokens. ``access_token`` hands the IMAP and SMTP
clients a valid access token, refreshing it shortly before it expires under a row lock,
so two workers never both spend a refresh token (providers that rotate them would
invalidate the loser's). A refusal of the refresh (revoked consent, expired grant) marks
the mailbox as needing a sign-in, with the provider's reason: the importer leaves it alone
until an administrator signs in again.

The protocol parameters come from Authlib (the ``oauth`` extra); the HTTP request to the
token URL is made here, through ``netguard`` (the token URL of another provider is typed
by an administrator), with bounded timeouts and a bounded answer.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import re
import secrets
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import netguard
from ..models import Mailbox, OAuthApplication, SignInState

logger = logging.getLogger("wagtail_tickets.mail")

STATE_LIFETIME = timedelta(minutes=10)
# an access token this close to its end is refreshed before it is used
REFRESH_MARGIN = timedelta(minutes=5)
HTTP_TIMEOUT = 15.0
MAX_RESPONSE_BYTES = 64 * 1024
SESSION_KEY = "wagtail_tickets_sign_in"
# refusals of a refresh token that a new attempt will not change: a person must sign in
PERMANENT_ERRORS = frozenset(
    {"invalid_grant", "invalid_client", "unauthorized_client", "unsupported_grant_type"}
)

MICROSOFT_SCOPES = (
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send",
    "offline_access",
)
GOOGLE_SCOPES = ("https://mail.google.com/",)

# where each provider's mail servers are: the mailbox form fills them in
SERVERS = {
    OAuthApplication.Provider.MICROSOFT: {
        "host": "outlook.office365.com",
        "port": 993,
        "smtp_host": "smtp.office365.com",
        "smtp_port": 587,
        "smtp_security": "starttls",
    },
    OAuthApplication.Provider.GOOGLE: {
        "host": "imap.gmail.com",
        "port": 993,
        "smtp_host": "smtp.gmail.com",
        "smtp_port": 465,
        "smtp_security": "tls",
    },
}


class OAuthUnavailable(RuntimeError):
    """Authlib is not installed."""


class SignInRefused(Exception):
    """What came back to the callback is not a sign-in this administrator started (wrong,
    expired or used state; another session; an error from the provider)."""


class TokenError(Exception):
    """The token endpoint did not give tokens. ``permanent``: it refused the grant, and
    only a new sign-in helps; otherwise the next attempt may succeed."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SignInNeeded(Exception):
    """The mailbox has no usable sign-in; the text is the reason."""


def require_authlib() -> None:
    """Raise ``OAuthUnavailable`` with what to install when Authlib is missing."""
    try:
        import authlib  # noqa: F401
    except ImportError:
        raise OAuthUnavailable(
            _(
                "Signing mailboxes in with OAuth2 needs the “oauth” extra: "
                "pip install wagtail-tickets[oauth]"
            )
        ) from None


def available() -> bool:
    try:
        require_authlib()
    except OAuthUnavailable:
        return False
    return True


@dataclass(frozen=True)
class Endpoints:
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    extra: tuple[tuple[str, str], ...] = ()


def endpoints(app: OAuthApplication) -> Endpoints:
    """The authorization URL, token URL, scopes and extra parameters of ``app``."""
    scopes = tuple(app.scopes.split())
    Provider = OAuthApplication.Provider
    if app.provider == Provider.MICROSOFT:
        tenant = re.sub(r"[^A-Za-z0-9.-]", "", app.tenant or "") or "organizations"
        base = f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0"
        return Endpoints(f"{base}/authorize", f"{base}/token", scopes or MICROSOFT_SCOPES, ())
    if app.provider == Provider.GOOGLE:
        return Endpoints(
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com/token",
            scopes or GOOGLE_SCOPES,
            # a refresh token is only handed out with offline access, and again only
            # when the consent screen is shown
            (("access_type", "offline"), ("prompt", "consent")),
        )
    return Endpoints(app.authorize_url, app.token_url, scopes, ())


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def start_sign_in(mailbox: Mailbox, request, redirect_uri: str) -> str:
    """Record a new sign-in of ``mailbox`` by the administrator of ``request`` and return
    the provider's authorization URL to send the browser to."""
    require_authlib()
    from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    app = mailbox.oauth_application
    if app is None:
        raise SignInRefused(_("Choose a sign-in app for this mailbox first."))
    ends = endpoints(app)
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43 to 128
    binding = secrets.token_urlsafe(32)
    now = timezone.now()
    SignInState.objects.filter(expires_at__lt=now).delete()
    SignInState.objects.create(
        state_hash=_hash(state),
        mailbox=mailbox,
        session_hash=_hash(binding),
        user_id=str(request.user.pk),
        code_verifier=verifier,
        redirect_uri=redirect_uri,
        expires_at=now + STATE_LIFETIME,
    )
    started = dict(request.session.get(SESSION_KEY) or {})
    # only the newest few: an old tab's state simply fails
    started = dict(list(started.items())[-4:])
    started[_hash(state)] = binding
    request.session[SESSION_KEY] = started
    extra = dict(ends.extra)
    if mailbox.username and "@" in mailbox.username:
        extra["login_hint"] = mailbox.username
    return prepare_grant_uri(
        ends.authorize_url,
        app.client_id,
        "code",
        redirect_uri=redirect_uri,
        scope=list(ends.scopes),
        state=state,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
        **extra,
    )


def finish_sign_in(request, params) -> Mailbox:
    """Check the callback's ``state`` (this session's, this administrator's, not used,
    not expired), exchange the ``code`` and store the tokens on the mailbox. Raises
    ``SignInRefused`` for anything that is not such a callback and ``TokenError`` when the
    provider does not give tokens."""
    require_authlib()
    state = params.get("state") or ""
    if not state or len(state) > 200:
        raise SignInRefused(_("The sign-in answer has no valid state."))
    key = _hash(state)
    started = dict(request.session.get(SESSION_KEY) or {})
    binding = started.pop(key, None)
    request.session[SESSION_KEY] = started
    row = SignInState.objects.select_related("mailbox").filter(state_hash=key).first()
    # single use: whoever deletes the row owns the state
    if row is None or not SignInState.objects.filter(pk=row.pk).delete()[0]:
        raise SignInRefused(_("This sign-in is unknown or was already used. Start it again."))
    if binding is None or _hash(binding) != row.session_hash:
        raise SignInRefused(_("This sign-in was started in another session. Start it again."))
    if row.user_id != str(request.user.pk):
        raise SignInRefused(_("This sign-in was started by someone else. Start it again."))
    if row.expires_at < timezone.now():
        raise SignInRefused(_("This sign-in has expired. Start it again."))
    if params.get("error"):
        raise SignInRefused(
            _("The provider did not sign the mailbox in: %(reason)s")
            % {"reason": _clean(params.get("error_description") or params.get("error"))}
        )
    code = params.get("code") or ""
    if not code or len(code) > 4096:
        raise SignInRefused(_("The sign-in answer has no code."))
    mailbox = Mailbox.objects.select_related("oauth_application").get(pk=row.mailbox_id)
    app = mailbox.oauth_application
    if app is None or not mailbox.uses_oauth:
        raise SignInRefused(_("This mailbox no longer signs in with OAuth2."))
    token = request_token(
        app,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": row.redirect_uri,
            "code_verifier": row.code_verifier,
        },
    )
    if not token.get("refresh_token"):
        raise TokenError(
            _(
                "The provider gave no refresh token: allow offline access "
                "(Microsoft: the offline_access permission)."
            ),
            permanent=True,
        )
    _store(mailbox, token, signed_in=True)
    return mailbox


def _store(mailbox: Mailbox, token: dict, signed_in: bool = False) -> None:
    """Write the tokens of an answer of the token endpoint (a new refresh token replaces
    the old one; without one the old one stays)."""
    now = timezone.now()
    mailbox.oauth_access_token = str(token["access_token"])
    mailbox.oauth_expires_at = now + timedelta(seconds=_lifetime(token))
    if token.get("refresh_token"):
        mailbox.oauth_refresh_token = str(token["refresh_token"])
    values = {
        "oauth_access_token": mailbox.oauth_access_token,
        "oauth_expires_at": mailbox.oauth_expires_at,
        "oauth_refresh_token": mailbox.oauth_refresh_token,
    }
    if signed_in:
        mailbox.signin_needed = ""
        mailbox.oauth_signed_in_at = now
        values.update(signin_needed="", oauth_signed_in_at=now)
    Mailbox.objects.filter(pk=mailbox.pk).update(**values)


def _lifetime(token: dict) -> int:
    try:
        seconds = int(token.get("expires_in") or 3600)
    except (TypeError, ValueError):
        seconds = 3600
    return max(60, min(seconds, 24 * 3600))


def _fresh(mailbox: Mailbox) -> bool:
    return bool(
        mailbox.oauth_access_token
        and mailbox.oauth_expires_at
        and mailbox.oauth_expires_at > timezone.now() + REFRESH_MARGIN
    )


def access_token(mailbox: Mailbox) -> str:
    """A valid access token of ``mailbox``, refreshed first when it is about to expire.
    Raises ``SignInNeeded`` when the mailbox must be signed in again (it is then marked)
    and ``TokenError`` when the provider cannot be reached now."""
    if mailbox.signin_needed:
        raise SignInNeeded(mailbox.signin_needed)
    if _fresh(mailbox):
        return mailbox.oauth_access_token
    require_authlib()
    refused: TokenError | None = None
    with transaction.atomic():
        # the lock makes a second worker wait here and then find the new token
        locked = (
            Mailbox.objects.select_for_update(of=("self",))
            .select_related("oauth_application")
            .get(pk=mailbox.pk)
        )
        for name in ("oauth_access_token", "oauth_refresh_token", "oauth_expires_at"):
            setattr(mailbox, name, getattr(locked, name))
        mailbox.signin_needed = locked.signin_needed
        if locked.signin_needed:
            raise SignInNeeded(locked.signin_needed)
        if _fresh(locked):
            return locked.oauth_access_token
        if locked.oauth_application is None or not locked.oauth_refresh_token:
            refused = TokenError(_("The mailbox has not been signed in."), permanent=True)
        else:
            try:
                token = request_token(
                    locked.oauth_application,
                    {"grant_type": "refresh_token", "refresh_token": locked.oauth_refresh_token},
                )
            except TokenError as exc:
                if not exc.permanent:
                    raise
                refused = exc
            else:
                _store(mailbox, token)
                return mailbox.oauth_access_token
        reason = _("Sign in again: %(reason)s") % {"reason": refused}
        Mailbox.objects.filter(pk=mailbox.pk).update(
            signin_needed=reason[:2000], oauth_access_token="", oauth_expires_at=None
        )
    mailbox.signin_needed = reason[:2000]
    mailbox.oauth_access_token = ""
    logger.warning("Mailbox %s needs a new sign-in: %s", mailbox.name, refused)
    raise SignInNeeded(mailbox.signin_needed)


def forget_access_token(mailbox: Mailbox) -> None:
    """Drop an access token a server refused, so the next connection gets a new one."""
    mailbox.oauth_access_token = ""
    mailbox.oauth_expires_at = None
    Mailbox.objects.filter(pk=mailbox.pk).update(oauth_access_token="", oauth_expires_at=None)


# -- the token endpoint ------------------------------------------------------------------


def request_token(app: OAuthApplication, data: dict) -> dict:
    """POST ``data`` (with the app's client credentials) to the token URL and return the
    answer's JSON object; ``TokenError`` otherwise."""
    require_authlib()
    from authlib.oauth2.rfc6749.parameters import prepare_token_request

    fields = {key: value for key, value in data.items() if key != "grant_type"}
    fields["client_id"] = app.client_id
    if app.client_secret:
        fields["client_secret"] = app.client_secret
    body = prepare_token_request(data["grant_type"], **fields)
    status, payload = post_form(endpoints(app).token_url, body)
    try:
        answer = json.loads(payload.decode("utf-8"))
    except (UnicodeError, ValueError):
        answer = None
    if not isinstance(answer, dict):
        raise TokenError(
            _("The token URL answered %(status)s without a JSON object.") % {"status": status}
        )
    if status != 200 or "error" in answer or not answer.get("access_token"):
        error = _clean(str(answer.get("error") or ""))[:100]
        description = _clean(str(answer.get("error_description") or ""))
        message = ": ".join(part for part in (error or f"HTTP {status}", description) if part)
        permanent = error in PERMANENT_ERRORS or (status in (400, 401) and not error)
        raise TokenError(message, permanent=permanent)
    if str(answer.get("token_type", "bearer")).lower() != "bearer":
        raise TokenError(_("The token URL gave a token that is not a bearer token."))
    return answer


def _clean(text: str | None) -> str:
    """A provider's text, one bounded line."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text or "").strip()[:300]


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, endpoints, timeout):
        super().__init__(host, port, timeout=timeout)
        self._endpoints = endpoints

    def connect(self):
        self.sock = netguard.connect(self._endpoints, self.timeout)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, endpoints, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._endpoints = endpoints

    def connect(self):
        sock = netguard.connect(self._endpoints, self.timeout)
        try:
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def check_url(url: str) -> tuple[str, str, int, list[netguard.Endpoint]]:
    """``(scheme, host, port, endpoints)`` of a token URL the site may POST to: https, a
    host whose every address is public or allowed. Plain http only to a server the site
    allows on its own network (``MAIL_ALLOWED_PRIVATE_NETWORKS``)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise netguard.AddressRefused(_("Enter an https URL."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise netguard.AddressRefused(_("Enter a port between 1 and 65535.")) from None
    found = netguard.resolve(parts.hostname, port)
    if parts.scheme == "http":
        import ipaddress

        if any(
            netguard.is_public(ipaddress.ip_address(str(e.sockaddr[0]).split("%", 1)[0]))
            for e in found
        ):
            raise netguard.AddressRefused(_("Enter an https URL."))
    return parts.scheme, parts.hostname, port, found


def post_form(url: str, body: str) -> tuple[int, bytes]:
    """POST a form to ``url`` through the network guard: ``(status, body)``, the body at
    most ``MAX_RESPONSE_BYTES``, the whole exchange within ``HTTP_TIMEOUT`` seconds."""
    try:
        scheme, host, port, found = check_url(url)
    except netguard.AddressRefused as exc:
        raise TokenError(_("The token URL is refused: %(reason)s") % {"reason": exc}) from None
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _CheckedHTTPSConnection if scheme == "https" else _CheckedHTTPConnection
    connection = connection_class(host, port, found, HTTP_TIMEOUT)
    deadline = time.monotonic() + HTTP_TIMEOUT
    try:
        connection.request(
            "POST",
            target,
            body=body.encode("utf-8"),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        response = connection.getresponse()
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > MAX_RESPONSE_BYTES:
            raise TokenError(_("The token URL's answer is too large."))
        chunks, size = [], 0
        while True:
            if time.monotonic() > deadline:
                raise TokenError(_("The token URL did not answer in time."))
            chunk = response.read1(16384) if hasattr(response, "read1") else response.read(16384)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise TokenError(_("The token URL's answer is too large."))
            chunks.append(chunk)
        return response.status, b"".join(chunks)
    except TimeoutError:
        raise TokenError(_("The token URL did not answer in time.")) from None
    except (OSError, http.client.HTTPException) as exc:
        raise TokenError(
            _("The token URL cannot be reached: %(reason)s")
            % {"reason": _clean(str(exc) or exc.__class__.__name__)}
        ) from None
    finally:
        connection.close()


# -- SASL --------------------------------------------------------------------------------


def xoauth2(user: str, token: str) -> bytes:
    """The client's XOAUTH2 message (Google's and Microsoft's IMAP and SMTP)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


def oauthbearer(user: str, token: str, host: str, port: int) -> bytes:
    """The client's OAUTHBEARER message (RFC 7628), for servers that offer only it."""
    name = user.replace("=", "=3D").replace(",", "=2C")
    return f"n,a={name},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01".encode()


class SaslResponder:
    """imaplib's and smtplib's authentication callable: the initial message first, then
    an empty answer to the server's error challenge (which makes it end the exchange with
    a failure instead of waiting). smtplib wants text, imaplib bytes."""

    def __init__(self, message: bytes, text: bool = False) -> None:
        self.message = message
        self.text = text
        self.calls = 0

    def __call__(self, challenge=None):
        self.calls += 1
        answer = self.message if self.calls == 1 else b""
        return answer.decode("utf-8") if self.text else answer
