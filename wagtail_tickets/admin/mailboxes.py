"""The IMAP mailboxes of the ticket types, edited by administrators.

The password is write-only: the form never shows it back (not even masked), an empty field
on edit keeps the stored one as long as server, port, security and login stay the same (a
change of any of them needs the password again, so it is never sent to a server it was not
given for), and the listing shows where each mailbox is and how its last import went, never
its credentials. Servers on private or local addresses are refused unless the site allows
them (``netguard``).
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import ListingButton

from .. import netguard
from ..models import Mailbox
from ..notifications.sending import enqueue
from . import listing
from .quarantine import QuarantineViewSet, register_policy

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$|^[0-9A-Fa-f:.]{2,45}$")


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value or ""):
        raise ValidationError(_("Line breaks and control characters are not allowed here."))
    return value


class MailboxForm(WagtailAdminModelForm):
    password = forms.CharField(
        label=gettext_lazy("password"),
        required=False,
        strip=False,
        max_length=255,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "ticket_type",
            "host",
            "port",
            "security",
            "username",
            "password",
            "folder",
            "on_closed_reply",
            "active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # what the mailbox has now, before this form's values are put on the instance
        self.stored_connection = {
            name: getattr(self.instance, name) for name in Mailbox.CONNECTION_FIELDS
        }
        self.stored_password = self.instance.password if self.instance.pk else ""
        if self.stored_password:
            self.fields["password"].help_text = _(
                "A password is stored. Leave empty to keep it; type a new one to replace it. "
                "Changing the server, port, security or user name needs it again."
            )
        else:
            self.fields["password"].help_text = _("The password of the IMAP account.")
        self.initial.pop("password", None)

    def clean_host(self) -> str:
        host = netguard.host_name(_no_control_characters(self.cleaned_data["host"]))
        if not _HOST.match(host):
            raise ValidationError(_("Enter a host name or an IP address, without a port."))
        return host

    def clean_port(self) -> int:
        port = self.cleaned_data["port"]
        if not 1 <= port <= 65535:
            raise ValidationError(_("Enter a port between 1 and 65535."))
        return port

    def clean_username(self) -> str:
        return _no_control_characters(self.cleaned_data["username"].strip())

    def clean_folder(self) -> str:
        return _no_control_characters(self.cleaned_data["folder"].strip()) or "INBOX"

    def clean_password(self) -> str:
        """The password typed now, or empty (the stored one is kept where ``clean`` allows)."""
        return _no_control_characters(self.cleaned_data.get("password") or "")

    def clean(self) -> dict:
        cleaned = super().clean()
        if "password" not in self.errors and not cleaned.get("password"):
            if not self.instance.pk or not self.stored_password:
                self.add_error("password", _("Enter the password of the IMAP account."))
            elif self.changed_connection(cleaned):
                self.add_error(
                    "password", _("Enter the password again: the server details changed.")
                )
        if cleaned.get("host") and cleaned.get("port") and not self.has_error("host"):
            try:
                netguard.resolve(cleaned["host"], cleaned["port"])
            except netguard.AddressRefused as exc:
                self.add_error("host", str(exc))
        return cleaned

    def changed_connection(self, cleaned: dict) -> list[str]:
        """The fields among server, port, security and login that this form changes."""
        return [
            name
            for name in Mailbox.CONNECTION_FIELDS
            if name in cleaned and str(cleaned[name]) != str(self.stored_connection[name])
        ]

    def _post_clean(self) -> None:
        super()._post_clean()
        password = self.cleaned_data.get("password")
        if password:
            self.instance.set_password(password)
        else:
            # the stored one, for the same server and login (clean refused anything else;
            # the model clears it again should the server change after all)
            self.instance.password = self.stored_password


class MailboxIndexView(listing.IndexView):
    mailbox_viewset = None

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.mailbox_viewset.permission_policy.user_has_permission(self.request.user, "change"):
            buttons.append(
                ListingButton(
                    _("Import now"),
                    url=reverse(self.mailbox_viewset.get_url_name("import"), args=[instance.pk]),
                    icon_name="download",
                    priority=15,
                )
            )
        return buttons


class MailboxViewSet(ModelViewSet):
    model = Mailbox
    index_view_class = MailboxIndexView
    icon = "mail"
    menu_label = gettext_lazy("Mailboxes")
    form_class = MailboxForm
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False
    list_display = [
        "name",
        Column("ticket_type", label=gettext_lazy("Ticket type"), sort_key="ticket_type__name"),
        Column("address_label", label=gettext_lazy("Mailbox")),
        BooleanColumn("active", label=gettext_lazy("Active"), sort_key="active"),
        DateColumn("last_run_at", label=gettext_lazy("Last import"), sort_key="last_run_at"),
        Column("last_error", label=gettext_lazy("Last error")),
    ]
    list_filter = ["active", "ticket_type"]
    search_fields = ["name", "host", "username"]

    def get_form_class(self, for_update=False):
        return MailboxForm

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=Mailbox.objects.select_related("ticket_type"),
            mailbox_viewset=self,
            **kwargs,
        )

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("import/<int:pk>/", self.import_view, name="import"),
        ]

    def import_refusal(self, mailbox: Mailbox) -> str:
        """Why "Import now" cannot run for this mailbox (empty: it can). The worker checks
        the same again when it connects; this tells the administrator at once."""
        if not mailbox.password:
            return _(
                "“%(name)s” has no password (it is cleared when the server details change). "
                "Enter it in the mailbox's settings, then import."
            ) % {"name": mailbox.name}
        try:
            netguard.resolve(mailbox.host, mailbox.port)
        except netguard.AddressRefused as exc:
            return _("“%(name)s” cannot be imported: %(reason)s") % {
                "name": mailbox.name,
                "reason": exc,
            }
        return ""

    def import_view(self, request, pk):
        """Queue an import of this mailbox now (the worker runs it, never the request)."""
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        mailbox = get_object_or_404(Mailbox, pk=pk)
        index_url = reverse(self.get_url_name("index"))
        if request.method == "POST":
            refusal = self.import_refusal(mailbox)
            if refusal:
                messages.error(request, refusal)
                return HttpResponseRedirect(index_url)
            enqueue("wagtail_tickets.tasks.import_ticket_mail", mailbox.pk)
            messages.success(
                request,
                _("The import of “%(name)s” has been queued; the list shows its result.")
                % {"name": mailbox.name},
            )
            return HttpResponseRedirect(index_url)
        return TemplateResponse(
            request,
            "wagtail_tickets/admin/mailbox_import.html",
            {"mailbox": mailbox, "index_url": index_url, "header_icon": self.icon},
        )


class IncomingMailGroup(ModelViewSetGroup):
    """Admin menu "Incoming mail": the mailboxes and the quarantine."""

    menu_label = gettext_lazy("Incoming mail")
    menu_icon = "mail"
    menu_order = 152

    def __init__(self):
        register_policy()
        self.items = (
            MailboxViewSet("wagtail_tickets_mailboxes", url_prefix="tickets-mail/mailboxes"),
            QuarantineViewSet("wagtail_tickets_quarantine", url_prefix="tickets-mail/quarantine"),
        )
        super().__init__()
