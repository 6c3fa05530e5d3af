"""The tickets panel on the Wagtail dashboard: what needs an agent's attention today.

Counters of the agent's open tickets, the unassigned ones, their own, the overdue ones
(target date before today, still open), those with a breached service level and those
with customer messages they have not
seen ("new for me", ``visits``) come from one query; each opens the inbox with the
filter that lists the same tickets. A few tickets of the lists that need work are shown
with links to their workspace (one query per list shown, whatever the number of tickets).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.forms import Media
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component

from .. import permissions
from ..links import inbox_url, workspace_url
from ..pagination import bounded_counts
from ..sla.display import breached
from ..visits import new_for

LIST_LENGTH = 5
COUNT_LIMIT = 1_000


@dataclass(frozen=True)
class Counter:
    """One counter of the panel: which tickets (a condition on the agent's tickets), its
    heading, the inbox filter that lists the same tickets, whether a few are listed."""

    name: str
    heading: str | Promise
    condition: Q
    filters: dict
    listed: bool = True
    order: tuple[str, ...] = ("-updated_at", "-pk")


def counters(user) -> list[Counter]:
    today = timezone.localdate()
    is_open = Q(is_open=True)
    return [
        Counter("open", _("Open tickets"), is_open, {"state": "open"}, listed=False),
        Counter(
            "new",
            _("New for me"),
            new_for(user),
            {"new": "me"},
            order=("-last_customer_message_at", "-pk"),
        ),
        Counter(
            "mine",
            _("My open tickets"),
            is_open & Q(assignee=user),
            {"assigned": "mine", "state": "open"},
        ),
        Counter(
            "unassigned",
            _("Unassigned tickets"),
            is_open & Q(assignee__isnull=True),
            {"assigned": "unassigned", "state": "open"},
        ),
        Counter(
            "breached",
            _("Breached service levels"),
            breached(),
            {"sla": "breached", "ordering": "sla_next_due_at"},
            order=("sla_next_due_at", "pk"),
        ),
        Counter(
            "overdue",
            _("Overdue tickets"),
            is_open & Q(target_date__lt=today),
            {"state": "overdue", "ordering": "target_date"},
            order=("target_date", "pk"),
        ),
    ]


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
        tickets = permissions.agent_tickets(user)
        wanted = counters(user)
        # every count in one round trip; the partial indexes on open tickets serve most
        counts = bounded_counts([tickets.filter(c.condition) for c in wanted], COUNT_LIMIT)
        groups = []
        for counter, count in zip(wanted, counts, strict=True):
            rows = []
            if count and counter.listed:
                rows = [
                    (ticket, workspace_url(ticket.pk))
                    for ticket in tickets.filter(counter.condition)
                    .select_related("status", "priority")
                    .order_by(*counter.order)[:LIST_LENGTH]
                ]
            groups.append(
                {
                    "name": counter.name,
                    "heading": counter.heading,
                    "count": count,
                    "rows": rows,
                    "url": inbox_url(**counter.filters),
                    "more_url": inbox_url(**counter.filters) if count else "",
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
