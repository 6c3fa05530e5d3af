"""The test project's URLs with the package's account pages, as the installation guide
adds them."""

from django.urls import include, path

from tests.urls import urlpatterns as base_patterns

urlpatterns = [
    path("accounts/", include("wagtail_tickets.accounts.urls")),
    *base_patterns,
]
