"""The password reset form: the same answer for every address, limited per client."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from ..external import throttle

# (requests, seconds): reset requests from one client address, and reset mails to one
# address (past it the request is answered as always, and no mail goes out)
CLIENT_LIMIT = (20, 3600)
ADDRESS_LIMIT = (3, 3600)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form whose ``save`` hands the address to the task queue: which accounts it
    belongs to is looked up by the worker, so the page answers alike, and as fast, for an
    address with an account and for one without."""

    def __init__(self, *args, client: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    def clean(self):
        cleaned = super().clean()
        if self.client and not throttle.hit("password_reset_client", self.client, CLIENT_LIMIT):
            raise forms.ValidationError(
                _("Too many password reset requests from your network. Please try again later."),
                code="rate_limited",
            )
        return cleaned

    def queue(self, *, base_url: str, site_name: str, language: str) -> bool:
        """Queue the reset mail; ``False`` when the address had its share this hour."""
        from .mail import queue_password_reset

        email = self.cleaned_data["email"]
        if not throttle.hit("password_reset_address", email, ADDRESS_LIMIT):
            return False
        queue_password_reset(email, base_url=base_url, site_name=site_name, language=language)
        return True
