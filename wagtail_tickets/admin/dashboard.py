"""The tickets panel on the Wagtail dashboard: what needs an agent's attention today.

Counters of the agent's open tickets, the unassigned ones and the overdue ones (target date
before today, still open) come from one aggregate query; a few of each are listed with links
to their workspace (one query per list, so four in all, whatever the number of tickets).
"""

from __future__ import annotations

from django.db.models import Q
from django.forms import Media
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component

from .. import permissions
from ..links import inbox_url, workspace_url
from ..pagination import bounded_count

LIST_LENGTH = 5
COUNT_LIMIT = 1_000


def attention_filters(user) -> dict[str, Q]:
    """The three lists of the panel, as conditions on open tickets."""
    today = timezone.localdate()
    return {
        "mine": Q(assignee=user),
        "unassigned": Q(assignee__isnull=True),
        "overdue": Q(target_date__lt=today),
    }


class TicketsDashboardPanel(Component):
    name = "wagtail_tickets"
    template_name = "wagtail_tickets/admin/dashboard/panel.html"
    order = 90

    def __init__(self, request: HttpRequest):
        self.request = request

    @property
    def media(self) -> Media:
        return Media(css={"all": ["wagtail_tickets/admin/dashboard.css"]})

    def get_context_data(self, parent_context=None):
        user = self.request.user
        tickets = permissions.agent_tickets(user).filter(is_open=True)
        filters = attention_filters(user)
        # one bounded count each: the partial indexes on open tickets serve them
        counts = {
            name: bounded_count(tickets.filter(condition), COUNT_LIMIT)
            for name, condition in filters.items()
        }
        headings = {
            "mine": _("My open tickets"),
            "unassigned": _("Unassigned tickets"),
            "overdue": _("Overdue tickets"),
        }
        inbox_filters = {
            "mine": {"assigned": "mine", "state": "open"},
            "unassigned": {"assigned": "unassigned", "state": "open"},
            "overdue": {"state": "open", "ordering": "target_date"},
        }
        groups = []
        for name, condition in filters.items():
            rows = []
            if counts[name]:
                order = ("target_date", "pk") if name == "overdue" else ("-updated_at", "-pk")
                rows = [
                    (ticket, workspace_url(ticket.pk))
                    for ticket in tickets.filter(condition)
                    .select_related("status", "priority")
                    .order_by(*order)[:LIST_LENGTH]
                ]
            groups.append(
                {
                    "name": name,
                    "heading": headings[name],
                    "count": counts[name],
                    "rows": rows,
                    "more_url": inbox_url(**inbox_filters[name]) if counts[name] else "",
                }
            )
        return {
            "groups": groups,
            "today": timezone.localdate(),
            "reports_url": reverse("wagtail_tickets_reports:index"),
        }


def dashboard_panel(request: HttpRequest) -> TicketsDashboardPanel | None:
    """The panel for agents; ``None`` for everyone else."""
    if not permissions.is_agent(request.user):
        return None
    return TicketsDashboardPanel(request)
