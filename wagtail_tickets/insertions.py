"""HTML that other apps put into the package's pages through Wagtail hooks.

The pages render whatever the hooks return and nothing when no app registers one, so an
optional sub-app (such as the help centre) adds to a page without the page knowing it:

- ``insert_ticket_form_html``: ``fn(request, where)`` with ``where`` ``"customer"`` (the
  customer area's new-ticket form) or ``"external"`` (the external page, maybe inside an
  iframe and without cookies); HTML shown below the subject field.
- ``insert_workspace_reply_html``: ``fn(request, ticket)``; HTML shown above the reply
  editor of the agents' workspace.
- ``register_workspace_message_buttons``: ``fn(request, ticket, message)`` returning a list
  of ``MessageButton``; links shown under a message in the workspace.

A hook returns a string made safe by the app (``format_html``, a template) or ``""``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from wagtail import hooks

FORM_PLACES = ("customer", "external")


@dataclass(frozen=True)
class MessageButton:
    label: str
    url: str


def _joined(name: str, *args) -> SafeString:
    parts = [fn(*args) for fn in hooks.get_hooks(name)]
    return mark_safe("".join(str(part) for part in parts if part))


def ticket_form_html(request: HttpRequest, where: str) -> SafeString:
    """What apps add to a new-ticket form (``where``: one of ``FORM_PLACES``)."""
    if where not in FORM_PLACES:
        raise ValueError(f"unknown form place {where!r}")
    return _joined("insert_ticket_form_html", request, where)


def workspace_reply_html(request: HttpRequest, ticket) -> SafeString:
    """What apps add above the workspace's reply editor."""
    return _joined("insert_workspace_reply_html", request, ticket)


def workspace_message_buttons(request: HttpRequest, ticket, message) -> list[MessageButton]:
    """The links apps offer under one message of the workspace."""
    buttons: list[MessageButton] = []
    for fn in hooks.get_hooks("register_workspace_message_buttons"):
        buttons.extend(fn(request, ticket, message) or [])
    return buttons
