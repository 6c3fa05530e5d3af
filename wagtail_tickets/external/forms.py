"""Forms of the external page: the customer area's forms plus what a page open to anyone
needs, and nothing that depends on cookies.

Each form carries a signed token (``form_token``) instead of Django's CSRF cookie, which a
browser blocking third-party cookies would never send from inside an iframe. The token holds
the time the form was shown (a form sent sooner than ``EXTERNAL_MIN_FILL_SECONDS`` is a
robot), what it is for (a new ticket, or one ticket's page) and, for logged-in users, their
session, so it cannot be used by another page or person. A honeypot field, hidden from
people, catches robots that fill in everything.
"""

from __future__ import annotations

import time

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .. import permissions
from ..conf import app_settings
from ..forms import NewTicketForm, RatingForm, ReplyForm, TypeSelect, grouped_type_choices
from ..models import TicketType
from ..sanitize import clean_subject

SALT = "wagtail_tickets.external.form"
HONEYPOT = "website"
BLOCKED_CODES = frozenset({"honeypot", "form_token", "too_fast", "rate_limit", "open_cap"})


class Blocked(ValidationError):
    """An attempt refused as abuse: shown as a clear message, nothing is saved."""


def binding_for(request) -> str:
    """Ties a form to the logged-in session that was shown it (empty for visitors)."""
    user = getattr(request, "user", None)
    if permissions.is_visitor(user):
        return ""
    session_key = getattr(getattr(request, "session", None), "session_key", "") or ""
    return salted_hmac(SALT, f"{user.pk}:{session_key}").hexdigest()[:32]


def sign_form(scope: str, binding: str, now: float | None = None) -> str:
    return signing.dumps(
        {"t": now if now is not None else time.time(), "s": scope, "b": binding},
        salt=SALT,
        compress=False,
    )


def check_form_token(value: str, scope: str, binding: str) -> None:
    """Raise ``Blocked`` unless ``value`` was issued for this scope and binding, long enough
    ago and not too long ago."""
    expired = Blocked(
        _("This form has expired or was not sent from this page. Please send it again."),
        code="form_token",
    )
    try:
        payload = signing.loads(value or "", salt=SALT, max_age=app_settings.EXTERNAL_FORM_MAX_AGE)
    except signing.BadSignature:
        raise expired from None
    if not isinstance(payload, dict) or payload.get("s") != scope or payload.get("b") != binding:
        raise expired
    try:
        shown = float(payload.get("t"))
    except (TypeError, ValueError):
        raise expired from None
    age = time.time() - shown
    if age > app_settings.EXTERNAL_FORM_MAX_AGE:
        raise expired
    if age < app_settings.EXTERNAL_MIN_FILL_SECONDS:
        raise Blocked(
            _("This form was sent too quickly. Please check your message and send it again."),
            code="too_fast",
        )


class GuardedFormMixin(forms.Form):
    """The signed token and the honeypot. ``scope`` names what the form is for."""

    def __init__(self, *args, scope: str, binding: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.binding = binding
        self.fresh_token = sign_form(scope, binding)
        self.fields["form_token"] = forms.CharField(
            required=False, widget=forms.HiddenInput, max_length=1000
        )
        self.fields[HONEYPOT] = forms.CharField(
            label=_("Leave this field empty"),
            required=False,
            max_length=500,
            widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
        )

    @property
    def blocked(self) -> bool:
        """Whether the form was refused as abuse (not merely filled in wrongly)."""
        return any(
            error.code in BLOCKED_CODES for error in self.errors.as_data().get("__all__", [])
        )

    def clean(self) -> dict:
        data = super().clean()
        if (self.data.get(HONEYPOT) or "").strip():
            raise Blocked(
                _(
                    "Your message looks automated and was not accepted. If you are a person, "
                    "leave the field “Leave this field empty” empty and send it again."
                ),
                code="honeypot",
            )
        check_form_token(self.data.get("form_token", ""), self.scope, self.binding)
        return data


class ExternalNewTicketForm(GuardedFormMixin, NewTicketForm):
    """The customer area's new-ticket form, limited to the types the page offers. Visitors
    without an account give their name and email instead. Which types, whether CC and
    priority are offered: ``permissions`` decides."""

    def __init__(self, *args, user, offered, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.anonymous = permissions.is_visitor(user)
        self._offer(permissions.external_types(user, offered), user)
        if not permissions.may_add_cc(user):
            self.fields.pop("cc", None)
        if self.anonymous:
            self.fields["name"] = forms.CharField(
                label=_("Your name"),
                max_length=150,
                widget=forms.TextInput(attrs={"class": "wt-input", "autocomplete": "name"}),
            )
            self.fields["email"] = forms.EmailField(
                label=_("Your email address"),
                max_length=254,
                help_text=_("We send the private link to your ticket and our answers here."),
                widget=forms.EmailInput(attrs={"class": "wt-input", "autocomplete": "email"}),
            )
            self.order_fields(["name", "email", "type", "subject", "body", "attachments"])

    def _offer(self, types: list[TicketType], user) -> None:
        """Point the type field (and the priority choice) at ``types``."""
        self.types = types
        self.priority_type_ids = {t.pk for t in types if permissions.can_choose_priority(user, t)}
        field = self.fields["type"]
        field.queryset = TicketType.objects.filter(pk__in=[t.pk for t in types], active=True)
        field.widget = TypeSelect(
            attrs={"class": "wt-input", "data-wt-type": ""},
            details={str(t.pk): (t.description, t.pk in self.priority_type_ids) for t in types},
        )
        field.choices = grouped_type_choices(types)
        field.initial = types[0].pk if len(types) == 1 else None
        if not self.priority_type_ids:
            self.fields.pop("priority", None)

    def clean_name(self) -> str:
        name = clean_subject(self.cleaned_data["name"], 150)
        if not name:
            raise ValidationError(_("Please enter your name."), code="blank")
        return name

    def clean_email(self) -> str:
        local, _at, domain = self.cleaned_data["email"].strip().rpartition("@")
        return f"{local}@{domain.lower()}"


class ExternalReplyForm(GuardedFormMixin, ReplyForm):
    """The customer area's reply form, guarded the same way."""


class ExternalCloseForm(GuardedFormMixin, forms.Form):
    """Closing needs no input, only a valid form token, and the confirmation's field."""


class ExternalReopenForm(GuardedFormMixin, forms.Form):
    """Reopening needs no input, only a valid form token."""


class ExternalRatingForm(GuardedFormMixin, RatingForm):
    """The rating box behind a private link, guarded like the page's other forms."""
