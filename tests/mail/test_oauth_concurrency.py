"""Two workers need a mailbox's access token at the same moment, on PostgreSQL: one
refreshes it, the other waits on the row lock and uses the new token (a provider that
rotates refresh tokens would otherwise invalidate one of them)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import MailboxFactory
from tests.mail.oauth_provider import CLIENT_ID, CLIENT_SECRET, USER, Provider
from tests.mail.test_concurrency import in_threads
from wagtail_tickets.mail import oauth
from wagtail_tickets.models import Mailbox, OAuthApplication

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture
def provider():
    server = Provider()
    server.delay = 0.5  # a slow provider: the second worker arrives while the first waits
    yield server
    server.stop()


def test_two_workers_refresh_once(provider):
    app = OAuthApplication.objects.create(
        name="Local",
        provider="generic",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        authorize_url=provider.authorize_url,
        token_url=provider.token_url,
        scopes="imap",
    )
    with provider.lock:
        provider.refresh["seed"] = USER
    mailbox = MailboxFactory(auth_method="oauth2", oauth_application=app, password="")
    Mailbox.objects.filter(pk=mailbox.pk).update(
        oauth_refresh_token="seed", oauth_expires_at=timezone.now() - timedelta(seconds=1)
    )

    def work(_i):
        return oauth.access_token(
            Mailbox.objects.select_related("oauth_application").get(pk=mailbox.pk)
        )

    tokens = in_threads(2, work)
    assert provider.refresh_count == 1 and len(provider.token_requests) == 1
    assert tokens[0] == tokens[1] and provider.valid(tokens[0]) == USER
    stored = Mailbox.objects.get(pk=mailbox.pk)
    assert stored.oauth_access_token == tokens[0] and stored.signin_needed == ""
