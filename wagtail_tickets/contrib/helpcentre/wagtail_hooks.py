"""Wagtail hooks of the help centre: the suggestion box of the ticket forms, the agents'
article tools in the workspace, the admin URLs and the report's menu item."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from wagtail import hooks

from wagtail_tickets.insertions import MessageButton

from . import admin


def public_urls() -> dict[str, str] | None:
    """The suggestion and count URLs, or ``None`` when the site has not included
    ``wagtail_tickets.contrib.helpcentre.urls`` (then the forms show nothing)."""
    try:
        return {
            "suggest": reverse("wagtail_tickets_helpcentre:suggest"),
            "answered": reverse("wagtail_tickets_helpcentre:answered"),
        }
    except NoReverseMatch:
        return None


@hooks.register("insert_ticket_form_html")
def suggestion_box(request, where: str) -> str:
    urls = public_urls()
    if urls is None:
        return ""
    return render_to_string(
        "wagtail_tickets/helpcentre/suggestions.html",
        {"urls": urls, "source": where, "request": request},
    )


@hooks.register("insert_workspace_reply_html")
def article_link_tool(request, ticket) -> str:
    return render_to_string(
        "wagtail_tickets/helpcentre/admin/insert_article.html",
        {
            "link_url": reverse("wagtail_tickets_helpcentre_admin:article_link", args=[0]),
            "request": request,
        },
    )


@hooks.register("register_workspace_message_buttons")
def article_from_message_button(request, ticket, message) -> list[MessageButton]:
    """Answers of the team (replies and notes) can become draft articles."""
    if not message.is_staff:
        return []
    return [
        MessageButton(
            label=_("Turn into help article"),
            url=reverse("wagtail_tickets_helpcentre_admin:article_from_message", args=[message.pk]),
        )
    ]


@hooks.register("register_admin_urls")
def register_help_centre_admin_urls():
    return admin.get_urls()


@hooks.register("register_reports_menu_item")
def register_help_centre_report_menu_item():
    return admin.report_menu_item()


@hooks.register("tickets_demo_data")
def demo_help_centre() -> str:
    from .demo import ensure_help_centre

    return ensure_help_centre()
