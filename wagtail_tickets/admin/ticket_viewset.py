"""The "Tickets" admin menu: one Wagtail viewset that mounts the inbox (``inbox``) and the
ticket workspace with its actions (``workspace``). It is the one module that imports
both; each view gets the viewset's URL names from it, so neither imports the other."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from ..compat import PolicyViewSetMixin
from ..models import Ticket
from . import inbox, inbox_bulk, links, merge, presence, workspace
from .inbox_columns import EXPORT_FIELDS, EXPORT_HEADINGS
from .inbox_filters import TicketFilterSet


class TicketViewSet(PolicyViewSetMixin, ModelViewSet):
    """The "Tickets" admin menu: inbox, workspace and "new ticket on behalf of"."""

    model = Ticket
    name = "wagtail_tickets_inbox"
    url_prefix = "tickets"
    icon = "mail"
    menu_label = _("Tickets")
    menu_order = 150
    add_to_admin_menu = True
    index_view_class = inbox.InboxView
    list_per_page = inbox.INBOX_PAGE_SIZE
    ordering = "-updated_at"
    filterset_class = TicketFilterSet
    search_fields = ["subject"]
    search_backend_name = None
    copy_view_enabled = False
    add_to_reference_index = False
    export_filename = "tickets"
    list_export = EXPORT_FIELDS
    export_headings = EXPORT_HEADINGS

    def get_permissions_to_register(self):
        # Ticket access is given per type (TypePermission), not by model permissions.
        from django.contrib.auth.models import Permission

        return Permission.objects.none()

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            default_view_url_name=self.get_url_name("default_view"),
            bulk_url_name=self.get_url_name("bulk"),
            **kwargs,
        )

    def get_urlpatterns(self):
        def ticket_view(view_class):
            return view_class.as_view(url_namespace=self.url_namespace)

        default_view = inbox.DefaultInboxView.as_view(index_url_name=self.get_url_name("index"))
        bulk_names = {
            "index_url_name": self.get_url_name("index"),
            "apply_url_name": self.get_url_name("bulk_apply"),
            "listing": self.index_view,
        }
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("default-view/", default_view, name="default_view"),
            path("bulk/", inbox_bulk.BulkConfirmView.as_view(**bulk_names), name="bulk"),
            path("bulk/apply/", inbox_bulk.BulkApplyView.as_view(**bulk_names), name="bulk_apply"),
            path("new/", ticket_view(workspace.NewTicketView), name="add"),
            path("merge/", ticket_view(merge.BulkMergeView), name="bulk_merge"),
            path("<int:pk>/merge/", ticket_view(merge.MergeView), name="merge"),
            path("<int:pk>/link/", ticket_view(links.LinkView), name="link"),
            path(
                "<int:pk>/link/<int:link_pk>/remove/",
                ticket_view(links.UnlinkView),
                name="unlink",
            ),
            path(
                "<int:pk>/close-with-children/",
                ticket_view(links.CloseWithChildrenView),
                name="close_with_children",
            ),
            path(
                "<int:pk>/split/<int:message_pk>/",
                ticket_view(links.SplitView),
                name="split",
            ),
            path("<int:pk>/", ticket_view(workspace.WorkspaceView), name="edit"),
            path("<int:pk>/claim/", ticket_view(workspace.ClaimView), name="claim"),
            path("<int:pk>/close/", ticket_view(workspace.CloseView), name="close"),
            path("<int:pk>/reopen/", ticket_view(workspace.ReopenView), name="reopen"),
            path("<int:pk>/draft/", ticket_view(workspace.DraftView), name="draft"),
            path("<int:pk>/preview/", ticket_view(workspace.ReplyPreviewView), name="preview"),
            path("<int:pk>/presence/", ticket_view(presence.PresenceView), name="presence"),
            path(
                "<int:pk>/presence/leave/",
                ticket_view(presence.LeaveView),
                name="presence_leave",
            ),
            path(
                "attachment/<int:pk>/",
                workspace.AttachmentView.as_view(),
                name="attachment",
            ),
        ]
