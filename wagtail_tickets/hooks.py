"""Every Wagtail hook registration of wagtail-tickets, one function per hook."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .customer_area import MenuItem
from .models import Ticket, TicketLogEntry


@hooks.register("register_log_actions")
def register_ticket_log_actions(actions):
    actions.register_model(Ticket, TicketLogEntry)
    actions.register_action("wagtail_tickets.opened", _("Open ticket"), _("Ticket opened"))
    actions.register_action("wagtail_tickets.reply", _("Reply"), _("Reply added"))
    actions.register_action("wagtail_tickets.note", _("Internal note"), _("Internal note added"))
    actions.register_action("wagtail_tickets.changed", _("Change ticket"), _("Ticket changed"))
    actions.register_action("wagtail_tickets.closed", _("Close ticket"), _("Ticket closed"))
    actions.register_action("wagtail_tickets.reopened", _("Reopen ticket"), _("Ticket reopened"))
    actions.register_action("wagtail_tickets.deleted", _("Delete ticket"), _("Ticket deleted"))


@hooks.register("register_customer_area_menu_item")
def register_my_tickets_menu_item():
    return MenuItem(
        label=_("My Tickets"),
        url=lambda request: reverse("wagtail_tickets:my_tickets"),
        name="my_tickets",
        order=100,
        active_prefix=lambda request: reverse("wagtail_tickets:my_tickets"),
    )
