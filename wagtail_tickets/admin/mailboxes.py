"""The IMAP mailboxes of the ticket types, edited by administrators.

The password is write-only: the form never shows it back (not even masked), an empty field
on edit keeps the stored one as long as server, port, security and login stay the same (a
change of any of them needs the password again, so it is never sent to a server it was not
given for), and the listing shows where each mailbox is and how its last import went, never
its credentials. Servers on private or local addresses are refused unless the site allows
them (``netguard``).

A mailbox may sign in with OAuth2 instead (Microsoft 365, Google, another provider): the
administrator registers the app once under "Sign-in apps" (its client secret write-only
like the password), switches the mailbox to "Sign-in (OAuth2)" and signs it in; the
listing shows which mailboxes the provider stopped accepting. The flow itself is
``mail.oauth``.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import ListingButton

from .. import netguard
from ..mail import oauth, webhooks
from ..models import Mailbox, OAuthApplication
from ..notifications.sending import enqueue
from . import listing
from .quarantine import QuarantineViewSet, register_policy

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$|^[0-9A-Fa-f:.]{2,45}$")


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value or ""):
        raise ValidationError(_("Line breaks and control characters are not allowed here."))
    return value


def _write_only(label, help_text=""):
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        max_length=2000,
        help_text=help_text,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


class OAuthApplicationForm(WagtailAdminModelForm):
    """The app registration. The client secret is write-only: never shown back, kept when
    left empty as long as the provider, tenant and token URL stay the same."""

    client_secret = _write_only(gettext_lazy("Client secret"))
    authorize_url = forms.URLField(
        label=gettext_lazy("Authorization URL"),
        required=False,
        max_length=500,
        assume_scheme="https",
    )
    token_url = forms.URLField(
        label=gettext_lazy("Token URL"), required=False, max_length=500, assume_scheme="https"
    )

    class Meta:
        model = OAuthApplication
        fields = [
            "name",
            "provider",
            "client_id",
            "client_secret",
            "tenant",
            "authorize_url",
            "token_url",
            "scopes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_secret = self.instance.client_secret if self.instance.pk else ""
        self.stored_connection = {
            name: getattr(self.instance, name) for name in OAuthApplication.CONNECTION_FIELDS
        }
        self.initial.pop("client_secret", None)
        if self.stored_secret:
            self.fields["client_secret"].help_text = _(
                "A client secret is stored. Leave empty to keep it; type a new one to replace "
                "it. Changing the provider, tenant or token URL needs it again."
            )
        else:
            self.fields["client_secret"].help_text = _(
                "The secret of the app registration (Microsoft: “Certificates & secrets”; "
                "Google: the OAuth client's secret)."
            )
        self.fields["authorize_url"].help_text = _("Other providers only.")
        self.fields["token_url"].help_text = _(
            "Other providers only. The site sends the client secret and the tokens here."
        )

    def clean_client_id(self) -> str:
        return _no_control_characters(self.cleaned_data["client_id"].strip())

    def clean_tenant(self) -> str:
        tenant = _no_control_characters((self.cleaned_data.get("tenant") or "").strip())
        if tenant and not re.fullmatch(r"[A-Za-z0-9.-]{1,100}", tenant):
            raise ValidationError(_("Enter a tenant ID, a domain or “organizations”."))
        return tenant

    def clean_client_secret(self) -> str:
        return _no_control_characters(self.cleaned_data.get("client_secret") or "")

    def clean(self) -> dict:
        cleaned = super().clean()
        provider = cleaned.get("provider")
        if provider == OAuthApplication.Provider.GENERIC:
            for name in ("authorize_url", "token_url"):
                url = cleaned.get(name) or ""
                if not url:
                    self.add_error(name, _("Enter the provider's URL."))
                    continue
                try:
                    if name == "token_url":
                        oauth.check_url(url)
                    elif not url.startswith("https://"):
                        raise netguard.AddressRefused(_("Enter an https URL."))
                except netguard.AddressRefused as exc:
                    self.add_error(name, str(exc))
            if not (cleaned.get("scopes") or "").strip():
                self.add_error("scopes", _("Enter the scopes that allow IMAP (and SMTP)."))
        secret = cleaned.get("client_secret")
        moved = any(
            str(cleaned.get(name) or "") != str(self.stored_connection[name] or "")
            for name in OAuthApplication.CONNECTION_FIELDS
            if name in cleaned
        )
        if not secret and self.stored_secret and moved and self.instance.pk:
            self.add_error(
                "client_secret", _("Enter the client secret again: the provider details changed.")
            )
        return cleaned

    def _post_clean(self) -> None:
        super()._post_clean()
        secret = self.cleaned_data.get("client_secret")
        if secret:
            self.instance.set_client_secret(secret)
        else:
            self.instance.client_secret = self.stored_secret


class OAuthApplicationViewSet(ModelViewSet):
    model = OAuthApplication
    icon = "key"
    menu_label = gettext_lazy("Sign-in apps")
    form_class = OAuthApplicationForm
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False
    list_display = [
        "name",
        Column("provider", label=gettext_lazy("Provider"), accessor="get_provider_display"),
        Column("client_id", label=gettext_lazy("Client ID")),
    ]
    search_fields = ["name", "client_id"]

    def get_form_class(self, for_update=False):
        return OAuthApplicationForm


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
            "receive",
            "host",
            "port",
            "security",
            "username",
            "auth_method",
            "password",
            "oauth_application",
            "folder",
            "on_closed_reply",
            "send_mail",
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "active",
        ]

    class Media:
        js = ["wagtail_tickets/admin/js/mailbox_form.js"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # what the mailbox has now, before this form's values are put on the instance
        self.stored_connection = {
            name: getattr(self.instance, Mailbox._meta.get_field(name).attname)
            for name in Mailbox.CONNECTION_FIELDS
        }
        self.stored_password = self.instance.password if self.instance.pk else ""
        if self.stored_password:
            self.fields["password"].help_text = _(
                "A password is stored. Leave empty to keep it; type a new one to replace it. "
                "Changing the server, port, security or user name needs it again."
            )
        else:
            self.fields["password"].help_text = _(
                "The password of the IMAP account (with “Password” sign-in)."
            )
        self.initial.pop("password", None)
        self.fields["oauth_application"].help_text = _(
            "With “Sign-in (OAuth2)”: the app registration to sign in with. After saving, "
            "use “Sign in” in the list of mailboxes."
        )
        # filled in from the provider of the sign-in app when left empty
        self.fields["host"].required = False
        # a form posted without them (older scripts, the first version of this screen)
        # keeps what the mailbox has
        for name in ("receive", "auth_method", "smtp_port", "smtp_security"):
            self.fields[name].required = False
        self.fields["smtp_host"].help_text = _(
            "Needed to send through this mailbox; filled in for Microsoft 365 and Google."
        )

    def clean_host(self) -> str:
        host = netguard.host_name(_no_control_characters(self.cleaned_data.get("host") or ""))
        if not host:
            return host  # clean() fills it in from the provider, or asks for it
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

    def clean_smtp_host(self) -> str:
        host = netguard.host_name(_no_control_characters(self.cleaned_data.get("smtp_host") or ""))
        if host and not _HOST.match(host):
            raise ValidationError(_("Enter a host name or an IP address, without a port."))
        return host

    def clean(self) -> dict:
        cleaned = super().clean()
        for name in ("receive", "auth_method", "smtp_port", "smtp_security"):
            if cleaned.get(name) in (None, "") and name not in self.errors:
                cleaned[name] = getattr(self.instance, name)
        if cleaned.get("receive") == Mailbox.Receive.WEBHOOK:
            return self.clean_webhook(cleaned)
        uses_oauth = cleaned.get("auth_method") == Mailbox.AuthMethod.OAUTH2
        app = cleaned.get("oauth_application")
        if uses_oauth:
            if app is None:
                self.add_error("oauth_application", _("Choose the sign-in app."))
            try:
                oauth.require_authlib()
            except oauth.OAuthUnavailable as exc:
                self.add_error("auth_method", str(exc))
            servers = oauth.SERVERS.get(app.provider, {}) if app is not None else {}
            for name, value in servers.items():
                if name in ("port", "smtp_port"):
                    continue
                if name.startswith("smtp_") and not cleaned.get("send_mail"):
                    continue  # a new SMTP server would need a new sign-in
                if not cleaned.get(name) and name not in self.errors:
                    cleaned[name] = value
                    if name == "host":
                        cleaned["port"] = servers["port"]
                        cleaned["security"] = Mailbox.Security.TLS
                    elif name == "smtp_host":
                        cleaned["smtp_port"] = servers["smtp_port"]
                        cleaned["smtp_security"] = servers["smtp_security"]
        if not cleaned.get("host") and "host" not in self.errors:
            self.add_error("host", _("Enter the IMAP server."))
        password_needed = not uses_oauth
        if password_needed and "password" not in self.errors and not cleaned.get("password"):
            if not self.instance.pk or not self.stored_password:
                self.add_error("password", _("Enter the password of the IMAP account."))
            elif self.changed_connection(cleaned):
                self.add_error(
                    "password", _("Enter the password again: the server details changed.")
                )
        if cleaned.get("send_mail") and not cleaned.get("smtp_host"):
            if "smtp_host" not in self.errors:
                self.add_error("smtp_host", _("Enter the SMTP server to send through."))
        for host_field, port_field in (("host", "port"), ("smtp_host", "smtp_port")):
            host, port = cleaned.get(host_field), cleaned.get(port_field)
            if host and port and not self.has_error(host_field):
                if not 1 <= port <= 65535:
                    self.add_error(port_field, _("Enter a port between 1 and 65535."))
                    continue
                try:
                    netguard.resolve(host, port)
                except netguard.AddressRefused as exc:
                    self.add_error(host_field, str(exc))
        return cleaned

    def clean_webhook(self, cleaned: dict) -> dict:
        """A mailbox the provider posts to: its address is all it needs, and no other
        webhook mailbox may have it (the address decides which mailbox a message is for).
        It sends through the site's ``EMAIL_BACKEND``."""
        try:
            webhooks.require_anymail()
        except webhooks.AnymailUnavailable as exc:
            self.add_error("receive", str(exc))
        address = (cleaned.get("username") or "").strip()
        if "username" not in self.errors:
            try:
                validate_email(address)
            except ValidationError:
                self.add_error("username", _("Enter the address the provider receives mail for."))
            else:
                taken = Mailbox.objects.filter(
                    receive=Mailbox.Receive.WEBHOOK, username__iexact=address
                ).exclude(pk=self.instance.pk)
                if taken.exists():
                    self.add_error(
                        "username", _("Another webhook mailbox receives mail for this address.")
                    )
        if cleaned.get("send_mail"):
            self.add_error(
                "send_mail",
                _(
                    "A webhook mailbox sends through the site's EMAIL_BACKEND (anymail's, for "
                    "example): switch this off."
                ),
            )
        cleaned["auth_method"] = Mailbox.AuthMethod.PASSWORD
        return cleaned

    def changed_connection(self, cleaned: dict) -> list[str]:
        """The fields among server, port, security and login that this form changes."""
        changed = []
        for name in Mailbox.CONNECTION_FIELDS:
            if name not in cleaned:
                continue
            value = cleaned[name]
            value = getattr(value, "pk", value)
            if str(value if value is not None else "") != str(
                self.stored_connection[name] if self.stored_connection[name] is not None else ""
            ):
                changed.append(name)
        return changed

    def _post_clean(self) -> None:
        super()._post_clean()
        password = self.cleaned_data.get("password")
        if password:
            self.instance.set_password(password)
        else:
            # the stored one, for the same server and login (clean refused anything else;
            # the model clears it again should the server change after all)
            self.instance.password = self.stored_password


def sign_in_status(mailbox: Mailbox) -> str:
    """How the mailbox logs in, for the listing (never a credential)."""
    if mailbox.receive == Mailbox.Receive.WEBHOOK:
        return _("Provider webhook")
    if not mailbox.uses_oauth:
        return _("Password") if mailbox.password else _("Password missing")
    if mailbox.signin_needed:
        return _("Needs sign-in: %(reason)s") % {"reason": mailbox.signin_needed[:200]}
    if not mailbox.oauth_refresh_token:
        return _("Not signed in yet")
    return _("Signed in (%(app)s)") % {"app": mailbox.oauth_application}


class MailboxIndexView(listing.IndexView):
    mailbox_viewset = None

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.mailbox_viewset.permission_policy.user_has_permission(self.request.user, "change"):
            if instance.uses_oauth:
                buttons.append(
                    ListingButton(
                        _("Sign in"),
                        url=reverse(
                            self.mailbox_viewset.get_url_name("sign_in"), args=[instance.pk]
                        ),
                        icon_name="key",
                        priority=14,
                    )
                )
            if instance.receive == Mailbox.Receive.WEBHOOK:
                return buttons  # the provider posts its mail: nothing to fetch
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
        Column("sign_in", label=gettext_lazy("Sign-in"), accessor=sign_in_status),
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
            queryset=Mailbox.objects.select_related("ticket_type", "oauth_application"),
            mailbox_viewset=self,
            **kwargs,
        )

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("import/<int:pk>/", self.import_view, name="import"),
            path("sign-in/<int:pk>/", self.sign_in_view, name="sign_in"),
            path("sign-in/callback/", self.callback_view, name="sign_in_callback"),
        ]

    def redirect_uri(self, request) -> str:
        """The callback's absolute URL, as registered with the provider."""
        return request.build_absolute_uri(reverse(self.get_url_name("sign_in_callback")))

    def sign_in_view(self, request, pk):
        """Explain, then (POST) send the administrator to the provider to sign in."""
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        mailbox = get_object_or_404(Mailbox.objects.select_related("oauth_application"), pk=pk)
        index_url = reverse(self.get_url_name("index"))
        edit_url = reverse(self.get_url_name("edit"), args=[mailbox.pk])
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        problem = ""
        if not mailbox.uses_oauth or mailbox.oauth_application is None:
            problem = _(
                "This mailbox logs in with a password. Switch it to “Sign-in (OAuth2)” and "
                "choose a sign-in app in its settings first."
            )
        else:
            try:
                oauth.require_authlib()
            except oauth.OAuthUnavailable as exc:
                problem = str(exc)
        if request.method == "POST" and not problem:
            try:
                url = oauth.start_sign_in(mailbox, request, self.redirect_uri(request))
            except oauth.SignInRefused as exc:
                problem = str(exc)
            else:
                return HttpResponseRedirect(url)
        app = mailbox.oauth_application
        return TemplateResponse(
            request,
            "wagtail_tickets/admin/mailbox_sign_in.html",
            {
                "mailbox": mailbox,
                "app": app,
                "problem": problem,
                "index_url": index_url,
                "edit_url": edit_url,
                "redirect_uri": self.redirect_uri(request),
                "header_icon": "key",
            },
            status=400 if problem and request.method == "POST" else 200,
        )

    def callback_view(self, request):
        """Where the provider sends the administrator back: check, exchange, store."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        index_url = reverse(self.get_url_name("index"))
        try:
            mailbox = oauth.finish_sign_in(request, request.GET)
        except (oauth.SignInRefused, oauth.OAuthUnavailable) as exc:
            return TemplateResponse(
                request,
                "wagtail_tickets/admin/mailbox_sign_in_failed.html",
                {"reason": str(exc), "index_url": index_url, "header_icon": "key"},
                status=400,
            )
        except oauth.TokenError as exc:
            return TemplateResponse(
                request,
                "wagtail_tickets/admin/mailbox_sign_in_failed.html",
                {
                    "reason": _("The provider did not give tokens: %(reason)s") % {"reason": exc},
                    "index_url": index_url,
                    "header_icon": "key",
                },
                status=502,
            )
        messages.success(
            request,
            _("“%(name)s” is signed in; its mail is imported from the next run on.")
            % {"name": mailbox.name},
        )
        return HttpResponseRedirect(index_url)

    def import_refusal(self, mailbox: Mailbox) -> str:
        """Why "Import now" cannot run for this mailbox (empty: it can). The worker checks
        the same again when it connects; this tells the administrator at once."""
        if mailbox.receive == Mailbox.Receive.WEBHOOK:
            return _("“%(name)s” receives its mail through the provider's webhook.") % {
                "name": mailbox.name
            }
        if mailbox.uses_oauth and mailbox.signin_needed:
            return _("“%(name)s” needs a new sign-in: %(reason)s") % {
                "name": mailbox.name,
                "reason": mailbox.signin_needed,
            }
        if mailbox.uses_oauth and not mailbox.has_credentials:
            return _("“%(name)s” is not signed in yet. Use “Sign in”, then import.") % {
                "name": mailbox.name
            }
        if not mailbox.uses_oauth and not mailbox.password:
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


class MailboxSignInPanel(Component):
    """On the dashboard of whoever may change mailboxes: the active mailboxes whose
    provider refused their sign-in, with the reason and a link to sign in again."""

    name = "wagtail_tickets_mailbox_sign_in"
    template_name = "wagtail_tickets/admin/mailbox_dashboard_panel.html"
    order = 80
    LIMIT = 10

    def __init__(self, mailboxes: list[Mailbox]):
        self.mailboxes = mailboxes

    def get_context_data(self, parent_context=None):
        return {
            "mailboxes": [
                (
                    mailbox,
                    reverse("wagtail_tickets_mailboxes:sign_in", args=[mailbox.pk]),
                )
                for mailbox in self.mailboxes
            ]
        }


def sign_in_panel(request) -> MailboxSignInPanel | None:
    """The panel, or ``None`` when every mailbox signs in (or the user may not fix it)."""
    from wagtail.permission_policies import ModelPermissionPolicy

    if not ModelPermissionPolicy(Mailbox).user_has_permission(request.user, "change"):
        return None
    waiting = list(
        Mailbox.objects.filter(active=True, auth_method=Mailbox.AuthMethod.OAUTH2)
        .exclude(signin_needed="")
        .only("pk", "name", "signin_needed")
        .order_by("name", "pk")[: MailboxSignInPanel.LIMIT]
    )
    return MailboxSignInPanel(waiting) if waiting else None


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
            OAuthApplicationViewSet(
                "wagtail_tickets_sign_in_apps", url_prefix="tickets-mail/sign-in-apps"
            ),
        )
        super().__init__()
