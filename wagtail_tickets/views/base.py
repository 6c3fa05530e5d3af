"""What every customer-area view shares: login, the site's frame, the access-denied page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .. import permissions
from ..conf import app_settings
from ..models import Ticket

NUMBER_MAX_LENGTH = Ticket._meta.get_field("number").max_length


def render_customer(
    request: HttpRequest, template: str, context: dict | None = None, status: int = 200
) -> HttpResponse:
    """Render a customer-area page inside the site template chosen by
    ``CUSTOMER_BASE_TEMPLATE``."""
    context = dict(context or {})
    context["wagtail_tickets_base_template"] = app_settings.CUSTOMER_BASE_TEMPLATE
    return render(request, template, context, status=status)


def access_denied(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A clear page saying what is not allowed, answered with 403."""
    return render_customer(
        request, "wagtail_tickets/customer/access_denied.html", {"reason": reason}, status=403
    )


def customer_view(view: Callable) -> Callable:
    """Login required (redirect to ``LOGIN_URL``); a refused action answers with the
    access-denied page instead of a bare 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            return access_denied(request)

    return login_required(wrapper)


def get_customer_ticket(request: HttpRequest, number: str) -> Ticket:
    """A ticket the user sees in the customer area, or 404 (never someone else's data).
    A number no ticket can have (control characters, NUL, too long) is 404 before any
    database sees it."""
    if not number or len(number) > NUMBER_MAX_LENGTH or not number.isprintable():
        raise Http404
    return get_object_or_404(
        permissions.customer_tickets(request.user).select_related(
            "ticket_type", "status", "priority"
        ),
        number=number,
    )


# a page of a conversation: long tickets (hundreds of messages) open on their latest page
MESSAGES_PER_PAGE = 50


def conversation_page(request: HttpRequest, messages: QuerySet) -> Page:
    """The requested page of ``messages`` (oldest first), the latest page by default."""
    paginator = Paginator(messages.order_by("created_at", "pk"), MESSAGES_PER_PAGE)
    return paginator.get_page(request.GET.get("page") or paginator.num_pages)
