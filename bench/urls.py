"""The example site's URLs and one page of the benchmark's own: Wagtail's admin frame
(sidebar, header and nothing in it), measured beside the scenarios as the floor every
admin page stands on."""

from django.urls import include, path
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin


class AdminFrameView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "wagtailadmin/generic/base.html"
    page_title = "Benchmark reference"


@hooks.register("register_admin_urls")
def register_admin_frame():
    # registered before the admin's URLs are built (they are imported below)
    return [path("bench-frame/", AdminFrameView.as_view(), name="bench_admin_frame")]


from example_site.urls import urlpatterns as site_urlpatterns  # noqa: E402

# the REST API, before the site's own pages (Wagtail's catch-all is last there)
urlpatterns = [
    path("api/tickets/", include("wagtail_tickets.contrib.api.urls")),
    *site_urlpatterns,
]
