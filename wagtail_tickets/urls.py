"""URLs of the customer area: ``path("tickets/", include("wagtail_tickets.urls"))``."""

from django.urls import path, register_converter

from .views import attachments, customer, external, privacy, ratings


class TicketNumberConverter:
    """A ticket number: printable text without "/". Numbers never hold control characters,
    and a lookup with a NUL byte would be an error on PostgreSQL instead of a 404."""

    regex = r"[^/\x00-\x1f\x7f]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TicketNumberConverter, "wt_ticket_number")

app_name = "wagtail_tickets"

urlpatterns = [
    path("", customer.my_tickets, name="my_tickets"),
    path("new/", customer.create, name="create"),
    path("profile/", customer.profile, name="profile"),
    path("profile/my-data/", privacy.my_data, name="my_data"),
    path("external/", external.external, name="external"),
    path("external/t/<str:token>/", external.external_ticket, name="external_ticket"),
    path(
        "external/t/<str:token>/files/<int:pk>/",
        external.external_attachment,
        name="external_attachment",
    ),
    path("rate/<str:token>/<str:score>/", ratings.rate, name="rate"),
    path("<wt_ticket_number:number>/", customer.detail, name="detail"),
    path("<wt_ticket_number:number>/reply/", customer.reply, name="reply"),
    path("<wt_ticket_number:number>/close/", customer.close, name="close"),
    path("<wt_ticket_number:number>/reopen/", customer.reopen, name="reopen"),
    path("<wt_ticket_number:number>/delete/", customer.delete, name="delete"),
    path("<wt_ticket_number:number>/rate/", customer.rate, name="rate_ticket"),
    path(
        "<wt_ticket_number:number>/attachments/<int:pk>/",
        attachments.attachment,
        name="attachment",
    ),
]
