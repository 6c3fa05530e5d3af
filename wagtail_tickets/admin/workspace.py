"""The ticket's page in the admin (the workspace) and the agent's actions on it.

Each view fetches the ticket from ``permissions.agent_tickets`` (another type's ticket is a
404, never its data) and changes it only through ``wagtail_tickets.actions``, which check
the permission again, sanitise, write history and tell the notifier."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery, Sum
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import TemplateView, View
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .. import actions, permissions, sendcheck, uploads
from ..conf import app_settings, customer_model_is_user_model, get_customer_model
from ..display import change_text
from ..downloads import download_response
from ..ids import parse_id
from ..models import (
    Attachment,
    Message,
    ReplyDraft,
    ResponseTemplate,
    Status,
    Ticket,
    TicketLogEntry,
    TicketMerge,
    TicketVisit,
)
from ..models.tickets import AUTHOR_NAME_RELATED, agent_name
from ..notifications import Event, EventKind
from ..notifications.events import get_notifier
from ..notifications.variables import VARIABLE, as_text
from ..sla import display as sla_display
from . import drafts, relations, workspace_presence
from .forms import (
    WORKSPACE_FORM_ID,
    ChangeTicketForm,
    DraftForm,
    NewTicketForm,
    ReplyForm,
    TemplatePickerForm,
)
from .mail_preview import preview_reply

T = TypeVar("T")

TIMELINE_PAGE_SIZE = 50
WORKSPACE_URLS = ("edit", "draft", "preview")
# where "Cancel" of "New ticket" leads (a page of this site), and its longest accepted value
BACK_PARAM = "next"
MAX_BACK_URL = 2000
# what the buttons of the workspace's form do (its ``action``); "send" sends the reply
FORM_ACTIONS = ("send", "fields", "claim", "close", "reopen", "discard")
HISTORY_ACTIONS = (
    "wagtail_tickets.changed",
    "wagtail_tickets.closed",
    "wagtail_tickets.reopened",
    "wagtail_tickets.merged",
    "wagtail_tickets.merged_here",
    "wagtail_tickets.split",
    "wagtail_tickets.linked",
    "wagtail_tickets.unlinked",
)


class TicketURLsMixin:
    """Views of the ticket viewset: their URLs are reversed in the namespace the viewset
    gives them (``ticket_viewset``), so this module need not import the viewset."""

    url_namespace: str = ""

    def url(self, name: str, *args) -> str:
        return reverse(f"{self.url_namespace}:{name}", args=args)


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

    def ticket_queryset(self):
        return permissions.agent_tickets(self.request.user).select_related(
            *self.ticket_queryset_related
        )

    @cached_property
    def ticket(self) -> Ticket:
        ticket = get_object_or_404(self.ticket_queryset(), pk=self.kwargs["pk"])
        if not permissions.can_manage(self.request.user, ticket):
            raise Http404
        return ticket

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
        "rating",
    )

    def get_page_title(self):
        return f"#{self.ticket.number}"

    def get_page_subtitle(self):
        return self.ticket.subject

    def get_breadcrumbs_items(self):
        # the subject is the heading of the page's header card: not repeated here
        return self.breadcrumbs_items + [
            {"url": self.url("index"), "label": gettext_lazy("Tickets")},
            {"url": "", "label": self.get_page_title()},
        ]

    @cached_property
    def templates(self):
        return ResponseTemplate.objects.for_type(self.ticket.ticket_type).order_by(
            "-is_default", "sort_order", "name"
        )

    @cached_property
    def picker(self) -> TemplatePickerForm:
        data = self.request.GET if "template" in self.request.GET else None
        form = TemplatePickerForm(data, templates=self.templates)
        # shown from the list the page reads anyway (a bound form still checks the query)
        form.fields["template"].widget.choices = [(t.pk, t.name) for t in self.template_list]
        return form

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

    def reply_form(self, draft: ReplyDraft | None = None) -> ReplyForm:
        """The reply box as the page opens: the agent's draft, unless a template was
        just chosen; else the chosen (or default) template."""
        if draft is not None and draft.body and not self.picker.is_bound:
            return ReplyForm(initial={"body": draft.body, "internal": draft.internal})
        chosen = self.chosen_template()
        return ReplyForm(initial={"body": self.fill_variables(chosen.body) if chosen else ""})

    def fields_form(self, data=None, pending=None) -> ChangeTicketForm:
        return ChangeTicketForm(data, ticket=self.ticket, user=self.request.user, pending=pending)

    def ticket_queryset(self):
        # when the agent opened the ticket before, read with it (``remember_visit``)
        seen = TicketVisit.objects.filter(user=self.request.user, ticket=OuterRef("pk"))
        return super().ticket_queryset().annotate(seen_before=Subquery(seen.values("seen_at")))

    def remember_visit(self):
        """Record that the agent opens the ticket now (one upsert) and return when they
        opened it before (``None``: never), which says which messages are new to them."""
        user, ticket = self.request.user, self.ticket
        previous = ticket.seen_before
        TicketVisit.objects.bulk_create(
            [TicketVisit(user=user, ticket=ticket, seen_at=timezone.now())],
            update_conflicts=True,
            unique_fields=["user", "ticket"],
            update_fields=["seen_at"],
        )
        return previous

    @cached_property
    def merge(self) -> TicketMerge | None:
        return TicketMerge.objects.filter(source_id=self.ticket.pk).select_related("target").first()

    @cached_property
    def conversation(self):
        """The ticket's messages; of a merged ticket, those it held when it was merged."""
        if self.merge is not None:
            return Message.objects.filter(pk__in=self.merge.message_ids)
        return self.ticket.messages.all()

    def get(self, request, *args, **kwargs):
        if self.merge is not None and "record" not in request.GET:
            # its number leads to the ticket it was merged into; ?record=1 shows what it held
            return HttpResponseRedirect(self.url("edit", self.merge.target_id))
        seen_before = self.remember_visit()
        draft = drafts.load(request.user, self.ticket)
        context = self.get_context_data(
            reply_form=self.reply_form(draft),
            change_form=self.fields_form(pending=draft.changes if draft else None),
            draft=draft,
            new_since=seen_before,
            first_visit=seen_before is None,
        )
        return self.render_to_response(context)

    def post(self, request, *args, **kwargs):
        self.ticket  # noqa: B018 (404 before the body is read)
        refusal = uploads.receive(request)
        if refusal is not None:
            form = uploads.unread_form(ReplyForm(), refusal.message)
            messages.error(request, _("The reply could not be sent due to errors."))
            return self.render_to_response(
                self.get_context_data(reply_form=form), status=refusal.status
            )
        return self.submit(request)

    @method_decorator(csrf_protect)
    def submit(self, request):
        """The workspace's one form; ``action`` names the button that sent it. Whatever
        it does other than sending the reply, the reply box and the field changes not
        applied stay the agent's draft."""
        action = request.POST.get("action") or "send"
        if action not in FORM_ACTIONS:
            return HttpResponseBadRequest(_("Unknown action."))
        fields_form = self.fields_form(request.POST)
        if action == "send":
            return self.send(ReplyForm(request.POST, request.FILES), fields_form)
        if action == "discard":
            drafts.discard(request.user, self.ticket)
            messages.info(request, _("Your draft has been discarded."))
            return self.back()
        if action == "fields":
            if not fields_form.is_valid():
                self.keep_draft(fields_form)
                messages.error(request, _("The ticket's fields could not be saved due to errors."))
                return self.render_to_response(
                    self.get_context_data(
                        reply_form=self.reply_form(drafts.load(request.user, self.ticket)),
                        change_form=fields_form,
                    )
                )
            changes = fields_form.changes()
            self.keep_draft(fields_form, pending={})
            if not changes:
                messages.info(request, _("Nothing was changed."))
            else:
                self.act(actions.change_ticket, **changes)
            return self.back()
        self.keep_draft(fields_form)
        act = {
            "claim": actions.claim_ticket,
            "close": actions.close_ticket,
            "reopen": actions.reopen_ticket,
        }[action]
        self.act(act)
        return self.back()

    def act(self, action: Callable, **kwargs) -> None:
        """Run one action on the ticket as the agent; its refusal becomes a message."""
        try:
            action(self.ticket, actor=self.request.user, request=self.request, **kwargs)
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))

    def keep_draft(self, fields_form: ChangeTicketForm, pending: dict | None = None) -> None:
        """Keep the posted reply box and the field changes not applied (``pending``, else
        the form's) as the agent's draft; text that cannot be read leaves it as it was."""
        form = DraftForm(self.request.POST)
        if form.is_valid():
            drafts.keep(
                self.request.user,
                self.ticket,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data["internal"],
                changes=fields_form.pending() if pending is None else pending,
            )

    def send(self, form: ReplyForm, fields_form: ChangeTicketForm):
        """The reply with the field changes and the status chosen beside "Send": both,
        or (with the form's errors) neither, the draft kept."""
        try:
            seen = sendcheck.read(self.request.POST)
        except ValueError:
            return HttpResponseBadRequest(_("Unknown page."))
        if form.is_valid() and fields_form.is_valid():
            data = form.cleaned_data
            changes = fields_form.changes()
            if data["send_status"] is not None:
                changes["status"] = data["send_status"]
            try:
                reply = submit_as_agent(
                    self.request,
                    form,
                    actions.reply_and_change,
                    self.ticket,
                    changes=changes,
                    seen=seen,
                    body_html=data["body"],
                    files=data["attachments"],
                    internal=data["internal"],
                    hours=data["hours"],
                    rate=data["rate"],
                )
            except sendcheck.ConversationChanged as changed:
                return workspace_presence.conversation_changed(self, form, fields_form, changed)
            if reply is not None:
                drafts.discard(self.request.user, self.ticket)
                return HttpResponseRedirect(self.url("edit", self.ticket.pk) + "#latest")
            # what the rolled-back actions changed on the ticket object is read again
            self.__dict__.pop("ticket", None)
        self.keep_draft(fields_form)
        messages.error(self.request, _("The reply could not be sent due to errors."))
        return self.render_to_response(
            self.get_context_data(reply_form=form, change_form=fields_form)
        )

    def timeline(self, seen_before=None, *, mark_new: bool = False):
        """One page of messages (the latest by default) with the field changes made
        between them, in order. With ``mark_new``, each customer message written after
        ``seen_before`` (the agent's previous visit; ``None``: never) is ``is_new``."""
        ticket = self.ticket
        paginator = Paginator(
            self.conversation.select_related("rate", *AUTHOR_NAME_RELATED).prefetch_related(
                "attachments"
            ),
            TIMELINE_PAGE_SIZE,
        )
        page = paginator.get_page(self.request.GET.get("p") or paginator.num_pages)
        items = [("message", m.created_at, m) for m in page.object_list]
        for _kind, _when, message in items:
            message.is_new = (
                mark_new
                and not message.is_staff
                and not message.is_internal
                and (seen_before is None or message.created_at > seen_before)
            )
        entries = TicketLogEntry.objects.filter(
            # with the history of the tickets merged into this one
            Q(ticket_id=ticket.pk) | Q(ticket__merge__target_id=ticket.pk),
            action__in=HISTORY_ACTIONS,
        ).select_related("user")
        if page.has_previous() and items:
            entries = entries.filter(timestamp__gte=items[0][1])
        if page.has_next():
            following = self.conversation.values_list("created_at", flat=True)[page.end_index()]
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
        # what the page shows of the conversation is read after what it says it saw
        context.update(workspace_presence.workspace_context(self, ticket, kwargs.get("seen")))
        context.update(relations.workspace_context(ticket, user, self.merge))
        page, items = self.timeline(kwargs.get("new_since"), mark_new="new_since" in kwargs)
        hours = ticket.messages.aggregate(total=Sum("hours"))["total"]
        change_form = kwargs.get("change_form") or self.fields_form()
        statuses = list(Status.objects.all())
        # one read of the statuses for the field and the "Send and set status" menu
        change_form.fields["status"].widget.choices = [(s.pk, str(s)) for s in statuses]
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
            change_form=change_form,
            # "Send and set status to ...": every status but the ticket's own
            send_statuses=[s for s in statuses if s.pk != ticket.status_id],
            form_id=WORKSPACE_FORM_ID,
            can_close=permissions.can_close(user, ticket),
            can_reopen=permissions.can_reopen(user, ticket),
            is_mine=ticket.assignee_id == user.pk,
            today=timezone.localdate(),
            sla_targets=sla_display.target_rows(ticket),
            urls={name: self.url(name, ticket.pk) for name in WORKSPACE_URLS},
            attachment_url_name=f"{self.url_namespace}:attachment",
        )
        context["media"] = context["reply_form"].media + change_form.media
        return context


class TicketActionView(AgentTicketMixin, View):
    """A POST that changes the ticket through one action (the subclass's ``act``), then
    back to the workspace. The workspace's own buttons send its form instead (which
    keeps the reply box); these answer a plain form with nothing but the CSRF token."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            self.act()
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return self.back()


class ClaimView(TicketActionView):
    def act(self):
        actions.claim_ticket(self.ticket, actor=self.request.user, request=self.request)


class CloseView(TicketActionView):
    def act(self):
        actions.close_ticket(self.ticket, actor=self.request.user, request=self.request)


class ReopenView(TicketActionView):
    def act(self):
        actions.reopen_ticket(self.ticket, actor=self.request.user, request=self.request)


class DraftView(AgentTicketMixin, View):
    """Where the workspace saves the reply box while the agent types (a POST after a
    pause): the text, whether it is a note, and the ticket's fields changed but not yet
    saved. A box with neither text nor changes removes the draft, as ``discard`` does.
    Answers JSON: ``saved`` and a line for the page, or ``error`` (400)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        ticket = self.ticket
        if request.POST.get("discard"):
            drafts.discard(request.user, ticket)
            return JsonResponse({"saved": False, "status": _("Draft discarded.")})
        form = DraftForm(request.POST)
        if not form.is_valid():
            return JsonResponse({"saved": False, "error": form_errors_text(form)}, status=400)
        fields = ChangeTicketForm(request.POST, ticket=ticket, user=request.user)
        kept = drafts.keep(
            request.user,
            ticket,
            body=form.cleaned_data["body"],
            internal=form.cleaned_data["internal"],
            changes=fields.pending(),
        )
        now = formats.time_format(timezone.localtime(), "TIME_FORMAT")
        status = _("Draft saved at %(time)s") % {"time": now} if kept else ""
        return JsonResponse({"saved": kept, "status": status})


class ReplyPreviewView(AgentTicketMixin, View):
    """The mail the customer will get for the text in the reply box
    (``mail_preview.preview_reply``), as a piece of the page. Nothing is saved or sent."""

    http_method_names = ["post"]
    template_name = "wagtail_tickets/admin/includes/mail_preview.html"
    ticket_queryset_related = AgentTicketMixin.ticket_queryset_related + (
        "customer",
        "requester__ticket_profile",
    )

    def post(self, request, *args, **kwargs):
        ticket = self.ticket
        form = DraftForm(request.POST)
        if not form.is_valid():
            context = {"error": form_errors_text(form)}
            return TemplateResponse(request, self.template_name, context, status=400)
        preview = preview_reply(
            ticket,
            request.user,
            form.cleaned_data["body"],
            internal=form.cleaned_data["internal"],
        )
        return TemplateResponse(request, self.template_name, {"preview": preview})


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


class AgentPageMixin(TicketURLsMixin, WagtailAdminTemplateMixin):
    """A page of the Tickets menu that only agents reach, under "Tickets" in the
    breadcrumbs."""

    def dispatch(self, request, *args, **kwargs):
        if not permissions.is_agent(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": self.url("index"), "label": gettext_lazy("Tickets")},
            {"url": "", "label": self.get_page_title()},
        ]


# CSRF is checked by the POST handler once the upload limits are in place (see uploads)
@method_decorator(csrf_exempt, name="dispatch")
class NewTicketView(AgentPageMixin, TemplateView):
    """An agent opens a ticket for a customer. ``?customer=<pk>`` limits the
    requester to that customer's users; ``?requester=<pk>`` preselects one."""

    template_name = "wagtail_tickets/admin/new_ticket.html"
    page_title = gettext_lazy("New ticket")
    header_icon = "mail"
    # set when uploads.receive refused the POST body: it is then never read
    body_refused = False

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

    @cached_property
    def back_url(self) -> str:
        """Where "Cancel" leads: ``next`` (kept through the form) or else the page that
        linked here, when either is a page of this site other than this one; else the
        customer's record, else the inbox."""
        request = self.request
        for candidate in (
            request.POST.get(BACK_PARAM)
            if request.method == "POST" and not self.body_refused
            else None,
            request.GET.get(BACK_PARAM),
            request.META.get("HTTP_REFERER"),
        ):
            if not candidate or len(candidate) > MAX_BACK_URL:
                continue
            if not url_has_allowed_host_and_scheme(
                candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                continue
            if urlsplit(candidate).path != request.path:
                return candidate
        if self.customer is not None:
            edit_url = AdminURLFinder(request.user).get_edit_url(self.customer)
            if edit_url:
                return edit_url
        return self.url("index")

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        self.customer  # noqa: B018 (404 before the body is read)
        refusal = uploads.receive(request)
        if refusal is not None:
            self.body_refused = True  # what was refused stays unread
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
                status=data["status"],
                assignee=data["assignee"],
            )
            if ticket is not None:
                return HttpResponseRedirect(self.url("edit", ticket.pk))
        messages.error(request, _("The ticket could not be opened due to errors."))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["customer"] = self.customer
        context["back_url"] = self.back_url
        context["back_param"] = BACK_PARAM
        context["media"] = context["form"].media
        return context
