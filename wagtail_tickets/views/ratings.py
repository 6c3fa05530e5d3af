"""Satisfaction ratings: the page a rating request's link opens, and what the rating box
of a closed ticket's page shows (customer area and private link).

Mail scanners and link previews open every link of a mail, so opening a link rates
nothing: a GET (or HEAD) shows the choice with a comment field and a button, and only that
form's POST, behind Django's CSRF check (a cookie, no session needed), rates. Who may rate
is ``permissions``; the write is ``actions.rate_ticket``. The boxes post to
``views.customer.rate`` and ``views.external`` (its guarded forms need no cookie).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from .. import actions, permissions
from ..conf import app_settings
from ..forms import RatingForm
from ..models import Rating, Ticket
from ..notifications.tokens import RatingLinkExpired, read_rating_token
from .base import render_customer

# the page holds a signed link: no other site sees it and search engines keep it out.
# "same-origin", not "no-referrer": with "no-referrer" browsers send ``Origin: null`` with
# the form's POST, and Django's CSRF check refuses it.
PRIVATE_HEADERS = {"Referrer-Policy": "same-origin", "X-Robots-Tag": "noindex, nofollow"}
RATE_TEMPLATE = "wagtail_tickets/customer/rate.html"


def rating_of(ticket: Ticket) -> Rating | None:
    """The ticket's rating, or ``None`` (one query, none when it was read with the ticket)."""
    try:
        return ticket.rating
    except Rating.DoesNotExist:
        return None


def initial_of(rating: Rating | None, score: str = "") -> dict:
    """The form's first values: the chosen score, else the rating as it is."""
    if rating is None:
        return {"score": score}
    return {"score": score or rating.score, "comment": rating.comment}


def _private(response: HttpResponse) -> HttpResponse:
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response


def _unavailable(request: HttpRequest, title: str, text: str, status: int) -> HttpResponse:
    """A clear page instead of the form: the link expired, the ticket was reopened, the
    days to rate are over."""
    context = {"unavailable": {"title": title, "text": text}}
    return _private(render_customer(request, RATE_TEMPLATE, context, status=status))


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def rate(request: HttpRequest, token: str, score: str) -> HttpResponse:
    """The page of a rating request's Good / Okay / Bad link: confirm the choice, add a
    comment. Works without an account; a signed-in requester is recorded as the rater."""
    if score not in Rating.Score.values:
        raise Http404("No such rating.")
    try:
        ticket_id = read_rating_token(token, app_settings.RATING_DAYS)
    except RatingLinkExpired:
        return _unavailable(
            request,
            _("This rating link has expired"),
            _("Ratings are accepted for %(days)s days after a ticket is closed.")
            % {"days": app_settings.RATING_DAYS},
            status=410,
        )
    ticket = (
        Ticket.objects.select_related("status", "ticket_type", "rating")
        .filter(pk=ticket_id)
        .first()
        if ticket_id is not None
        else None
    )
    if ticket is None:
        raise Http404("No ticket behind this link.")
    if not ticket.status.is_closed:
        return _unavailable(
            request,
            _("This ticket was reopened"),
            _("We are working on ticket #%(number)s again. You can rate it once it is closed.")
            % {"number": ticket.number},
            status=409,
        )
    if not permissions.rating_link_can_rate(ticket):
        return _unavailable(
            request,
            _("The time to rate this ticket has passed"),
            _("Ratings are accepted for %(days)s days after a ticket is closed.")
            % {"days": app_settings.RATING_DAYS},
            status=410,
        )
    rating = rating_of(ticket)
    form = RatingForm(initial=initial_of(rating, score))
    status = 200
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_valid():
            actor = request.user if permissions.can_rate(request.user, ticket) else None
            try:
                rating = actions.rate_ticket(
                    ticket,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                    via=Rating.Via.MAIL_LINK,
                    actor=actor,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return _private(redirect(f"{request.path}?saved=1"))
        status = 400
    context = {
        "ticket": ticket,
        "form": form,
        "rating": rating,
        "saved": request.GET.get("saved") == "1" and rating is not None,
        "deadline": permissions.rating_deadline(ticket),
        "action": request.path,
    }
    return _private(render_customer(request, RATE_TEMPLATE, context, status=status))


def rating_box(ticket: Ticket, *, may_rate: bool, form=None, action: str = "") -> dict | None:
    """What the rating box of a closed ticket's page shows: the form while the reader may
    rate (``may_rate``, asked of ``permissions``), the rating as it stands, or nothing."""
    if not ticket.status.is_closed:
        return None
    rating = rating_of(ticket)
    if not may_rate:
        return {"rating": rating, "form": None} if rating is not None else None
    return {
        "rating": rating,
        "form": form or RatingForm(initial=initial_of(rating)),
        "deadline": permissions.rating_deadline(ticket),
        "action": action,
    }
