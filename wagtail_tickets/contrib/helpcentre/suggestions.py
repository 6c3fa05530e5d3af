"""Article suggestions while a ticket subject is typed, from an index of their own.

Wagtail's search backends rank by scanning (PostgreSQL's database backend tests every
article row; SQLite's FTS5 backend scores each match with a subquery), which is too slow to
run on every keystroke with thousands of articles. Suggestions instead read
``SuggestionWord``: the words of each live article's title and summary, per language,
looked up through one (language, word) index on every database. The rows are kept when an
article is published, unpublished or deleted (``connect_signals``); ``rebuild`` (the
migration and ``manage.py helpcentre_suggestion_index``) fills them for existing articles.

Words match whole (case-folded, no stemming). Title words weigh more than summary words.
Rows exist for live articles only; view restrictions are checked at query time (a join
to the pages only while a restriction exists), so a page made private under a restricted
section is never suggested even though its rows stay, and the live flag is checked again
when the suggested articles are read.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Case, IntegerField, Q, Sum, Value, When
from django.db.models.signals import post_save
from wagtail.models import Locale, PageViewRestriction
from wagtail.signals import page_published, page_unpublished

from .search import _NOT_WORD, MAX_WORDS, SUGGESTIONS, clean_query, locales_to_search

TITLE_WEIGHT = 3
SUMMARY_WEIGHT = 1
MAX_WORD_LENGTH = 64
MIN_WORD_LENGTH = 2


def words_of(text: str) -> list[str]:
    """The distinct index words of ``text``, in order: case-folded, trimmed of
    apostrophes and hyphens at their ends, two to 64 characters."""
    seen: dict[str, None] = {}
    for raw in _NOT_WORD.split(text.casefold()):
        word = raw.strip("'-")[:MAX_WORD_LENGTH]
        if len(word) >= MIN_WORD_LENGTH:
            seen.setdefault(word, None)
    return list(seen)


def _rows(article) -> list:
    from .models import SuggestionWord

    weights = dict.fromkeys(words_of(article.summary or ""), SUMMARY_WEIGHT)
    weights.update(dict.fromkeys(words_of(article.title or ""), TITLE_WEIGHT))
    return [
        SuggestionWord(article_id=article.pk, locale_id=article.locale_id, word=w, weight=n)
        for w, n in weights.items()
    ]


def index_article(article) -> None:
    """Replace ``article``'s words with those of its live title and summary (none when
    it is not live)."""
    from .models import SuggestionWord

    with transaction.atomic():
        SuggestionWord.objects.filter(article_id=article.pk).delete()
        if article.live:
            SuggestionWord.objects.bulk_create(_rows(article))


def forget_article(article_id: int) -> None:
    from .models import SuggestionWord

    SuggestionWord.objects.filter(article_id=article_id).delete()


def rebuild(articles: Iterable | None = None, batch: int = 500) -> int:
    """Fill the index from the live articles (all of them by default); the number indexed.

    Reads the live pages' own columns, never a draft revision."""
    from .models import HelpArticlePage, SuggestionWord

    if articles is None:
        articles = HelpArticlePage.objects.live().only("pk", "locale_id", "title", "summary")
    count = 0
    with transaction.atomic():
        SuggestionWord.objects.all().delete()
        pending: list = []
        for article in articles.iterator(chunk_size=batch):
            pending.extend(_rows(article))
            count += 1
            if len(pending) >= batch * 20:
                SuggestionWord.objects.bulk_create(pending, batch_size=batch)
                pending = []
        SuggestionWord.objects.bulk_create(pending, batch_size=batch)
    return count


def _query_words(raw_query: object) -> list[str]:
    query = clean_query(raw_query)
    return words_of(query)[:MAX_WORDS] if query else []


def suggest(raw_query: object, *, locale: Locale | None = None, limit: int = SUGGESTIONS):
    """The live, public articles sharing the most (title-weighted) words with
    ``raw_query``, in ``locale`` (the active language by default), or in the default
    language when that has none. Three queries, however many articles and words."""
    from .models import HelpArticlePage, SuggestionWord

    words = _query_words(raw_query)
    if not words:
        return []
    locales = locales_to_search(locale)
    private = Q()
    for path in PageViewRestriction.objects.values_list("page__path", flat=True):
        private |= Q(article__path__startswith=path)
    first = Case(
        When(locale_id=locales[0].pk, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    matches = (
        SuggestionWord.objects.filter(locale_id__in=[loc.pk for loc in locales], word__in=words)
        .exclude(private)
        .values("article_id", "locale_id")
        .annotate(score=Sum("weight"), order=first)
        .order_by("order", "-score", "article_id")[:limit]
    )
    matches = list(matches)
    if not matches:
        return []
    ids = [row["article_id"] for row in matches if row["order"] == matches[0]["order"]]
    articles = HelpArticlePage.objects.filter(pk__in=ids, live=True).in_bulk()
    return [articles[pk] for pk in ids if pk in articles]


def _published(sender, instance, **kwargs) -> None:
    index_article(instance)


def _unpublished(sender, instance, **kwargs) -> None:
    forget_article(instance.pk)


def _created(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """A page created live (``add_child`` of a live page, a copy) is published without a
    ``page_published`` signal; a later save may carry draft values, so only creation counts."""
    if created and not raw and instance.live:
        index_article(instance)


def connect_signals() -> None:
    from .models import HelpArticlePage

    uid = "wagtail_tickets_helpcentre_suggestions"
    page_published.connect(_published, sender=HelpArticlePage, dispatch_uid=uid)
    page_unpublished.connect(_unpublished, sender=HelpArticlePage, dispatch_uid=uid)
    post_save.connect(_created, sender=HelpArticlePage, dispatch_uid=uid)
