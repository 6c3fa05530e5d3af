"""The ticket's page in the admin (the workspace) and the agent's actions on it.

Each view fetches the ticket from ``permissions.agent_tickets`` (another type's ticket is a
404, never its data) and changes it only through ``wagtail_tickets.actions``, which check
the permission again, sanitise, write history and tell the notifier."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import TemplateView, View
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .. import actions, permissions, uploads
from ..conf import app_settings, customer_model_is_user_model, get_customer_model
from ..display import change_text
from ..downloads import download_response
from ..ids import parse_id
from ..models import Attachment, Message, ResponseTemplate, Ticket, TicketLogEntry
from ..models.tickets import AUTHOR_NAME_RELATED, agent_name
from ..notifications import Event, EventKind
from ..notifications.events import get_notifier
from ..notifications.variables import VARIABLE, as_text
from .forms import (
    AssignForm,
    ChangeTicketForm,
    ContactsForm,
    MoveForm,
    NewTicketForm,
    ReplyForm,
    TemplatePickerForm,
)

T = TypeVar("T")

TIMELINE_PAGE_SIZE = 50
WORKSPACE_URLS = ("edit", "claim", "assign", "change", "move", "contacts", "close", "reopen")
HISTORY_ACTIONS = (
    "wagtail_tickets.changed",
    "wagtail_tickets.closed",
    "wagtail_tickets.reopened",
)


class TicketURLsMixin:
    """Views of the ticket viewset: their URLs are reversed in the namespace the viewset
    gives them (``ticket_viewset``), so this module need not import the viewset."""

    url_namespace: str = ""

    def url(self, name: str, *args) -> str:
        return reverse(f"{self.url_namespace}:{name}", args=args)


def field_values(ticket: Ticket, names) -> dict:
    """The ticket's values of the fields ``names`` as a form's initial data (ids for
    foreign keys): every field of ``ChangeTicketForm`` opens with the ticket's value."""
    return {name: getattr(ticket, Ticket._meta.get_field(name).attname) for name in names}


def form_errors_text(form) -> str:
    """A small form's errors as one message line ("Assignee: Select a valid choice.")."""
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        text = " ".join(errors)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


def submit_as_agent(request, form, action: Callable[..., T], *args, **kwargs) -> T | None:
    """Runs the core ``action`` for an agent's valid admin form: the agent is the actor and
    the admin the source. When the action refuses, its ValidationError becomes an error of
    the whole form (shown with the field errors) and the result is None."""
    try:
        return action(
            *args, actor=request.user, source=Message.Source.ADMIN, request=request, **kwargs
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return None


class AgentTicketMixin(TicketURLsMixin):
    """Only agents reach these views; the ticket must be one of theirs (else 404)."""

    ticket_queryset_related = ("ticket_type", "status", "priority", "category", "assignee")

    def dispatch(self, request, *args, **kwargs):
        if not permissions.is_agent(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def ticket(self) -> Ticket:
        return get_object_or_404(
            permissions.agent_tickets(self.request.user).select_related(
                *self.ticket_queryset_related
            ),
            pk=self.kwargs["pk"],
        )

    def back(self) -> HttpResponseRedirect:
        return HttpResponseRedirect(self.url("edit", self.ticket.pk))


# CSRF is checked by the POST handler once the upload limits are in place (see uploads)
@method_decorator(csrf_exempt, name="dispatch")
class WorkspaceView(AgentTicketMixin, WagtailAdminTemplateMixin, TemplateView):
    """Header, timeline and reply box of one ticket; POST sends the reply."""

    template_name = "wagtail_tickets/admin/workspace.html"
    header_icon = "mail"
    ticket_queryset_related = AgentTicketMixin.ticket_queryset_related + (
        "customer",
        "requester__ticket_profile",
    )

    def get_page_title(self):
        return f"#{self.ticket.number}"

    def get_page_subtitle(self):
        return self.ticket.subject

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": self.url("index"), "label": gettext_lazy("Tickets")},
            {"url": "", "label": self.get_page_title(), "sublabel": self.ticket.subject},
        ]

    @cached_property
    def templates(self):
        return ResponseTemplate.objects.for_type(self.ticket.ticket_type).order_by(
            "-is_default", "sort_order", "name"
        )

    @cached_property
    def picker(self) -> TemplatePickerForm:
        data = self.request.GET if "template" in self.request.GET else None
        return TemplatePickerForm(data, templates=self.templates)

    @cached_property
    def template_list(self) -> list[ResponseTemplate]:
        return list(self.templates)

    def chosen_template(self):
        if self.picker.is_bound and self.picker.is_valid():
            return self.picker.cleaned_data["template"]
        return next((t for t in self.template_list if t.is_default), None)

    def fill_variables(self, body: str) -> str:
        """Fill ``{contact:first_name}``, ``{ticket:number}``, ``{AGENT}`` and the other
        template variables from the notifier's flat dictionary, each value escaped."""
        if not VARIABLE.search(body):
            return body
        event = Event(EventKind.REPLIED, self.ticket, actor=self.request.user)
        values = get_notifier().variables(event, link="")
        values["MESSAGE"] = ""
        return VARIABLE.sub(
            lambda match: html.escape(as_text(values.get(match.group(1), ""))), body
        )

    def reply_form(self) -> ReplyForm:
        chosen = self.chosen_template()
        return ReplyForm(initial={"body": self.fill_variables(chosen.body) if chosen else ""})

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(reply_form=self.reply_form()))

    def post(self, request, *args, **kwargs):
        self.ticket  # noqa: B018 (404 before the body is read)
        refusal = uploads.receive(request)
        if refusal is not None:
            form = uploads.unread_form(ReplyForm(), refusal.message)
            messages.error(request, _("The reply could not be sent due to errors."))
            return self.render_to_response(
                self.get_context_data(reply_form=form), status=refusal.status
            )
        return self.send_reply(request)

    @method_decorator(csrf_protect)
    def send_reply(self, request):
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            reply = submit_as_agent(
                request,
                form,
                actions.add_reply,
                self.ticket,
                body_html=data["body"],
                files=data["attachments"],
                internal=data["internal"],
                hours=data["hours"],
                rate=data["rate"],
            )
            if reply is not None:
                return HttpResponseRedirect(self.url("edit", self.ticket.pk) + "#latest")
        messages.error(request, _("The reply could not be sent due to errors."))
        return self.render_to_response(self.get_context_data(reply_form=form))

    def timeline(self):
        """One page of messages (the latest by default) with the field changes made
        between them, in order."""
        ticket = self.ticket
        paginator = Paginator(
            ticket.messages.select_related("rate", *AUTHOR_NAME_RELATED).prefetch_related(
                "attachments"
            ),
            TIMELINE_PAGE_SIZE,
        )
        page = paginator.get_page(self.request.GET.get("p") or paginator.num_pages)
        items = [("message", m.created_at, m) for m in page.object_list]
        entries = TicketLogEntry.objects.filter(
            ticket_id=ticket.pk, action__in=HISTORY_ACTIONS
        ).select_related("user")
        if page.has_previous() and items:
            entries = entries.filter(timestamp__gte=items[0][1])
        if page.has_next():
            following = ticket.messages.values_list("created_at", flat=True)[page.end_index()]
            entries = entries.filter(timestamp__lt=following)
        labels = {f.name: f.verbose_name for f in Ticket._meta.fields}
        for entry in entries.order_by("timestamp", "pk"):
            changes = (entry.data or {}).get("changes") or {}
            # (label, old, new, field name): the template words an assignment by its name
            rows = [
                (
                    labels.get(name, name),
                    change_text(name, values[0]),
                    change_text(name, values[1]),
                    name,
                )
                for name, values in changes.items()
                if isinstance(values, list | tuple) and len(values) == 2
            ]
            items.append(("change", entry.timestamp, {"entry": entry, "rows": rows}))
        items.sort(key=lambda item: item[1])
        return page, items

    def customer_url(self) -> str:
        customer = self.ticket.customer
        if customer is None:
            return ""
        return AdminURLFinder(self.request.user).get_edit_url(customer) or ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ticket = self.ticket
        user = self.request.user
        page, items = self.timeline()
        hours = ticket.messages.aggregate(total=Sum("hours"))["total"]
        context.update(
            ticket=ticket,
            requester_name=ticket.requester_display_name,
            customer_url=self.customer_url(),
            assignee_name=agent_name(ticket.assignee),
            time_logged=hours or 0,
            timeline=items,
            timeline_page=page,
            picker=self.picker,
            has_templates=bool(self.template_list),
            change_form=ChangeTicketForm(
                initial=field_values(ticket, ChangeTicketForm.base_fields)
            ),
            assign_form=AssignForm(initial={"assignee": ticket.assignee_id}, ticket=ticket),
            move_form=MoveForm(initial={"ticket_type": ticket.ticket_type_id}, user=user),
            contacts_form=ContactsForm(initial={"cc": "\n".join(ticket.cc_list)}),
            can_close=permissions.can_close(user, ticket),
            can_reopen=permissions.can_reopen(user, ticket),
            is_mine=ticket.assignee_id == user.pk,
            today=timezone.localdate(),
            urls={name: self.url(name, ticket.pk) for name in WORKSPACE_URLS},
            attachment_url_name=f"{self.url_namespace}:attachment",
        )
        context["media"] = context["reply_form"].media + context["change_form"].media
        return context


class TicketActionView(AgentTicketMixin, View):
    """A POST that changes the ticket through one action (the subclass's ``act``), then
    back to the workspace."""

    http_method_names = ["post"]
    form_class = None

    def get_form(self):
        return self.form_class(self.request.POST)

    def post(self, request, *args, **kwargs):
        form = self.get_form() if self.form_class else None
        if form is not None and not form.is_valid():
            messages.error(request, form_errors_text(form))
            return self.back()
        try:
            self.act(form.cleaned_data if form is not None else {})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return self.back()


class ClaimView(TicketActionView):
    def act(self, data):
        actions.claim_ticket(self.ticket, actor=self.request.user, request=self.request)


class AssignView(TicketActionView):
    form_class = AssignForm

    def get_form(self):
        return AssignForm(self.request.POST, ticket=self.ticket)

    def act(self, data):
        actions.change_ticket(
            self.ticket, actor=self.request.user, request=self.request, assignee=data["assignee"]
        )


class ChangeView(TicketActionView):
    """Status, priority, category and target date in one go."""

    form_class = ChangeTicketForm

    def act(self, data):
        changes = actions.change_ticket(
            self.ticket, actor=self.request.user, request=self.request, **data
        )
        if not changes:
            messages.info(self.request, _("Nothing was changed."))


class MoveView(TicketActionView):
    """To another type the agent manages (the form offers only those; the action checks,
    and unassigns an assignee who is not on the new type's team)."""

    form_class = MoveForm

    def get_form(self):
        return MoveForm(self.request.POST, user=self.request.user)

    def act(self, data):
        actions.change_ticket(
            self.ticket,
            actor=self.request.user,
            request=self.request,
            ticket_type=data["ticket_type"],
        )


class ContactsView(TicketActionView):
    """CC and extra contacts told about updates."""

    form_class = ContactsForm

    def act(self, data):
        actions.change_ticket(
            self.ticket, actor=self.request.user, request=self.request, cc="\n".join(data["cc"])
        )


class CloseView(TicketActionView):
    def act(self, data):
        actions.close_ticket(self.ticket, actor=self.request.user, request=self.request)


class ReopenView(TicketActionView):
    def act(self, data):
        actions.reopen_ticket(self.ticket, actor=self.request.user, request=self.request)


class AttachmentView(View):
    """Download of any attachment of a ticket the agent manages (notes' files included),
    served like the customer area's downloads: never rendered by the browser."""

    http_method_names = ["get", "head"]

    def get(self, request, pk):
        if not permissions.is_agent(request.user):
            raise PermissionDenied
        item = get_object_or_404(
            Attachment.objects.filter(message__ticket__in=permissions.agent_tickets(request.user)),
            pk=pk,
        )
        return download_response(item)


# CSRF is checked by the POST handler once the upload limits are in place (see uploads)
@method_decorator(csrf_exempt, name="dispatch")
class NewTicketView(TicketURLsMixin, WagtailAdminTemplateMixin, TemplateView):
    """An agent opens a ticket for a customer. ``?customer=<pk>`` limits the
    requester to that customer's users; ``?requester=<pk>`` preselects one."""

    template_name = "wagtail_tickets/admin/new_ticket.html"
    page_title = gettext_lazy("New ticket")
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not permissions.is_agent(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": self.url("index"), "label": gettext_lazy("Tickets")},
            {"url": "", "label": self.get_page_title()},
        ]

    @cached_property
    def customer(self):
        raw = self.request.GET.get("customer")
        if not raw:
            return None
        model = get_customer_model()
        try:
            return model._default_manager.get(pk=raw)
        except (model.DoesNotExist, ValueError, ValidationError, TypeError) as exc:
            raise Http404("No such customer.") from exc

    def requesters(self):
        """Active users; with ``?customer=`` only the users of that customer record."""
        users = get_user_model()._default_manager.filter(is_active=True)
        customer = self.customer
        if customer is None:
            return users
        if customer_model_is_user_model():
            return users.filter(pk=customer.pk)
        field = app_settings.CUSTOMER_USERS_FIELD
        if not field:
            return users.none()
        return users.filter(
            pk__in=get_customer_model()
            ._default_manager.filter(pk=customer.pk)
            .values(f"{field}__pk")
        ).order_by("first_name", "last_name", "pk")

    def get_form(self, bound: bool = True):
        requesters = self.requesters()
        widget = None
        if self.customer is None:
            from .choosers import requester_chooser_viewset

            widget = requester_chooser_viewset.widget_class()
        initial = {}
        chosen = parse_id(self.request.GET.get("requester"))
        if chosen is not None and requesters.filter(pk=chosen).exists():
            initial["requester"] = chosen
        elif self.customer is not None and requesters.count() == 1:
            initial["requester"] = requesters.get().pk
        bound = bound and self.request.method == "POST"
        data = self.request.POST if bound else None
        files = self.request.FILES if bound else None
        return NewTicketForm(
            data,
            files,
            user=self.request.user,
            requesters=requesters,
            requester_widget=widget,
            initial=initial,
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        self.customer  # noqa: B018 (404 before the body is read)
        refusal = uploads.receive(request)
        if refusal is not None:
            form = uploads.unread_form(self.get_form(bound=False), refusal.message)
            messages.error(request, _("The ticket could not be opened due to errors."))
            return self.render_to_response(self.get_context_data(form=form), status=refusal.status)
        return self.open_ticket(request)

    @method_decorator(csrf_protect)
    def open_ticket(self, request):
        form = self.get_form()
        if form.is_valid():
            data = form.cleaned_data
            ticket = submit_as_agent(
                request,
                form,
                actions.open_ticket,
                ticket_type=data["ticket_type"],
                subject=data["subject"],
                body_html=data["body"],
                requester=data["requester"],
                cc=data["cc"],
                priority=data["priority"],
                category=data["category"],
                files=data["attachments"],
            )
            if ticket is not None:
                return HttpResponseRedirect(self.url("edit", ticket.pk))
        messages.error(request, _("The ticket could not be opened due to errors."))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["customer"] = self.customer
        context["media"] = context["form"].media
        return context
