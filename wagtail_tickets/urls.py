"""URLs of the customer area: ``path("tickets/", include("wagtail_tickets.urls"))``."""

from django.urls import path

from .views import attachments, customer, external

app_name = "wagtail_tickets"

urlpatterns = [
    path("", customer.my_tickets, name="my_tickets"),
    path("new/", customer.create, name="create"),
    path("profile/", customer.profile, name="profile"),
    path("external/", external.external, name="external"),
    path("external/t/<str:token>/", external.external_ticket, name="external_ticket"),
    path(
        "external/t/<str:token>/files/<int:pk>/",
        external.external_attachment,
        name="external_attachment",
    ),
    path("<str:number>/", customer.detail, name="detail"),
    path("<str:number>/reply/", customer.reply, name="reply"),
    path("<str:number>/close/", customer.close, name="close"),
    path("<str:number>/delete/", customer.delete, name="delete"),
    path("<str:number>/attachments/<int:pk>/", attachments.attachment, name="attachment"),
]
