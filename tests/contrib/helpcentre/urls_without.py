"""The test site's URLs without the help centre's public URLs."""

from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("tickets/", include("wagtail_tickets.urls")),
    path("", include(wagtail_urls)),
]
