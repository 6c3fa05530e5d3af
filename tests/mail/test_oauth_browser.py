"""The consent flow in a real browser (headless Chromium) against the local authorization
server: "Sign in" on the mailbox, the provider's redirect back to the callback, the mailbox
signed in; a callback with a wrong state is refused. The pages are photographed (with
``UPDATE_SCREENSHOTS=1`` into docs/screenshots)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import MailboxFactory, UserFactory
from tests.mail.oauth_provider import CLIENT_ID, CLIENT_SECRET, USER, Provider
from wagtail_tickets.models import Mailbox, OAuthApplication

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def provider():
    server = Provider()
    yield server
    server.stop()


def test_signing_a_mailbox_in_through_the_browser(browser_page, live_server, provider, screenshot):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    app = OAuthApplication.objects.create(
        name="Company sign-in",
        provider="generic",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        authorize_url=provider.authorize_url,
        token_url=provider.token_url,
        scopes="imap smtp offline_access",
    )
    mailbox = MailboxFactory(
        name="Support",
        auth_method="oauth2",
        oauth_application=app,
        password="",
        username=USER,
        host="127.0.0.1",
        port=993,
        security="tls",
    )
    page = browser_page(admin)
    page.goto(live_server.url + reverse("wagtail_tickets_sign_in_apps:edit", args=[app.pk]))
    assert CLIENT_SECRET not in page.content()
    screenshot(page, "admin-sign-in-app.png", min_bytes=10_000, full_page=True)

    page.goto(live_server.url + reverse("wagtail_tickets_mailboxes:index"))
    assert "Not signed in yet" in page.content()
    page.goto(live_server.url + reverse("wagtail_tickets_mailboxes:sign_in", args=[mailbox.pk]))
    screenshot(page, "admin-mailbox-sign-in.png", min_bytes=10_000)
    page.get_by_role("button", name="Sign in with Company sign-in").click()
    page.wait_for_url("**/tickets-mail/mailboxes/")
    assert "is signed in" in page.content()
    stored = Mailbox.objects.get(pk=mailbox.pk)
    assert stored.oauth_refresh_token and provider.valid(stored.oauth_access_token) == USER
    screenshot(page, "admin-mailboxes-signed-in.png", min_bytes=10_000)

    # a callback whose state nobody started
    response = page.goto(
        live_server.url
        + reverse("wagtail_tickets_mailboxes:sign_in_callback")
        + "?state=forged-state&code=stolen-code"
    )
    assert response.status == 400
    assert "unknown or was already used" in page.content()
    screenshot(page, "admin-mailbox-sign-in-refused.png", min_bytes=5_000)
    assert not [r for r in provider.token_requests if r.get("code") == "stolen-code"]
