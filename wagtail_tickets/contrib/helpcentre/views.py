"""The help centre's public endpoints: article suggestions while a subject is typed, and
the counts readers add (votes, "this answered my question").

They serve the external page too, which may sit in an iframe of another site where the
browser sends no cookies: nothing here reads a session or needs a CSRF cookie. A POST from
another site's page is refused by its ``Origin``; every request is counted against a
per-address rate limit (``external.throttle``, shared cache) before any work is done.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from wagtail_tickets.conf import app_settings, language_codes
from wagtail_tickets.external import throttle
from wagtail_tickets.ids import parse_id

from . import feedback, suggestions
from .models import HelpArticlePage, Source

VOTES = {"yes": "helpful", "no": "not_helpful"}


def _too_many() -> JsonResponse:
    return JsonResponse(
        {"error": _("Too many requests from your network. Please wait a moment.")}, status=429
    )


def _same_origin(request: HttpRequest) -> bool:
    """A POST comes from a page of this site, or from one without an ``Origin``."""
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None or origin == "null":
        return True
    trusted = {o.rstrip("/") for o in getattr(settings, "CSRF_TRUSTED_ORIGINS", [])}
    ours = f"{request.scheme}://{request.get_host()}"
    return origin == ours or (bool(urlsplit(origin).scheme) and origin.rstrip("/") in trusted)


@never_cache
@require_GET
def suggest(request: HttpRequest) -> JsonResponse:
    """Up to five articles matching ``q`` (a subject being typed), in the page's language."""
    if not throttle.hit(
        "helpcentre-suggest",
        throttle.client_address(request),
        app_settings.HELPCENTRE_SUGGESTIONS_PER_ADDRESS,
    ):
        return _too_many()
    lang = request.GET.get("lang", "")
    with translation.override(lang if lang in language_codes() else translation.get_language()):
        articles = suggestions.suggest(request.GET.get("q", ""))
    return JsonResponse(
        {
            "results": [
                {
                    "id": article.pk,
                    "title": article.title,
                    "summary": article.summary,
                    "url": article.get_url(request=request),
                }
                for article in articles
            ]
        }
    )


def _article(request: HttpRequest) -> HelpArticlePage:
    article_id = parse_id(request.POST.get("article"))
    if article_id is None:
        raise Http404("No such article.")
    article = HelpArticlePage.objects.live().public().filter(pk=article_id).first()
    if article is None:
        raise Http404("No such article.")
    return article


@csrf_exempt
@never_cache
@require_POST
def answered(request: HttpRequest) -> HttpResponse:
    """A reader's "this answered my question" beside a ticket form: a ticket not opened."""
    source = request.POST.get("source", "")
    if source not in (Source.CUSTOMER, Source.EXTERNAL) or not _same_origin(request):
        return JsonResponse({"error": _("This request was not sent from this site.")}, status=403)
    if not _allow_feedback(request):
        return _too_many()
    feedback.record(_article(request).pk, source, "deflected")
    return JsonResponse({"message": _("Thank you! We are glad it helped.")})


@csrf_exempt
@never_cache
@require_POST
def vote(request: HttpRequest) -> HttpResponse:
    """A "was this helpful?" vote on an article page: counted, then back to the article."""
    choice = request.POST.get("helpful", "")
    if choice not in VOTES or not _same_origin(request):
        return JsonResponse({"error": _("This request was not sent from this site.")}, status=403)
    if not _allow_feedback(request):
        return _too_many()
    article = _article(request)
    feedback.record(article.pk, Source.ARTICLE, VOTES[choice])
    url = article.get_url(request=request) or "/"
    return redirect(f"{url}?voted={choice}#wt-help-vote")


def _allow_feedback(request: HttpRequest) -> bool:
    return throttle.hit(
        "helpcentre-feedback",
        throttle.client_address(request),
        app_settings.HELPCENTRE_FEEDBACK_PER_ADDRESS,
    )
