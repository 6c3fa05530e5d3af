"""URLs of the example site: the admin, login/logout, the tickets and the Wagtail pages."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tickets/", include("wagtail_tickets.urls")),
    # the REST API, its schema and the customers' "API tokens" page
    path("api/tickets/", include("wagtail_tickets.contrib.api.urls")),
    # article suggestions beside the ticket forms, "was this helpful?" votes
    path("help-centre/", include("wagtail_tickets.contrib.helpcentre.urls")),
]

if settings.DEBUG:
    # Only Wagtail's image folders: ticket attachments are served by the permission-checked
    # download view, never straight from the media folder.
    for folder in ("original_images", "images"):
        urlpatterns += static(
            f"{settings.MEDIA_URL}{folder}/", document_root=settings.MEDIA_ROOT / folder
        )

urlpatterns += [path("", include(wagtail_urls))]
