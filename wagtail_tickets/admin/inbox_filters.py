"""The inbox's filters (status with counters, type grouped with descriptions, priority,
category, assignment, assignee, new for me, open or closed, service level) and the small
tables they list.

A filter is one declaration in ``TicketFilterSet``: its name is the GET parameter, the
inbox remembers it with the view (``inbox.VIEW_PARAMS``) and the default view keeps it.
Options come from ``InboxRows`` when the page reads those rows anyway (statuses,
priorities, the agent's types), else from the filter's queryset. Ids in the parameters
are checked before any query (``ids.IdChoiceMixin``)."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from .. import permissions
from ..db.counters import status_counts
from ..ids import IdChoiceMixin
from ..models import Category, Priority, Status, Ticket, TicketType
from ..models.tickets import agent_name
from ..sla.display import breached, due_within_the_hour
from ..visits import new_for
from . import widgets
from .forms import ListedChoiceIterator

SLA_CONDITIONS = {"breached": breached, "hour": due_within_the_hour}


class InboxRows:
    """The small tables an inbox page shows, read once per request: the filters list them
    and the ticket rows show them (``inbox_columns.attach_related``)."""

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

    @cached_property
    def agent_queryset(self):
        """Who may hold tickets of the agent's types: the assignee filter checks a chosen
        agent against it."""
        return permissions.agents_for_types([t.pk for t in self.managed_types])

    @cached_property
    def agents(self) -> list:
        """The same people, listed by the assignee filter and the bulk change "Assign to"."""
        return list(self.agent_queryset)

    @cached_property
    def categories(self) -> list[Category]:
        return list(Category.objects.all())

    def known(self) -> dict[str, dict]:
        """What ``attach_related`` need not read again: ``{field name: {pk: object}}``."""
        return {
            "ticket_type": {t.pk: t for t in self.managed_types},
            "status": {s.pk: s for s in self.statuses},
            "priority": {p.pk: p for p in self.priorities},
        }


# Fields -------------------------------------------------------------------------------


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
    """Choices labelled with their ticket count, e.g. "Open (12)"."""

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


# The filter set -----------------------------------------------------------------------


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
        label=_("Type"), choices=[], widget=widgets.TitledCheckboxSelectMultiple, distinct=False
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
    new = django_filters.ChoiceFilter(
        label=_("New messages"),
        choices=[("me", _("New for me"))],
        method="filter_new",
        empty_label=_("Any"),
        widget=widgets.RadioSelect,
    )
    state = django_filters.ChoiceFilter(
        label=_("Open or closed"),
        choices=[("open", _("Open")), ("closed", _("Closed")), ("overdue", _("Overdue"))],
        method="filter_state",
        empty_label=_("Any"),
        widget=widgets.RadioSelect,
    )
    rating = django_filters.ChoiceFilter(
        label=_("Rating"),
        choices=[
            ("good", _("Good")),
            ("okay", _("Okay")),
            ("bad", _("Bad")),
            ("none", _("Closed, not rated")),
        ],
        method="filter_rating",
        empty_label=_("Any"),
        widget=widgets.RadioSelect,
    )
    sla = django_filters.ChoiceFilter(
        label=_("Service level"),
        choices=[("breached", _("Breached")), ("hour", _("Due within the hour"))],
        method="filter_sla",
        empty_label=_("Any"),
        widget=widgets.RadioSelect,
    )

    class Meta:
        model = Ticket
        fields = []  # the filters above, and no others

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
        self.filters["category"].extra["rows"] = lambda: rows.categories
        self.filters["assignee"].extra["rows"] = lambda: rows.agents
        managed = rows.managed_types
        groups: dict[str, list] = {}
        for ticket_type in managed:
            label = ticket_type.group.name if ticket_type.group else str(_("Other types"))
            groups.setdefault(label, []).append((str(ticket_type.pk), ticket_type.name))
        type_filter = self.filters["ticket_type"]
        type_filter.extra["choices"] = list(groups.items())
        type_filter.extra["widget"] = widgets.TitledCheckboxSelectMultiple(
            titles={str(t.pk): t.description for t in managed}
        )
        self.filters["assignee"].queryset = rows.agent_queryset

    def filter_assigned(self, queryset, name, value):
        if value == "mine":
            return queryset.filter(assignee=self.request.user)
        if value == "unassigned":
            return queryset.filter(assignee__isnull=True)
        return queryset

    def filter_new(self, queryset, name, value):
        if value == "me":
            return queryset.filter(new_for(self.request.user))
        return queryset

    def filter_rating(self, queryset, name, value):
        # one rating per ticket: the join repeats no row
        if value == "none":
            return queryset.filter(is_open=False, rating__isnull=True)
        if value in ("good", "okay", "bad"):
            return queryset.filter(rating__score=value)
        return queryset

    def filter_sla(self, queryset, name, value):
        # the next due time is set while a target runs: its index serves both
        if value in SLA_CONDITIONS:
            return queryset.filter(SLA_CONDITIONS[value]())
        return queryset

    def filter_state(self, queryset, name, value):
        # is_open mirrors the status (a trigger keeps it): the partial indexes on open
        # tickets serve these
        if value == "overdue":
            return queryset.filter(is_open=True, target_date__lt=timezone.localdate())
        if value in ("open", "closed"):
            return queryset.filter(is_open=value == "open")
        return queryset
