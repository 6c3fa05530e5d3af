"""What a search for articles may use (``models.search_articles`` runs it with Wagtail's
search backend, for the help centre's search box and the suggestions beside the ticket
forms).

Input is bounded before the backend sees it (length, words, printable characters), so a
hostile query costs what a plain one does. Words are joined with "or" and ranked by the
backend, so a subject that shares only some words with an article still finds it.
"""

from __future__ import annotations

import re

from wagtail.models import Locale

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


def locales_to_search(locale: Locale | None) -> list[Locale]:
    """The content language to search first, then the site's default language."""
    active = locale or Locale.get_active()
    try:
        default = Locale.get_default()
    except Locale.DoesNotExist:
        return [active]
    return [active] if active.pk == default.pk else [active, default]
