"""The agents' inbox (admin menu "Tickets"): Wagtail's listing of the agent's tickets with
filters and counters (``inbox_filters``), search, sortable columns and spreadsheet export
(``inbox_columns``), and a default view per agent. ``ticket_viewset`` mounts it.

Every row comes from ``permissions.agent_tickets``: an agent sees the types they manage.

The view an agent opens (filters and sort) is remembered for their session, so the bare
inbox goes back to it; it becomes their default for later sessions only when they save it
with a POST from the inbox itself. A GET, such as a link someone sent, never changes the
saved default."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin.widgets.button import HeaderButton

from .. import permissions
from ..conf import app_settings
from ..models import InboxPreference
from ..models.tickets import agent_name
from ..pagination import BoundedPaginatorMixin
from ..search import search_tickets
from ..visits import is_new_for
from . import listing
from .inbox_columns import (
    COLUMNS,
    EXPORT_RELATED,
    SHOWN,
    InboxTable,
    attach_latest_messages,
    attach_related,
)
from .inbox_filters import InboxRows, TicketFilterSet

INBOX_PAGE_SIZE = 50
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NULLS_LAST_ORDERINGS = {
    "sla_next_due_at": F("sla_next_due_at").asc(nulls_last=True),
    "-sla_next_due_at": F("sla_next_due_at").desc(nulls_last=True),
}


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


def in_locale(rows: Iterable) -> Iterator:
    """``rows`` made one by one in the language and time zone active now (when this is
    called, not when the rows are read), each time only while it is made."""
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def made() -> Iterator:
        remaining = iter(rows)
        while True:
            with translation.override(language), timezone.override(zone):
                try:
                    row = next(remaining)
                except StopIteration:
                    return
            yield row

    return made()


def bulk_choices(rows: InboxRows) -> list[tuple[str, list[tuple[str, str]]]]:
    """The changes the inbox offers for selected tickets, grouped, as ``(value, label)``:
    ``inbox_bulk.parse_change`` reads the values back."""
    return [
        (
            gettext("Assign to"),
            [("assignee:none", gettext("Nobody"))]
            + [(f"assignee:{agent.pk}", agent_name(agent)) for agent in rows.agents],
        ),
        (gettext("Status"), [(f"status:{s.pk}", s.label) for s in rows.statuses]),
        (gettext("Priority"), [(f"priority:{p.pk}", p.label) for p in rows.priorities]),
        (
            gettext("Category"),
            [("category:none", gettext("No category"))]
            + [(f"category:{c.pk}", c.name) for c in rows.categories],
        ),
        (gettext("Close"), [("close", gettext("Close the tickets"))]),
        (gettext("Merge"), [("merge", gettext("Merge into one of them…"))]),
    ]


class InboxView(listing.IndexView):
    """The listing of tickets; opened bare, it shows this session's last view, else the
    agent's saved default."""

    any_permission_required = ["change"]
    # given by the viewset, like Wagtail's own URL names
    default_view_url_name: str = ""
    bulk_url_name: str = ""
    table_class = InboxTable
    table_classname = "listing wt-inbox"
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
        table = context["table"]
        if paginator is not None and paginator.is_bounded:
            table.bounded_count = paginator.count
        table.index_url = self.index_url
        table.matching = context.get("items_count") or 0
        context["default_view_url"] = reverse(self.default_view_url_name)
        context["view_query"] = view_query(self.request.GET) or ""
        if not self.results_only:
            context["bulk"] = {
                "url": reverse(self.bulk_url_name) if self.bulk_url_name else "",
                "choices": bulk_choices(self.rows),
            }
            # inbox.js reads the results again this often and announces new rows
            context["refresh"] = {
                "url": self.index_results_url,
                "seconds": app_settings.INBOX_REFRESH_SECONDS,
            }
        return context

    @cached_property
    def rows(self) -> InboxRows:
        return InboxRows(self.request.user)

    def get_filterset_kwargs(self):
        return {**super().get_filterset_kwargs(), "rows": self.rows}

    def paginate_queryset(self, queryset, page_size):
        paginator, page, tickets, is_paginated = super().paginate_queryset(queryset, page_size)
        if not self.is_export:
            tickets = attach_related(list(tickets), self.rows.known())
            page.object_list = tickets = attach_latest_messages(tickets)
        return paginator, page, tickets, is_paginated

    def get_base_queryset(self):
        tickets = permissions.agent_tickets(self.request.user)
        if self.is_export:
            return tickets.select_related(*EXPORT_RELATED)
        # a page's related rows: attach_related; its newest messages: attach_latest_messages
        return tickets.annotate(is_new=is_new_for(self.request.user))

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return search_tickets(queryset, self.search_query)

    @cached_property
    def columns(self):
        return [column.header() for column in SHOWN]

    def get_valid_orderings(self):
        # columns shown inside another (the customer, under the requester) sort by links
        keys = [column.sort_key for column in COLUMNS if column.sort_key]
        return [*keys, *(f"-{key}" for key in keys)]

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        if self.ordering in NULLS_LAST_ORDERINGS:
            # tickets without a running target last, whichever way and on every database
            return queryset.order_by(NULLS_LAST_ORDERINGS[self.ordering], "-pk")
        return queryset.order_by(*queryset.query.order_by, "-pk")

    def get_list_more_buttons(self, instance):
        return []

    def stream_csv(self, queryset):
        """The CSV rows, written in the agent's language and time zone: they stream after
        the view has returned, when Wagtail has put the agent's back already."""
        return in_locale(super().stream_csv(queryset))

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
    # given by the viewset
    index_url_name: str = ""

    def post(self, request: HttpRequest) -> HttpResponse:
        if not permissions.is_agent(request.user):
            raise PermissionDenied
        query = view_query(QueryDict(request.POST.get("query", "")))
        if query is None:
            messages.error(request, gettext("This view has too many filters to be saved."))
            return redirect(reverse(self.index_url_name))
        if request.POST.get("action") == "reset":
            InboxPreference.objects.filter(user=request.user).delete()
            messages.success(
                request, gettext("Your default view is reset: the inbox opens without filters.")
            )
        else:
            InboxPreference.objects.update_or_create(user=request.user, defaults={"query": query})
            messages.success(request, gettext("This view is now your default view."))
        request.session[SESSION_VIEW_KEY] = query
        index = reverse(self.index_url_name)
        return redirect(f"{index}?{query}" if query else index)
