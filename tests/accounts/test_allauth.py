"""A site that lets customers sign up with django-allauth (email verification required):
sign up, confirm the address from the mail, log in, and open a ticket on a type whose level
every signed-in user holds, without an administrator touching a group."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import TicketTypeFactory
from wagtail_tickets.models import Ticket, TypePermission

pytest.importorskip("allauth")
pytestmark = pytest.mark.django_db

# the settings of the installation guide's django-allauth section
ALLAUTH_SETTINGS = {
    "ROOT_URLCONF": "tests.accounts.allauth_urls",
    "AUTHENTICATION_BACKENDS": [
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ],
    "ACCOUNT_LOGIN_METHODS": {"email"},
    "ACCOUNT_SIGNUP_FIELDS": ["email*", "password1*", "password2*"],
    "ACCOUNT_EMAIL_VERIFICATION": "mandatory",
    "LOGIN_URL": "account_login",
    "LOGIN_REDIRECT_URL": "wagtail_tickets:my_tickets",
}
PASSWORD = "a long signup password"


@pytest.fixture
def allauth_site():
    with override_settings(**ALLAUTH_SETTINGS):
        yield


def sign_up(client: Client, email: str) -> str:
    """Sign up and return the confirmation link from the mail."""
    response = client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("account_email_verification_sent")
    (message,) = [m for m in mail.outbox if email in m.to]
    (link,) = re.findall(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body)
    return link


def test_sign_up_confirm_log_in_and_open_a_ticket(client, allauth_site):
    support = TicketTypeFactory(name="Support", signed_in_level=TypePermission.Level.CREATE)
    link = sign_up(client, "new.customer@example.com")
    user = get_user_model().objects.get(email="new.customer@example.com")
    assert not user.groups.exists()

    # not confirmed yet: allauth does not log in
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "new.customer@example.com", "password": PASSWORD}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    confirm = client.get(link)
    assert confirm.status_code == 200
    assert client.post(link).status_code == 302

    response = client.post(
        reverse("account_login"), {"login": "new.customer@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtail_tickets:my_tickets")
    page = client.get(response["Location"]).content.decode()
    assert "My Tickets" in page and reverse("wagtail_tickets:create") in page

    created = client.post(
        reverse("wagtail_tickets:create"),
        {"type": support.pk, "subject": "First question", "body": "<p>Hello</p>"},
    )
    assert created.status_code == 302, created.content.decode()[:3000]
    ticket = Ticket.objects.get(subject="First question")
    assert ticket.requester == user
    assert client.get(reverse("wagtail_tickets:detail", args=[ticket.number])).status_code == 200

    account = client.get(reverse("wagtail_tickets_accounts:account")).content.decode()
    assert 'data-name="my_tickets"' in account


def test_customer_area_sends_visitors_to_allauths_login(client, allauth_site):
    response = client.get(reverse("wagtail_tickets:my_tickets"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_without_a_signed_in_level_a_new_customer_opens_nothing(client, allauth_site):
    support = TicketTypeFactory(name="Support")
    link = sign_up(client, "waiting@example.com")
    client.post(link)
    client.post(reverse("account_login"), {"login": "waiting@example.com", "password": PASSWORD})
    page = client.get(reverse("wagtail_tickets:my_tickets")).content.decode()
    assert reverse("wagtail_tickets:create") not in page
    response = client.post(
        reverse("wagtail_tickets:create"),
        {"type": support.pk, "subject": "Nope", "body": "<p>x</p>"},
    )
    assert not Ticket.objects.filter(subject="Nope").exists()
    assert response.status_code in (200, 403)
