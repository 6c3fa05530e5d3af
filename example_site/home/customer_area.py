"""The example site's own entry in the customer-area menu, next to wagtail-tickets' one."""

from __future__ import annotations

from django.http import HttpRequest

from wagtail_tickets.permissions import customer_for


def account_page_url(request: HttpRequest) -> str:
    from .models import AccountPage

    page = AccountPage.objects.live().first()
    return page.get_url(request) if page else "/"


def customer_for_display(user):
    """The user's CRM record, when there is one (shown on the account page)."""
    customer = customer_for(user)
    return None if customer is None or customer == user else customer
