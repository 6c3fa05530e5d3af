"""Template tags of wagtail-tickets: the customer-area menu and display helpers.

``{% load wagtail_tickets_tags %}`` then ``{% customer_area_menu %}`` in the site's
protected-area navigation; the markup comes from ``wagtail_tickets/customer/menu.html``
(override it, or pass ``template="..."``).
"""

from __future__ import annotations

import re

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .. import colours, display, insertions
from ..customer_area import build_menu
from ..pagination import show_count
from ..sanitize import split_quoted_history

register = template.Library()

DEFAULT_COLOUR = "#5c6f7e"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@register.simple_tag(takes_context=True)
def customer_area_menu(context, template: str = "wagtail_tickets/customer/menu.html") -> SafeString:
    """The items of the protected customer area, computed for this request."""
    request = context.get("request")
    if request is None:
        return SafeString("")
    items = build_menu(request)
    if not items:
        return SafeString("")
    return render_to_string(template, {"items": items, "request": request})


@register.filter
def wt_count(value) -> str:
    """A count for display: "1,234", or "2,000+" when counting stopped at a limit."""
    return show_count(value or 0)


@register.filter
def wt_date(value, form: str = "") -> str:
    """A date (or a moment's local day) in the active language's short format, as in
    tables; ``|wt_date:"long"`` for a date inside a sentence."""
    return display.show_date(value, long=form == "long")


@register.filter
def wt_datetime(value) -> str:
    """A moment in the current time zone, in the active language's short format."""
    return display.show_datetime(value)


@register.filter
def safe_colour(value: str) -> str:
    """An administrator's ``#rrggbb`` colour, or a neutral one if it is anything else
    (the value ends up in a ``style`` attribute)."""
    value = str(value or "")
    return value if _COLOUR.match(value) else DEFAULT_COLOUR


@register.filter
def wt_described(field) -> SafeString:
    """Render a bound field's widget with ``aria-describedby`` naming its error list and
    help text (the ids ``<auto_id>_errors`` and ``<auto_id>_helptext`` of our field
    templates), so a screen reader reads the error with the field."""
    ids = []
    if field.errors:
        ids.append(f"{field.auto_id}_errors")
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if not ids or not field.auto_id:
        return field.as_widget()
    return field.as_widget(attrs={"aria-describedby": " ".join(ids)})


@register.filter
def wt_text_colour(value: str) -> str:
    """Black or white text for an administrator's colour, whichever contrasts more
    (``colours.text_colour_on``): at least 4.5:1 whatever colour was chosen."""
    return colours.text_colour_on(safe_colour(value))


@register.inclusion_tag("wagtail_tickets/customer/includes/status_badge.html")
def status_badge(status) -> dict:
    """The customer's view of a status: the one phrase that says whose turn it is ("With
    us", "Waiting for your answer", "Closed"), coloured by that meaning. The internal
    name and colour of the status are the team's and never shown here."""
    return {"label": status.customer_label, "state": status.customer_state}


@register.simple_tag
def message_body(message) -> SafeString:
    """A message's sanitised HTML; for mail, the quoted history of earlier messages is
    folded into a "Show quoted text" element (it stays complete)."""
    body = message.body_html or ""
    if getattr(message, "source", "") != "email":
        return mark_safe(body)  # sanitised when stored (actions -> sanitize.clean_html)
    head, quoted = split_quoted_history(body)
    if not quoted:
        return mark_safe(body)
    return format_html(
        '{}<details class="wt-quoted"><summary>{}</summary>{}</details>',
        mark_safe(head),
        _("Show quoted text"),
        mark_safe(quoted),
    )


@register.simple_tag(takes_context=True)
def ticket_form_extras(context, where: str) -> SafeString:
    """What other apps add below the subject of a new-ticket form (``insertions``);
    nothing when none does."""
    request = context.get("request")
    if request is None:
        return SafeString("")
    return insertions.ticket_form_html(request, where)


@register.simple_tag(takes_context=True)
def workspace_reply_extras(context, ticket) -> SafeString:
    """What other apps add above the workspace's reply editor (``insertions``)."""
    request = context.get("request")
    if request is None:
        return SafeString("")
    return insertions.workspace_reply_html(request, ticket)


@register.simple_tag(takes_context=True)
def workspace_message_buttons(context, ticket, message) -> list:
    """Links other apps offer under a message of the workspace (``insertions``)."""
    request = context.get("request")
    if request is None:
        return []
    return insertions.workspace_message_buttons(request, ticket, message)
