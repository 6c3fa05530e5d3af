"""A webhook mailbox in the admin: an address is all it needs, the address decides the
mailbox so two may not share it, it is never fetched, and a site without anymail is told
what to install."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import MailboxFactory, TicketTypeFactory, UserFactory
from wagtail_tickets.mail import webhooks
from wagtail_tickets.models import Mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def webhook_form(ticket_type, **overrides):
    data = {
        "name": "Posted support",
        "ticket_type": ticket_type.pk,
        "receive": "webhook",
        "host": "",
        "port": 993,
        "security": "tls",
        "username": "help@tickets.example",
        "password": "",
        "folder": "INBOX",
        "on_closed_reply": "reopen",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_a_webhook_mailbox_needs_only_its_address(admin_client):
    response = admin_client.post(
        reverse("wagtail_tickets_mailboxes:add"), webhook_form(TicketTypeFactory())
    )
    assert response.status_code == 302, response.context["form"].errors
    mailbox = Mailbox.objects.get()
    assert mailbox.receive == Mailbox.Receive.WEBHOOK
    assert mailbox.username == "help@tickets.example" and mailbox.password == ""

    listing = admin_client.get(reverse("wagtail_tickets_mailboxes:index"))
    assert "Provider webhook" in listing.content.decode()
    assert reverse("wagtail_tickets_mailboxes:import", args=[mailbox.pk]) not in (
        listing.content.decode()
    )
    refused = admin_client.post(
        reverse("wagtail_tickets_mailboxes:import", args=[mailbox.pk]), follow=True
    )
    assert "receives its mail through the provider" in refused.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"username": "not an address"}, "username", "Enter the address"),
        ({"send_mail": "on", "smtp_host": "smtp.example.com"}, "send_mail", "EMAIL_BACKEND"),
    ],
)
def test_a_webhook_mailbox_form_refuses(admin_client, overrides, field, text):
    response = admin_client.post(
        reverse("wagtail_tickets_mailboxes:add"), webhook_form(TicketTypeFactory(), **overrides)
    )
    assert response.status_code == 200
    assert text in " ".join(response.context["form"].errors[field])
    assert not Mailbox.objects.exists()


def test_two_webhook_mailboxes_cannot_share_an_address(admin_client):
    MailboxFactory(receive="webhook", host="", username="Help@Tickets.example", password="")
    response = admin_client.post(
        reverse("wagtail_tickets_mailboxes:add"), webhook_form(TicketTypeFactory())
    )
    assert response.status_code == 200
    assert "Another webhook mailbox" in str(response.context["form"].errors["username"])


def test_without_anymail_the_form_says_what_to_install(admin_client, monkeypatch):
    def missing():
        raise webhooks.AnymailUnavailable(webhooks.missing_message())

    monkeypatch.setattr(webhooks, "require_anymail", missing)
    response = admin_client.post(
        reverse("wagtail_tickets_mailboxes:add"), webhook_form(TicketTypeFactory())
    )
    assert response.status_code == 200
    assert "pip install wagtail-tickets[anymail]" in str(response.context["form"].errors)
    assert not Mailbox.objects.exists()


def test_an_imap_mailbox_switched_to_webhook_loses_its_password(admin_client):
    mailbox = MailboxFactory(username="help@tickets.example", password="imap-secret")
    response = admin_client.post(
        reverse("wagtail_tickets_mailboxes:edit", args=[mailbox.pk]),
        webhook_form(mailbox.ticket_type, name=mailbox.name),
    )
    assert response.status_code == 302, response.context["form"].errors
    mailbox.refresh_from_db()
    assert mailbox.receive == "webhook" and mailbox.password == ""


def test_the_import_command_says_a_webhook_mailbox_has_nothing_to_fetch():
    from django.core.management import CommandError, call_command

    MailboxFactory(name="Posted", receive="webhook", host="", password="")
    with pytest.raises(CommandError, match="provider's webhook"):
        call_command("import_ticket_mail", "--mailbox", "Posted")
