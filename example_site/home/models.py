"""Pages of the example site: a home page and the protected customer area's start page."""

from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from .customer_area import customer_for_display


class HomePage(Page):
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["home.AccountPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")


class AccountPage(Page):
    """The start page of the protected customer area: only logged-in users see it; its
    navigation lists the customer-area menu, where wagtail-tickets adds "My Tickets"."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types: list = []
    max_count = 1

    class Meta:
        verbose_name = _("customer area page")

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["customer"] = customer_for_display(request.user)
        return context
