"""The agents' inbox (admin menu "Tickets"): Wagtail's listing with filters, counters,
search, sortable columns, spreadsheet export and a remembered view per agent (D3, C6, E5).

Every row comes from ``permissions.agent_tickets``: an agent sees the types they manage."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, Table, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from .. import permissions
from ..compat import PolicyViewSetMixin
from ..counters import status_counts
from ..models import Category, InboxPreference, Priority, Status, Ticket
from ..pagination import BoundedPaginatorMixin
from ..search import search_tickets

INBOX_PAGE_SIZE = 50
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def agent_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


# Filters ----------------------------------------------------------------------------


class CountedChoiceField(django_filters.fields.ModelMultipleChoiceField):
    """Choices labelled with their ticket count, e.g. "Open (12)" (B5)."""

    def __init__(self, *args, counts=None, **kwargs):
        self.counts = counts or {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return f"{obj} ({self.counts.get(obj.pk, 0)})"


class CountedStatusFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = CountedChoiceField


class AgentChoiceField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return agent_name(obj)


class AgentFilter(django_filters.ModelChoiceFilter):
    field_class = AgentChoiceField


class CheckboxList(forms.CheckboxSelectMultiple):
    """Checkboxes rendered by one template loop (``choice_list.html``)."""

    template_name = "wagtail_tickets/admin/widgets/choice_list.html"


class RadioList(forms.RadioSelect):
    template_name = "wagtail_tickets/admin/widgets/choice_list.html"


class FastSelect(forms.Select):
    template_name = "wagtail_tickets/admin/widgets/select.html"


class TitledCheckboxSelectMultiple(CheckboxList):
    """Checkboxes whose labels show a description on hover (type descriptions, B2)."""

    def __init__(self, *args, titles=None, **kwargs):
        self.titles = titles or {}
        super().__init__(*args, **kwargs)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["title"] = self.titles.get(str(value), "")
        return option


class TicketFilterSet(WagtailFilterSet):
    # distinct=False: these are the ticket's own columns, a join cannot repeat a row, and
    # SELECT DISTINCT would sort every matching ticket
    status = CountedStatusFilter(
        label=_("Status"),
        queryset=Status.objects.all(),
        widget=CheckboxList,
        distinct=False,
    )
    ticket_type = django_filters.MultipleChoiceFilter(
        label=_("Type"), choices=[], widget=TitledCheckboxSelectMultiple, distinct=False
    )
    priority = django_filters.ModelMultipleChoiceFilter(
        label=_("Priority"),
        queryset=Priority.objects.all(),
        widget=CheckboxList,
        distinct=False,
    )
    category = django_filters.ModelMultipleChoiceFilter(
        label=_("Category"),
        queryset=Category.objects.all(),
        widget=CheckboxList,
        distinct=False,
    )
    assigned = django_filters.ChoiceFilter(
        label=_("Assignment"),
        choices=[("mine", _("Assigned to me")), ("unassigned", _("Unassigned"))],
        method="filter_assigned",
        empty_label=_("Any"),
        widget=RadioList,
    )
    assignee = AgentFilter(
        label=_("Assignee"),
        queryset=get_user_model()._default_manager.none(),
        widget=FastSelect,
    )
    state = django_filters.ChoiceFilter(
        label=_("Open or closed"),
        choices=[("open", _("Open")), ("closed", _("Closed")), ("overdue", _("Overdue"))],
        method="filter_state",
        empty_label=_("Any"),
        widget=RadioList,
    )

    class Meta:
        model = Ticket
        fields = ["status", "ticket_type", "priority", "category", "assigned", "assignee", "state"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = request.user
        self.filters["status"].extra["counts"] = status_counts(
            permissions.type_ids_with_level(user, permissions.Level.MANAGE)
        )
        managed = list(
            permissions.managed_types(user)
            .select_related("group")
            .order_by("group__sort_order", "group__name", "sort_order", "name")
        )
        groups: dict[str, list] = {}
        for ticket_type in managed:
            label = ticket_type.group.name if ticket_type.group else str(_("Other types"))
            groups.setdefault(label, []).append((str(ticket_type.pk), ticket_type.name))
        type_filter = self.filters["ticket_type"]
        type_filter.extra["choices"] = list(groups.items())
        type_filter.extra["widget"] = TitledCheckboxSelectMultiple(
            titles={str(t.pk): t.description for t in managed}
        )
        self.filters["assignee"].queryset = permissions.agents_for_types([t.pk for t in managed])

    def filter_assigned(self, queryset, name, value):
        if value == "mine":
            return queryset.filter(assignee=self.request.user)
        if value == "unassigned":
            return queryset.filter(assignee__isnull=True)
        return queryset

    def filter_state(self, queryset, name, value):
        if value == "overdue":
            return queryset.filter(status__is_closed=False, target_date__lt=timezone.localdate())
        if value in ("open", "closed"):
            return queryset.filter(status__is_closed=value == "closed")
        return queryset


# Columns ----------------------------------------------------------------------------


class InboxTable(Table):
    """Overdue rows (target date passed, still open) stand out (E4). The rows are written
    out by one template loop (``inbox_table.html``) over ``inbox_rows``; the columns still
    give the headers and sorting."""

    template_name = "wagtail_tickets/admin/inbox_table.html"
    # set by the view when the listing stopped counting at its limit
    bounded_count: int | None = None

    @cached_property
    def today(self):
        return timezone.localdate()

    def is_overdue(self, ticket: Ticket) -> bool:
        return bool(ticket.target_date and ticket.target_date < self.today and ticket.is_open)

    def get_row_classname(self, instance):
        return "wt-overdue" if self.is_overdue(instance) else ""

    @cached_property
    def inbox_rows(self) -> list[tuple]:
        return [
            (
                ticket,
                workspace_url(ticket),
                ticket.requester_display_name,
                agent_name(ticket.assignee),
                self.is_overdue(ticket),
            )
            for ticket in self.data
        ]


# Views ------------------------------------------------------------------------------


class InboxView(generic.IndexView):
    """The listing of tickets; opened bare, it restores the agent's last view."""

    any_permission_required = ["change"]
    table_class = InboxTable
    template_name = "wagtail_tickets/admin/inbox.html"
    paginator_class = type(
        "InboxPaginator", (BoundedPaginatorMixin, generic.IndexView.paginator_class), {}
    )
    remembered_params = ("ordering",)

    @cached_property
    def remembered_keys(self) -> set[str]:
        return set(self.remembered_params) | set(TicketFilterSet.base_filters)

    def get(self, request, *args, **kwargs):
        if not self.is_export:
            if request.GET or self.results_only:
                # the listing's own refreshes (filters cleared included) update the memory
                self.remember(request.GET)
            else:
                saved = (
                    InboxPreference.objects.filter(user=request.user)
                    .values_list("query", flat=True)
                    .first()
                )
                if saved:
                    return redirect(f"{request.path}?{saved}")
        return super().get(request, *args, **kwargs)

    def remember(self, params: QueryDict) -> None:
        """Keep the filters and sort order (never the search or page) of this view."""
        kept = QueryDict(mutable=True)
        for key in sorted(params):
            if key in self.remembered_keys:
                kept.setlist(key, [v for v in params.getlist(key) if v][:50])
        query = kept.urlencode()
        if len(query) > InboxPreference._meta.get_field("query").max_length:
            return
        saved = InboxPreference.objects.filter(user=self.request.user).values_list("query")
        if saved.first() != (query,):  # paging through the same view writes nothing
            InboxPreference.objects.update_or_create(
                user=self.request.user, defaults={"query": query}
            )

    related = (
        "ticket_type",
        "status",
        "priority",
        "category",
        "assignee",
        "customer",
        "requester__ticket_profile",
    )

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        paginator = context.get("paginator")
        if paginator is not None and paginator.is_bounded:
            context["table"].bounded_count = paginator.count
        return context

    def get_base_queryset(self):
        tickets = permissions.agent_tickets(self.request.user)
        if self.is_export:
            return tickets.select_related(*self.related)
        # A page of 50 fetches its related rows in one small query each: joining eight
        # tables cost PostgreSQL more time to plan than to run.
        return tickets.prefetch_related(*self.related)

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return search_tickets(queryset, self.search_query)

    @cached_property
    def columns(self):
        return [
            self._get_title_column("number", column_class=TitleColumn),
            Column("subject", label=_("Subject"), sort_key="subject"),
            Column(
                "requester",
                label=_("Requester"),
                accessor="requester_display_name",
                sort_key="requester_name",
            ),
            Column("customer", label=_("Customer"), accessor="customer", sort_key="customer"),
            Column(
                "ticket_type", label=_("Type"), accessor="ticket_type", sort_key="ticket_type__name"
            ),
            Column("status", label=_("Status"), accessor="status", sort_key="status__sort_order"),
            Column(
                "priority",
                label=_("Priority"),
                accessor="priority",
                sort_key="priority__sort_order",
            ),
            Column(
                "assignee",
                label=_("Assignee"),
                accessor=lambda ticket: agent_name(ticket.assignee),
                sort_key="assignee__first_name",
            ),
            DateColumn("updated_at", label=_("Last update"), sort_key="updated_at"),
            Column(
                "target_date",
                label=_("Target date"),
                accessor="target_date",
                sort_key="target_date",
            ),
        ]

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "-pk")

    def get_list_more_buttons(self, instance):
        return []

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        if export_format == self.FORMAT_CSV and isinstance(value, str):
            if value.startswith(FORMULA_START):
                value = "'" + value
        return value

    @cached_property
    def header_buttons(self):
        buttons = []
        if self.add_url:
            buttons.append(HeaderButton(_("New ticket"), url=self.add_url, icon_name="plus"))
        return buttons


class TicketViewSet(PolicyViewSetMixin, ModelViewSet):
    """The "Tickets" admin menu: inbox, workspace and "new ticket on behalf of"."""

    model = Ticket
    name = "wagtail_tickets_inbox"
    url_prefix = "tickets"
    icon = "mail"
    menu_label = _("Tickets")
    menu_order = 150
    add_to_admin_menu = True
    index_view_class = InboxView
    list_per_page = INBOX_PAGE_SIZE
    ordering = "-updated_at"
    filterset_class = TicketFilterSet
    search_fields = ["subject"]
    search_backend_name = None
    copy_view_enabled = False
    add_to_reference_index = False
    export_filename = "tickets"
    list_export = [
        "number",
        "subject",
        "requester_display_name",
        "requester_email",
        "customer",
        "ticket_type",
        "status",
        "priority",
        "category",
        "assignee",
        "created_at",
        "updated_at",
        "target_date",
        "closed_at",
    ]
    export_headings = {"requester_display_name": _("Requester")}

    def get_permissions_to_register(self):
        # Ticket access is given per type (TypePermission), not by model permissions.
        from django.contrib.auth.models import Permission

        return Permission.objects.none()

    def get_urlpatterns(self):
        from . import workspace

        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", workspace.NewTicketView.as_view(), name="add"),
            path("<int:pk>/", workspace.WorkspaceView.as_view(), name="edit"),
            path("<int:pk>/claim/", workspace.ClaimView.as_view(), name="claim"),
            path("<int:pk>/assign/", workspace.AssignView.as_view(), name="assign"),
            path("<int:pk>/change/", workspace.ChangeView.as_view(), name="change"),
            path("<int:pk>/move/", workspace.MoveView.as_view(), name="move"),
            path("<int:pk>/contacts/", workspace.ContactsView.as_view(), name="contacts"),
            path("<int:pk>/close/", workspace.CloseView.as_view(), name="close"),
            path("<int:pk>/reopen/", workspace.ReopenView.as_view(), name="reopen"),
            path(
                "attachment/<int:pk>/",
                workspace.AttachmentView.as_view(),
                name="attachment",
            ),
        ]


def workspace_url(ticket: Ticket) -> str:
    return reverse(f"{TicketViewSet.name}:edit", args=[ticket.pk])
