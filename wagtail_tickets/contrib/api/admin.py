"""Admin screens: the signed-in user's API tokens (under their account), webhook endpoints
and the delivery log (Settings), with retry."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import formats
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

from wagtail_tickets.admin import listing
from wagtail_tickets.admin.listing import LocalTimeColumn
from wagtail_tickets.ids import parse_id

from . import tokens, webhooks
from .forms import TokenForm, WebhookEndpointForm
from .models import WebhookDelivery, WebhookEndpoint

State = WebhookDelivery.State


# API tokens of the signed-in user ------------------------------------------------------


def handle_token_post(request) -> tuple[TokenForm, tokens.NewToken | None]:
    """Create or revoke one of the user's own tokens (shared by the admin page and the
    customer area's): ``(form, new token or None)``."""
    user = request.user
    if "revoke" in request.POST:
        pk = parse_id(request.POST.get("revoke"))
        if pk is not None and tokens.revoke_token(user, pk):
            messages.success(request, _("The token is revoked: it no longer works."))
        else:
            messages.error(request, _("There is no such token."))
        return TokenForm(), None
    form = TokenForm(request.POST)
    if form.is_valid():
        if not tokens.may_create(user):
            form.add_error(None, _("You have too many tokens; revoke one first."))
            return form, None
        days = form.cleaned_data["expires"]
        new = tokens.create_token(user, form.cleaned_data["name"], int(days) if days else None)
        return TokenForm(), new
    return form, None


class AccountTokensView(WagtailAdminTemplateMixin, TemplateView):
    """Account > API tokens: make, see and revoke one's own tokens."""

    template_name = "wagtail_tickets_api/admin/tokens.html"
    page_title = gettext_lazy("API tokens")
    header_icon = "key"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("wagtailadmin_account"), "label": _("Account")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", TokenForm())
        context["tokens"] = tokens.active_tokens(self.request.user)
        try:
            context["api_url"] = reverse("wagtail_tickets_api:root")
        except NoReverseMatch:  # the site has not included the API's URLs (yet)
            context["api_url"] = ""
        return context

    def post(self, request):
        form, new = handle_token_post(request)
        if new is None and form.is_bound and form.errors:
            return self.render_to_response(self.get_context_data(form=form))
        if new is None:
            return HttpResponseRedirect(request.path)
        # shown once, in this answer only
        return self.render_to_response(self.get_context_data(form=form, new_token=new))


# Webhook endpoints --------------------------------------------------------------------


def secret_page(request, endpoint: WebhookEndpoint, index_url: str) -> TemplateResponse:
    return TemplateResponse(
        request,
        "wagtail_tickets_api/admin/webhook_secret.html",
        {"endpoint": endpoint, "index_url": index_url, "page_title": endpoint.name},
    )


class WebhookCreateView(generic.CreateView):
    def save_instance(self):
        instance = self.form.save(commit=False)
        instance.secret = webhooks.new_secret()
        instance.save()
        self.form.save_m2m()
        return instance

    def form_valid(self, form):
        super().form_valid(form)
        return secret_page(self.request, self.object, reverse(self.index_url_name))


class WebhookEditView(generic.EditView):
    def save_instance(self):
        was_active = WebhookEndpoint.objects.filter(pk=self.object.pk, active=True).exists()
        instance = self.form.save(commit=False)
        self.rotated = bool(self.form.cleaned_data.get("new_secret"))
        if self.rotated:
            instance.secret = webhooks.new_secret()
        instance.save()
        self.form.save_m2m()
        if instance.active and not was_active:  # switched on again: what waits is sent
            webhooks.resume(instance)
        return instance

    def form_valid(self, form):
        response = super().form_valid(form)
        if getattr(self, "rotated", False):
            return secret_page(self.request, self.object, reverse(self.index_url_name))
        return response


def endpoint_state(endpoint: WebhookEndpoint) -> str:
    if endpoint.active:
        return _("Active")
    if endpoint.paused_at:
        return _("Paused on %(date)s") % {
            "date": formats.date_format(endpoint.paused_at, "SHORT_DATETIME_FORMAT")
        }
    return _("Off")


class WebhookViewSet(ModelViewSet):
    """Settings > Webhooks: where ticket events are sent."""

    model = WebhookEndpoint
    name = "wagtail_tickets_webhooks"
    url_prefix = "ticket-webhooks"
    icon = "link-external"
    menu_label = gettext_lazy("Ticket webhooks")
    add_to_settings_menu = True
    menu_order = 612
    add_view_class = WebhookCreateView
    edit_view_class = WebhookEditView
    copy_view_enabled = False
    add_to_reference_index = False
    list_display = [
        "name",
        "url",
        StatusTagColumn(
            "active",
            label=gettext_lazy("state"),
            accessor=lambda endpoint: endpoint_state(endpoint),
            primary=lambda endpoint: endpoint.active,
        ),
        Column(
            "pause_reason",
            label=gettext_lazy("pause reason"),
            accessor=lambda endpoint: endpoint.pause_reason if not endpoint.active else "",
        ),
    ]
    search_fields = None
    ordering = ["name", "pk"]

    def get_form_class(self, for_update=False):
        return WebhookEndpointForm


# The delivery log ----------------------------------------------------------------------


class DeliveryIndexView(listing.IndexView):
    def get_edit_url(self, instance):
        return self.get_inspect_url(instance)

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.permission_policy.user_has_permission(self.request.user, "change"):
            buttons.append(
                HeaderButton(
                    _("Retry all failed"),
                    url=reverse(DeliveryViewSet.name + ":retry_all"),
                    icon_name="rotate",
                )
            )
        return buttons

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("endpoint")


class DeliveryInspectView(generic.InspectView):
    template_name = "wagtail_tickets_api/admin/delivery_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["delivery"] = self.object
        context["retry_url"] = reverse(DeliveryViewSet.name + ":retry", args=[self.object.pk])
        context["can_retry"] = self.object.state == State.FAILED and (
            self.permission_policy.user_has_permission(self.request.user, "change")
        )
        return context


class RetryDeliveryView(View):
    """POST: make a failed delivery due now and queue it."""

    http_method_names = ["post"]

    def post(self, request, pk):
        if not ModelPermissionPolicy(WebhookDelivery).user_has_permission(request.user, "change"):
            raise PermissionDenied
        delivery = get_object_or_404(WebhookDelivery, pk=pk)
        count = webhooks.retry_now([delivery.pk])
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d delivery will be tried again.",
                    "%(count)d deliveries will be tried again.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.warning(request, _("Only a failed delivery can be retried."))
        return HttpResponseRedirect(reverse(DeliveryViewSet.name + ":inspect", args=[pk]))


class RetryAllFailedView(WagtailAdminTemplateMixin, TemplateView):
    """GET: how many failed deliveries there are; POST: make them all due now."""

    template_name = "wagtail_tickets_api/admin/retry_all.html"
    page_title = gettext_lazy("Retry all failed deliveries")
    header_icon = "rotate"
    http_method_names = ["get", "post"]

    def dispatch(self, request, *args, **kwargs):
        if not ModelPermissionPolicy(WebhookDelivery).user_has_permission(request.user, "change"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse(DeliveryViewSet.name + ":index"),
                "label": DeliveryViewSet.menu_label,
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        failed = WebhookDelivery.objects.filter(state=State.FAILED)
        context["count"] = failed.filter(endpoint__active=True).count()
        context["inactive_count"] = failed.filter(endpoint__active=False).count()
        context["index_url"] = reverse(DeliveryViewSet.name + ":index")
        return context

    def post(self, request):
        count = webhooks.retry_all_failed()
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d delivery will be tried again.",
                    "%(count)d deliveries will be tried again.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.warning(request, _("There are no failed deliveries to retry."))
        return HttpResponseRedirect(reverse(DeliveryViewSet.name + ":index"))


class DeliveryViewSet(listing.ReadOnlyLogViewSet):
    """Settings > Webhook deliveries: read-only, with retry."""

    model = WebhookDelivery
    name = "wagtail_tickets_webhook_deliveries"
    url_prefix = "ticket-webhook-deliveries"
    icon = "list-ul"
    menu_label = gettext_lazy("Ticket webhook deliveries")
    menu_order = 613
    index_view_class = DeliveryIndexView
    inspect_view_class = DeliveryInspectView
    list_display = [
        # a field name first: Wagtail makes it the title column, a link to the delivery
        "ticket_number",
        Column("event", label=gettext_lazy("Event"), accessor="get_event_display"),
        Column("endpoint", label=gettext_lazy("Webhook")),
        StatusTagColumn(
            "state",
            label=gettext_lazy("Status"),
            accessor="get_state_display",
            primary=lambda delivery: delivery.state == State.DELIVERED,
        ),
        Column("attempts", label=gettext_lazy("Attempts")),
        Column("response_status", label=gettext_lazy("Response status")),
        LocalTimeColumn("next_attempt_at", label=gettext_lazy("Next attempt")),
        LocalTimeColumn("created_at", label=gettext_lazy("Created"), sort_key="created_at"),
    ]
    list_filter = ["state", "event", "endpoint"]
    search_fields = None
    ordering = ["-created_at", "-pk"]
    inspect_view_fields = [
        "endpoint", "event", "ticket_number", "state", "attempts", "next_attempt_at",
        "response_status", "response_body", "last_error", "created_at", "delivered_at",
        "payload",
    ]  # fmt: skip

    def get_urlpatterns(self):
        return [
            *self.log_urlpatterns(),
            path("<int:pk>/retry/", RetryDeliveryView.as_view(), name="retry"),
            path("retry-failed/", RetryAllFailedView.as_view(), name="retry_all"),
        ]
