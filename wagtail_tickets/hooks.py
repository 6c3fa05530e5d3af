"""Every Wagtail hook registration of wagtail-tickets, one function per hook."""

from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.contrib.settings.registry import register_setting

from .admin import relation_log
from .admin.choosers import requester_chooser_viewset
from .admin.config import TicketSetupGroup
from .admin.ticket_viewset import TicketViewSet
from .customer_area import MenuItem
from .models import MailSettings, Ticket, TicketLogEntry, TicketSettings

FIELD_ERRORS_JS = "wagtail_tickets/admin/js/field_errors.js"


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
    relation_log.register_log_actions(actions)
    actions.register_action("wagtail_tickets.rated", _("Rate ticket"), _("Ticket rated"))


@hooks.register("register_group_permission_panel")
def register_ticket_type_permission_panel():
    """The "Ticket types" levels on Wagtail's group edit page (Settings > Groups)."""
    from .admin.permission_panel import TicketTypePermissionFormSet

    return TicketTypePermissionFormSet


@hooks.register("register_customer_area_menu_item")
def register_my_tickets_menu_item():
    return MenuItem(
        label=_("My Tickets"),
        url=lambda request: reverse("wagtail_tickets:my_tickets"),
        name="my_tickets",
        order=100,
        active_prefix=lambda request: reverse("wagtail_tickets:my_tickets"),
    )


def _accounts_url(name: str) -> str:
    """The path of an account page, or ``""`` when the site has not included
    ``wagtail_tickets.accounts.urls``."""
    try:
        return reverse(f"wagtail_tickets_accounts:{name}")
    except NoReverseMatch:
        return ""


def _account_item(name: str, label, order: int, signed_in: bool) -> MenuItem:
    """An item of the package's account pages, shown only on sites that include them."""
    return MenuItem(
        label=label,
        url=lambda request: _accounts_url(name),
        name=name,
        order=order,
        is_shown=lambda request: (
            request.user.is_authenticated is signed_in and bool(_accounts_url(name))
        ),
    )


def _account_page_prefix(request) -> str:
    """The account item is current on the account page and the password change, not on
    the log-out page below the same path."""
    if request.path in (_accounts_url("account"), _accounts_url("password_change")):
        return request.path
    return "\x00"  # no path starts with it


@hooks.register("register_customer_area_menu_item")
def register_account_menu_item():
    item = _account_item("account", _("Your account"), 900, signed_in=True)
    item.active_prefix = _account_page_prefix
    return item


@hooks.register("register_customer_area_menu_item")
def register_logout_menu_item():
    return _account_item("logout", _("Log out"), 1000, signed_in=True)


@hooks.register("register_customer_area_menu_item")
def register_login_menu_item():
    return _account_item("login", _("Log in"), 1000, signed_in=False)


@hooks.register("insert_global_admin_js")
def tie_field_errors_to_fields():
    """Names each form error in its field's ``aria-describedby`` (Wagtail's fields do not)."""
    return format_html('<script src="{}" defer></script>', static(FIELD_ERRORS_JS))


@hooks.register("register_admin_viewset")
def register_ticket_inbox():
    return TicketViewSet()


@hooks.register("register_admin_viewset")
def register_ticket_setup():
    return TicketSetupGroup()


@hooks.register("register_admin_viewset")
def register_service_levels():
    """Service levels: SLA policies, business-hours calendars, customer tiers."""
    from .admin.sla import ServiceLevelGroup

    return ServiceLevelGroup()


@hooks.register("register_admin_viewset")
def register_requester_chooser():
    return requester_chooser_viewset


@hooks.register("register_admin_viewset")
def register_incoming_mail():
    """Incoming mail: the types' IMAP mailboxes and the quarantine."""
    from .admin.mailboxes import IncomingMailGroup

    return IncomingMailGroup()


register_setting(TicketSettings, icon="cog")
register_setting(MailSettings, icon="mail")


@hooks.register("register_admin_viewset")
def register_email_templates_and_outbox():
    from .admin.email_templates import EmailTemplateViewSet
    from .admin.outbox import OutboxViewSet

    return [EmailTemplateViewSet(), OutboxViewSet()]


# Customer tab, reports and dashboard panel ------------------------------------------


@hooks.register("register_admin_viewset", order=10_000)
def install_customer_tickets_tab():
    """Runs last while Wagtail registers viewsets and before it builds their URLs, so the
    customer snippet's edit view (registered either way) gets the tab in its edit handler."""
    from .admin import customer_tab

    customer_tab.install_snippet_customer_tab()
    return []


@hooks.register("register_admin_urls")
def register_customer_tab_and_report_urls():
    from .admin import customer_tab, reports

    return [*reports.get_urls(), *customer_tab.get_urls()]


@hooks.register("register_admin_urls")
def register_personal_data_urls():
    from .admin import privacy

    return privacy.get_urls()


@hooks.register("register_settings_menu_item")
def register_personal_data_menu_item():
    from .admin import privacy

    return privacy.menu_item()


@hooks.register("before_delete_user")
def ask_about_tickets_before_deleting_a_user(request, user):
    from .admin import privacy

    return privacy.before_delete_user(request, user)


@hooks.register("register_reports_menu_item")
def register_ticket_reports_menu_item():
    from .admin import reports

    return reports.menu_item()


@hooks.register("register_snippet_listing_buttons")
def register_customer_tickets_snippet_button(snippet, user, next_url=None):
    from .admin import customer_tab

    return customer_tab.tickets_listing_buttons(snippet, user)


@hooks.register("register_user_listing_buttons")
def register_customer_tickets_user_button(user, request_user):
    from .admin import customer_tab

    return customer_tab.tickets_listing_buttons(user, request_user)


@hooks.register("construct_homepage_panels")
def add_mailbox_sign_in_panel(request, panels):
    """Mailboxes whose OAuth2 sign-in the provider refused."""
    from .admin.mailboxes import sign_in_panel

    panel = sign_in_panel(request)
    if panel is not None:
        panels.append(panel)


@hooks.register("construct_homepage_panels")
def add_tickets_dashboard_panel(request, panels):
    from .admin import dashboard

    panel = dashboard.dashboard_panel(request)
    if panel is not None:
        panels.append(panel)
