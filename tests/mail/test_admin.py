"""Admin screens of incoming mail: mailboxes (the password never shown back) and the
quarantine (reason shown, raw download, retry)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import MailboxFactory, TicketTypeFactory, UserFactory
from tests.mail import corpus
from wagtail_tickets.mail.importer import import_raw
from wagtail_tickets.models import Mailbox, QuarantinedMessage, Ticket

pytestmark = pytest.mark.django_db

SECRET = "s3cret-imap-pass"


@pytest.fixture
def admin_client(client):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    return client


@pytest.fixture
def stored_mailbox():
    return MailboxFactory(name="Support", password=SECRET)


def form_data(ticket_type, **overrides):
    data = {
        "name": "Sales",
        "ticket_type": ticket_type.pk,
        "host": "imap.example.com",
        "port": 993,
        "security": "tls",
        "username": "sales@example.com",
        "password": "first-password",
        "folder": "INBOX",
        "on_closed_reply": "reopen",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_mailbox_list_shows_where_not_the_password(admin_client, stored_mailbox):
    response = admin_client.get(reverse("wagtail_tickets_mailboxes:index"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Support" in content and stored_mailbox.host in content
    assert SECRET not in content


def test_edit_form_never_shows_the_password_and_empty_keeps_it(admin_client, stored_mailbox):
    url = reverse("wagtail_tickets_mailboxes:edit", args=[stored_mailbox.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    data = form_data(stored_mailbox.ticket_type, name="Support renamed", password="")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    stored_mailbox.refresh_from_db()
    assert stored_mailbox.name == "Support renamed" and stored_mailbox.password == SECRET
    admin_client.post(url, form_data(stored_mailbox.ticket_type, password="new-one"))
    stored_mailbox.refresh_from_db()
    assert stored_mailbox.password == "new-one"


def test_create_needs_a_password_and_refuses_hostile_values(admin_client):
    support = TicketTypeFactory(name="Support")
    url = reverse("wagtail_tickets_mailboxes:add")
    for bad in (
        {"password": ""},
        {"host": "imap.example.com\r\nX: y"},
        {"host": "imap.example.com:993"},
        {"port": 0},
        {"port": 70000},
        {"folder": "INBOX\r\nA1 DELETE INBOX"},
        {"username": "a\nb"},
        {"password": "pass\r\nA2 LOGOUT"},
    ):
        response = admin_client.post(url, form_data(support, **bad))
        assert response.status_code == 200, bad
        assert response.context["form"].errors, bad
    assert not Mailbox.objects.exists()
    response = admin_client.post(url, form_data(support))
    assert response.status_code == 302
    assert Mailbox.objects.get().password == "first-password"


@pytest.fixture
def quarantined(stored_mailbox, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAIL_MAX_MESSAGE_SIZE": 5_000}
    raw = corpus.oversized(10_000)
    assert import_raw(raw, stored_mailbox, uidvalidity=9, uid=1) == "quarantined"
    return QuarantinedMessage.objects.get()


def test_quarantine_list_shows_the_reason(
    admin_client, quarantined, django_assert_max_num_queries
):
    for uid in range(2, 30):
        QuarantinedMessage.objects.create(
            mailbox=quarantined.mailbox, reason=f"reason {uid}", raw=b"x", size=1, key=str(uid)
        )
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("wagtail_tickets_quarantine:index"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "reason 29" in content  # newest first, paginated
    assert SECRET not in content
    response = admin_client.get(reverse("wagtail_tickets_quarantine:index") + "?p=2")
    assert "more than the limit" in response.content.decode()


def test_quarantine_inspect_shows_the_full_reason(admin_client, quarantined):
    url = reverse("wagtail_tickets_quarantine:inspect", args=[quarantined.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "more than the limit" in response.content.decode()


def test_raw_message_download(admin_client, quarantined):
    response = admin_client.get(
        reverse("wagtail_tickets_quarantine:download", args=[quarantined.pk])
    )
    assert response.status_code == 200
    assert response.content == bytes(quarantined.raw)
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    missing = reverse("wagtail_tickets_quarantine:download", args=[quarantined.pk + 1000])
    assert admin_client.get(missing).status_code == 404


def test_retry_from_the_admin(admin_client, quarantined, settings):
    url = reverse("wagtail_tickets_quarantine:retry", args=[quarantined.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and "more than the limit" in page.content.decode()
    response = admin_client.post(url)  # still too large: stays, with a message
    assert response.status_code == 302
    assert QuarantinedMessage.objects.get().attempts == 2
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAIL_MAX_MESSAGE_SIZE": 50_000}
    response = admin_client.post(url)
    assert response.status_code == 302
    assert not QuarantinedMessage.objects.exists()
    assert Ticket.objects.get().subject == "Huge"
    assert admin_client.post(url).status_code == 404


def test_quarantine_cannot_be_added_or_edited(admin_client, quarantined):
    assert admin_client.get(reverse("wagtail_tickets_quarantine:add")).status_code in (302, 403)
    edit = reverse("wagtail_tickets_quarantine:edit", args=[quarantined.pk])
    assert admin_client.post(edit, {"reason": "changed"}).status_code in (302, 403)
    quarantined.refresh_from_db()
    assert quarantined.reason != "changed"


def test_editor_without_permissions_gets_nothing(client, quarantined, stored_mailbox):
    editor = UserFactory(username="editor")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    for url in (
        reverse("wagtail_tickets_quarantine:index"),
        reverse("wagtail_tickets_quarantine:download", args=[quarantined.pk]),
        reverse("wagtail_tickets_quarantine:retry", args=[quarantined.pk]),
        reverse("wagtail_tickets_mailboxes:edit", args=[stored_mailbox.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert SECRET.encode() not in response.content
    assert client.post(
        reverse("wagtail_tickets_quarantine:retry", args=[quarantined.pk])
    ).status_code in (302, 403)
    assert QuarantinedMessage.objects.exists()


def test_import_now_queues_the_import(admin_client, imap, mailbox):
    imap.append(corpus.plain())
    url = reverse("wagtail_tickets_mailboxes:import", args=[mailbox.pk])
    index = admin_client.get(reverse("wagtail_tickets_mailboxes:index")).content.decode()
    assert url in index
    page = admin_client.get(url)
    assert page.status_code == 200 and mailbox.password.encode() not in page.content
    assert not Ticket.objects.exists()  # showing the page imports nothing
    response = admin_client.post(url)
    assert response.status_code == 302
    # the test settings run django-q2 tasks synchronously: the queued import has run
    assert Ticket.objects.get().requester_email == "carla@customer.example"
    assert imap.messages() == []


def test_import_now_needs_change_permission(client, stored_mailbox):
    editor = UserFactory(username="viewer")
    editor.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_mailbox"),
    )
    client.force_login(editor)
    url = reverse("wagtail_tickets_mailboxes:import", args=[stored_mailbox.pk])
    assert client.post(url).status_code in (302, 403)
    index = client.get(reverse("wagtail_tickets_mailboxes:index"))
    assert index.status_code == 200 and url not in index.content.decode()
