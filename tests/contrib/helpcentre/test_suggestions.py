"""Article suggestions beside the ticket forms and "this answered my question": JSON, no
cookies, bounded input, rate limits. Runs on SQLite and on PostgreSQL (``DATABASE_URL``)
with the suggestions' own word index (``suggestions.py``)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import TicketTypeFactory, UserFactory, external_page, grant
from wagtail_tickets.contrib.helpcentre import feedback
from wagtail_tickets.contrib.helpcentre.models import ArticleFeedback
from wagtail_tickets.contrib.helpcentre.search import MAX_WORDS, clean_query
from wagtail_tickets.models import TypePermission

pytestmark = pytest.mark.django_db

SUGGEST = "wagtail_tickets_helpcentre:suggest"
ANSWERED = "wagtail_tickets_helpcentre:answered"


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return [row["title"] for row in response.json()["results"]]


def test_a_subject_finds_matching_articles(client, help_world):
    response = client.get(reverse(SUGGEST), {"q": "I need my invoice as PDF"})
    assert titles(response)[0] == "Download an invoice"
    row = response.json()["results"][0]
    assert row["id"] == help_world["invoice"].pk
    assert row["url"] == help_world["invoice"].url
    assert row["summary"] == "Where to find your invoices as PDF."
    assert not response.cookies


def test_words_of_the_summary_count_too(client, help_world):
    assert titles(client.get(reverse(SUGGEST), {"q": "forgot password"})) == ["Reset your password"]


def test_unpublished_and_private_articles_are_never_suggested(client, help_world):
    from wagtail.models import PageViewRestriction

    help_world["invoice"].unpublish()
    PageViewRestriction.objects.create(
        page=help_world["refund"], restriction_type="password", password="x"
    )
    assert titles(client.get(reverse(SUGGEST), {"q": "invoice refund"})) == []


@pytest.mark.parametrize(
    "query",
    [
        "",
        "ab",
        " \t\n ",
        "\x00\x00\x00\x00",
        '"*^:()" AND OR NOT NEAR(',
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "a" * 10_000,
        "invoice " * 500,
        "%00%27%22",
        "🙂🙂🙂🙂",
    ],
)
def test_hostile_input_gives_json_never_an_error(client, help_world, query):
    response = client.get(reverse(SUGGEST), {"q": query})
    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_a_repeated_parameter_and_a_missing_one_are_harmless(client, help_world):
    assert titles(client.get(reverse(SUGGEST))) == []
    assert titles(client.get(reverse(SUGGEST) + "?q=%ED%A0%80abc%FF%FE")) == []
    assert titles(client.get(reverse(SUGGEST) + "?q=invoice&q=password")) != []


def test_input_is_bounded_before_the_backend_sees_it():
    assert clean_query("x" * 1000) == "x" * 200
    assert len(clean_query(" ".join(["word"] * 100)).split()) == MAX_WORDS
    assert clean_query('"invoice" AND (refund)*') == "invoice AND refund"
    assert clean_query("ab") == ""
    assert clean_query(None) == ""
    assert clean_query(["invoice"]) == ""


def test_suggestions_are_rate_limited_per_address(client, help_world, settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "HELPCENTRE_SUGGESTIONS_PER_ADDRESS": (3, 60),
    }
    for _ in range(3):
        assert client.get(reverse(SUGGEST), {"q": "invoice"}).status_code == 200
    response = client.get(reverse(SUGGEST), {"q": "invoice"})
    assert response.status_code == 429
    assert "error" in response.json()
    # another address is not affected
    other = client.get(reverse(SUGGEST), {"q": "invoice"}, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


def test_only_get_is_allowed(client, help_world):
    assert client.post(reverse(SUGGEST), {"q": "invoice"}).status_code == 405


@pytest.fixture
def languages(settings):
    """Wagtail's content languages switched on: en and de."""
    from wagtail.coreutils import get_supported_content_language_variant

    settings.WAGTAIL_I18N_ENABLED = True
    settings.WAGTAIL_CONTENT_LANGUAGES = [("en", "English"), ("de", "Deutsch")]
    get_supported_content_language_variant.cache_clear()
    yield
    get_supported_content_language_variant.cache_clear()


def test_suggestions_follow_the_page_language(client, help_world, languages):
    from wagtail.models import Locale

    german = Locale.objects.create(language_code="de")
    invoice_de = help_world["invoice"].copy_for_translation(german, copy_parents=True)
    invoice_de.title = "Rechnung herunterladen"
    invoice_de.body = [("paragraph", "<p>Rechnung als PDF.</p>")]
    invoice_de.save_revision().publish()
    assert titles(client.get(reverse(SUGGEST), {"q": "Rechnung PDF", "lang": "de"})) == [
        "Rechnung herunterladen"
    ]
    # an unknown language is ignored rather than activated
    assert titles(client.get(reverse(SUGGEST), {"q": "invoice", "lang": "xx\x00"})) == [
        "Download an invoice"
    ]


def test_this_answered_my_question_counts_a_ticket_not_opened(client, help_world):
    invoice = help_world["invoice"].pk
    for source in ("external", "external", "customer"):
        response = client.post(reverse(ANSWERED), {"article": invoice, "source": source})
        assert response.status_code == 200
        assert not response.cookies
    rows = {row.source: row.deflected for row in ArticleFeedback.objects.all()}
    assert rows == {"external": 2, "customer": 1}
    import datetime

    today = datetime.date.today()
    week = (today - datetime.timedelta(days=7), today + datetime.timedelta(days=1))
    assert feedback.totals(*week)["deflected"] == 3
    assert feedback.deflections_by_source(*week) == {"external": 2, "customer": 1}


def test_answered_refuses_bad_input(client, help_world):
    url = reverse(ANSWERED)
    invoice = help_world["invoice"].pk
    assert client.post(url, {"article": invoice, "source": "article"}).status_code == 403
    assert client.post(url, {"article": invoice}).status_code == 403
    assert (
        client.post(
            url, {"article": invoice, "source": "external"}, HTTP_ORIGIN="https://evil.example"
        ).status_code
        == 403
    )
    assert client.post(url, {"article": "1e9", "source": "external"}).status_code == 404
    assert (
        client.post(url, {"article": help_world["billing"].pk, "source": "external"}).status_code
        == 404
    )
    assert client.get(url).status_code == 405
    assert not ArticleFeedback.objects.exists()


def test_answered_is_rate_limited(client, help_world, settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "HELPCENTRE_FEEDBACK_PER_ADDRESS": (1, 3600),
    }
    data = {"article": help_world["invoice"].pk, "source": "external"}
    assert client.post(reverse(ANSWERED), data).status_code == 200
    assert client.post(reverse(ANSWERED), data).status_code == 429
    assert ArticleFeedback.objects.get().deflected == 1


def test_the_forms_carry_the_suggestion_box(client, help_world):
    ticket_type = TicketTypeFactory(name="Support")
    external_page(offered=[ticket_type])
    html = client.get(reverse("wagtail_tickets:external")).content.decode()
    assert 'data-source="external"' in html
    assert reverse(SUGGEST) in html
    customer = UserFactory()
    grant(customer, ticket_type, TypePermission.Level.CREATE)
    client.force_login(customer)
    html = client.get(reverse("wagtail_tickets:create")).content.decode()
    assert 'data-source="customer"' in html


def test_the_forms_show_nothing_when_the_urls_are_not_included(client, settings, help_world):
    settings.ROOT_URLCONF = "tests.contrib.helpcentre.urls_without"
    ticket_type = TicketTypeFactory(name="Support")
    external_page(offered=[ticket_type])
    response = client.get(reverse("wagtail_tickets:external"))
    assert response.status_code == 200
    assert b"data-wt-help-suggest" not in response.content
    assert b'name="subject"' in response.content


def test_a_suggestion_costs_the_same_few_queries_however_many_articles(
    client, help_world, django_assert_max_num_queries
):
    from tests.contrib.helpcentre.conftest import add_article

    with django_assert_max_num_queries(8) as few:
        assert titles(client.get(reverse(SUGGEST), {"q": "invoice refund password"}))
    for number in range(15):
        add_article(help_world["billing"], f"Invoice question {number}", "About invoices.")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(titles(client.get(reverse(SUGGEST), {"q": "invoice"}))) == 5
