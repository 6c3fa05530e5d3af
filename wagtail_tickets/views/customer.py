"""The logged-in customer area: My Tickets, new ticket, the ticket page with
reply / close (after a confirmation) / reopen / rate / delete, and the display-name profile.

Every ticket is fetched through ``permissions.customer_tickets`` (outside it: 404) and every
change goes through ``actions`` (refused: the access-denied page; invalid: a form error and
nothing saved).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from .. import actions, permissions, uploads
from ..conf import app_settings
from ..forms import NewTicketForm, ProfileForm, RatingForm, ReplyForm
from ..models import Rating, Status, Ticket, TicketMerge, TicketProfile
from ..models.tickets import AUTHOR_NAME_RELATED, display_name_for
from ..pagination import AtLeast, BoundedPaginator, bounded_counts
from . import ratings
from .base import (
    NUMBER_MAX_LENGTH,
    access_denied,
    conversation_page,
    customer_view,
    get_customer_ticket,
    render_customer,
)
from .timeline import conversation_timeline

# the filters of the lists: what each status means to the customer, asked of the database
STATES = {
    Status.WITH_US: Q(is_open=True, status__waits_for_customer=False),
    Status.WAITING: Q(is_open=True, status__waits_for_customer=True),
    Status.CLOSED: Q(is_open=False),
}
# the filter labels count up to this many tickets each, then show "1,000+"
LABEL_COUNT_LIMIT = 1_000
# pages offered: a customer with more tickets narrows the list with the filters
LIST_COUNT_LIMIT = 1_000
SCOPES = ("mine", "company", "shared")
CREATE_TEMPLATE = "wagtail_tickets/customer/create.html"
# the longest "list" parameter a ticket link carries back to its list
LIST_QUERY_MAX_LENGTH = 100
PAGE_NUMBER_MAX_LENGTH = 6


def _scope(user, requested: str | None) -> str:
    """The list a scope parameter names, if the user has it; else their own tickets."""
    if requested == "company" and permissions.has_company(user):
        return "company"
    if requested == "shared" and permissions.has_shared(user):
        return "shared"
    return "mine"


@dataclass(frozen=True)
class BackLink:
    """The list a ticket page was opened from: its URL with its filters and page, its
    title, and the ``list`` parameter that carries it through the ticket's own links."""

    url: str
    label: str
    query: str


def list_title(scope: str) -> str:
    if scope == "company":
        return _("Company tickets")
    if scope == "shared":
        return _("Shared tickets")
    return _("My Tickets")


def back_link(user, raw: str | None) -> BackLink:
    """The way back to the list a ticket was opened from. ``raw`` is that list's query
    (the ``list`` parameter of the ticket's links): only its scope, status filter and page
    are taken, each checked, and the URL is always My Tickets' own; anything else, or
    nothing, leads back to the user's own tickets."""
    params: dict[str, str] = {}
    if raw and len(raw) <= LIST_QUERY_MAX_LENGTH:
        for key, value in parse_qsl(raw):
            if key == "scope" and value in SCOPES:
                params["scope"] = value
            elif key == "state" and value in STATES:
                params["state"] = value
            elif (
                key == "page"
                and value.isascii()
                and value.isdigit()
                and len(value) <= PAGE_NUMBER_MAX_LENGTH
            ):
                params["page"] = value
    scope = _scope(user, params.get("scope"))
    clean = {"scope": scope, **{k: params[k] for k in ("state", "page") if k in params}}
    if clean == {"scope": "mine"}:
        return BackLink(reverse("wagtail_tickets:my_tickets"), list_title(scope), "")
    query = urlencode(clean)
    return BackLink(f"{reverse('wagtail_tickets:my_tickets')}?{query}", list_title(scope), query)


def _to_ticket(number: str, back: BackLink) -> HttpResponseRedirect:
    """Back to the ticket page, still knowing the list it was opened from."""
    url = reverse("wagtail_tickets:detail", args=[number])
    return HttpResponseRedirect(f"{url}?{urlencode({'list': back.query})}" if back.query else url)


def _posted_back(request: HttpRequest) -> BackLink:
    return back_link(request.user, request.POST.get("list") or request.GET.get("list"))


@customer_view
@require_http_methods(["GET", "HEAD"])
def my_tickets(request: HttpRequest) -> HttpResponse:
    """My Tickets: the user's tickets (or the company's), newest activity first, filtered
    by what their status means to the customer."""
    user = request.user
    show_company = permissions.has_company(user)
    show_shared = permissions.has_shared(user)
    scope = _scope(user, request.GET.get("scope"))
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
    total = sum(counts.values())
    if any(isinstance(count, AtLeast) for count in counts.values()):
        total = AtLeast(total)
    state = request.GET.get("state")
    if state in STATES:
        tickets = tickets.filter(STATES[state])
    else:
        state = ""
    tickets = tickets.select_related("ticket_type", "status", "requester__ticket_profile")
    tickets = tickets.order_by("-updated_at", "-pk")
    # the labels counted the listed rows already
    paginator = BoundedPaginator(
        tickets,
        app_settings.PAGE_SIZE,
        count_limit=LIST_COUNT_LIMIT,
        count=counts[state] if state else total,
    )
    page = paginator.get_page(request.GET.get("page"))
    # each ticket link carries this list (scope, filter, page) for the way back to it
    here = {"scope": scope, "state": state, "page": str(page.number)}
    here = {k: v for k, v in here.items() if v and (k, v) not in {("page", "1")}}
    list_query = urlencode(here) if here != {"scope": "mine"} else ""
    filters = [
        ("", _("All"), total),
        (Status.WITH_US, _("With us"), counts[Status.WITH_US]),
        (Status.WAITING, _("Waiting for your answer"), counts[Status.WAITING]),
        (Status.CLOSED, _("Closed"), counts[Status.CLOSED]),
    ]
    return render_customer(
        request,
        "wagtail_tickets/customer/my_tickets.html",
        {
            "page": page,
            "tickets": page.object_list,
            "scope": scope,
            "title": list_title(scope),
            "state": state,
            "filters": filters,
            "counts": {"all": total, **counts},
            "list_query": urlencode({"list": list_query}) if list_query else "",
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


def _referred_ticket(request: HttpRequest) -> Ticket | None:
    """The closed ticket a new one refers to (``?refers_to=<number>``): only one the user
    sees in the customer area; any other number is ignored."""
    number = request.GET.get("refers_to", "")
    if not number or len(number) > NUMBER_MAX_LENGTH or not number.isprintable():
        return None
    return permissions.customer_tickets(request.user).filter(number=number).first()


def _referring_initial(user, old: Ticket) -> dict:
    """What a new ticket that follows up ``old`` starts with: its type (when the user may
    open tickets on it), "Re: #number subject" and a first line naming it."""
    initial = {
        "subject": _("Re: #%(number)s %(subject)s")
        % {"number": old.number, "subject": old.subject},
        "body": "<p>{}</p><p></p>".format(
            escape(
                _("This follows up on my ticket #%(number)s “%(subject)s”.")
                % {"number": old.number, "subject": old.subject}
            )
        ),
    }
    if permissions.can_create(user, old.ticket_type):
        initial["type"] = old.ticket_type_id
    return initial


@csrf_protect
def _create(request: HttpRequest) -> HttpResponse:
    """The new-ticket form, behind Django's CSRF check (the body is read by now)."""
    user = request.user
    bound = request.method == "POST"
    refers_to = None if bound else _referred_ticket(request)
    form = NewTicketForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        user=user,
        initial=_referring_initial(user, refers_to) if refers_to else None,
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
    return render_customer(request, CREATE_TEMPLATE, {"form": form, "refers_to": refers_to})


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    reply_form: ReplyForm | None = None,
    status: int = 200,
    back: BackLink | None = None,
    rating_form: RatingForm | None = None,
) -> HttpResponse:
    user = request.user
    can_reply = permissions.can_reply(user, ticket)
    back = back or _posted_back(request)
    messages_page = conversation_page(
        request,
        permissions.visible_messages(user, ticket)
        .select_related(*AUTHOR_NAME_RELATED)
        .prefetch_related("attachments"),
    )
    closed = ticket.status.is_closed
    can_reopen = closed and permissions.can_reopen(user, ticket)
    return render_customer(
        request,
        "wagtail_tickets/customer/detail.html",
        {
            "ticket": ticket,
            "links": list(permissions.customer_links(user, ticket)),
            "merged_away": closed and TicketMerge.objects.filter(source_id=ticket.pk).exists(),
            "back": back,
            "messages_page": messages_page,
            "timeline": conversation_timeline(ticket, messages_page),
            "back_param": urlencode({"list": back.query}) if back.query else "",
            "page_query": urlencode({"list": back.query}) + "&" if back.query else "",
            "reply_form": (reply_form or ReplyForm()) if can_reply else None,
            "can_close": permissions.can_close(user, ticket),
            "can_delete": permissions.can_delete(user, ticket),
            "can_reopen": can_reopen,
            "reopen_until": permissions.reopen_deadline(ticket, user) if can_reopen else None,
            "rating_box": ratings.rating_box(
                ticket,
                may_rate=permissions.can_rate(user, ticket),
                form=rating_form,
                action=reverse("wagtail_tickets:rate_ticket", args=[ticket.number]),
            ),
            # after the window: a new ticket that refers to this one, where the user may
            "follow_up_url": (
                f"{reverse('wagtail_tickets:create')}?{urlencode({'refers_to': ticket.number})}"
                if closed and not can_reopen and permissions.can_create(user)
                else ""
            ),
        },
        status=status,
    )


@customer_view
@require_http_methods(["GET", "HEAD"])
def detail(request: HttpRequest, number: str) -> HttpResponse:
    """The ticket page: the header and the conversation (long ones page by page, the latest page
    first) with the changes customers are told about between the messages, internal notes
    never included. A merged ticket's number leads to the ticket it was merged into, when
    the user may see that one."""
    ticket = get_customer_ticket(request, number)
    if not ticket.is_open:
        target = permissions.merge_target_for(request.user, ticket)
        if target is not None:
            return redirect("wagtail_tickets:detail", number=target.number)
    return _ticket_page(request, ticket)


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
        # the refused body stays unread: the way back comes from the URL alone
        back = back_link(request.user, request.GET.get("list"))
        return _ticket_page(request, ticket, reply_form=form, status=refusal.status, back=back)
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
            return _to_ticket(ticket.number, _posted_back(request))
    return _ticket_page(request, ticket, reply_form=form)


# the field only the confirmation's form sends: a POST without it closes nothing
CLOSE_CONFIRMATION = "confirm"


@customer_view
@require_http_methods(["GET", "HEAD", "POST"])
def close(request: HttpRequest, number: str) -> HttpResponse:
    """Close a ticket after a confirmation: GET shows it (what closing means, and how long
    the customer may reopen); only its form's POST, which carries the confirmation field,
    closes."""
    ticket = get_customer_ticket(request, number)
    back = _posted_back(request)
    if ticket.status.is_closed:
        messages.info(request, _("Ticket #%(number)s is already closed.") % {"number": number})
        return _to_ticket(ticket.number, back)
    if not permissions.can_close(request.user, ticket):
        return access_denied(
            request, _("You may not close ticket #%(number)s.") % {"number": ticket.number}
        )
    if request.method == "POST" and request.POST.get(CLOSE_CONFIRMATION) == "yes":
        try:
            actions.close_ticket(ticket, actor=request.user, request=request)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        return _to_ticket(ticket.number, back)
    return render_customer(
        request,
        "wagtail_tickets/customer/close.html",
        {
            "ticket": ticket,
            "back": back,
            "reopen_days": permissions.ticket_options(request.user).reopen_days,
        },
        status=400 if request.method == "POST" else 200,
    )


@customer_view
@require_POST
def reopen(request: HttpRequest, number: str) -> HttpResponse:
    """Reopen a closed ticket, within the days after closing that the ticket options allow
    (``permissions.can_reopen``); later the ticket page offers a new ticket instead."""
    ticket = get_customer_ticket(request, number)
    back = _posted_back(request)
    if not ticket.status.is_closed:
        messages.info(request, _("Ticket #%(number)s is open.") % {"number": ticket.number})
        return _to_ticket(ticket.number, back)
    if not permissions.can_reopen(request.user, ticket):
        return access_denied(
            request,
            _(
                "Ticket #%(number)s can no longer be reopened. Please open a new ticket "
                "that refers to it."
            )
            % {"number": ticket.number},
        )
    try:
        actions.reopen_ticket(ticket, actor=request.user, request=request)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    return _to_ticket(ticket.number, back)


@customer_view
@require_POST
def rate(request: HttpRequest, number: str) -> HttpResponse:
    """The rating box of a closed ticket: its requester rates it, or changes the rating,
    within the days after closing (``permissions.can_rate``); anyone else gets 404."""
    ticket = get_customer_ticket(request, number)
    if not permissions.can_rate(request.user, ticket):
        raise Http404("This ticket cannot be rated by you.")
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            actions.rate_ticket(
                ticket,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                via=Rating.Via.CUSTOMER_AREA,
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Thank you for rating ticket #%(number)s.") % {"number": ticket.number}
            )
            return redirect(reverse("wagtail_tickets:detail", args=[ticket.number]) + "#rating")
    return _ticket_page(request, ticket, rating_form=form, status=400)


@customer_view
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request: HttpRequest, number: str) -> HttpResponse:
    """Delete one's own ticket after a confirmation page; the audit log keeps it."""
    ticket = get_customer_ticket(request, number)
    back = _posted_back(request)
    if not permissions.can_delete(request.user, ticket):
        return access_denied(
            request, _("You may not delete ticket #%(number)s.") % {"number": ticket.number}
        )
    if request.method == "POST":
        number = ticket.number
        actions.delete_ticket(ticket, actor=request.user)
        messages.success(request, _("Ticket #%(number)s has been deleted.") % {"number": number})
        return HttpResponseRedirect(back.url)
    return render_customer(
        request, "wagtail_tickets/customer/delete.html", {"ticket": ticket, "back": back}
    )


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
