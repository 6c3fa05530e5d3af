"""The external ticket page: a page any website can embed in an iframe, where visitors
open tickets without an account and follow them through a private link.

It must work inside an iframe of another site even when the browser blocks third-party
cookies, so nothing here depends on a cookie for a visitor: no session, and no CSRF cookie.
Instead each form carries a signed token (``external.forms``), a POST from a foreign origin
is refused, and the private link (a 256-bit secret in the URL) is what authorises a visitor
to read, reply to and close one ticket. Logged-in users (when their session cookie reaches
the page) see their own tickets and open tickets as in the customer area.

Every change goes through ``actions``; the access rules are in ``permissions``; abuse limits
in ``external.throttle``. A POST is checked against the rate limit and its declared size
before its body is read, and read within the upload limits (``uploads``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .. import actions, permissions, uploads
from ..conf import app_settings
from ..downloads import download_response
from ..external import throttle
from ..external import token as tokens
from ..external.forms import (
    Blocked,
    ExternalCloseForm,
    ExternalNewTicketForm,
    ExternalRatingForm,
    ExternalReopenForm,
    ExternalReplyForm,
    binding_for,
)
from ..external.framing import framable
from ..external.styles import css_for_style_element
from ..links import private_url
from ..models import Attachment, ExternalPageSettings, Rating, Ticket
from ..models.tickets import AUTHOR_NAME_RELATED
from . import ratings
from .base import conversation_page
from .timeline import conversation_timeline

PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}


def _page(request: HttpRequest) -> ExternalPageSettings:
    """The page's options; a disabled page does not exist (404)."""
    page = ExternalPageSettings.load(request_or_site=request)
    if not permissions.external_page_open(page):
        raise Http404("The external ticket page is not enabled.")
    return page


def _render(
    request: HttpRequest,
    template: str,
    page: ExternalPageSettings,
    context: dict,
    status: int = 200,
    private: bool = False,
) -> HttpResponse:
    context.update(
        external_page=page,
        custom_css=css_for_style_element(page.custom_css),
        private=private,
    )
    response = render(request, template, context, status=status)
    return _make_private(response) if private else response


def _make_private(response: HttpResponse) -> HttpResponse:
    """Pages behind a private link leak it nowhere: no referrer, not indexed."""
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response


def _same_origin(request: HttpRequest) -> bool:
    """A POST must come from a page of this site (the browser's ``Origin`` header): a form
    inside the iframe is this site's page, another site posting at it is not. Without the
    header, or with ``null`` (what browsers send from pages with ``Referrer-Policy:
    no-referrer``, as the private pages are), the signed form token and the secret link
    decide alone."""
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None or origin == "null":
        return True
    ours = f"{request.scheme}://{request.get_host()}"
    trusted = {o.rstrip("/") for o in getattr(settings, "CSRF_TRUSTED_ORIGINS", [])}
    parts = urlsplit(origin)
    return origin == ours or (bool(parts.scheme) and origin.rstrip("/") in trusted)


def _refusal(request: HttpRequest) -> tuple[ValidationError, int] | None:
    """Why a POST is refused, with the status to answer, or ``None`` once its form data is
    read. The origin, the rate limit and the declared size are checked before any of the
    body is read; the body is then read within the upload limits."""
    if not _same_origin(request):
        return Blocked(_("This form was not sent from this page."), code="form_token"), 403
    if not throttle.allow_submission(request):
        return (
            Blocked(
                _("Too many attempts from your network. Please wait a while and try again."),
                code="rate_limit",
            ),
            429,
        )
    refused = uploads.receive(request)
    if refused is not None:
        return ValidationError(refused.message, code="upload"), refused.status
    return None


def _anonymous_limits(email: str) -> Blocked | None:
    """The open-ticket cap and the per-email rate of visitors without an account."""
    cap = app_settings.EXTERNAL_MAX_OPEN_TICKETS_PER_EMAIL
    if cap and (Ticket.objects.filter(requester_email__iexact=email, is_open=True).count() >= cap):
        return Blocked(
            _(
                "You already have %(count)d open tickets. Please wait for our answers, or "
                "reply to one of them, before opening another."
            )
            % {"count": cap},
            code="open_cap",
        )
    if not throttle.allow_new_ticket_for(email):
        return Blocked(
            _("Too many new tickets for this email address. Please try again later."),
            code="rate_limit",
        )
    return None


def _open(request: HttpRequest, form: ExternalNewTicketForm) -> Ticket | tuple[Ticket, str]:
    """Open the ticket; for a visitor also its private link, chosen here before the ticket
    exists and handed to ``open_ticket``, so that the confirmation page and the
    confirmation mail show the same link."""
    data = form.cleaned_data
    common = {
        "ticket_type": data["type"],
        "subject": data["subject"],
        "body_html": data["body"],
        "priority": data.get("priority"),
        "files": data["attachments"],
        "request": request,
    }
    if not form.anonymous:
        user = request.user
        return actions.open_ticket(actor=user, requester=user, cc=data.get("cc", []), **common)
    raw = tokens.new_token()
    ticket = actions.open_ticket(
        requester_name=data["name"], requester_email=data["email"], link_token=raw, **common
    )
    return ticket, raw


@framable
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def external(request: HttpRequest) -> HttpResponse:
    """New ticket; for a logged-in user also their ticket list. ``?ticket=<token>`` (from
    the embedding snippet) opens a private link inside the frame."""
    page = _page(request)
    link = request.GET.get("ticket", "")
    if request.method != "POST" and tokens.looks_like_token(link):
        response = redirect("wagtail_tickets:external_ticket", token=link)
        _make_private(response)
        return response
    user = request.user
    if permissions.external_login_required(user, page):
        return _login_required(request, page)
    offered = page.offered()
    posted = request.method == "POST"
    refusal = _refusal(request) if posted else None
    bound = posted and refusal is None
    form = ExternalNewTicketForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        user=user,
        offered=offered,
        scope="new",
        binding=binding_for(request),
    )
    status = 200
    if refusal is not None:
        error, status = refusal
        uploads.unread_form(form, error)
    elif bound and form.is_valid():
        email = form.cleaned_data["email"] if form.anonymous else user.email
        limit = _anonymous_limits(email) if form.anonymous else None
        if limit is not None:
            form.add_error(None, limit)
            status = 429 if limit.code == "rate_limit" else 200
        else:
            try:
                opened = _open(request, form)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if isinstance(opened, tuple):
                    url = reverse("wagtail_tickets:external_ticket", args=[opened[1]])
                    response = redirect(f"{url}?opened=1")
                    _make_private(response)
                    return response
                return redirect("wagtail_tickets:external")
    context = {"form": form, "types_offered": bool(form.types)}
    if not permissions.is_visitor(user):
        tickets = (
            permissions.customer_tickets(user)
            .filter(requester=user)
            .select_related("ticket_type", "status")
            .order_by("-updated_at", "-pk")
        )
        context["tickets_page"] = Paginator(tickets, app_settings.PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    return _render(request, "wagtail_tickets/external/new.html", page, context, status)


def _login_required(request: HttpRequest, page: ExternalPageSettings) -> HttpResponse:
    """Send visitors to the login page; inside an iframe (where the login page may not be
    framed) show a link that opens it in the whole window instead."""
    response = redirect_to_login(request.get_full_path())
    if request.headers.get("Sec-Fetch-Dest") != "iframe":
        return response
    context = {"login_url": response["Location"]}
    return _render(request, "wagtail_tickets/external/login_required.html", page, context)


def _ticket_or_404(request: HttpRequest, token: str) -> Ticket | HttpResponse:
    """The ticket of a private link. Wrong links are counted per client address; an
    address that tried too many gets 429 for a while, right links included."""
    if throttle.token_lookups_blocked(request):
        return HttpResponse(
            _("Too many wrong links from your network. Please try again later."),
            status=429,
            content_type="text/plain; charset=utf-8",
            headers=PRIVATE_HEADERS,
        )
    ticket = tokens.ticket_for_token(token)
    if ticket is None:
        throttle.count_token_miss(request)
        raise Http404("No ticket behind this link.")
    return ticket


def _ticket_page(
    request: HttpRequest,
    page: ExternalPageSettings,
    ticket: Ticket,
    token: str,
    reply_form: ExternalReplyForm | None = None,
    close_form: ExternalCloseForm | None = None,
    reopen_form: ExternalReopenForm | None = None,
    status: int = 200,
    confirm_close: bool = False,
    rating_form: ExternalRatingForm | None = None,
) -> HttpResponse:
    scope = f"ticket:{ticket.pk}"
    binding = binding_for(request)
    can_reply = permissions.link_holder_can_reply(ticket)
    can_reopen = permissions.link_holder_can_reopen(ticket)
    messages_page = conversation_page(
        request,
        permissions.link_holder_messages(ticket)
        .select_related(*AUTHOR_NAME_RELATED)
        .prefetch_related("attachments"),
    )
    opened = request.GET.get("opened") == "1"
    if opened:
        # the confirmation below says it: the on-screen message of the same news is used up
        for _message in messages.get_messages(request):
            pass
    context = {
        "ticket": ticket,
        "token": token,
        "messages_page": messages_page,
        "timeline": conversation_timeline(ticket, messages_page),
        "opened": opened,
        "private_link": private_url(token, page, request),
        "reply_form": (reply_form or ExternalReplyForm(scope=scope, binding=binding))
        if can_reply
        else None,
        "close_form": (close_form or ExternalCloseForm(scope=scope, binding=binding))
        if permissions.link_holder_can_close(ticket)
        else None,
        "confirm_close": confirm_close or close_form is not None,
        "reopen_form": (reopen_form or ExternalReopenForm(scope=scope, binding=binding))
        if can_reopen
        else None,
        "can_reopen": can_reopen,
        "reopen_until": permissions.reopen_deadline(ticket) if can_reopen else None,
        "rating_box": ratings.rating_box(
            ticket,
            may_rate=permissions.link_holder_can_rate(ticket),
            form=rating_form
            or ExternalRatingForm(
                scope=f"rating:{ticket.pk}",
                binding=binding,
                initial=ratings.initial_of(ratings.rating_of(ticket)),
            ),
            action=reverse("wagtail_tickets:external_ticket", args=[token]) + "#rating",
        ),
        # closed for good: a new ticket on the external page
        "follow_up_url": reverse("wagtail_tickets:external")
        if not can_reply and not can_reopen
        else "",
    }
    return _render(
        request, "wagtail_tickets/external/ticket.html", page, context, status, private=True
    )


@framable
@never_cache
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def external_ticket(request: HttpRequest, token: str) -> HttpResponse:
    """Follow a ticket through its private link: read, reply with files, close."""
    page = _page(request)
    found = _ticket_or_404(request, token)
    if isinstance(found, HttpResponse):
        return found
    ticket = found
    if request.method != "POST":
        return _ticket_page(request, page, ticket, token)
    refusal = _refusal(request)
    if refusal is not None:
        return _refused(request, page, ticket, token, *refusal)
    scope, binding = f"ticket:{ticket.pk}", binding_for(request)
    action = request.POST.get("action")
    if action == "close":
        return _close(request, page, ticket, token)
    if action == "reopen":
        return _reopen(request, page, ticket, token)
    if action == "rate":
        return _rate(request, page, ticket, token)
    if action != "reply" or not permissions.link_holder_can_reply(ticket):
        return _redirect_to_ticket(token)
    form = ExternalReplyForm(request.POST, request.FILES, scope=scope, binding=binding)
    if form.is_valid():
        try:
            actions.add_reply(
                ticket,
                body_html=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
                author_name=ticket.requester_display_name,
                author_email=ticket.requester_email,
                as_staff=False,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _redirect_to_ticket(token, anchor="latest")
    return _ticket_page(request, page, ticket, token, reply_form=form)


def _close(request: HttpRequest, page, ticket: Ticket, token: str) -> HttpResponse:
    """Close after the confirmation: a POST without its field shows the confirmation
    and closes nothing."""
    scope, binding = f"ticket:{ticket.pk}", binding_for(request)
    form = ExternalCloseForm(request.POST, scope=scope, binding=binding)
    if not permissions.link_holder_can_close(ticket):
        return _redirect_to_ticket(token)
    if request.POST.get("confirm") != "yes":
        return _ticket_page(request, page, ticket, token, status=400, confirm_close=True)
    if form.is_valid():
        try:
            actions.close_ticket(ticket, request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _redirect_to_ticket(token)
    return _ticket_page(request, page, ticket, token, close_form=form)


def _reopen(request: HttpRequest, page, ticket: Ticket, token: str) -> HttpResponse:
    """Reopen within the days after closing that customers may
    (``permissions.link_holder_can_reopen``)."""
    if not permissions.link_holder_can_reopen(ticket):
        return _redirect_to_ticket(token)
    scope, binding = f"ticket:{ticket.pk}", binding_for(request)
    form = ExternalReopenForm(request.POST, scope=scope, binding=binding)
    if form.is_valid():
        try:
            actions.reopen_ticket(ticket, request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _redirect_to_ticket(token)
    return _ticket_page(request, page, ticket, token, reopen_form=form)


def _rate(request: HttpRequest, page, ticket: Ticket, token: str) -> HttpResponse:
    """Rate a closed ticket, or change its rating, within the days after closing
    (``permissions.link_holder_can_rate``)."""
    if not permissions.link_holder_can_rate(ticket):
        return _redirect_to_ticket(token)
    form = ExternalRatingForm(
        request.POST, scope=f"rating:{ticket.pk}", binding=binding_for(request)
    )
    if form.is_valid():
        try:
            actions.rate_ticket(
                ticket,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                via=Rating.Via.PRIVATE_LINK,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Thank you for your rating."))
            return _redirect_to_ticket(token, anchor="rating")
    return _ticket_page(request, page, ticket, token, rating_form=form, status=400)


def _refused(
    request: HttpRequest,
    page: ExternalPageSettings,
    ticket: Ticket,
    token: str,
    error: ValidationError,
    status: int,
) -> HttpResponse:
    """A POST refused before its body was read (so whether it replied, closed or reopened
    is not known): the reason shows on the reply form, or on the close button when replies
    are not possible, or on the reopen button of a closed ticket, or alone when none is."""
    scope, binding = f"ticket:{ticket.pk}", binding_for(request)
    if permissions.link_holder_can_reply(ticket):
        form = uploads.unread_form(ExternalReplyForm(scope=scope, binding=binding), error)
        return _ticket_page(request, page, ticket, token, reply_form=form, status=status)
    if permissions.link_holder_can_close(ticket):
        form = uploads.unread_form(ExternalCloseForm(scope=scope, binding=binding), error)
        return _ticket_page(request, page, ticket, token, close_form=form, status=status)
    if permissions.link_holder_can_reopen(ticket):
        form = uploads.unread_form(ExternalReopenForm(scope=scope, binding=binding), error)
        return _ticket_page(request, page, ticket, token, reopen_form=form, status=status)
    return HttpResponse(
        " ".join(error.messages),
        status=status,
        content_type="text/plain; charset=utf-8",
        headers=PRIVATE_HEADERS,
    )


def _redirect_to_ticket(token: str, anchor: str = "") -> HttpResponse:
    url = reverse("wagtail_tickets:external_ticket", args=[token])
    response = redirect(f"{url}#{anchor}" if anchor else url)
    _make_private(response)
    return response


@never_cache
@require_http_methods(["GET", "HEAD"])
def external_attachment(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """A file of the conversation behind a private link: always a download."""
    _page(request)
    found = _ticket_or_404(request, token)
    if isinstance(found, HttpResponse):
        return found
    item = get_object_or_404(
        Attachment.objects.filter(message__in=permissions.link_holder_messages(found)), pk=pk
    )
    return _make_private(download_response(item))
