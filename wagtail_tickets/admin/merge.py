"""Merging tickets in the admin: from a ticket's workspace ("Merge into…": find the target
by number or subject, see what will move, confirm) and from the inbox (tick tickets,
"Merge into one ticket…", choose which of them stays).

The views find tickets only in ``permissions.agent_tickets``; ``actions.merge_tickets``
checks again (both types managed, no customer shown a ticket they could not see) and its
refusal is shown on the page, never a 500."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .. import actions, permissions
from ..ids import parse_id
from ..models import Ticket, TicketMerge
from .workspace import AgentPageMixin, AgentTicketMixin

# candidates a search shows; a longer list is a search to narrow
MAX_CANDIDATES = 10
MAX_QUERY = 100
# tickets the inbox may merge at once
MAX_BULK = 50
BULK_CHANGE = "merge"


def mergeable(user):
    """Tickets ``user`` may merge or merge into: theirs, and not merged themselves."""
    return permissions.agent_tickets(user).filter(merge__isnull=True)


def find_targets(user, query: str, exclude: list[int]) -> list[Ticket]:
    """Up to ``MAX_CANDIDATES`` tickets for a search by number (with or without ``#``) or
    subject, the exact number first; one query whatever the desk holds."""
    text = query.strip().lstrip("#").strip()[:MAX_QUERY]
    if not text:
        return []
    tickets = (
        mergeable(user)
        .exclude(pk__in=exclude)
        .filter(Q(number__iexact=text) | Q(subject__icontains=text))
        .select_related("status", "ticket_type")
        .order_by("-updated_at", "-pk")[: MAX_CANDIDATES + 1]
    )
    found = list(tickets)
    found.sort(key=lambda t: t.number.lower() != text.lower())
    return found


def merge_summary(sources: list[Ticket], target: Ticket) -> list[dict]:
    """Per source: how many messages and files move, the CC addresses that join the target,
    and why the merge would be refused (``permissions.merge_refusal``). One query."""
    counted = {
        row["pk"]: row
        for row in Ticket.objects.filter(pk__in=[s.pk for s in sources])
        .annotate(n_messages=Count("messages", distinct=True))
        .annotate(n_files=Count("messages__attachments", distinct=True))
        .values("pk", "n_messages", "n_files")
    }
    known = {permissions.mail_address_key(a) for a in [*target.cc_list, target.requester_email]}
    summary = []
    for source in sources:
        refusal = permissions.merge_refusal(source, target)
        summary.append(
            {
                "ticket": source,
                "messages": counted.get(source.pk, {}).get("n_messages", 0),
                "files": counted.get(source.pk, {}).get("n_files", 0),
                "new_cc": [
                    a for a in source.cc_list if permissions.mail_address_key(a) not in known
                ],
                "refused": actions.merge_refusal_text(refusal)
                % {"source": source.number, "target": target.number}
                if refusal
                else "",
            }
        )
    return summary


class MergeForm(forms.Form):
    target = forms.IntegerField(min_value=1)


def run_merge(request, sources: list[Ticket], target: Ticket) -> bool:
    """Merge and say so; a refusal becomes an error message. True when merged."""
    try:
        actions.merge_tickets(sources, target, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    except PermissionDenied:
        messages.error(request, _("You may not merge these tickets."))
        return False
    numbers = ", ".join(f"#{s.number}" for s in sources)
    messages.success(
        request,
        _("%(numbers)s merged into #%(number)s.") % {"numbers": numbers, "number": target.number},
    )
    return True


class MergeView(AgentTicketMixin, WagtailAdminTemplateMixin, View):
    """One ticket into another: GET searches (``q``) and, with ``target``, shows what will
    move; POST merges."""

    template_name = "wagtail_tickets/admin/merge.html"
    header_icon = "mail"
    page_title = gettext_lazy("Merge ticket")

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": self.url("index"), "label": gettext_lazy("Tickets")},
            {"url": self.url("edit", self.ticket.pk), "label": f"#{self.ticket.number}"},
            {"url": "", "label": self.get_page_title()},
        ]

    def target(self, raw) -> Ticket | None:
        pk = parse_id(raw) if raw else None
        if pk is None or pk == self.ticket.pk:
            return None
        return (
            mergeable(self.request.user)
            .select_related("status", "ticket_type")
            .filter(pk=pk)
            .first()
        )

    def render(self, status: int = 200, **context) -> TemplateResponse:
        return TemplateResponse(
            self.request,
            self.template_name,
            self.get_context_data(ticket=self.ticket, **context),
            status=status,
        )

    def get(self, request, *args, **kwargs):
        if TicketMerge.objects.filter(source_id=self.ticket.pk).exists():
            messages.info(request, _("This ticket is merged already."))
            return self.back()
        query = request.GET.get("q", "")[:MAX_QUERY]
        context = {"query": query, "candidates": []}
        if "target" in request.GET:
            target = self.target(request.GET.get("target"))
            if target is None:
                context["error"] = _("Choose a ticket of your types that is not merged.")
                return self.render(status=404, **context)
            context["target"] = target
            context["summary"] = merge_summary([self.ticket], target)
        elif query:
            found = find_targets(request.user, query, exclude=[self.ticket.pk])
            context["candidates"] = found[:MAX_CANDIDATES]
            context["more"] = len(found) > MAX_CANDIDATES
        return self.render(**context)

    def post(self, request, *args, **kwargs):
        form = MergeForm(request.POST)
        target = self.target(request.POST.get("target")) if form.is_valid() else None
        if target is None:
            return self.render(
                status=400,
                query="",
                candidates=[],
                error=_("Choose a ticket of your types that is not merged."),
            )
        if run_merge(request, [self.ticket], target):
            return HttpResponseRedirect(self.url("edit", target.pk))
        return HttpResponseRedirect(f"{self.url('merge', self.ticket.pk)}?target={target.pk}")


class BulkMergeView(AgentPageMixin, View):
    """The inbox's "Merge into one ticket…": the ticked tickets (``ticket``), one chosen
    to stay (``target``), the others merged into it."""

    template_name = "wagtail_tickets/admin/merge_bulk.html"
    header_icon = "mail"
    page_title = gettext_lazy("Merge tickets")

    def selected(self, data) -> list[Ticket] | None:
        raw = data.getlist("ticket")[: MAX_BULK + 1]
        ids = [parse_id(value) for value in raw]
        if None in ids or len(ids) > MAX_BULK:
            return None
        tickets = mergeable(self.request.user).filter(pk__in=ids)
        return list(tickets.select_related("status", "ticket_type", "requester").order_by("pk"))

    def render(self, tickets, status=200, **context):
        return TemplateResponse(
            self.request,
            self.template_name,
            self.get_context_data(tickets=tickets, inbox_url=self.url("index"), **context),
            status=status,
        )

    def get(self, request, *args, **kwargs):
        tickets = self.selected(request.GET)
        if tickets is None:
            return self.render([], status=400, error=_("This selection cannot be read."))
        if len(tickets) < 2:
            return self.render(
                tickets,
                status=400,
                error=_("Select at least two tickets of your types that are not merged."),
            )
        target = next((t for t in tickets if str(t.pk) == request.GET.get("target")), None)
        summary = merge_summary([t for t in tickets if t != target], target) if target else []
        return self.render(tickets, target=target, summary=summary)

    def post(self, request, *args, **kwargs):
        tickets = self.selected(request.POST)
        target_pk = parse_id(request.POST.get("target", ""))
        target = next((t for t in tickets or [] if t.pk == target_pk), None)
        if tickets is None or target is None or len(tickets) < 2:
            return self.render(
                tickets or [], status=400, error=_("Choose the ticket the others go into.")
            )
        sources = [t for t in tickets if t.pk != target.pk]
        if run_merge(request, sources, target):
            return HttpResponseRedirect(self.url("edit", target.pk))
        query = "&".join(f"ticket={t.pk}" for t in tickets)
        return HttpResponseRedirect(f"{reverse(request.resolver_match.view_name)}?{query}")
