"""The quarantine of inbound mail: each message that could not be imported, with the
reason, its raw bytes as a download and a "retry" that imports it again (after a fix, a
raised size limit or a new mailbox setting). Nothing is edited here: only read, retried or
deleted, so the policy grants no "add" and no "change"."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import ListingButton
from wagtail.permission_policies import ModelPermissionPolicy

from ..compat import PolicyViewSetMixin
from ..mail.importer import DUPLICATE, retry_quarantined
from ..models import InboundMessage, QuarantinedMessage
from . import listing


class QuarantinePolicy(ModelPermissionPolicy):
    """Model permissions, minus adding and editing (a raw message is evidence)."""

    def user_has_permission(self, user, action):
        if action in ("add", "change"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


def register_policy() -> None:
    from ..compat import register_permission_policy

    register_permission_policy(QuarantinedMessage, QuarantinePolicy(QuarantinedMessage))


class QuarantineIndexView(listing.IndexView):
    quarantine_viewset = None

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        viewset = self.quarantine_viewset
        buttons.append(
            ListingButton(
                _("Download"),
                url=reverse(viewset.get_url_name("download"), args=[instance.pk]),
                icon_name="download",
                priority=15,
            )
        )
        if viewset.may_retry(self.request.user):
            buttons.append(
                ListingButton(
                    _("Retry"),
                    url=reverse(viewset.get_url_name("retry"), args=[instance.pk]),
                    icon_name="rotate",
                    priority=16,
                )
            )
        return buttons


class QuarantineViewSet(PolicyViewSetMixin, ModelViewSet):
    model = QuarantinedMessage
    icon = "warning"
    menu_label = gettext_lazy("Mail quarantine")
    index_view_class = QuarantineIndexView
    copy_view_enabled = False
    inspect_view_enabled = True
    add_to_reference_index = False
    form_fields = ["reason"]  # never used: the policy grants no add or change
    list_display = [
        Column("subject", label=gettext_lazy("Subject")),
        Column("sender", label=gettext_lazy("Sender")),
        Column("mailbox", label=gettext_lazy("Mailbox")),
        Column("short_reason", label=gettext_lazy("Reason")),
        Column("attempts", label=gettext_lazy("Attempts"), sort_key="attempts"),
        DateColumn("created_at", label=gettext_lazy("Received"), sort_key="created_at"),
    ]
    list_filter = ["mailbox"]
    search_fields = ["subject", "sender", "message_id", "reason"]
    inspect_view_fields = [
        "mailbox",
        "sender",
        "subject",
        "message_id",
        "reason",
        "size",
        "attempts",
        "created_at",
        "last_attempt_at",
    ]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=QuarantinedMessage.objects.select_related("mailbox").defer("raw"),
            quarantine_viewset=self,
            **kwargs,
        )

    def may_retry(self, user) -> bool:
        return self.permission_policy.user_has_permission(user, "delete")

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("download/<int:pk>/", self.download_view, name="download"),
            path("retry/<int:pk>/", self.retry_view, name="retry"),
        ]

    def download_view(self, request, pk):
        """The raw message as received, as a download (never rendered)."""
        if not self.permission_policy.user_has_any_permission(request.user, ["view", "delete"]):
            raise PermissionDenied
        item = get_object_or_404(QuarantinedMessage, pk=pk)
        response = HttpResponse(bytes(item.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="quarantined-{item.pk}.eml"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @property
    def retry_view(self):
        return require_http_methods(["GET", "POST"])(self._retry)

    def _retry(self, request, pk):
        if not self.may_retry(request.user):
            raise PermissionDenied
        item = get_object_or_404(QuarantinedMessage.objects.select_related("mailbox"), pk=pk)
        index_url = reverse(self.get_url_name("index"))
        if request.method == "POST":
            outcome = retry_quarantined(item)
            if outcome == InboundMessage.Outcome.QUARANTINED:
                messages.error(
                    request,
                    _("The message could not be imported: %(reason)s") % {"reason": item.reason},
                )
            elif outcome == DUPLICATE:
                messages.success(request, _("The message had already been imported."))
            else:
                messages.success(request, _("The message has been imported."))
            return HttpResponseRedirect(index_url)
        return TemplateResponse(
            request,
            "wagtail_tickets/admin/quarantine_retry.html",
            {
                "item": item,
                "index_url": index_url,
                "download_url": reverse(self.get_url_name("download"), args=[item.pk]),
                "header_icon": self.icon,
            },
        )
