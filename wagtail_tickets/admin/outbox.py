"""The mail outbox in the admin: what is pending, what failed (with the error and the next
attempt) and what was sent; failed mail can be retried. Rows are never edited or deleted
here, so no mail is lost from the admin either."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.permission_policies import ModelPermissionPolicy

from .. import links
from ..models import OutgoingMail
from ..notifications import sending
from . import listing
from .listing import MISSING, LocalTimeColumn, local_datetime

State = OutgoingMail.State


class OutboxPaginator(WagtailPaginator):
    # the count under the listing: "25 outgoing mails", not the model's plural "outbox"
    verbose_name_plural = gettext_lazy("outgoing mails")


class OutboxIndexView(listing.IndexView):
    template_name = "wagtail_tickets/admin/outbox_index.html"
    paginator_class = OutboxPaginator
    # its empty message; the page's title stays the model's plural, "Outbox"
    verbose_name_plural = gettext_lazy("outgoing mails")

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("ticket")

    def get_edit_url(self, instance):
        return self.get_inspect_url(instance)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = dict(
            OutgoingMail.objects.values("state").annotate(n=Count("pk")).values_list("state", "n")
        )
        context["state_counts"] = [
            (value, label, counts.get(value, 0)) for value, label in State.choices
        ]
        context["retry_failed_url"] = reverse(OutboxViewSet.name + ":retry_failed")
        context["can_retry"] = self.permission_policy.user_has_permission(
            self.request.user, "change"
        )
        return context


class OutboxInspectView(generic.InspectView):
    template_name = "wagtail_tickets/admin/outbox_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(OutgoingMail.objects.select_related("ticket"), pk=self.pk)

    def get_field_display_value(self, field_name, field):
        """Times as the listing shows them, the ticket as a link to its workspace, and
        "—" for what is not there (never "None")."""
        value = getattr(self.object, field_name, None)
        if field_name == "ticket":
            if value is None:
                return MISSING
            url = links.workspace_url(value.pk)
            return format_html('<a href="{}">{}</a>', url, value) if url else str(value)
        if field_name in ("next_attempt_at", "created_at", "sent_at"):
            return local_datetime(value)
        shown = super().get_field_display_value(field_name, field)
        return MISSING if shown is None or shown == "" else shown

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mail"] = self.object
        context["retry_url"] = reverse(OutboxViewSet.name + ":retry", args=[self.object.pk])
        context["can_retry"] = self.object.state == State.FAILED and (
            self.permission_policy.user_has_permission(self.request.user, "change")
        )
        return context


class RetryView(View):
    """POST: make failed mail due now and queue it (one row, or every failed row)."""

    http_method_names = ["post"]

    def post(self, request, pk=None):
        policy = ModelPermissionPolicy(OutgoingMail)
        if not policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        if pk is not None:
            mail = get_object_or_404(OutgoingMail, pk=pk)
            count = sending.retry_now([mail.pk])
            target = reverse(OutboxViewSet.name + ":inspect", args=[mail.pk])
        else:
            ids = OutgoingMail.objects.filter(state=State.FAILED).values_list("pk", flat=True)
            count = sending.retry_now(list(ids[:1000]))
            target = reverse(OutboxViewSet.name + ":index")
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d mail will be sent again.",
                    "%(count)d mails will be sent again.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.warning(request, _("There is no failed mail to retry."))
        return HttpResponseRedirect(target)


class OutboxViewSet(listing.ReadOnlyLogViewSet):
    """Settings > Mail outbox: read-only, with retry."""

    model = OutgoingMail
    name = "wagtail_tickets_outbox"
    url_prefix = "ticket-outbox"
    icon = "mail"
    menu_label = gettext_lazy("Ticket mail outbox")
    menu_order = 611
    index_view_class = OutboxIndexView
    inspect_view_class = OutboxInspectView
    list_display = [
        # a field name first: Wagtail makes it the title column, a link to the mail
        "subject",
        StatusTagColumn(
            "state",
            label=gettext_lazy("Status"),
            accessor="get_state_display",
            primary=lambda mail: mail.state == State.SENT,
        ),
        Column("kind", label=gettext_lazy("Kind"), accessor="get_kind_display"),
        Column("to", label=gettext_lazy("Recipients")),
        Column("attempts", label=gettext_lazy("Attempts")),
        LocalTimeColumn("next_attempt_at", label=gettext_lazy("Next attempt")),
        LocalTimeColumn("created_at", label=gettext_lazy("Queued"), sort_key="created_at"),
        LocalTimeColumn("sent_at", label=gettext_lazy("Sent")),
    ]
    list_filter = ["state", "kind"]
    search_fields = ["subject", "to", "cc"]
    search_backend_name = None
    ordering = ["-created_at", "-pk"]
    inspect_view_fields = [
        "ticket", "kind", "language", "state", "attempts", "next_attempt_at", "last_error",
        "created_at", "sent_at", "from_email", "to", "cc", "reply_to", "subject", "message_id",
    ]  # fmt: skip

    def get_urlpatterns(self):
        return [
            *self.log_urlpatterns(),
            path("<int:pk>/retry/", RetryView.as_view(), name="retry"),
            path("retry-failed/", RetryView.as_view(), name="retry_failed"),
        ]
