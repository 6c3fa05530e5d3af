"""URLs of the webhook tests: anymail's views as the app guards them, and as anymail
ships them."""

from django.urls import include, path

urlpatterns = [
    path("anymail/", include("wagtail_tickets.anymail_urls")),
    path("plain-anymail/", include(("anymail.urls", "anymail"), namespace="plain_anymail")),
]
