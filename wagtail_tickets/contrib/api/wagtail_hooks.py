"""Wagtail hooks of the API sub-app: the token pages (admin account, customer area) and
the webhook screens."""

from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from wagtail_tickets.customer_area import MenuItem


@hooks.register("register_admin_urls")
def register_api_token_urls():
    from .admin import AccountTokensView

    return [
        path("ticket-api-tokens/", AccountTokensView.as_view(), name="wagtail_tickets_api_tokens")
    ]


@hooks.register("register_account_menu_item")
def register_api_tokens_account_item(request):
    return {
        "url": reverse("wagtail_tickets_api_tokens"),
        "label": _("API tokens"),
        "help_text": _("Tokens that let other programs use the tickets API as you."),
    }


@hooks.register("register_admin_viewset")
def register_webhook_viewsets():
    from .admin import DeliveryViewSet, WebhookViewSet

    return [WebhookViewSet(), DeliveryViewSet()]


def tokens_page_url() -> str:
    """The customer area's token page; ``""`` when the site has not included the API's
    URLs (then the menu leaves the item out)."""
    try:
        return reverse("wagtail_tickets_api:account_tokens")
    except NoReverseMatch:
        return ""


@hooks.register("register_customer_area_menu_item")
def register_api_tokens_menu_item():
    return MenuItem(
        label=_("API tokens"),
        url=lambda request: tokens_page_url(),
        name="api_tokens",
        order=900,
        is_shown=lambda request: request.user.is_authenticated and bool(tokens_page_url()),
    )
