"""The password reset mail, written by the task queue's worker and sent through the site's
own ``EMAIL_BACKEND`` like every other mail of the package."""

from __future__ import annotations

import logging

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

logger = logging.getLogger(__name__)

SUBJECT_TEMPLATE = "wagtail_tickets/accounts/mail/password_reset_subject.txt"
BODY_TEMPLATE = "wagtail_tickets/accounts/mail/password_reset_body.txt"


def send_password_reset(email: str, base_url: str, site_name: str, language: str) -> int:
    """Mail a reset link to every active account with ``email`` that has a password;
    returns how many were sent (the task's result; nobody else learns it)."""
    form = PasswordResetForm()
    sent = 0
    with translation.override(language or None):
        for user in form.get_users(email):
            uid = urlsafe_base64_encode(force_bytes(user.pk))
            token = default_token_generator.make_token(user)
            path = reverse(
                "wagtail_tickets_accounts:password_reset_confirm",
                kwargs={"uidb64": uid, "token": token},
            )
            context = {
                "user": user,
                "site_name": site_name,
                "reset_url": base_url + path,
                "login_url": base_url + reverse("wagtail_tickets_accounts:login"),
            }
            address = getattr(user, user.get_email_field_name())
            form.send_mail(SUBJECT_TEMPLATE, BODY_TEMPLATE, context, None, address)
            sent += 1
    return sent


def queue_password_reset(email: str, *, base_url: str, site_name: str, language: str) -> None:
    """Hand the reset mail to the task queue. A queue that cannot take it (not configured,
    its broker down) leaves the mail to this request, which then takes longer."""
    from django_q.tasks import async_task

    args = (email, base_url, site_name, language)
    try:
        async_task("wagtail_tickets.accounts.mail.send_password_reset", *args)
    except Exception:
        logger.exception("Could not queue a password reset mail; sending it now")
        send_password_reset(*args)
