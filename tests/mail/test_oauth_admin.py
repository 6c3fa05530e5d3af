"""Admin screens of OAuth2 mailboxes: the sign-in apps (client secret write-only, kept for
one token URL, a private token URL refused), a mailbox switched from a password to a
sign-in (same row: its import ledger stays), the listing's sign-in state and its queries."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import MailboxFactory, TicketTypeFactory, UserFactory
from tests.test_netguard import PUBLIC_V4, fake_dns
from wagtail_tickets.models import InboundMessage, Mailbox, OAuthApplication

pytestmark = pytest.mark.django_db

SECRET = "client-secret-never-shown"


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    return fake_dns(
        monkeypatch,
        {
            "outlook.office365.com": [PUBLIC_V4],
            "smtp.office365.com": [PUBLIC_V4],
            "login.example.com": [PUBLIC_V4],
            "login.intranet.example": ["10.0.0.8"],
            "imap.example.com": [PUBLIC_V4],
        },
    )


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def microsoft():
    return OAuthApplication.objects.create(
        name="Contoso", provider="microsoft", tenant="contoso.example", client_id="cid",
        client_secret=SECRET,
    )  # fmt: skip


def app_data(**overrides):
    data = {
        "name": "Contoso",
        "provider": "microsoft",
        "client_id": "cid",
        "client_secret": "",
        "tenant": "contoso.example",
        "authorize_url": "",
        "token_url": "",
        "scopes": "",
    }
    data.update(overrides)
    return data


def test_the_client_secret_is_write_only(admin_client, microsoft):
    url = reverse("wagtail_tickets_sign_in_apps:edit", args=[microsoft.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and SECRET not in page.content.decode()
    response = admin_client.post(url, app_data(name="Contoso renamed"))
    assert response.status_code == 302, response.context["form"].errors
    assert OAuthApplication.objects.get().client_secret == SECRET
    # another tenant: the secret must be typed again
    response = admin_client.post(url, app_data(tenant="fabrikam.example"))
    assert response.status_code == 200
    assert "client_secret" in response.context["form"].errors
    assert OAuthApplication.objects.get().client_secret == SECRET
    listing = admin_client.get(reverse("wagtail_tickets_sign_in_apps:index"))
    assert listing.status_code == 200 and SECRET not in listing.content.decode()


def test_the_model_clears_a_secret_when_the_token_url_moves(microsoft):
    microsoft.provider = "generic"
    microsoft.token_url = "https://login.example.com/token"
    microsoft.save()
    assert OAuthApplication.objects.get().client_secret == ""


@pytest.mark.parametrize(
    "bad",
    [
        {"provider": "generic", "authorize_url": "https://login.example.com/a", "scopes": "x"},
        {
            "provider": "generic",
            "authorize_url": "https://login.example.com/a",
            "token_url": "https://login.intranet.example/token",
            "scopes": "x",
        },
        {
            "provider": "generic",
            "authorize_url": "javascript:alert(1)",
            "token_url": "https://login.example.com/t",
            "scopes": "x",
        },
        {
            "provider": "generic",
            "authorize_url": "https://login.example.com/a",
            "token_url": "https://login.example.com/t",
        },
        {"tenant": "../../evil"},
        {"client_id": "a\r\nb"},
        {"provider": "nonsense"},
    ],
)
def test_hostile_app_registrations_are_form_errors(admin_client, bad, no_allow_list):
    response = admin_client.post(
        reverse("wagtail_tickets_sign_in_apps:add"), app_data(client_secret="s", **bad)
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not OAuthApplication.objects.exists()


@pytest.fixture
def no_allow_list(settings):
    settings.WAGTAIL_TICKETS = {
        key: value
        for key, value in settings.WAGTAIL_TICKETS.items()
        if key != "MAIL_ALLOWED_PRIVATE_NETWORKS"
    }


def test_a_generic_provider_is_accepted(admin_client):
    response = admin_client.post(
        reverse("wagtail_tickets_sign_in_apps:add"),
        app_data(
            provider="generic",
            client_secret="s",
            authorize_url="https://login.example.com/authorize",
            token_url="https://login.example.com/token",
            scopes="mail offline_access",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    assert OAuthApplication.objects.get().client_secret == "s"


def mailbox_data(mailbox, **overrides):
    data = {
        "name": mailbox.name,
        "ticket_type": mailbox.ticket_type_id,
        "host": mailbox.host,
        "port": mailbox.port,
        "security": mailbox.security,
        "username": mailbox.username,
        "auth_method": mailbox.auth_method,
        "password": "",
        "oauth_application": "",
        "folder": mailbox.folder,
        "on_closed_reply": "reopen",
        "smtp_host": "",
        "smtp_port": 587,
        "smtp_security": "starttls",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_switching_a_password_mailbox_to_oauth2_keeps_its_ledger(admin_client, microsoft):
    mailbox = MailboxFactory(
        name="Support", host="imap.example.com", port=993, security="tls", password="old-pw"
    )
    InboundMessage.objects.create(key="k" * 64, content_hash="h", mailbox=mailbox, outcome="opened")
    url = reverse("wagtail_tickets_mailboxes:edit", args=[mailbox.pk])
    # OAuth2 without an app is a form error
    response = admin_client.post(url, mailbox_data(mailbox, auth_method="oauth2"))
    assert "oauth_application" in response.context["form"].errors
    response = admin_client.post(
        url,
        mailbox_data(
            mailbox,
            auth_method="oauth2",
            oauth_application=microsoft.pk,
            host="",
            send_mail="on",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    stored = Mailbox.objects.get(pk=mailbox.pk)
    assert stored.uses_oauth and stored.oauth_application == microsoft
    # the provider's servers are filled in; the password is gone with the old login
    assert (stored.host, stored.port, stored.security) == ("outlook.office365.com", 993, "tls")
    assert (stored.smtp_host, stored.smtp_port) == ("smtp.office365.com", 587)
    assert stored.password == ""
    assert InboundMessage.objects.get().mailbox == stored
    listing = admin_client.get(reverse("wagtail_tickets_mailboxes:index")).content.decode()
    assert "Not signed in yet" in listing
    assert reverse("wagtail_tickets_mailboxes:sign_in", args=[mailbox.pk]) in listing
    refusal = admin_client.post(
        reverse("wagtail_tickets_mailboxes:import", args=[mailbox.pk]), follow=True
    )
    assert "not signed in yet" in refusal.content.decode()


def test_switching_back_needs_the_password(admin_client, microsoft):
    mailbox = MailboxFactory(
        host="imap.example.com", security="tls", port=993, auth_method="oauth2",
        oauth_application=microsoft, password="",
    )  # fmt: skip
    Mailbox.objects.filter(pk=mailbox.pk).update(oauth_refresh_token="r")
    url = reverse("wagtail_tickets_mailboxes:edit", args=[mailbox.pk])
    response = admin_client.post(url, mailbox_data(mailbox, auth_method="password"))
    assert "password" in response.context["form"].errors
    response = admin_client.post(url, mailbox_data(mailbox, auth_method="password", password="p"))
    assert response.status_code == 302
    stored = Mailbox.objects.get(pk=mailbox.pk)
    assert stored.password == "p" and stored.oauth_refresh_token == ""


def test_sending_through_the_mailbox_needs_an_smtp_server(admin_client):
    mailbox = MailboxFactory(host="imap.example.com", security="tls", port=993, password="pw")
    url = reverse("wagtail_tickets_mailboxes:edit", args=[mailbox.pk])
    response = admin_client.post(url, mailbox_data(mailbox, send_mail="on"))
    assert "smtp_host" in response.context["form"].errors
    response = admin_client.post(
        url, mailbox_data(mailbox, send_mail="on", smtp_host="127.0.0.1", smtp_port=70000)
    )
    assert "smtp_port" in response.context["form"].errors
    response = admin_client.post(
        url, mailbox_data(mailbox, send_mail="on", smtp_host="10.0.0.8", password="pw")
    )
    assert "smtp_host" in response.context["form"].errors


def test_the_mailbox_listing_has_constant_queries(
    admin_client, microsoft, django_assert_max_num_queries
):
    url = reverse("wagtail_tickets_mailboxes:index")
    support = TicketTypeFactory(name="Support")
    MailboxFactory(ticket_type=support, auth_method="oauth2", oauth_application=microsoft)
    admin_client.get(url)
    with django_assert_max_num_queries(30) as few:
        assert admin_client.get(url).status_code == 200
    for _ in range(10):
        MailboxFactory(ticket_type=support, auth_method="oauth2", oauth_application=microsoft)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_client.get(url).status_code == 200


def test_the_sign_in_app_listing_has_constant_queries(
    admin_client, microsoft, django_assert_max_num_queries
):
    url = reverse("wagtail_tickets_sign_in_apps:index")
    admin_client.get(url)
    with django_assert_max_num_queries(30) as few:
        assert admin_client.get(url).status_code == 200
    for number in range(10):
        OAuthApplication.objects.create(name=f"App {number}", client_id=f"c{number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_client.get(url).status_code == 200


def test_the_dashboard_names_mailboxes_that_need_a_sign_in(
    admin_client, microsoft, django_assert_max_num_queries
):
    home = reverse("wagtailadmin_home")
    fine = MailboxFactory(name="Fine box", auth_method="oauth2", oauth_application=microsoft)
    assert "need a sign-in" not in admin_client.get(home).content.decode()
    waiting = MailboxFactory(name="Waiting box", auth_method="oauth2", oauth_application=microsoft)
    Mailbox.objects.filter(pk=waiting.pk).update(
        signin_needed="Sign in again: invalid_grant: <b>consent revoked</b>"
    )
    page = admin_client.get(home).content.decode()
    assert "need a sign-in" in page and "Waiting box" in page and fine.name not in page
    assert "&lt;b&gt;consent revoked&lt;/b&gt;" in page  # the provider's text, escaped
    assert reverse("wagtail_tickets_mailboxes:sign_in", args=[waiting.pk]) in page
    with django_assert_max_num_queries(60) as few:
        admin_client.get(home)
    for number in range(5):
        extra = MailboxFactory(
            name=f"Waiting {number}", auth_method="oauth2", oauth_application=microsoft
        )
        Mailbox.objects.filter(pk=extra.pk).update(signin_needed="revoked")
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(home)


def test_the_dashboard_panel_is_only_for_who_may_fix_it(client, microsoft):
    waiting = MailboxFactory(name="Waiting box", auth_method="oauth2", oauth_application=microsoft)
    Mailbox.objects.filter(pk=waiting.pk).update(signin_needed="revoked")
    editor = UserFactory(username="editor")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    page = client.get(reverse("wagtailadmin_home"))
    assert page.status_code == 200 and "Waiting box" not in page.content.decode()


def test_saving_a_mailbox_loaded_earlier_keeps_what_workers_wrote(admin_client, microsoft):
    mailbox = MailboxFactory(
        host="imap.example.com", security="tls", port=993, auth_method="oauth2",
        oauth_application=microsoft, password="",
    )  # fmt: skip
    url = reverse("wagtail_tickets_mailboxes:edit", args=[mailbox.pk])
    loaded = Mailbox.objects.get(pk=mailbox.pk)
    # meanwhile a worker refreshes the token (the provider rotated the refresh token)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        oauth_refresh_token="rotated", oauth_access_token="new-access"
    )
    loaded.name = "Renamed"
    loaded.save()
    response = admin_client.post(url, mailbox_data(loaded, oauth_application=microsoft.pk))
    assert response.status_code == 302, response.context["form"].errors
    stored = Mailbox.objects.get(pk=mailbox.pk)
    assert stored.name == "Renamed"
    assert (stored.oauth_refresh_token, stored.oauth_access_token) == ("rotated", "new-access")
