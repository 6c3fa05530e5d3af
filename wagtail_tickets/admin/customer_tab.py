"""The "Customer tickets" tab on the customer record in the admin.

Hosts do not change their panels: at startup the edit handler of the customer model's
snippet viewset is wrapped, so its edit view gets one more tab listing the customer's
tickets (the ones the viewing agent may see), each linking to the ticket's workspace, and a
button to open a new ticket for the customer. The same panel serves the wagtail-modeladmin
integration (``wagtail_tickets.contrib.modeladmin``) and, when the customer model is the user
model, a standalone page linked from the users listing (Wagtail's user editor has no panels).
``WAGTAIL_TICKETS["CUSTOMER_TAB"] = False`` turns all of it off.
"""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms import Media
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, include, path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.panels import ObjectList, Panel, PanelGroup, TabbedInterface
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button, HeaderButton

from .. import permissions
from ..compat import attach_model_edit_handler
from ..conf import app_settings, get_customer_model
from ..ids import parse_id
from ..links import new_ticket_url, workspace_url
from ..pagination import BoundedPaginator

TAB_HEADING = _("Customer tickets")
PAGE_PARAM = "tickets_page"
PAGE_SIZE = 20


def is_customer_model(model) -> bool:
    """Whether ``model`` (or a proxy of it) is the configured customer model."""
    return model._meta.concrete_model is get_customer_model()._meta.concrete_model


TAB_ID = "customer_tickets"


def tab_anchor() -> str:
    """The fragment Wagtail's tabs open from the URL."""
    return f"#tab-{TAB_ID}"


def customer_tickets_context(request: HttpRequest, customer) -> dict:
    """One page of the customer's tickets that the user may see: two queries (count and
    page) whatever the number of tickets, plus the user's cached type levels."""
    tickets = (
        permissions.agent_tickets(request.user)
        .filter(customer=customer)
        .select_related("status", "ticket_type", "priority", "assignee")
        .order_by("-updated_at", "-pk")
    )
    page = BoundedPaginator(tickets, PAGE_SIZE).get_page(request.GET.get(PAGE_PARAM))
    rows = [(ticket, workspace_url(ticket.pk)) for ticket in page.object_list]
    return {
        "customer": customer,
        "page": page,
        "rows": rows,
        "page_param": PAGE_PARAM,
        "anchor": tab_anchor(),
        "new_ticket_url": new_ticket_url(customer.pk, back=request.get_full_path() + tab_anchor()),
    }


class CustomerTicketsPanel(Panel):
    """A read-only panel: the customer's tickets, paginated. It adds no form fields."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_tickets/admin/customer_tab/panel.html"

        def is_shown(self) -> bool:
            return (
                app_settings.CUSTOMER_TAB
                and self.instance is not None
                and self.instance.pk is not None
                and self.request is not None
                and permissions.is_agent(self.request.user)
            )

        def show_panel_furniture(self) -> bool:
            return self.is_shown()

        @property
        def media(self) -> Media:
            return Media(css={"all": ["wagtail_tickets/admin/customer_tab.css"]})

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context.update(customer_tickets_context(self.request, self.instance))
            return context


class CustomerTicketsTab(ObjectList):
    """The tab; its identifier (``#tab-customer_tickets``) stays the same in every language,
    where Wagtail would derive it from the translated heading."""

    @property
    def clean_name(self) -> str:
        return TAB_ID


def customer_tickets_tab() -> ObjectList:
    return CustomerTicketsTab([CustomerTicketsPanel(heading=_("Tickets"))], heading=TAB_HEADING)


def has_customer_tab(edit_handler: Panel) -> bool:
    return isinstance(edit_handler, TabbedInterface) and any(
        isinstance(panel, CustomerTicketsPanel)
        for tab in edit_handler.children
        for panel in getattr(tab, "children", ())
    )


def with_customer_tab(edit_handler: Panel, model) -> Panel:
    """A copy of ``edit_handler`` with the customer tickets tab appended, bound to
    ``model``. A single list of panels becomes the first tab, named after the model."""
    if has_customer_tab(edit_handler):
        return edit_handler if edit_handler.model is model else edit_handler.bind_to_model(model)
    if isinstance(edit_handler, TabbedInterface):
        kwargs = edit_handler.clone_kwargs()
        kwargs["children"] = [*edit_handler.children, customer_tickets_tab()]
        return type(edit_handler)(**kwargs).bind_to_model(model)
    if isinstance(edit_handler, PanelGroup):
        first_kwargs = edit_handler.clone_kwargs()
        base_form_class = first_kwargs.pop("base_form_class", None)
        first_kwargs["heading"] = first_kwargs.get("heading") or capfirst(model._meta.verbose_name)
        first = type(edit_handler)(**first_kwargs)
    else:
        base_form_class = edit_handler.base_form_class
        first = ObjectList([edit_handler], heading=capfirst(model._meta.verbose_name))
    return TabbedInterface(
        [first, customer_tickets_tab()], base_form_class=base_form_class
    ).bind_to_model(model)


def install_snippet_customer_tab() -> bool:
    """Wrap the customer snippet viewset's edit handler once (called before the admin
    builds its URLs, i.e. before views take the edit handler). Returns whether it did."""
    if not app_settings.CUSTOMER_TAB:
        return False
    model = get_customer_model()
    viewset = getattr(model, "snippet_viewset", None)
    if viewset is None or getattr(viewset, "_wagtail_tickets_tab", False):
        return False
    original = viewset.get_edit_handler

    def get_edit_handler():
        return with_customer_tab(original(), viewset.model)

    viewset.get_edit_handler = get_edit_handler
    viewset.__dict__.pop("_edit_handler", None)  # drop a cached copy, if any
    attach_model_edit_handler(viewset)
    viewset._wagtail_tickets_tab = True
    return True


def customer_edit_url(customer) -> str:
    """The customer record's snippet edit view, or "" if it is not a snippet."""
    viewset = getattr(type(customer), "snippet_viewset", None)
    if viewset is None:
        return ""
    try:
        return reverse(viewset.get_url_name("edit"), args=[quote(customer.pk)])
    except NoReverseMatch:
        return ""


def customer_page_url(customer) -> str:
    """Where an agent reads a customer's tickets: the tab of the snippet edit view, else the
    standalone page."""
    edit_url = customer_edit_url(customer)
    if edit_url:
        return edit_url + tab_anchor()
    return reverse("wagtail_tickets_customer_tickets:index", args=[quote(customer.pk)])


def tickets_listing_buttons(obj, user) -> list[Button]:
    """The "Tickets" entry of a customer row in a listing (agents only)."""
    if not app_settings.CUSTOMER_TAB or not isinstance(obj, models.Model):
        return []
    if not is_customer_model(type(obj)) or not permissions.is_agent(user):
        return []
    return [
        Button(
            label=_("Tickets"),
            url=customer_page_url(obj),
            icon_name="mail",
            attrs={"aria-label": _("Tickets of '%(title)s'") % {"title": str(obj)}},
            priority=35,
        )
    ]


def customer_pk(model, raw: str):
    """The primary key in a URL: an integer one by the rule of ``ids.parse_id`` (no other
    script's digits, nothing past 64 bits), any other kind by its field and without
    control characters (PostgreSQL refuses a NUL in a query); else 404."""
    field = model._meta.pk
    if isinstance(field, models.IntegerField):
        pk = parse_id(raw)
        if pk is None:
            raise Http404
        return pk
    if not raw.isprintable():
        raise Http404
    try:
        return field.to_python(raw)
    except ValidationError as exc:
        raise Http404 from exc


class CustomerTicketsView(WagtailAdminTemplateMixin, TemplateView):
    """The customer's tickets on a page of their own, for customer models without panels
    (the user model: Wagtail's user editor has fixed tabs)."""

    template_name = "wagtail_tickets/admin/customer_tab/page.html"
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not app_settings.CUSTOMER_TAB or not permissions.is_agent(request.user):
            raise PermissionDenied
        model = get_customer_model()
        self.customer = get_object_or_404(
            model._default_manager, pk=customer_pk(model, kwargs["pk"])
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return TAB_HEADING

    def get_page_subtitle(self):
        return str(self.customer)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_header_title()}]

    def get_header_buttons(self):
        buttons = super().get_header_buttons()
        url = new_ticket_url(self.customer.pk, back=self.request.get_full_path())
        if url:
            buttons.append(
                HeaderButton(label=_("New ticket for this customer"), url=url, icon_name="plus")
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(customer_tickets_context(self.request, self.customer))
        context["anchor"] = ""
        context["edit_url"] = customer_edit_url(self.customer)
        return context


def get_urls() -> list:
    """Admin URLs of this module (mounted by ``hooks.register_admin_urls``)."""
    patterns = [path("<str:pk>/", CustomerTicketsView.as_view(), name="index")]
    return [path("ticket-customers/", include((patterns, "wagtail_tickets_customer_tickets")))]
