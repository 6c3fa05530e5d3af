"""Counting what readers say about articles, and reading the counts back for reports.

Every count is one row per article, day and place, raised with an ``UPDATE ... + 1`` in the
database, so two readers at the same moment both count. No cookie or session is needed:
repeated votes are bounded by the per-address rate limit of the views instead.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from .models import ArticleFeedback, Source

COUNTS = ("helpful", "not_helpful", "deflected")


def record(article_id: int, source: str, count: str) -> None:
    """Add one to ``count`` (one of ``COUNTS``) of the article's row of today."""
    if count not in COUNTS or source not in Source.values:
        raise ValueError(f"unknown count {count!r} or source {source!r}")
    day = timezone.localdate()
    keys = {"article_id": article_id, "day": day, "source": source}
    if ArticleFeedback.objects.filter(**keys).update(**{count: F(count) + 1}):
        return
    try:
        with transaction.atomic():
            ArticleFeedback.objects.create(**keys, **{count: 1})
    except IntegrityError:  # another request made today's row first
        ArticleFeedback.objects.filter(**keys).update(**{count: F(count) + 1})


def totals(start: datetime.date, end: datetime.date) -> dict[str, int]:
    """The sums of each count between two days (inclusive), in one query."""
    sums = ArticleFeedback.objects.filter(day__range=(start, end)).aggregate(
        **{name: Sum(name) for name in COUNTS}
    )
    return {name: sums[name] or 0 for name in COUNTS}


def deflections_by_source(start: datetime.date, end: datetime.date) -> dict[str, int]:
    """Tickets not opened, by the form where the reader said so."""
    rows = (
        ArticleFeedback.objects.filter(day__range=(start, end), deflected__gt=0)
        .values("source")
        .annotate(total=Sum("deflected"))
    )
    return {row["source"]: row["total"] for row in rows}


def top_articles(start: datetime.date, end: datetime.date, limit: int = 20) -> list[dict]:
    """The articles with the most feedback in the period, with their sums (one query)."""
    return list(
        ArticleFeedback.objects.filter(day__range=(start, end))
        .values("article_id", "article__title")
        .annotate(
            helpful_total=Sum("helpful"),
            not_helpful_total=Sum("not_helpful"),
            deflected_total=Sum("deflected"),
        )
        .order_by("-deflected_total", "-helpful_total", "article__title")[:limit]
    )
