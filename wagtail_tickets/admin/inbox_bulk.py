"""Changing many tickets from the inbox at once: assign (or unassign), set a status, a
priority or a category, or close.

The agent ticks tickets (or the whole page, or every ticket the filter matches) and picks
a change in the inbox's bar; a confirmation page (GET) says what will happen to how many
tickets; its POST does it through ``actions.bulk_change``, which decides per ticket with
``permissions.can_manage`` and writes each ticket's history and notifications. More than
``QUEUE_THRESHOLD`` tickets go to the task queue (``tasks.queue_bulk_change``).

Nothing from the browser is trusted: ids are parsed with ``ids.parse_id`` (anything else
answers 400), "every ticket the filter matches" is the inbox's filter evaluated again on
the server within the agent's types, and the change's value is looked up again."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .. import actions, permissions, tasks
from ..ids import parse_id
from ..models import Category, Priority, Status
from ..models.tickets import agent_name
from ..pagination import AtLeast, bounded_count, show_count
from .inbox import VIEW_PARAMS

# more selected tickets than this run in the task queue, not in the request
QUEUE_THRESHOLD = 100
# ids a request may name (the inbox's page holds 50); more is not a selection but a 400
MAX_IDS = 500
# "every ticket the filter matches" stops here: a larger change needs a narrower filter
MAX_MATCHING = 10_000
# tickets the confirmation page names
SAMPLE_SIZE = 10
# what the inbox's view is made of, kept to go back to it (its search included)
KEPT_PARAMS = (*VIEW_PARAMS, "q")


class BadSelection(Exception):
    """A request that is not a selection the inbox could have sent: answered with 400."""


@dataclass(frozen=True)
class Change:
    """One change for every selected ticket: ``field`` of ``actions.BULK_FIELDS`` or
    ``"close"``, and its ``value`` (``None``: nobody, no category)."""

    field: str
    value: object = None

    @property
    def value_id(self) -> int | None:
        return getattr(self.value, "pk", None)

    @property
    def code(self) -> str:
        if self.field == "close":
            return "close"
        return f"{self.field}:{self.value_id or 'none'}"

    def describe(self, count: int) -> str:
        """What will happen, e.g. "Assign 12 tickets to Ben Kowalski."."""
        values = {"count": count}
        if self.field == "close":
            return ngettext("Close %(count)s ticket.", "Close %(count)s tickets.", count) % values
        if self.field == "assignee":
            if self.value is None:
                return (
                    ngettext(
                        "Unassign %(count)s ticket (assign it to nobody).",
                        "Unassign %(count)s tickets (assign them to nobody).",
                        count,
                    )
                    % values
                )
            values["name"] = agent_name(self.value)
            return (
                ngettext(
                    "Assign %(count)s ticket to %(name)s.",
                    "Assign %(count)s tickets to %(name)s.",
                    count,
                )
                % values
            )
        if self.field == "category" and self.value is None:
            return (
                ngettext(
                    "Remove the category of %(count)s ticket.",
                    "Remove the category of %(count)s tickets.",
                    count,
                )
                % values
            )
        values["name"] = str(self.value)
        texts = {
            "status": ngettext(
                "Set the status of %(count)s ticket to “%(name)s”.",
                "Set the status of %(count)s tickets to “%(name)s”.",
                count,
            ),
            "priority": ngettext(
                "Set the priority of %(count)s ticket to “%(name)s”.",
                "Set the priority of %(count)s tickets to “%(name)s”.",
                count,
            ),
            "category": ngettext(
                "Set the category of %(count)s ticket to “%(name)s”.",
                "Set the category of %(count)s tickets to “%(name)s”.",
                count,
            ),
        }
        return texts[self.field] % values


def parse_change(code: str, user) -> Change:
    """The change an inbox bar's value names (``inbox.bulk_choices``): ``close``,
    ``assignee:<id>`` or ``assignee:none``, ``status:<id>``, ``priority:<id>``,
    ``category:<id>`` or ``category:none``. A ValidationError for anything else, and for
    an id of nothing there is (or of someone who is not an agent of the user's types)."""
    if code == "close":
        return Change("close")
    field, _sep, raw = code.partition(":")
    if field not in actions.BULK_FIELDS or not raw:
        raise ValidationError(gettext("Choose a change for the selected tickets."))
    if raw == "none" and field in ("assignee", "category"):
        return Change(field, None)
    pk = parse_id(raw)
    value = None
    if pk is not None:
        if field == "assignee":
            types = permissions.managed_type_ids(user)
            value = permissions.agents_for_types(types).filter(pk=pk).first()
            if value is None and pk == user.pk:
                value = user  # a superuser assigning to themselves
        else:
            model = {"status": Status, "priority": Priority, "category": Category}[field]
            value = model._default_manager.filter(pk=pk).first()
    if value is None:
        raise ValidationError(gettext("This choice no longer exists; choose another one."))
    return Change(field, value)


class SelectionForm(forms.Form):
    """What the inbox's bar sends: the change, the ticked ids or ``all``, and the inbox's
    view (filters, sort, search) to evaluate again and to go back to."""

    change = forms.CharField(max_length=40)
    all = forms.BooleanField(required=False)
    query = forms.CharField(required=False, max_length=4000)


@dataclass
class Selection:
    """The tickets a request names, within the agent's types."""

    change: Change
    tickets: QuerySet
    # the ids the request named (``None``: every ticket the filter matches)
    ids: list[int] | None
    query: QueryDict

    @property
    def named(self) -> int | None:
        return None if self.ids is None else len(self.ids)


def kept_query(raw: str) -> QueryDict:
    """The inbox's view out of ``raw``: known parameters only."""
    params = QueryDict(raw)
    kept = QueryDict(mutable=True)
    for key in params:
        if key in KEPT_PARAMS:
            kept.setlist(key, params.getlist(key))
    return kept


def matching_tickets(request: HttpRequest, query: QueryDict, listing) -> QuerySet:
    """The tickets the inbox lists for ``query``, found the way the inbox finds them (its
    filters and search, on the agent's tickets): ``listing`` is the inbox's view function,
    whose view is made as for the inbox itself. A filter or search the inbox would refuse
    is a ``BadSelection``: the inbox then lists everything, and "all" would be more than
    the agent chose."""
    listed = copy.copy(request)
    listed.GET = query
    view = listing.view_class(**listing.view_initkwargs)
    view.setup(listed)
    if view.filters is None or view.search_form is None:
        raise TypeError("the inbox's view has no filters or search: not the inbox")
    if not view.filters.is_valid():
        raise BadSelection("filters")
    if view.search_form.is_bound and not view.search_form.is_valid():
        raise BadSelection("search")
    tickets = permissions.agent_tickets(request.user)
    return view.search_queryset(view.filter_queryset(tickets))


def read_selection(request: HttpRequest, data: QueryDict, listing) -> Selection | None:
    """The selection ``data`` names; ``None`` when it names no ticket. ``BadSelection``
    for input the inbox never sends (ids that are not ids, too many, a bad filter),
    ``ValidationError`` for a change that cannot be made."""
    form = SelectionForm(data)
    if not form.is_valid():
        raise BadSelection("form")
    raw_ids = data.getlist("ticket")
    if len(raw_ids) > MAX_IDS:
        raise BadSelection("too many ids")
    ids = [parse_id(value) for value in raw_ids]
    if None in ids:
        raise BadSelection("not an id")
    query = kept_query(form.cleaned_data["query"])
    change = parse_change(form.cleaned_data["change"], request.user)
    if form.cleaned_data["all"]:
        return Selection(change, matching_tickets(request, query, listing), None, query)
    if not ids:
        return None
    ids = sorted(set(ids))
    tickets = permissions.agent_tickets(request.user).filter(pk__in=ids)
    return Selection(change, tickets, ids, query)


class BulkView(WagtailAdminTemplateMixin, View):
    """What both views share: agents only, the page's furniture, reading the selection."""

    template_name = "wagtail_tickets/admin/inbox_bulk_confirm.html"
    page_title = _("Change tickets")
    header_icon = "mail"
    # given by the viewset: URL names, and the inbox's view function
    index_url_name: str = ""
    apply_url_name: str = ""
    listing = None

    def dispatch(self, request, *args, **kwargs):
        if not permissions.is_agent(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": gettext("Tickets")},
            {"url": "", "label": self.get_page_title()},
        ]

    def inbox_url(self, query: QueryDict | None = None) -> str:
        index = reverse(self.index_url_name)
        return f"{index}?{query.urlencode()}" if query else index

    def refuse(self, text: str) -> HttpResponse:
        context = self.get_context_data(error=text, inbox_url=self.inbox_url())
        return self.render_to_response(context, status=400)

    def selection(self, data: QueryDict):
        """The selection, or the response that refuses it."""
        try:
            selection = read_selection(self.request, data, self.listing)
        except BadSelection:
            return None, self.refuse(
                gettext("This selection cannot be read. Go back to the inbox and select again.")
            )
        except ValidationError as error:
            return None, self.refuse(" ".join(error.messages))
        if selection is None:
            messages.warning(self.request, gettext("Select at least one ticket first."))
            return None, redirect(self.inbox_url(kept_query(data.get("query", "")[:4000])))
        return selection, None


class BulkConfirmView(BulkView):
    """GET: what the change will do to how many tickets, and a button that does it."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.GET.get("change") == "merge":
            # merging is a choice of the ticket that stays: the merge page asks for it
            namespace = self.index_url_name.rpartition(":")[0]
            ids = QueryDict(mutable=True)
            ids.setlist("ticket", request.GET.getlist("ticket")[:MAX_IDS])
            return redirect(f"{reverse(f'{namespace}:bulk_merge')}?{ids.urlencode()}")
        selection, refused = self.selection(request.GET)
        if refused is not None:
            return refused
        count = bounded_count(selection.tickets, MAX_MATCHING)
        too_many = isinstance(count, AtLeast)
        context = {
            "inbox_url": self.inbox_url(selection.query),
            "apply_url": reverse(self.apply_url_name),
            "selection": selection,
            "count": count,
            "skipped": (selection.named - count) if selection.named is not None else 0,
            "queued": count > QUEUE_THRESHOLD,
        }
        if too_many:
            context["error"] = too_many_text()
        elif count:
            context["what"] = selection.change.describe(count)
            sample = selection.tickets.order_by("-updated_at", "-pk")
            context["sample"] = list(sample.values("number", "subject")[:SAMPLE_SIZE])
        return self.render_to_response(self.get_context_data(**context))


class BulkApplyView(BulkView):
    """POST only: make the change (or queue it) and go back to the inbox with a message
    that says what happened."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        selection, refused = self.selection(request.POST)
        if refused is not None:
            return refused
        if selection.ids is not None:
            # every named id goes to the action, which skips (and counts) the others
            ids = selection.ids
        else:
            ids = list(
                selection.tickets.order_by("pk").values_list("pk", flat=True)[: MAX_MATCHING + 1]
            )
            if len(ids) > MAX_MATCHING:
                return self.refuse(too_many_text())
        if not ids:
            messages.warning(request, gettext("No ticket matches the filter any more."))
        elif len(ids) > QUEUE_THRESHOLD:
            self.queue(ids, selection.change)
        else:
            self.apply(ids, selection.change)
        return redirect(self.inbox_url(selection.query))

    def queue(self, ids: list[int], change: Change) -> None:
        request = self.request
        if not tasks.queue_bulk_change(ids, request.user, change.field, change.value_id):
            messages.error(request, gettext("The change could not be started; try again later."))
            return
        text = ngettext(
            "The change of %(count)s ticket is running in the background; the inbox shows it "
            "in a few moments.",
            "The change of %(count)s tickets is running in the background; the inbox shows "
            "it in a few moments.",
            len(ids),
        )
        messages.info(request, text % {"count": len(ids)})

    def apply(self, ids: list[int], change: Change) -> None:
        request = self.request
        try:
            # no request: the agent reads one summary, not a confirmation per ticket
            result = actions.bulk_change(
                ids, actor=request.user, field=change.field, value=change.value
            )
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(getattr(error, "messages", None) or [gettext("Permission denied.")])
            messages.error(request, gettext("Nothing was changed: %(reason)s") % {"reason": reason})
            return
        report(request, change, result)


def too_many_text() -> str:
    return gettext(
        "More than %(limit)s tickets match: narrow the filter to change them at once."
    ) % {"limit": show_count(MAX_MATCHING)}


def report(request: HttpRequest, change: Change, result: actions.BulkResult) -> None:
    """One message for the agent: what changed, and what was left and why."""
    parts = [
        ngettext("%(count)s ticket changed.", "%(count)s tickets changed.", result.changed)
        % {"count": result.changed}
    ]
    if result.unchanged:
        parts.append(
            ngettext("%(count)s already was so.", "%(count)s already were so.", result.unchanged)
            % {"count": result.unchanged}
        )
    if result.skipped:
        parts.append(
            ngettext(
                "%(count)s skipped: you do not manage it or it no longer exists.",
                "%(count)s skipped: you do not manage them or they no longer exist.",
                result.skipped,
            )
            % {"count": result.skipped}
        )
    if result.refused:
        parts.append(
            ngettext(
                "%(count)s not assigned: %(name)s is not an agent of its type.",
                "%(count)s not assigned: %(name)s is not an agent of their types.",
                result.refused,
            )
            % {"count": result.refused, "name": agent_name(change.value)}
        )
    level = messages.success if not (result.skipped or result.refused) else messages.warning
    level(request, " ".join(parts))
