"""Configuration screens for administrators (types, groups, statuses, rates, templates): one Wagtail
``ModelViewSet`` per list, grouped under "Ticket setup". Model permissions (add, change,
delete) are registered, so each screen can be given to a Wagtail group. The per-type levels
of groups are set on Wagtail's own group page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.http import HttpResponseRedirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .. import actions, tasks
from ..conf import app_settings
from ..db.counters import with_ticket_counts
from ..models import (
    Category,
    Priority,
    Rate,
    ResponseTemplate,
    Status,
    TicketType,
    TicketTypeGroup,
)
from . import listing
from .forms import ResponseTemplateForm, StatusReplacementForm


class SafeDeleteView(generic.DeleteView):
    """A record still used by tickets is refused with a message, never a server error."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ProtectedError:
            messages.error(
                self.request,
                _("“%(object)s” is still used by tickets and cannot be deleted.")
                % {"object": self.object},
            )
            return HttpResponseRedirect(self.get_success_url())


class StatusDeleteView(SafeDeleteView):
    """A used status is deleted only with a replacement for its tickets."""

    template_name = "wagtail_tickets/admin/status_confirm_delete.html"

    @cached_property
    def ticket_count(self) -> int:
        return self.object.tickets.count()

    @cached_property
    def replacement_form(self) -> StatusReplacementForm | None:
        if not self.ticket_count:
            return None
        data = self.request.POST if self.request.method == "POST" else None
        return StatusReplacementForm(data, status=self.object)

    def post(self, request, *args, **kwargs):
        form = self.replacement_form
        if form is None:
            return super().post(request, *args, **kwargs)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data())
        status, replacement = self.object, form.cleaned_data["replacement"]
        names = {"name": status.label, "replacement": replacement.label}
        if self.ticket_count > app_settings.STATUS_REPLACEMENT_BATCH_SIZE:
            # many tickets: a worker moves them, the page answers now
            if tasks.queue_status_replacement(status, replacement, request.user):
                messages.success(
                    request,
                    ngettext(
                        "Status “%(name)s” is being deleted: its %(count)s ticket moves to "
                        "“%(replacement)s” in the background, and the status leaves this "
                        "list when it has.",
                        "Status “%(name)s” is being deleted: its %(count)s tickets move to "
                        "“%(replacement)s” in the background, and the status leaves this "
                        "list when they all have.",
                        self.ticket_count,
                    )
                    % {**names, "count": self.ticket_count},
                )
            else:
                messages.error(
                    request,
                    _(
                        "Status “%(name)s” was not deleted: the task queue is not reachable. "
                        "Try again later."
                    )
                    % names,
                )
            return HttpResponseRedirect(self.get_success_url())
        try:
            actions.replace_status(status, replacement, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(self.get_success_url())
        messages.success(
            request,
            _("Status “%(name)s” deleted; its tickets are now “%(replacement)s”.") % names,
        )
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["ticket_count"] = self.ticket_count
        context["replacement_form"] = self.replacement_form
        return context


class LabelIndexView(listing.IndexView):
    """A listing whose name column shows ``label`` (a seeded status or priority name in the
    viewer's language) and still sorts by the stored name."""

    def _get_title_column(self, field_name, *args, **kwargs):
        column = super()._get_title_column(field_name, *args, **kwargs)
        if field_name == "name":
            column.accessor = "label"
        return column


class ConfigViewSet(ModelViewSet):
    index_view_class = listing.IndexView
    delete_view_class = SafeDeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False


class NamedListViewSet(ConfigViewSet):
    """A list of names in the order the admin sets (type groups, categories): the name and
    its sort order are all there is to list, edit and search."""

    list_display = ["name", "sort_order"]
    form_fields = ["name", "sort_order"]
    search_fields = ["name"]


class TicketTypeGroupViewSet(NamedListViewSet):
    model = TicketTypeGroup
    icon = "folder-open-inverse"
    menu_label = gettext_lazy("Type groups")


class TicketTypeViewSet(ConfigViewSet):
    model = TicketType
    icon = "tag"
    menu_label = gettext_lazy("Types")
    list_display = [
        "name",
        Column("group", label=gettext_lazy("Type group"), sort_key="group__name"),
        BooleanColumn("active", label=gettext_lazy("Active"), sort_key="active"),
        "visibility",
    ]
    list_filter = ["group", "active"]
    search_fields = ["name", "description"]
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("group"),
                FieldPanel("description"),
                FieldRowPanel([FieldPanel("active"), FieldPanel("sort_order")]),
            ],
            heading=gettext_lazy("Type"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("visibility"),
                FieldPanel("signed_in_level"),
                FieldPanel("customer_can_choose_priority"),
                FieldPanel("asks_for_rating"),
            ],
            heading=gettext_lazy("Customers"),
        ),
        MultiFieldPanel(
            [FieldPanel("email_to"), FieldPanel("sender_name"), FieldPanel("sender_email")],
            heading=gettext_lazy("Email"),
        ),
    ]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=TicketType.objects.select_related("group"), **kwargs
        )


class StatusViewSet(ConfigViewSet):
    model = Status
    icon = "radio-full"
    menu_label = gettext_lazy("Statuses")
    index_view_class = LabelIndexView
    delete_view_class = StatusDeleteView
    list_display = [
        "name",
        Column("colour", label=gettext_lazy("Colour")),
        BooleanColumn("is_closed", label=gettext_lazy("Closed"), sort_key="is_closed"),
        BooleanColumn("is_default", label=gettext_lazy("Default"), sort_key="is_default"),
        Column("customer_label", label=gettext_lazy("Customers see")),
        Column("ticket_count", label=gettext_lazy("Tickets"), sort_key="ticket_count"),
    ]
    form_fields = [
        "name",
        "is_closed",
        "waits_for_customer",
        "is_default",
        "colour",
        "sort_order",
    ]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=with_ticket_counts(Status.objects.all()), **kwargs
        )


class PriorityViewSet(ConfigViewSet):
    model = Priority
    icon = "warning"
    menu_label = gettext_lazy("Priorities")
    index_view_class = LabelIndexView
    list_display = [
        "name",
        Column("colour", label=gettext_lazy("Colour")),
        BooleanColumn("is_default", label=gettext_lazy("Default"), sort_key="is_default"),
    ]
    form_fields = ["name", "colour", "is_default", "sort_order"]


class CategoryViewSet(NamedListViewSet):
    model = Category
    icon = "folder-inverse"
    menu_label = gettext_lazy("Categories")


class RateViewSet(ConfigViewSet):
    model = Rate
    icon = "time"
    menu_label = gettext_lazy("Rates")
    list_display = [
        "name",
        "value",
        BooleanColumn("active", label=gettext_lazy("Active"), sort_key="active"),
    ]
    form_fields = ["name", "value", "active", "sort_order"]


class ResponseTemplateViewSet(ConfigViewSet):
    model = ResponseTemplate
    icon = "doc-full"
    menu_label = gettext_lazy("Response templates")
    list_display = [
        "name",
        BooleanColumn("is_default", label=gettext_lazy("Default"), sort_key="is_default"),
    ]
    search_fields = ["name"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("body"),
            FieldPanel("types", widget=forms.CheckboxSelectMultiple),
            FieldRowPanel([FieldPanel("is_default"), FieldPanel("sort_order")]),
        ],
        base_form_class=ResponseTemplateForm,
    )


class TicketSetupGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Ticket setup")
    menu_icon = "cogs"
    menu_order = 151
    items = (
        TicketTypeGroupViewSet("wagtail_tickets_type_groups", url_prefix="tickets-setup/groups"),
        TicketTypeViewSet("wagtail_tickets_types", url_prefix="tickets-setup/types"),
        StatusViewSet("wagtail_tickets_statuses", url_prefix="tickets-setup/statuses"),
        PriorityViewSet("wagtail_tickets_priorities", url_prefix="tickets-setup/priorities"),
        CategoryViewSet("wagtail_tickets_categories", url_prefix="tickets-setup/categories"),
        RateViewSet("wagtail_tickets_rates", url_prefix="tickets-setup/rates"),
        ResponseTemplateViewSet(
            "wagtail_tickets_response_templates", url_prefix="tickets-setup/response-templates"
        ),
    )
