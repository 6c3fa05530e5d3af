"""Forms of the token pages and the webhook screens."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from wagtail_tickets import netguard, permissions
from wagtail_tickets.admin.forms import CCField
from wagtail_tickets.conf import app_settings
from wagtail_tickets.models import Category, Priority, Status

from .models import WebhookEndpoint, WebhookEvent

EXPIRY_CHOICES = [
    ("", _("Never")),
    ("30", _("In 30 days")),
    ("90", _("In 90 days")),
    ("365", _("In a year")),
]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “CRM sync”."),
    )
    expires = forms.ChoiceField(label=_("Expires"), choices=EXPIRY_CHOICES, required=False)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name or not name.isprintable():
            raise ValidationError(_("Enter a name."))
        return name


def check_webhook_url(url: str) -> None:
    """A webhook URL the site may post to: http(s), a public address (or one of
    ``WEBHOOK_ALLOWED_PRIVATE_NETWORKS``), checked with the network guard."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Enter an http or https URL."))
    if parts.username or parts.password:
        raise ValidationError(_("Put no user name or password in the URL."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        netguard.resolve(
            parts.hostname, port, networks=app_settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS
        )
    except ValueError:
        raise ValidationError(_("The URL's port is not valid.")) from None
    except netguard.AddressRefused as exc:
        raise ValidationError(str(exc)) from None


class WebhookEndpointForm(WagtailAdminModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    new_secret = forms.BooleanField(
        label=_("Make a new secret"),
        required=False,
        help_text=_("The old secret stops working; the new one is shown once."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "ticket_types", "include_internal", "active"]
        widgets = {"ticket_types": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["new_secret"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        check_webhook_url(url)
        return url


class MergeForm(forms.Form):
    """What a merge takes: the id of the ticket that stays."""

    target = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class ChangeFieldsForm(forms.Form):
    """The fields a PATCH may change; only those posted are kept, and each is checked
    the way the workspace checks it (``actions.change_ticket`` and ``permissions`` check
    again)."""

    status = forms.ModelChoiceField(queryset=Status.objects.all())
    priority = forms.ModelChoiceField(queryset=Priority.objects.all(), required=False)
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False)
    target_date = forms.DateField(required=False)
    assignee = forms.ModelChoiceField(queryset=None, required=False)
    ticket_type = forms.ModelChoiceField(queryset=None)
    cc = CCField()

    def __init__(self, data, *, ticket, user):
        super().__init__(data)
        self.ticket = ticket
        self.fields["assignee"].queryset = permissions.agents_for_type(ticket.ticket_type)
        self.fields["ticket_type"].queryset = permissions.managed_types(user)
        for name in list(self.fields):
            if name not in data:
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        assignee, target = cleaned.get("assignee"), cleaned.get("ticket_type")
        if assignee is not None and target is not None:
            if not permissions.is_assignable(assignee, target):
                self.add_error("assignee", _("Only agents of the ticket's type can be assigned."))
        return cleaned

    def changes(self) -> dict:
        """``{field: value}`` for ``actions.change_ticket`` (``cc`` as lines)."""
        values = dict(self.cleaned_data)
        if "cc" in values:
            values["cc"] = "\n".join(values["cc"])
        return values
