"""The suggestions' own word index: kept on publish, unpublish, delete and drafts; never
suggests what a reader may not see; a constant number of queries. Runs on SQLite and on
PostgreSQL (``DATABASE_URL``)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import Locale, PageViewRestriction

from tests.contrib.helpcentre.conftest import add_article
from wagtail_tickets.contrib.helpcentre import suggestions
from wagtail_tickets.contrib.helpcentre.models import SuggestionWord

pytestmark = pytest.mark.django_db

SUGGEST = "wagtail_tickets_helpcentre:suggest"


def suggested(client, query: str, **params) -> list[str]:
    response = client.get(reverse(SUGGEST), {"q": query, **params})
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def words(article) -> dict[str, int]:
    return dict(SuggestionWord.objects.filter(article=article).values_list("word", "weight"))


def test_words_are_case_folded_distinct_and_bounded():
    assert suggestions.words_of("PDF pdf 'Invoice-' a " + "x" * 100) == [
        "pdf",
        "invoice",
        "x" * 64,
    ]


def test_a_published_article_is_indexed_with_title_words_weighing_more(help_world):
    indexed = words(help_world["invoice"])
    assert indexed["invoice"] == suggestions.TITLE_WEIGHT
    assert indexed["pdf"] == suggestions.SUMMARY_WEIGHT
    assert "billing" not in indexed  # body words are for the search page only


def test_title_words_rank_first(client, help_world):
    add_article(help_world["billing"], "Payment methods", "Refund to the same card.")
    assert suggested(client, "refund") == ["Ask for a refund", "Payment methods"]


def test_a_draft_does_not_change_suggestions_until_published(client, help_world):
    invoice = help_world["invoice"]
    invoice.title = "Receipts explained"
    invoice.save_revision()
    assert suggested(client, "receipts") == []
    assert suggested(client, "download invoice") == ["Download an invoice"]
    invoice.get_latest_revision().publish()
    assert suggested(client, "receipts") == ["Receipts explained"]
    assert suggested(client, "download") == []


def test_unpublished_deleted_private_and_other_language_articles_are_never_suggested(
    client, help_world
):
    german = Locale.objects.create(language_code="de")
    add_article(help_world["billing"], "Invoice in German", "invoice", locale=german)
    help_world["invoice"].unpublish()
    assert not words(help_world["invoice"])
    help_world["password"].delete()
    assert not SuggestionWord.objects.filter(article_id=help_world["password"].pk).exists()
    # a restriction on a section hides the articles below it
    PageViewRestriction.objects.create(
        page=help_world["billing"], restriction_type="password", password="x"
    )
    account = help_world["account"]
    account.refresh_from_db()  # its only child was deleted above (treebeard's counts)
    add_article(account, "Invoice address", "Change where invoices go.")
    assert suggested(client, "invoice password refund") == ["Invoice address"]


def test_the_default_language_is_used_only_when_the_active_one_has_nothing(
    client, help_world, settings
):
    from wagtail.coreutils import get_supported_content_language_variant

    settings.WAGTAIL_I18N_ENABLED = True
    settings.WAGTAIL_CONTENT_LANGUAGES = [("en", "English"), ("de", "Deutsch")]
    get_supported_content_language_variant.cache_clear()
    try:
        german = Locale.objects.create(language_code="de")
        invoice_de = help_world["invoice"].copy_for_translation(german, copy_parents=True)
        invoice_de.title = "Rechnung als PDF"
        invoice_de.save_revision().publish()
        assert suggested(client, "Rechnung PDF", lang="de") == ["Rechnung als PDF"]
        # nothing in German: the English articles, never a mix
        assert suggested(client, "refund", lang="de") == ["Ask for a refund"]
        assert suggested(client, "Rechnung", lang="en") == []
    finally:
        get_supported_content_language_variant.cache_clear()


def test_the_command_rebuilds_the_index_from_live_articles(help_world, capsys):
    SuggestionWord.objects.all().delete()
    help_world["refund"].unpublish()
    call_command("helpcentre_suggestion_index")
    assert "2 articles" in capsys.readouterr().out
    assert words(help_world["invoice"])
    assert not words(help_world["refund"])


def test_queries_stay_constant_with_more_articles_words_and_restrictions(
    client, help_world, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    query = "invoice refund password reset download five working days"
    suggested(client, query)  # caches the site's root paths and the locales
    with CaptureQueriesContext(connection) as first:
        assert suggested(client, query)
    for number in range(20):
        add_article(help_world["billing"], f"Invoice reset {number}", "Working days.")
    PageViewRestriction.objects.create(
        page=help_world["account"], restriction_type="password", password="x"
    )
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(suggested(client, query)) == 5


@pytest.mark.parametrize(
    "query", ["%", "_ _ _", "invoice%", "' OR 1=1 --", "\x00invoice", "INVOICE " * 300]
)
def test_wildcards_and_hostile_words_match_literally(client, help_world, query):
    titles = suggested(client, query)
    assert titles in ([], ["Download an invoice"])
    if "invoice" in query.casefold():
        assert titles == ["Download an invoice"]
