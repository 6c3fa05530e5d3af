"""URLs put into mail, pages and API payloads, in one place.

Links are made from URL names (``reverse``), never by importing views, so the notifier, the
admin screens and the views can all use this module without importing each other. A URL
name that is not installed (the host left out the admin screens or the customer area's
URLs) gives an empty link instead of an error: the mail or page leaves the link out.

- the customer area: a ticket's page;
- the external page: a ticket's private link (``#ticket=<token>`` on the host's page when an
  alternative URL is set; the token sits in the fragment, which browsers never send to a
  server or in a ``Referer``);
- the admin: the inbox, a ticket's workspace, "new ticket" for a customer.

Paths are relative; ``absolute`` puts ``BASE_URL`` in front for mail.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from . import permissions
from .conf import app_settings
from .external.token import issue_token
from .models import ExternalPageSettings, Ticket
from .notifications.tokens import make_rating_token

DETAIL_URL_NAME = "wagtail_tickets:detail"
EXTERNAL_TICKET_URL_NAME = "wagtail_tickets:external_ticket"
INBOX_URL_NAME = "wagtail_tickets_inbox:index"
WORKSPACE_URL_NAME = "wagtail_tickets_inbox:edit"
NEW_TICKET_URL_NAME = "wagtail_tickets_inbox:add"
RATE_URL_NAME = "wagtail_tickets:rate"


def _reverse(name: str, *args) -> str:
    """The path of a URL name, or ``""`` when it is not installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def absolute(path: str) -> str:
    """``BASE_URL`` in front of a path (mail has no request to take the host from)."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return app_settings.BASE_URL + path


def site_base_url(request: HttpRequest | None = None) -> str:
    """``scheme://host`` of this site: from the request, else ``BASE_URL``."""
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return app_settings.BASE_URL


# --- the customer area -------------------------------------------------------------------


def customer_ticket_url(ticket: Ticket) -> str:
    """The ticket's page in the customer area (a path)."""
    return _reverse(DETAIL_URL_NAME, ticket.number)


def rating_url(ticket: Ticket, score: str) -> str:
    """The signed page where the requester confirms a rating of ``score`` (a path; the
    link of a rating request mail). Opening it rates nothing: its form does."""
    return _reverse(RATE_URL_NAME, make_rating_token(ticket.pk), score)


# --- the external page -------------------------------------------------------------------


def private_url(
    token: str, page: ExternalPageSettings | None = None, request: HttpRequest | None = None
) -> str:
    """The address of a private link, as the visitor should open it (absolute)."""
    page = page or ExternalPageSettings.load()
    if page.alternative_url:
        return f"{page.alternative_url.split('#', 1)[0]}#ticket={token}"
    return site_base_url(request) + reverse(EXTERNAL_TICKET_URL_NAME, kwargs={"token": token})


def external_link(
    ticket: Ticket, request: HttpRequest | None = None, *, token: str = ""
) -> str | None:
    """The ``{LINK}`` of mail about a ticket opened without an account: a private link,
    ``token`` when the ticket's opener already attached one (``open_ticket(link_token=)``),
    else issued now (every link sent stays valid). ``None`` for tickets of an account, or
    when the external page is switched off."""
    if ticket.requester_id is not None:
        return None
    page = ExternalPageSettings.load()
    if not permissions.external_page_open(page):
        return None
    return private_url(token or issue_token(ticket), page, request)


# --- the admin ---------------------------------------------------------------------------


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


def new_ticket_url(customer_pk=None, back: str = "") -> str:
    """The admin view where an agent opens a ticket on behalf of a customer; ``back`` is
    the page its "Cancel" returns to (the view accepts only a page of this site)."""
    url = _reverse(NEW_TICKET_URL_NAME)
    query = {}
    if customer_pk is not None:
        query["customer"] = customer_pk
    if back:
        query["next"] = back
    if url and query:
        url = f"{url}?{urlencode(query)}"
    return url
