"""The test project as a site with django-allauth: allauth's sign-up and login at
/accounts/, the package's account page at /account/."""

from django.urls import include, path

from tests.urls import urlpatterns as base_patterns

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("account/", include("wagtail_tickets.accounts.urls")),
    *base_patterns,
]
