"""Links to the external page, for pages and for mail.

A ticket opened without an account can only be followed through a private link, so mail
about it links there (``{LINK}``). With an alternative URL set (the page of the host's
website that embeds the external page), links point to that page with ``#ticket=<token>``;
the snippet of the docs passes the token on to the iframe. The token sits in the fragment,
which browsers never send to a server or in a ``Referer``.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from ..conf import app_settings
from ..models import ExternalPageSettings, Ticket
from .token import issue_token


def site_base_url(request: HttpRequest | None = None) -> str:
    """``scheme://host`` of this site: from the request, else ``BASE_URL`` (the one mail
    links use everywhere)."""
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return app_settings.BASE_URL


def private_url(
    token: str, page: ExternalPageSettings | None = None, request: HttpRequest | None = None
) -> str:
    """The address of a private link, as the visitor should open it."""
    page = page or ExternalPageSettings.load()
    if page.alternative_url:
        return f"{page.alternative_url.split('#', 1)[0]}#ticket={token}"
    path = reverse("wagtail_tickets:external_ticket", kwargs={"token": token})
    return site_base_url(request) + path


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
    if not page.enabled:
        return None
    return private_url(token or issue_token(ticket), page, request)
