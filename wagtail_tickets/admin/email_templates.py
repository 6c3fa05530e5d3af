"""Email templates in the admin: list, edit, and a preview that renders a template
against a real ticket the administrator may see, exactly as the notifier would send it."""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import cached_property, lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, UpdatedAtColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button

from .. import permissions
from ..compat import ListingMoreItem, PermissionCheckedMixin
from ..conf import languages
from ..models import EmailTemplate
from ..models.mail import MAX_TEMPLATE_BODY
from ..notifications.events import Event, get_notifier
from ..notifications.recipients import Recipient
from ..notifications.rendering import RenderedMail
from ..notifications.variables import COMPANY_FIELDS, CONTACT_FIELDS, SLA_FIELDS, TICKET_FIELDS
from . import listing


def variables_help() -> str:
    groups = [
        ("", ["GREETING", "AGENT", "ASSIGNEE", "MESSAGE", "LINK", "CHANGES"]),
        ("ticket:", TICKET_FIELDS),
        ("contact:", CONTACT_FIELDS),
        ("company:", COMPANY_FIELDS),
        ("sla:", SLA_FIELDS),
    ]
    items = format_html_join(
        "",
        "<li>{}</li>",
        (
            (format_html_join(" ", "<code>{{{}}}</code>", ((prefix + n,) for n in names)),)
            for prefix, names in groups
        ),
    )
    return format_html(
        "<p>{}</p><ul>{}</ul>",
        _(
            "Variables are replaced by the ticket's values; unknown or empty ones by nothing. "
            "{GREETING} greets the recipient by name (without a name, a greeting without "
            "one), {MESSAGE} is the message of the event, {LINK} the ticket's address, "
            "{ASSIGNEE} the agent the ticket is assigned to, {CHANGES} the changed fields."
        ),
        items,
    )


class EmailTemplateForm(WagtailAdminModelForm):
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False, choices=())
    body = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=MAX_TEMPLATE_BODY,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=gettext_lazy("Plain text with variables such as {contact:first_name}."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Any language")), *languages()]
        if "ticket_type" in self.fields:
            self.fields["ticket_type"].empty_label = _("All types")


def template_type(template: EmailTemplate) -> str:
    return str(template.ticket_type) if template.ticket_type_id else _("All types")


def template_language(template: EmailTemplate) -> str:
    if not template.language:
        return _("Any language")
    return str(dict(languages()).get(template.language, template.language))


class EmailTemplateIndexView(listing.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("ticket_type")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.append(
            ListingMoreItem(
                _("Preview"),
                url=reverse(EmailTemplateViewSet.name + ":preview", args=[instance.pk]),
                icon_name="view",
                priority=15,
            )
        )
        return buttons


class EmailTemplateEditView(generic.EditView):
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        buttons.append(
            Button(
                _("Preview"),
                url=reverse(EmailTemplateViewSet.name + ":preview", args=[self.object.pk]),
                icon_name="view",
                priority=5,
            )
        )
        return buttons


class EmailTemplatePreviewView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """Render a template against a ticket the user manages (``?ticket=<number>``; default:
    the most recently updated one). A wrong number gets a message, never another
    agent's ticket. Where the kind quotes the message only to its author, the version the
    other recipients get (the neutral line instead of the message) is shown too."""

    model = EmailTemplate
    permission_required = "change"
    template_name = "wagtail_tickets/admin/email_template_preview.html"
    header_icon = "mail"

    def get_page_title(self):
        return _("Preview")

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(EmailTemplateViewSet.name + ":index"), "label": _("Email templates")},
            {
                "url": reverse(EmailTemplateViewSet.name + ":edit", args=[self.object.pk]),
                "label": str(self.object),
            },
            {"url": "", "label": _("Preview")},
        ]

    @cached_property
    def object(self) -> EmailTemplate:
        return get_object_or_404(EmailTemplate, pk=self.kwargs["pk"])

    def choose_ticket(self, tickets):
        number = self.request.GET.get("ticket", "").strip()[:32]
        if number:
            # a number holds no control characters (PostgreSQL refuses a NUL in a query)
            ticket = tickets.filter(number=number).first() if number.isprintable() else None
            if ticket is None:
                self.error = _("There is no ticket %(number)s among the tickets you manage.") % {
                    "number": number
                }
            return ticket
        return tickets.first()

    def preview_event(self, ticket) -> Event:
        """The event the kind's mail answers, with the ticket's own messages a customer may
        read (the table of kinds says which)."""
        messages = permissions.customer_visible_messages(ticket).select_related("author")
        kind = get_notifier().kind(self.object.kind)
        return kind.preview(ticket, self.request.user, messages.order_by("created_at", "pk"))

    def versions(self, ticket) -> list[tuple[str, RenderedMail]]:
        """``[(heading, rendered)]``: the mail as the notifier renders it; when some
        recipients may not read the message, first the author's copy, then theirs."""
        notifier = get_notifier()
        kind = self.object.kind
        event = self.preview_event(ticket)
        language = self.object.language or notifier.default_language()
        link = notifier.link_for(kind, event)
        rendered = notifier.render(self.object, event, language, link)
        # a CC address: no account, so it never wrote the message
        if notifier.quotes_message(kind, event, Recipient(email="")):
            return [("", rendered)]
        copy = notifier.render(self.object, event, language, link, quoted=False)
        if copy == rendered:
            return [("", rendered)]
        return [
            (_("To the author of the message (the account that wrote it)"), rendered),
            (_("To CC addresses and every other recipient"), copy),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.error = ""
        tickets = (
            permissions.agent_tickets(self.request.user)
            .select_related(
                "ticket_type", "status", "priority", "category", "requester", "assignee"
            )
            .order_by("-updated_at", "-pk")
        )
        try:
            kind = get_notifier().kind(self.object.kind)
        except KeyError:  # a template of a kind that is no longer sent
            kind = None
            self.error = _("This kind of mail is not sent any more.")
        ticket = self.choose_ticket(tickets)
        versions = self.versions(ticket) if ticket is not None and kind is not None else []
        context.update(
            template=self.object,
            ticket=ticket,
            recent_tickets=list(tickets[:20]),
            versions=versions,
            rendered=versions[0][1] if versions else None,
            error=self.error,
            automatic=kind is not None and kind.automatic,
        )
        return context


class EmailTemplateViewSet(ModelViewSet):
    """Settings > Email templates."""

    model = EmailTemplate
    name = "wagtail_tickets_email_templates"
    url_prefix = "ticket-email-templates"
    icon = "mail"
    menu_label = gettext_lazy("Ticket email templates")
    add_to_settings_menu = True
    menu_order = 610
    copy_view_enabled = True
    index_view_class = EmailTemplateIndexView
    edit_view_class = EmailTemplateEditView
    list_display = [
        # a model attribute first: Wagtail makes it the title column, a link to the edit
        # view with the row's buttons (preview, copy, delete); the kind's label, not its
        # stored code, on every supported Wagtail version
        "kind_label",
        Column(
            "ticket_type", label=gettext_lazy("Ticket type"), accessor=template_type, sort_key=None
        ),
        Column("language", label=gettext_lazy("Language"), accessor=template_language),
        BooleanColumn("active", label=gettext_lazy("Active")),
        # Wagtail's default label is translated once at import time; a lazy one follows the user.
        UpdatedAtColumn(label=gettext_lazy("Updated")),
    ]
    list_filter = ["kind", "ticket_type", "language", "active"]
    search_fields = ["subject", "body"]
    search_backend_name = None
    ordering = ["kind", "ticket_type", "language"]

    @cached_property
    def edit_handler(self):
        return ObjectList(
            [
                FieldPanel("kind"),
                FieldRowPanel([FieldPanel("ticket_type"), FieldPanel("language")]),
                FieldPanel("active"),
                FieldPanel("subject"),
                FieldPanel("body"),
                HelpPanel(
                    content=lazy(variables_help, SafeString)(), heading=gettext_lazy("Variables")
                ),
            ],
            base_form_class=EmailTemplateForm,
        )

    def get_index_view_kwargs(self, **kwargs):
        kwargs = super().get_index_view_kwargs(**kwargs)
        kwargs.pop("usage_url_name", None)
        return kwargs

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("preview/<int:pk>/", EmailTemplatePreviewView.as_view(), name="preview"),
        ]
