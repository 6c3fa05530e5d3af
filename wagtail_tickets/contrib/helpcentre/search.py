"""Finding articles with Wagtail's search backend: the help centre's search box and the
suggestions beside the ticket forms.

Input is bounded before the backend sees it (length, words, printable characters), so a
hostile query costs what a plain one does. Words are joined with "or" and ranked by the
backend, so a subject that shares only some words with an article still finds it.
"""

from __future__ import annotations

import re

from wagtail.models import Locale, Page

from .models import HelpArticlePage

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
MIN_QUERY_LENGTH = 3
SUGGESTIONS = 5

_NOT_WORD = re.compile(r"[^\w'-]+", re.UNICODE)


def clean_query(raw: object) -> str:
    """The words of ``raw`` that a search may use: letters, digits, apostrophes and
    hyphens inside words, at most ``MAX_WORDS`` of them; ``""`` when nothing is left or the
    input is too short to mean anything."""
    if not isinstance(raw, str):
        return ""
    words = [w.strip("'-") for w in _NOT_WORD.split(raw[:MAX_QUERY_LENGTH])]
    words = [w for w in words if w][:MAX_WORDS]
    query = " ".join(words)
    return query if len(query) >= MIN_QUERY_LENGTH else ""


def _locales(locale: Locale | None) -> list[Locale]:
    """The content language to search first, then the site's default language."""
    active = locale or Locale.get_active()
    try:
        default = Locale.get_default()
    except Locale.DoesNotExist:
        return [active]
    return [active] if active.pk == default.pk else [active, default]


def search_articles(
    raw_query: object,
    *,
    locale: Locale | None = None,
    limit: int = SUGGESTIONS,
    within: Page | None = None,
) -> list[HelpArticlePage]:
    """The live, public articles best matching ``raw_query`` in ``locale`` (the active
    language by default), falling back to the default language when that has none."""
    query = clean_query(raw_query)
    if not query:
        return []
    for candidate in _locales(locale):
        articles = HelpArticlePage.objects.live().public().filter(locale=candidate)
        if within is not None:
            articles = articles.descendant_of(within)
        found = list(articles.search(query, operator="or")[:limit])
        if found:
            return found
    return []
