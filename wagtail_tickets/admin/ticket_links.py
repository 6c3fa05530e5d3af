"""Links into the agent workspace, in one place.

The customer tab, the dashboard panel and the reports link to the inbox, to a ticket's
workspace and to the "new ticket" view by URL name; if the admin screens are not installed
(URL names missing), the links are left out instead of breaking the page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

INBOX_URL_NAME = "wagtail_tickets_inbox:index"
WORKSPACE_URL_NAME = "wagtail_tickets_inbox:edit"
NEW_TICKET_URL_NAME = "wagtail_tickets_inbox:add"


def _reverse(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def workspace_url(ticket_pk: int) -> str:
    """The ticket's page in the admin (whole conversation, notes, actions)."""
    return _reverse(WORKSPACE_URL_NAME, ticket_pk)


def inbox_url(**filters) -> str:
    """The inbox, optionally filtered (e.g. ``assignee=3``); empty values are dropped."""
    url = _reverse(INBOX_URL_NAME)
    query = {key: value for key, value in filters.items() if value not in (None, "")}
    if url and query:
        url = f"{url}?{urlencode(query)}"
    return url


def new_ticket_url(customer_pk=None) -> str:
    """The admin view where an agent opens a ticket on behalf of a customer (D2)."""
    url = _reverse(NEW_TICKET_URL_NAME)
    if url and customer_pk is not None:
        url = f"{url}?{urlencode({'customer': customer_pk})}"
    return url
