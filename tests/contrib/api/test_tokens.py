"""Personal API tokens: made and revoked in the admin account (agents) and in the customer
area (customers), shown once, stored hashed, "last used" written now and then."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from wagtail_tickets.contrib.api import tokens
from wagtail_tickets.contrib.api.models import ApiToken

pytestmark = pytest.mark.django_db


def test_only_a_digest_is_stored(world):
    new = tokens.create_token(world["alice"], "CRM")
    row = ApiToken.objects.get(pk=new.token.pk)
    assert new.secret.startswith(f"wt_{row.prefix}_")
    assert row.digest == hashlib.sha256(new.secret.encode()).hexdigest()
    assert new.secret not in str(ApiToken.objects.filter(pk=row.pk).values().get())


def test_last_used_is_written_at_most_every_few_minutes(world, django_assert_num_queries):
    new = tokens.create_token(world["alice"], "CRM")
    user, token = tokens.authenticate(new.secret)
    assert user == world["alice"] and token.last_used_at is not None
    first = token.last_used_at
    with django_assert_num_queries(1):  # the lookup only: no write
        tokens.authenticate(new.secret)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(hours=1))
    with django_assert_num_queries(2):
        _user, again = tokens.authenticate(new.secret)
    assert again.last_used_at > first - datetime.timedelta(minutes=1)


def test_agent_makes_and_revokes_a_token_in_the_admin(world, client):
    client.force_login(world["agent"])
    page = reverse("wagtail_tickets_api_tokens")
    assert client.get(page).status_code == 200
    account = client.get(reverse("wagtailadmin_account"))
    assert page.encode() in account.content
    response = client.post(page, {"name": "Zapier", "expires": "30"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=world["agent"], name="Zapier")
    html = response.content.decode()
    assert f"wt_{token.prefix}_" in html
    secret = html.split(f"wt_{token.prefix}_", 1)[1][:43]
    assert tokens.authenticate(f"wt_{token.prefix}_{secret}")[0] == world["agent"]
    assert (token.expires_at - timezone.now()).days in (29, 30)
    # shown once: the page again has the prefix only
    assert secret not in client.get(page).content.decode()
    client.post(page, {"revoke": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert tokens.authenticate(f"wt_{token.prefix}_{secret}") is None


def test_customer_makes_and_revokes_a_token_in_the_customer_area(world, client):
    client.force_login(world["alice"])
    page = reverse("wagtail_tickets_api:account_tokens")
    response = client.get(page)
    assert response.status_code == 200
    assert b"wt-customer" in response.content  # inside the customer area's frame
    response = client.post(page, {"name": "My script"})
    token = ApiToken.objects.get(user=world["alice"])
    assert f"wt_{token.prefix}_" in response.content.decode()
    assert token.expires_at is None
    # another user's token id is not theirs to revoke
    other = tokens.create_token(world["bob"], "bob's")
    client.post(page, {"revoke": other.token.pk})
    assert ApiToken.objects.get(pk=other.token.pk).revoked_at is None
    client.post(page, {"revoke": token.pk})
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


@pytest.mark.parametrize(
    "data", [{"name": ""}, {"name": "x" * 101}, {"name": "ok", "expires": "7"}, {"revoke": "abc"}]
)
def test_token_forms_refuse_bad_input(world, client, data):
    client.force_login(world["alice"])
    response = client.post(reverse("wagtail_tickets_api:account_tokens"), data)
    assert response.status_code in (200, 302)
    assert not ApiToken.objects.filter(user=world["alice"]).exists()


def test_token_page_needs_login(client, db):
    response = client.get(reverse("wagtail_tickets_api:account_tokens"))
    assert response.status_code == 302
    assert client.get(reverse("wagtail_tickets_api_tokens")).status_code == 302


def test_tokens_per_user_are_capped(world, client):
    for n in range(tokens.MAX_TOKENS_PER_USER):
        tokens.create_token(world["alice"], f"t{n}")
    client.force_login(world["alice"])
    response = client.post(reverse("wagtail_tickets_api:account_tokens"), {"name": "one more"})
    assert response.status_code == 200
    assert b"too many tokens" in response.content


def test_pages_without_the_api_urls(world, client, settings):
    """A site that installed the app but has not included the API's URLs yet: the
    customer menu leaves the item out and the admin page still opens."""
    import sys
    import types

    from django.urls import clear_url_caches, include, path
    from wagtail.admin import urls as wagtailadmin_urls

    module = types.ModuleType("tests_no_api_urls")
    module.urlpatterns = [
        path("admin/", include(wagtailadmin_urls)),
        path("tickets/", include("wagtail_tickets.urls")),
    ]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    clear_url_caches()
    try:
        client.force_login(world["agent"])
        assert client.get(reverse("wagtail_tickets_api_tokens")).status_code == 200
        client.force_login(world["alice"])
        page = client.get(reverse("wagtail_tickets:my_tickets"))
        assert page.status_code == 200 and b"API tokens" not in page.content
    finally:
        del sys.modules[module.__name__]
        clear_url_caches()


def test_customer_menu_links_the_token_page(world, client):
    client.force_login(world["alice"])
    page = client.get(reverse("wagtail_tickets:my_tickets"))
    assert reverse("wagtail_tickets_api:account_tokens").encode() in page.content
