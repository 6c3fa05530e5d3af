"""The IMAP mailboxes of the ticket types (B2, B4), edited by administrators.

The password is write-only: the form never shows it back (not even masked), an empty field
on edit keeps the stored one, and the listing shows where each mailbox is and how its last
import went, never its credentials.
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
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import ListingButton

from ..models import Mailbox
from ..notifications.sending import enqueue
from .quarantine import QuarantineViewSet, register_policy

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$|^\[?[0-9A-Fa-f:.]{2,45}\]?$")


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
        if self.instance.pk and self.instance.password:
            self.fields["password"].help_text = _(
                "A password is stored. Leave empty to keep it; type a new one to replace it."
            )
        else:
            self.fields["password"].help_text = _("The password of the IMAP account.")
        self.initial.pop("password", None)

    def clean_host(self) -> str:
        host = _no_control_characters(self.cleaned_data["host"].strip())
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
        password = _no_control_characters(self.cleaned_data.get("password") or "")
        if password:
            return password
        if self.instance.pk:
            return Mailbox.objects.filter(pk=self.instance.pk).values_list(
                "password", flat=True
            ).first() or ""
        raise ValidationError(_("Enter the password of the IMAP account."))


class MailboxIndexView(generic.IndexView):
    mailbox_viewset = None

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.mailbox_viewset.permission_policy.user_has_permission(
            self.request.user, "change"
        ):
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

    def import_view(self, request, pk):
        """Queue an import of this mailbox now (the worker runs it, never the request)."""
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        mailbox = get_object_or_404(Mailbox, pk=pk)
        index_url = reverse(self.get_url_name("index"))
        if request.method == "POST":
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
