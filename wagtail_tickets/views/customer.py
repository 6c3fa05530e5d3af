"""The logged-in customer area: My Tickets, new ticket, the ticket page with
reply / close / delete, and the display-name profile.

Every ticket is fetched through ``permissions.customer_tickets`` (outside it: 404) and every
change goes through ``actions`` (refused: the access-denied page; invalid: a form error and
nothing saved).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from .. import actions, permissions, uploads
from ..conf import app_settings
from ..forms import NewTicketForm, ProfileForm, ReplyForm
from ..models import Ticket, TicketProfile
from ..models.tickets import display_name_for
from ..pagination import AtLeast, BoundedPaginator, bounded_counts
from .base import (
    access_denied,
    conversation_page,
    customer_view,
    get_customer_ticket,
    render_customer,
)

STATES = {"open": Q(is_open=True), "closed": Q(is_open=False)}
# the filter labels count up to this many tickets each, then show "1,000+"
LABEL_COUNT_LIMIT = 1_000
# pages offered: a customer with more tickets narrows the list with the filters
LIST_COUNT_LIMIT = 1_000
SCOPES = ("mine", "company", "shared")
CREATE_TEMPLATE = "wagtail_tickets/customer/create.html"


@customer_view
@require_http_methods(["GET", "HEAD"])
def my_tickets(request: HttpRequest) -> HttpResponse:
    """My Tickets: the user's tickets (or the company's), newest activity first."""
    user = request.user
    show_company = permissions.has_company(user)
    show_shared = permissions.has_shared(user)
    scope = request.GET.get("scope")
    if scope not in SCOPES or (scope == "company" and not show_company):
        scope = "mine"
    if scope == "shared" and not show_shared:
        scope = "mine"
    if scope == "company":
        tickets = permissions.company_tickets(user)
    elif scope == "shared":
        tickets = permissions.shared_tickets(user)
    else:
        tickets = permissions.own_tickets(user)
    counts = dict(
        zip(
            STATES,
            bounded_counts([tickets.filter(c) for c in STATES.values()], LABEL_COUNT_LIMIT),
            strict=True,
        )
    )
    total = counts["open"] + counts["closed"]
    if isinstance(counts["open"], AtLeast) or isinstance(counts["closed"], AtLeast):
        total = AtLeast(total)
    state = request.GET.get("state")
    if state in STATES:
        tickets = tickets.filter(STATES[state])
    else:
        state = ""
    tickets = tickets.select_related("ticket_type", "status").order_by("-updated_at", "-pk")
    # the labels counted the listed rows already
    paginator = BoundedPaginator(
        tickets,
        app_settings.PAGE_SIZE,
        count_limit=LIST_COUNT_LIMIT,
        count=counts[state] if state else total,
    )
    page = paginator.get_page(request.GET.get("page"))
    return render_customer(
        request,
        "wagtail_tickets/customer/my_tickets.html",
        {
            "page": page,
            "tickets": page.object_list,
            "scope": scope,
            "state": state,
            "counts": {"all": total, **counts},
            "show_company": show_company,
            "show_shared": show_shared,
            "can_create": permissions.can_create(user),
        },
    )


@customer_view
@csrf_exempt  # checked by _create once the upload limits are in place (see uploads)
@require_http_methods(["GET", "HEAD", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """Open a ticket on a type the user may create on (else access denied)."""
    user = request.user
    if not permissions.can_create(user):
        return access_denied(
            request,
            _(
                "Your account is not allowed to open tickets. Please contact us if you "
                "think this is a mistake."
            ),
        )
    if request.method == "POST":
        refusal = uploads.receive(request)
        if refusal is not None:
            form = uploads.unread_form(NewTicketForm(user=user), refusal.message)
            return render_customer(request, CREATE_TEMPLATE, {"form": form}, status=refusal.status)
    return _create(request)


@csrf_protect
def _create(request: HttpRequest) -> HttpResponse:
    """The new-ticket form, behind Django's CSRF check (the body is read by now)."""
    user = request.user
    bound = request.method == "POST"
    form = NewTicketForm(
        request.POST if bound else None, request.FILES if bound else None, user=user
    )
    if bound and form.is_valid():
        data = form.cleaned_data
        ticket_type = data["type"]
        try:
            ticket = actions.open_ticket(
                ticket_type=ticket_type,
                subject=data["subject"],
                body_html=data["body"],
                actor=user,
                requester=user,
                cc=data["cc"],
                priority=data.get("priority"),
                files=data["attachments"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("wagtail_tickets:detail", number=ticket.number)
    return render_customer(request, CREATE_TEMPLATE, {"form": form})


def _ticket_page(
    request: HttpRequest, ticket: Ticket, reply_form: ReplyForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    can_reply = permissions.can_reply(user, ticket)
    messages_page = conversation_page(
        request, permissions.visible_messages(user, ticket).prefetch_related("attachments")
    )
    return render_customer(
        request,
        "wagtail_tickets/customer/detail.html",
        {
            "ticket": ticket,
            "messages_page": messages_page,
            "reply_form": (reply_form or ReplyForm()) if can_reply else None,
            "can_close": permissions.can_close(user, ticket),
            "can_delete": permissions.can_delete(user, ticket),
        },
        status=status,
    )


@customer_view
@require_http_methods(["GET", "HEAD"])
def detail(request: HttpRequest, number: str) -> HttpResponse:
    """The ticket page: the header and the conversation (long ones page by page, the latest page
    first), internal notes never included."""
    return _ticket_page(request, get_customer_ticket(request, number))


@customer_view
@csrf_exempt  # checked by _reply once the upload limits are in place (see uploads)
@require_POST
def reply(request: HttpRequest, number: str) -> HttpResponse:
    """Add a reply with text and new files while the ticket is open."""
    ticket = get_customer_ticket(request, number)
    if not permissions.can_reply(request.user, ticket):
        return access_denied(
            request,
            _("Ticket #%(number)s is closed or you may not reply to it.")
            % {"number": ticket.number},
        )
    refusal = uploads.receive(request)
    if refusal is not None:
        form = uploads.unread_form(ReplyForm(), refusal.message)
        return _ticket_page(request, ticket, reply_form=form, status=refusal.status)
    return _reply(request, ticket)


@csrf_protect
def _reply(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """The reply form, behind Django's CSRF check (the body is read by now)."""
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.add_reply(
                ticket,
                actor=request.user,
                body_html=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("wagtail_tickets:detail", number=ticket.number)
    return _ticket_page(request, ticket, reply_form=form)


@customer_view
@require_POST
def close(request: HttpRequest, number: str) -> HttpResponse:
    """The customer closes a ticket that is still in progress."""
    ticket = get_customer_ticket(request, number)
    if ticket.status.is_closed:
        messages.info(request, _("Ticket #%(number)s is already closed.") % {"number": number})
        return redirect("wagtail_tickets:detail", number=ticket.number)
    try:
        actions.close_ticket(ticket, actor=request.user, request=request)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    return redirect("wagtail_tickets:detail", number=ticket.number)


@customer_view
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request: HttpRequest, number: str) -> HttpResponse:
    """Delete one's own ticket after a confirmation page; the audit log keeps it."""
    ticket = get_customer_ticket(request, number)
    if not permissions.can_delete(request.user, ticket):
        return access_denied(
            request, _("You may not delete ticket #%(number)s.") % {"number": ticket.number}
        )
    if request.method == "POST":
        number = ticket.number
        actions.delete_ticket(ticket, actor=request.user)
        messages.success(request, _("Ticket #%(number)s has been deleted.") % {"number": number})
        return redirect("wagtail_tickets:my_tickets")
    return render_customer(request, "wagtail_tickets/customer/delete.html", {"ticket": ticket})


@customer_view
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """The display name shown as sender of the customer's messages."""
    user = request.user
    current = TicketProfile.objects.filter(user=user).values("display_name", "language").first()
    bound = request.method == "POST"
    form = ProfileForm(request.POST if bound else None, initial=current or {})
    if bound and form.is_valid():
        actions.set_display_name(user, form.cleaned_data["display_name"])
        actions.set_mail_language(user, form.cleaned_data["language"])
        messages.success(request, _("Your display name has been saved."))
        return redirect("wagtail_tickets:profile")
    return render_customer(
        request,
        "wagtail_tickets/customer/profile.html",
        {"form": form, "shown_as": display_name_for(user)},
    )
