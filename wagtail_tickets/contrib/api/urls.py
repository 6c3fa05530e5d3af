"""URLs of the API: ``path("api/tickets/", include("wagtail_tickets.contrib.api.urls"))``
(namespace ``wagtail_tickets_api``)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated

from . import account, views
from .rest import ApiRateThrottle, SessionAuthentication, TokenAuthentication

app_name = "wagtail_tickets_api"

schema_view = SpectacularAPIView.as_view(
    authentication_classes=[TokenAuthentication, SessionAuthentication],
    permission_classes=[IsAuthenticated],
    throttle_classes=[ApiRateThrottle],
    urlconf=None,
    custom_settings={
        "TITLE": "wagtail-tickets API",
        "VERSION": "1",
        "DESCRIPTION": "Tickets, messages and their setup. See docs/api.md.",
        "PREPROCESSING_HOOKS": ["wagtail_tickets.contrib.api.schema.only_ticket_endpoints"],
        "POSTPROCESSING_HOOKS": [
            "drf_spectacular.hooks.postprocess_schema_enums",
            "wagtail_tickets.contrib.api.schema.document_errors",
        ],
        "SCHEMA_PATH_PREFIX": "",
        "COMPONENT_SPLIT_REQUEST": True,
    },
)

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("account/tokens/", account.account_tokens, name="account_tokens"),
    path("schema/", schema_view, name="schema"),
    path("tickets/", views.TicketListView.as_view(), name="tickets"),
    path("tickets/<str:ticket_id>/", views.TicketDetailView.as_view(), name="ticket"),
    path("tickets/<str:ticket_id>/messages/", views.MessageListView.as_view(), name="messages"),
    path(
        "tickets/<str:ticket_id>/claim/",
        views.TicketActionView.as_view(verb="claim"),
        name="claim",
    ),
    path(
        "tickets/<str:ticket_id>/close/",
        views.TicketActionView.as_view(verb="close"),
        name="close",
    ),
    path(
        "tickets/<str:ticket_id>/reopen/",
        views.TicketActionView.as_view(verb="reopen"),
        name="reopen",
    ),
    path("tickets/<str:ticket_id>/assign/", views.AssignView.as_view(), name="assign"),
    path("tickets/<str:ticket_id>/merge/", views.MergeView.as_view(), name="merge"),
    path(
        "tickets/<str:ticket_id>/attachments/<str:attachment_id>/",
        views.AttachmentView.as_view(),
        name="attachment",
    ),
    path(
        "customers/<str:customer_id>/tickets/",
        views.CustomerTicketsView.as_view(),
        name="customer_tickets",
    ),
    path("types/", views.TypeListView.as_view(), name="types"),
    path("statuses/", views.StatusListView.as_view(), name="statuses"),
    path("priorities/", views.PriorityListView.as_view(), name="priorities"),
    path("categories/", views.CategoryListView.as_view(), name="categories"),
]
