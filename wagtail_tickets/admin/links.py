"""Links between tickets in the admin, and splitting a ticket: the workspace's "Linked
tickets" panel (what it shows comes from ``workspace_context``), adding and removing a
link, "Close with its open children", and "Split" on a message (the panel's contents
are ``relations.workspace_context``).

Tickets are found only in ``permissions.agent_tickets``; ``actions`` check again and their
refusals become messages or form errors, never a 500."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .. import actions, permissions
from ..models import Message, TicketLink
from ..sanitize import clean_subject
from .relations import LinkForm
from .workspace import AgentTicketMixin


class LinkView(AgentTicketMixin, View):
    """POST: link the ticket to another (by number) as related, parent or child."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = LinkForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Enter a ticket number and how the tickets are linked."))
            return self.back()
        other = (
            permissions.agent_tickets(request.user)
            .select_related("status", "ticket_type")
            .filter(number=form.cleaned_data["number"])
            .first()
        )
        if other is None:
            messages.error(
                request,
                _("No ticket #%(number)s among your tickets.")
                % {"number": form.cleaned_data["number"]},
            )
            return self.back()
        kind = form.cleaned_data["kind"]
        parent, child = (other, self.ticket) if kind == "parent" else (self.ticket, other)
        try:
            actions.link_tickets(
                parent, child, kind="related" if kind == "related" else "parent", actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied:
            messages.error(request, _("You may not link these tickets."))
        else:
            messages.success(request, _("Linked to #%(number)s.") % {"number": other.number})
        return self.back()


class UnlinkView(AgentTicketMixin, View):
    """POST: remove one of the ticket's links."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        link = get_object_or_404(
            TicketLink.objects.filter(
                Q(from_ticket_id=self.ticket.pk) | Q(to_ticket_id=self.ticket.pk)
            ),
            pk=kwargs["link_pk"],
        )
        try:
            actions.unlink_tickets(link, actor=request.user)
        except (ValidationError, PermissionDenied):
            messages.error(request, _("You may not remove this link."))
        else:
            messages.success(request, _("The link has been removed."))
        return self.back()


class CloseWithChildrenView(AgentTicketMixin, View):
    """POST: close the ticket and its open children."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            count = actions.close_with_children(self.ticket, actor=request.user, request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied:
            messages.error(request, _("You may not close this ticket."))
        else:
            messages.success(
                request, _("%(count)s child ticket(s) closed with it.") % {"count": count}
            )
        return self.back()


class SplitForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject of the new ticket"), max_length=255)
    ticket_type = forms.ModelChoiceField(label=gettext_lazy("Type"), queryset=None)
    following = forms.BooleanField(
        label=gettext_lazy("Move the messages after it too"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticket_type"].queryset = permissions.managed_types(user)

    def clean_subject(self) -> str:
        subject = clean_subject(self.cleaned_data["subject"])
        if not subject:
            raise ValidationError(_("The subject is empty."))
        return subject


class SplitView(AgentTicketMixin, WagtailAdminTemplateMixin, View):
    """One message (and optionally those after it) into a new ticket: GET the form,
    POST split. The ticket's first message cannot be split off."""

    template_name = "wagtail_tickets/admin/split.html"
    header_icon = "mail"
    page_title = gettext_lazy("Split ticket")

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": self.url("index"), "label": gettext_lazy("Tickets")},
            {"url": self.url("edit", self.ticket.pk), "label": f"#{self.ticket.number}"},
            {"url": "", "label": self.get_page_title()},
        ]

    def message(self) -> Message:
        pk = self.kwargs["message_pk"]
        message = Message.objects.filter(ticket_id=self.ticket.pk, pk=pk).first()
        if message is None:
            raise Http404
        return message

    def render(self, form, message, status=200):
        later = Message.objects.filter(ticket_id=self.ticket.pk, created_at__gt=message.created_at)
        context = self.get_context_data(
            ticket=self.ticket, message=message, form=form, later=later.count()
        )
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        message = self.message()
        form = SplitForm(
            user=request.user,
            initial={"subject": self.ticket.subject, "ticket_type": self.ticket.ticket_type_id},
        )
        return self.render(form, message)

    def post(self, request, *args, **kwargs):
        message = self.message()
        form = SplitForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render(form, message, status=400)
        data = form.cleaned_data
        try:
            new = actions.split_ticket(
                message,
                actor=request.user,
                following=data["following"],
                subject=data["subject"],
                ticket_type=data["ticket_type"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.render(form, message, status=400)
        except PermissionDenied:
            form.add_error(None, _("You may not split this ticket into that type."))
            return self.render(form, message, status=403)
        messages.success(
            request,
            _("#%(number)s opened from #%(original)s.")
            % {"number": new.number, "original": self.ticket.number},
        )
        return HttpResponseRedirect(self.url("edit", new.pk))
