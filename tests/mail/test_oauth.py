"""OAuth2 sign-in of mailboxes against a real local authorization server: the consent flow
through the admin (PKCE, a state that is single-use, expiring and bound to the session and
the administrator), refreshing before expiry, a refused refresh marking the mailbox, and
the token URL held to the network guard with a bounded answer."""

from __future__ import annotations

import http.client
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import MailboxFactory, UserFactory
from tests.mail.oauth_provider import CLIENT_ID, CLIENT_SECRET, USER, Provider
from wagtail_tickets.mail import oauth
from wagtail_tickets.models import Mailbox, OAuthApplication, SignInState

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    server = Provider()
    yield server
    server.stop()


@pytest.fixture
def app(provider):
    return OAuthApplication.objects.create(
        name="Local provider",
        provider="generic",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        authorize_url=provider.authorize_url,
        token_url=provider.token_url,
        scopes="imap smtp offline_access",
    )


@pytest.fixture
def oauth_mailbox(app):
    return MailboxFactory(
        name="Signed in",
        auth_method="oauth2",
        oauth_application=app,
        password="",
        username=USER,
        host="127.0.0.1",
        port=993,
        security="tls",
    )


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def consent(url: str) -> str:
    """Open the provider's authorization URL as a browser would and return the callback
    URL (path and query) it redirects to."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    connection.request("GET", f"{parts.path}?{parts.query}")
    response = connection.getresponse()
    assert response.status == 302, response.read()
    location = urlsplit(response.getheader("Location"))
    connection.close()
    return f"{location.path}?{location.query}"


def start(admin_client, mailbox) -> str:
    response = admin_client.post(reverse("wagtail_tickets_mailboxes:sign_in", args=[mailbox.pk]))
    assert response.status_code == 302
    return response["Location"]


def test_signing_in_stores_encrypted_tokens(admin_client, oauth_mailbox, provider):
    page = admin_client.get(reverse("wagtail_tickets_mailboxes:sign_in", args=[oauth_mailbox.pk]))
    assert page.status_code == 200
    assert "/tickets-mail/mailboxes/sign-in/callback/" in page.content.decode()
    url = start(admin_client, oauth_mailbox)
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["client_id"] == [CLIENT_ID]
    assert query["login_hint"] == [USER] and query["scope"] == ["imap smtp offline_access"]
    callback = consent(url)
    response = admin_client.get(callback)
    assert response.status_code == 302, response.content
    oauth_mailbox.refresh_from_db()
    assert oauth_mailbox.oauth_refresh_token and oauth_mailbox.oauth_access_token
    assert oauth_mailbox.oauth_expires_at > timezone.now() + timedelta(minutes=50)
    assert oauth_mailbox.signin_needed == "" and oauth_mailbox.oauth_signed_in_at
    assert provider.valid(oauth_mailbox.oauth_access_token) == USER
    # the code went with the client secret and the PKCE verifier
    exchange = provider.token_requests[-1]
    assert exchange["grant_type"] == "authorization_code" and exchange["code_verifier"]
    assert not SignInState.objects.exists()
    listing = admin_client.get(reverse("wagtail_tickets_mailboxes:index")).content.decode()
    assert "Signed in" in listing
    for secret in (oauth_mailbox.oauth_refresh_token, oauth_mailbox.oauth_access_token):
        assert secret not in listing


def test_a_replayed_callback_is_refused(admin_client, oauth_mailbox, provider):
    callback = consent(start(admin_client, oauth_mailbox))
    assert admin_client.get(callback).status_code == 302
    Mailbox.objects.filter(pk=oauth_mailbox.pk).update(oauth_refresh_token="kept")
    again = admin_client.get(callback)
    assert again.status_code == 400
    assert "already used" in again.content.decode()
    assert Mailbox.objects.get(pk=oauth_mailbox.pk).oauth_refresh_token == "kept"


@pytest.mark.parametrize(
    "tamper",
    ["wrong_state", "no_state", "long_state", "expired", "no_code", "provider_error"],
)
def test_a_bad_callback_is_refused(admin_client, oauth_mailbox, provider, tamper):
    callback = consent(start(admin_client, oauth_mailbox))
    path, query = callback.split("?", 1)
    params = {key: values[0] for key, values in parse_qs(query).items()}
    if tamper == "wrong_state":
        first = "y" if params["state"].startswith("x") else "x"  # always another state
        params["state"] = first + params["state"][1:]
    elif tamper == "no_state":
        params.pop("state")
    elif tamper == "long_state":
        params["state"] = "s" * 5000
    elif tamper == "expired":
        SignInState.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    elif tamper == "no_code":
        params.pop("code")
    elif tamper == "provider_error":
        params = {"state": params["state"], "error": "access_denied"}
    response = admin_client.get(path, params)
    assert response.status_code == 400
    oauth_mailbox.refresh_from_db()
    assert not oauth_mailbox.oauth_refresh_token
    # the code was never exchanged
    assert not [r for r in provider.token_requests if r["grant_type"] == "authorization_code"]


def test_the_state_is_bound_to_the_session_and_the_administrator(
    admin_client, oauth_mailbox, provider
):
    callback = consent(start(admin_client, oauth_mailbox))
    other = Client()
    other.force_login(UserFactory(username="root2", is_superuser=True, is_staff=True))
    assert other.get(callback).status_code == 400
    # and once tried elsewhere, it is spent
    assert admin_client.get(callback).status_code == 400
    assert not Mailbox.objects.get(pk=oauth_mailbox.pk).oauth_refresh_token


def test_the_callback_needs_permission_and_get(admin_client, oauth_mailbox):
    url = reverse("wagtail_tickets_mailboxes:sign_in_callback")
    assert admin_client.post(url, {"state": "x", "code": "y"}).status_code == 405
    assert (
        admin_client.get(reverse("wagtail_tickets_mailboxes:sign_in", args=[999999])).status_code
        == 404
    )
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_mailbox"),
    )
    client = Client()
    client.force_login(viewer)
    # Wagtail answers a refused permission with a redirect to the dashboard
    for response in (
        client.get(url, {"state": "x", "code": "y"}),
        client.post(reverse("wagtail_tickets_mailboxes:sign_in", args=[oauth_mailbox.pk])),
    ):
        assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert not SignInState.objects.exists()


def test_a_password_mailbox_cannot_start_a_sign_in(admin_client):
    mailbox = MailboxFactory(password="pw")
    response = admin_client.post(reverse("wagtail_tickets_mailboxes:sign_in", args=[mailbox.pk]))
    assert response.status_code == 400 and "Switch it" in response.content.decode()
    assert not SignInState.objects.exists()


def test_a_failing_token_endpoint_stores_nothing(admin_client, oauth_mailbox, provider):
    callback = consent(start(admin_client, oauth_mailbox))
    provider.mode = "server_error"
    response = admin_client.get(callback)
    assert response.status_code == 502
    assert "temporarily_unavailable" in response.content.decode()
    assert not Mailbox.objects.get(pk=oauth_mailbox.pk).oauth_refresh_token


def signed_in(mailbox, provider, expires_in: timedelta) -> Mailbox:
    """The mailbox as after a sign-in whose access token ends in ``expires_in``."""
    refresh = "seed-refresh"
    with provider.lock:
        provider.refresh[refresh] = USER
    Mailbox.objects.filter(pk=mailbox.pk).update(
        oauth_refresh_token=refresh,
        oauth_access_token="old-access",
        oauth_expires_at=timezone.now() + expires_in,
    )
    return Mailbox.objects.select_related("oauth_application").get(pk=mailbox.pk)


def test_a_fresh_token_is_used_as_it_is(oauth_mailbox, provider):
    mailbox = signed_in(oauth_mailbox, provider, timedelta(minutes=30))
    assert oauth.access_token(mailbox) == "old-access"
    assert provider.token_requests == []


def test_a_token_about_to_expire_is_refreshed(oauth_mailbox, provider):
    mailbox = signed_in(oauth_mailbox, provider, timedelta(minutes=2))
    token = oauth.access_token(mailbox)
    assert token != "old-access" and provider.valid(token) == USER
    assert provider.refresh_count == 1
    stored = Mailbox.objects.get(pk=mailbox.pk)
    # the provider rotated the refresh token: the new one is kept
    assert stored.oauth_access_token == token and stored.oauth_refresh_token != "seed-refresh"
    assert oauth.access_token(stored) == token and provider.refresh_count == 1


def test_a_revoked_grant_marks_the_mailbox(admin_client, oauth_mailbox, provider):
    mailbox = signed_in(oauth_mailbox, provider, timedelta(seconds=-5))
    provider.revoke_all()
    with pytest.raises(oauth.SignInNeeded, match="revoked"):
        oauth.access_token(mailbox)
    stored = Mailbox.objects.get(pk=mailbox.pk)
    assert "invalid_grant" in stored.signin_needed and stored.oauth_access_token == ""
    # no second attempt until someone signs in again
    with pytest.raises(oauth.SignInNeeded):
        oauth.access_token(stored)
    assert provider.refresh_count == 0 and len(provider.token_requests) == 1
    listing = admin_client.get(reverse("wagtail_tickets_mailboxes:index")).content.decode()
    assert "Needs sign-in" in listing and "revoked" in listing
    refusal = admin_client.post(reverse("wagtail_tickets_mailboxes:import", args=[mailbox.pk]))
    assert refusal.status_code == 302
    # signing in again clears the mark
    assert admin_client.get(consent(start(admin_client, stored))).status_code == 302
    assert Mailbox.objects.get(pk=mailbox.pk).signin_needed == ""


def test_an_unreachable_provider_does_not_mark_the_mailbox(oauth_mailbox, provider):
    mailbox = signed_in(oauth_mailbox, provider, timedelta(seconds=-5))
    provider.mode = "server_error"
    with pytest.raises(oauth.TokenError) as raised:
        oauth.access_token(mailbox)
    assert not raised.value.permanent
    assert Mailbox.objects.get(pk=mailbox.pk).signin_needed == ""


def test_an_oversize_answer_is_cut_off(oauth_mailbox, provider):
    mailbox = signed_in(oauth_mailbox, provider, timedelta(seconds=-5))
    provider.mode = "oversize"
    with pytest.raises(oauth.TokenError, match="too large"):
        oauth.access_token(mailbox)


def test_a_wrong_client_secret_needs_a_sign_in(oauth_mailbox, provider, app):
    mailbox = signed_in(oauth_mailbox, provider, timedelta(seconds=-5))
    app.set_client_secret("wrong")
    app.save()
    mailbox.oauth_application.client_secret = "wrong"
    with pytest.raises(oauth.SignInNeeded, match="invalid_client"):
        oauth.access_token(mailbox)


def test_the_token_url_is_held_to_the_network_guard(oauth_mailbox, provider, settings):
    mailbox = signed_in(oauth_mailbox, provider, timedelta(seconds=-5))
    settings.WAGTAIL_TICKETS = {
        key: value
        for key, value in settings.WAGTAIL_TICKETS.items()
        if key != "MAIL_ALLOWED_PRIVATE_NETWORKS"
    }
    with pytest.raises(oauth.TokenError, match="local, private or reserved"):
        oauth.access_token(mailbox)
    assert provider.token_requests == []
    for url in ("ftp://127.0.0.1/token", "http://", "https://127.0.0.1:99999/t"):
        with pytest.raises(oauth.netguard.AddressRefused):
            oauth.check_url(url)


def test_plain_http_only_to_an_allowed_local_server(monkeypatch):
    from tests.test_netguard import PUBLIC_V4, fake_dns

    fake_dns(monkeypatch, {"login.example.com": [PUBLIC_V4]})
    with pytest.raises(oauth.netguard.AddressRefused, match="https"):
        oauth.check_url("http://login.example.com/token")
    assert oauth.check_url("https://login.example.com/token")[0] == "https"


def test_the_sasl_messages():
    assert oauth.xoauth2("a@b.example", "tok") == b"user=a@b.example\x01auth=Bearer tok\x01\x01"
    assert oauth.oauthbearer("a,b=@x.example", "tok", "imap.x.example", 993) == (
        b"n,a=a=2Cb=3D@x.example,\x01host=imap.x.example\x01port=993\x01auth=Bearer tok\x01\x01"
    )
    responder = oauth.SaslResponder(b"first", text=True)
    assert responder(None) == "first" and responder(b'{"status":"401"}') == ""


def test_provider_endpoints():
    microsoft = OAuthApplication(provider="microsoft", tenant="contoso.example")
    ends = oauth.endpoints(microsoft)
    assert ends.token_url == ("https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token")
    assert "offline_access" in ends.scopes
    hostile = OAuthApplication(provider="microsoft", tenant="../../evil.example/x?")
    assert "/evil.example" not in oauth.endpoints(hostile).token_url
    google = oauth.endpoints(OAuthApplication(provider="google"))
    assert google.scopes == ("https://mail.google.com/",)
    assert ("access_type", "offline") in google.extra
