"""Adds "Overview" (the account page) to the customer-area menu: how a host site puts its
own pages beside "My Tickets"."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from wagtail_tickets.customer_area import MenuItem

from .customer_area import account_page_url


@hooks.register("register_customer_area_menu_item")
def register_overview_menu_item():
    return MenuItem(
        label=_("Overview"),
        url=account_page_url,
        name="overview",
        order=10,
    )
