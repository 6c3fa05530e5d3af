"""The agents' inbox (admin menu "Tickets"): Wagtail's listing with filters, counters,
search, sortable columns, spreadsheet export and a default view per agent (D3, C6, E5).

Every row comes from ``permissions.agent_tickets``: an agent sees the types they manage.

The view an agent opens (filters and sort) is remembered for their session, so the bare
inbox goes back to it; it becomes their default for later sessions only when they save it
with a POST from the inbox itself. A GET, such as a link someone sent, never changes the
saved default."""

from __future__ import annotations

from html import escape

import django_filters
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.html import avoid_wrapping
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, Table, TitleColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from .. import permissions
from ..compat import PolicyViewSetMixin
from ..conf import get_customer_model
from ..db.counters import status_counts
from ..ids import IdChoiceMixin
from ..models import Category, InboxPreference, Priority, Status, Ticket, TicketType
from ..pagination import BoundedPaginatorMixin
from ..search import search_tickets
from . import listing, widgets

INBOX_PAGE_SIZE = 50
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def agent_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


# Filters ----------------------------------------------------------------------------


class ListedChoiceIterator(django_filters.fields.ModelChoiceIterator):
    """Options read with one plain query and kept by the field's queryset. Django reads
    them through ``QuerySet.iterator()``: on PostgreSQL a server-side cursor, three round
    trips, again at every look."""

    def __iter__(self):
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = self.field.rows() if self.field.rows else self.queryset
        for obj in rows:
            yield self.choice(obj)


class ListedFieldMixin:
    """``rows``: a callable giving the options' objects when the page already has them
    (``InboxRows``); else they come from the queryset."""

    def __init__(self, *args, rows=None, **kwargs):
        self.rows = rows
        super().__init__(*args, **kwargs)


class ListedMultipleChoiceField(
    IdChoiceMixin, ListedFieldMixin, django_filters.fields.ModelMultipleChoiceField
):
    iterator = ListedChoiceIterator


class ListedMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = ListedMultipleChoiceField


class CountedChoiceField(ListedMultipleChoiceField):
    """Choices labelled with their ticket count, e.g. "Open (12)" (B5)."""

    def __init__(self, *args, counts=None, **kwargs):
        self.counts = {} if counts is None else counts
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return f"{obj} ({self.counts.get(obj.pk, 0)})"


class CountedStatusFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = CountedChoiceField


class AgentChoiceField(IdChoiceMixin, ListedFieldMixin, django_filters.fields.ModelChoiceField):
    iterator = ListedChoiceIterator

    def label_from_instance(self, obj):
        return agent_name(obj)


class AgentFilter(django_filters.ModelChoiceFilter):
    field_class = AgentChoiceField


class TitledCheckboxSelectMultiple(widgets.CheckboxSelectMultiple):
    """Checkboxes whose labels show a description on hover (type descriptions, B2)."""

    def __init__(self, *args, titles=None, **kwargs):
        self.titles = titles or {}
        super().__init__(*args, **kwargs)

    def option_title(self, value: str) -> str:
        return self.titles.get(value, "")


class TicketFilterSet(WagtailFilterSet):
    # distinct=False: these are the ticket's own columns, a join cannot repeat a row, and
    # SELECT DISTINCT would sort every matching ticket
    status = CountedStatusFilter(
        label=_("Status"),
        queryset=Status.objects.all(),
        widget=widgets.CheckboxSelectMultiple,
        distinct=False,
    )
    ticket_type = django_filters.MultipleChoiceFilter(
        label=_("Type"), choices=[], widget=TitledCheckboxSelectMultiple, distinct=False
    )
    priority = ListedMultipleChoiceFilter(
        label=_("Priority"),
        queryset=Priority.objects.all(),
        widget=widgets.CheckboxSelectMultiple,
        distinct=False,
    )
    category = ListedMultipleChoiceFilter(
        label=_("Category"),
        queryset=Category.objects.all(),
        widget=widgets.CheckboxSelectMultiple,
        distinct=False,
    )
    assigned = django_filters.ChoiceFilter(
        label=_("Assignment"),
        choices=[("mine", _("Assigned to me")), ("unassigned", _("Unassigned"))],
        method="filter_assigned",
        empty_label=_("Any"),
        widget=widgets.RadioSelect,
    )
    assignee = AgentFilter(
        label=_("Assignee"),
        queryset=get_user_model()._default_manager.none(),
        widget=widgets.Select,
    )
    state = django_filters.ChoiceFilter(
        label=_("Open or closed"),
        choices=[("open", _("Open")), ("closed", _("Closed")), ("overdue", _("Overdue"))],
        method="filter_state",
        empty_label=_("Any"),
        widget=widgets.RadioSelect,
    )

    class Meta:
        model = Ticket
        fields = ["status", "ticket_type", "priority", "category", "assigned", "assignee", "state"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, rows=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        rows = rows or InboxRows(request.user)
        user = request.user
        # read when the counts are shown, not for every refresh of the results
        self.filters["status"].extra["counts"] = SimpleLazyObject(
            lambda: status_counts(permissions.managed_type_ids(user))
        )
        self.filters["status"].extra["rows"] = lambda: rows.statuses
        self.filters["priority"].extra["rows"] = lambda: rows.priorities
        managed = rows.managed_types
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
        # is_open mirrors the status (a trigger keeps it): the partial indexes on open
        # tickets serve these
        if value == "overdue":
            return queryset.filter(is_open=True, target_date__lt=timezone.localdate())
        if value in ("open", "closed"):
            return queryset.filter(is_open=value == "open")
        return queryset


class InboxRows:
    """The small tables an inbox page shows, read once per request: the filters list them
    and the ticket rows show them (``attach_related``)."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def statuses(self) -> list[Status]:
        return list(Status.objects.all())

    @cached_property
    def priorities(self) -> list[Priority]:
        return list(Priority.objects.all())

    @cached_property
    def managed_types(self) -> list[TicketType]:
        return list(
            permissions.managed_types(self.user)
            .select_related("group")
            .order_by("group__sort_order", "group__name", "sort_order", "name")
        )

    def known(self) -> dict[str, dict]:
        """What ``attach_related`` need not read again: ``{field name: {pk: object}}``."""
        return {
            "ticket_type": {t.pk: t for t in self.managed_types},
            "status": {s.pk: s for s in self.statuses},
            "priority": {p.pk: p for p in self.priorities},
        }


# Columns ----------------------------------------------------------------------------


class InboxTable(Table):
    """Overdue rows (target date passed, still open) stand out (E4). The rows are written
    by ``rows_html``; the columns still give the headers and sorting."""

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
    def rows_html(self) -> SafeString:
        """The rows, built in Python: a template loop over 50 rows of ten cells cost more
        than the page's queries, and so did ``format_html``. Every value from the database
        passes through ``escape``."""
        # formats and translations are looked up once, not once per cell
        moment, short_date = get_format("DATETIME_FORMAT"), get_format("SHORT_DATE_FORMAT")
        ago = TimeAgo()
        # the workspace URL is "<index><pk>/" (get_urlpatterns): no reverse() per row
        index = escape(reverse(f"{TicketViewSet.name}:index"))
        # the few types, statuses, priorities and target dates are each written once
        cells: dict[tuple, str] = {}

        def cell(key: tuple, make, *args) -> str:
            if key not in cells:
                cells[key] = make(*args)
            return cells[key]

        rows = []
        for ticket in self.data:
            overdue = self.is_overdue(ticket)
            updated = timezone.localtime(ticket.updated_at)
            target = (ticket.target_date, overdue)
            rows.append(
                ROW.format(
                    overdue=' class="wt-overdue"' if overdue else "",
                    url=f"{index}{ticket.pk}/",
                    number=escape(ticket.number),
                    subject=escape(ticket.subject),
                    requester=escape(ticket.requester_display_name),
                    customer="" if ticket.customer is None else escape(str(ticket.customer)),
                    type=cell(("type", ticket.ticket_type_id), _type_cell, ticket.ticket_type),
                    status=cell(("status", ticket.status_id), _status_cell, ticket.status),
                    priority=cell(
                        ("priority", ticket.priority_id), _priority_cell, ticket.priority
                    ),
                    assignee=escape(agent_name(ticket.assignee)),
                    moment=escape(dateformat.format(updated, moment)),
                    iso=updated.isoformat(),
                    ago=escape(ago(updated)),
                    target=cell(("target", *target), _target_cell, *target, short_date),
                )
            )
        return mark_safe("".join(rows))


ROW = (
    "<tr{overdue}>"
    '<td class="title"><div class="title-wrapper"><a href="{url}">{number}</a></div></td>'
    "<td>{subject}</td><td>{requester}</td><td>{customer}</td><td>{type}</td>"
    "<td>{status}</td><td>{priority}</td><td>{assignee}</td>"
    '<td><button type="button" class="w-human-readable-date" data-controller="w-tooltip" '
    'data-w-tooltip-content-value="{moment}" data-w-tooltip-placement-value="top">'
    '<time class="w-human-readable-date__date" datetime="{iso}">{ago}</time></button></td>'
    "<td>{target}</td>"
    "</tr>"
)
STATUS = '<span class="wt-status{closed}" style="--wt-colour: {colour}">{name}</span>'
PRIORITY = (
    '<span class="wt-priority" style="--wt-colour: {colour}">'
    '<span class="wt-priority__dot" aria-hidden="true"></span>{name}</span>'
)
TARGET = "<span{overdue}>{date}</span>"


def _type_cell(ticket_type: TicketType) -> str:
    return escape(str(ticket_type))


def _status_cell(status: Status) -> str:
    return STATUS.format(
        closed=" wt-status--closed" if status.is_closed else "",
        colour=escape(status.colour),
        name=escape(status.name),
    )


def _priority_cell(priority: Priority | None) -> str:
    if priority is None:
        return ""
    return PRIORITY.format(colour=escape(priority.colour), name=escape(priority.name))


def _target_cell(target, overdue: bool, date_format: str) -> str:
    if not target:
        return ""
    return TARGET.format(
        overdue=' class="wt-target-date--overdue"' if overdue else "",
        date=escape(dateformat.format(target, date_format)),
    )


class TimeAgo:
    """ "3 hours ago", as Wagtail's listings say it (the largest unit only), for many
    moments against the same now."""

    def __init__(self):
        self.now = timezone.now()
        self.zero = avoid_wrapping(gettext("0 minutes"))
        self.just_now = capfirst(gettext("just now"))
        self.template = gettext("%(time_period)s ago")

    def __call__(self, moment) -> str:
        period = timesince(moment, self.now, depth=1)
        if period == self.zero:
            return self.just_now
        return capfirst(self.template % {"time_period": period})


def attach_related(tickets: list[Ticket], known: dict[str, dict] | None = None) -> list[Ticket]:
    """Give a page of tickets the rows the inbox shows (type, status, priority, assignee,
    customer, requester with profile) with one plain query each (assignees and requesters
    together), none for those ``known`` already. ``prefetch_related`` costs several times
    more in Python for the same queries, and joining the tables cost PostgreSQL more time
    to plan than to run (the ticket table has many indexes to weigh)."""
    known = dict(known or {})
    users = _ids(tickets, "assignee") | _ids(tickets, "requester")
    if users:  # assignees and requesters in one query
        people = get_user_model()._default_manager.select_related("ticket_profile")
        known["assignee"] = known["requester"] = people.filter(pk__in=users).in_bulk()
    wanted = [
        ("ticket_type", TicketType._default_manager),
        ("status", Status._default_manager),
        ("priority", Priority._default_manager),
        ("assignee", None),
        ("customer", get_customer_model()._default_manager),
        ("requester", None),
    ]
    for name, manager in wanted:
        field = Ticket._meta.get_field(name)
        found = known.get(name, {})
        if manager is not None and _ids(tickets, name) - found.keys():
            found = manager.filter(pk__in=_ids(tickets, name)).in_bulk()
        for ticket in tickets:
            field.set_cached_value(ticket, found.get(getattr(ticket, field.attname)))
    return tickets


def _ids(tickets: list[Ticket], name: str) -> set:
    attname = Ticket._meta.get_field(name).attname
    return {getattr(ticket, attname) for ticket in tickets} - {None}


# Views ------------------------------------------------------------------------------


# the view (filters and sort) this session last showed: the bare inbox goes back to it
SESSION_VIEW_KEY = "wagtail_tickets_inbox_view"
# what a view is made of; the search and the page are never kept
VIEW_PARAMS = ("ordering", *TicketFilterSet.base_filters)
MAX_VALUES_PER_PARAM = 50


def view_query(params: QueryDict) -> str | None:
    """The filters and sort order of ``params`` as a query string (known parameters only,
    each with at most ``MAX_VALUES_PER_PARAM`` values); ``None`` when too long to keep."""
    kept = QueryDict(mutable=True)
    for key in sorted(params):
        if key in VIEW_PARAMS:
            kept.setlist(key, [v for v in params.getlist(key) if v][:MAX_VALUES_PER_PARAM])
    query = kept.urlencode()
    if len(query) > InboxPreference._meta.get_field("query").max_length:
        return None
    return query


class InboxView(listing.IndexView):
    """The listing of tickets; opened bare, it shows this session's last view, else the
    agent's saved default."""

    any_permission_required = ["change"]
    table_class = InboxTable
    template_name = "wagtail_tickets/admin/inbox.html"
    results_template_name = "wagtail_tickets/admin/inbox_results.html"
    paginator_class = type(
        "InboxPaginator", (BoundedPaginatorMixin, listing.IndexView.paginator_class), {}
    )

    def get(self, request, *args, **kwargs):
        if not self.is_export:
            if request.GET or self.results_only:
                # the listing's own refreshes (filters cleared included) and links alike
                self.remember_for_session(request.GET)
            else:
                query = self.current_view()
                if query:
                    return redirect(f"{request.path}?{query}")
        return super().get(request, *args, **kwargs)

    def remember_for_session(self, params: QueryDict) -> None:
        """This view is the session's until another is opened; the saved default stays."""
        query = view_query(params)
        session = self.request.session
        if query is not None and session.get(SESSION_VIEW_KEY) != query:
            session[SESSION_VIEW_KEY] = query

    def current_view(self) -> str:
        """The session's view; in a new session, the saved default (one query)."""
        session = self.request.session
        if SESSION_VIEW_KEY in session:
            return session[SESSION_VIEW_KEY]
        saved = (
            InboxPreference.objects.filter(user=self.request.user)
            .values_list("query", flat=True)
            .first()
        )
        return saved or ""

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        paginator = context.get("paginator")
        if paginator is not None and paginator.is_bounded:
            context["table"].bounded_count = paginator.count
        context["default_view_url"] = reverse(f"{TicketViewSet.name}:default_view")
        context["view_query"] = view_query(self.request.GET) or ""
        return context

    related = (
        "ticket_type",
        "status",
        "priority",
        "category",
        "assignee",
        "customer",
        "requester__ticket_profile",
    )

    @cached_property
    def rows(self) -> InboxRows:
        return InboxRows(self.request.user)

    def get_filterset_kwargs(self):
        return {**super().get_filterset_kwargs(), "rows": self.rows}

    def paginate_queryset(self, queryset, page_size):
        paginator, page, tickets, is_paginated = super().paginate_queryset(queryset, page_size)
        if not self.is_export:
            page.object_list = tickets = attach_related(list(tickets), self.rows.known())
        return paginator, page, tickets, is_paginated

    def get_base_queryset(self):
        tickets = permissions.agent_tickets(self.request.user)
        if self.is_export:
            return tickets.select_related(*self.related)
        return tickets  # a page's related rows: attach_related

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


class DefaultInboxView(View):
    """POST only (with the CSRF token): save the posted view as the agent's default, or
    with ``action=reset`` forget the default; then show that view. Each agent changes
    their own default only."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if not permissions.is_agent(request.user):
            raise PermissionDenied
        query = view_query(QueryDict(request.POST.get("query", "")))
        if query is None:
            messages.error(request, gettext("This view has too many filters to be saved."))
            return redirect(reverse(f"{TicketViewSet.name}:index"))
        if request.POST.get("action") == "reset":
            InboxPreference.objects.filter(user=request.user).delete()
            messages.success(
                request, gettext("Your default view is reset: the inbox opens without filters.")
            )
        else:
            InboxPreference.objects.update_or_create(user=request.user, defaults={"query": query})
            messages.success(request, gettext("This view is now your default view."))
        request.session[SESSION_VIEW_KEY] = query
        index = reverse(f"{TicketViewSet.name}:index")
        return redirect(f"{index}?{query}" if query else index)


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
            path("default-view/", DefaultInboxView.as_view(), name="default_view"),
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
