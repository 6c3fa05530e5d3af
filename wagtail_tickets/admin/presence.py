"""The workspace's "also on this ticket" list: its ping and its leave beacon.

``PresenceView`` is the ping: the open page posts its tab key, whether its agent is
writing and what of the conversation it shows, every ``PRESENCE_PING_SECONDS``; the
answer is the list of the other agents (a piece of HTML, so its words are translated on
the server) and whether messages came since the page was loaded. ``LeaveView`` takes the
page's beacon when it closes. Both are for agents of the ticket only (another ticket is a
404) and run a fixed number of queries. What the workspace page itself shows is in
``workspace_presence``."""

from __future__ import annotations

from django.db import OperationalError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import View

from .. import presence, sendcheck
from ..models import Message
from .workspace import AgentTicketMixin

LIST_TEMPLATE = "wagtail_tickets/admin/includes/presence_list.html"
WRITING_VALUES = ("1", "true")


class PingMixin(AgentTicketMixin):
    """The ticket as the ping needs it: its id and type (all the permission check reads)."""

    ticket_queryset_related = ()

    def ticket_queryset(self):
        return super().ticket_queryset().only("pk", "ticket_type_id")


class PresenceView(PingMixin, View):
    """The workspace's ping (POST): ``tab``, ``writing`` and the page's ``seen`` fields."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if not presence.enabled():
            raise Http404
        ticket = self.ticket
        tab = presence.valid_tab(request.POST.get("tab"))
        if tab is None:
            return HttpResponseBadRequest(_("Unknown page."))
        try:
            seen = sendcheck.read(request.POST)
        except ValueError:
            return HttpResponseBadRequest(_("Unknown page."))
        now = timezone.now()
        writing = request.POST.get("writing") in WRITING_VALUES
        try:
            presence.record(request.user, ticket, tab, writing=writing, now=now)
        except OperationalError:
            # a database busy with writes (SQLite's lock): the page tries again soon
            return HttpResponse(status=503, headers={"Retry-After": "5"})
        others = presence.others(request.user, ticket, now)
        new_messages = 0
        if seen is not None:
            new_messages = Message.objects.filter(
                ticket_id=ticket.pk, pk__gt=seen.last_message
            ).count()
        context = {"others": others, "new_messages": new_messages}
        return JsonResponse(
            {
                "html": render_to_string(LIST_TEMPLATE, context, request=request),
                "others": [{"name": p.name, "writing": p.writing} for p in others],
                "new_messages": new_messages,
            }
        )


class LeaveView(PingMixin, View):
    """The page's leave beacon (POST ``tab``): the agent is gone from the ticket now."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        ticket = self.ticket
        tab = presence.valid_tab(request.POST.get("tab"))
        if tab is None:
            return HttpResponseBadRequest(_("Unknown page."))
        presence.leave(request.user, ticket, tab)
        return HttpResponse(status=204)
