"""The help centre's pages render, search, and count votes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wagtail_tickets.contrib.helpcentre.models import ArticleFeedback, RelatedArticle

pytestmark = pytest.mark.django_db


def test_index_lists_categories_and_searches(client, help_world):
    response = client.get(help_world["centre"].url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Billing" in html and "Your account" in html
    response = client.get(help_world["centre"].url, {"q": "invoice"})
    html = response.content.decode()
    assert "Download an invoice" in html
    assert "Reset your password" not in html


def test_category_lists_its_articles_only(client, help_world):
    html = client.get(help_world["billing"].url).content.decode()
    assert "Download an invoice" in html and "Ask for a refund" in html
    assert "Reset your password" not in html


def test_article_shows_body_related_and_vote_form(client, help_world):
    invoice = help_world["invoice"]
    RelatedArticle.objects.create(article=invoice, related=help_world["refund"], sort_order=0)
    RelatedArticle.objects.create(article=invoice, related=help_world["password"], sort_order=1)
    help_world["password"].unpublish()
    response = client.get(invoice.url)
    html = response.content.decode()
    assert "press Download next to the invoice" in html
    assert "Ask for a refund" in html
    assert "Reset your password" not in html  # unpublished related articles are left out
    assert reverse("wagtail_tickets_helpcentre:vote") in html


def test_a_vote_is_counted_without_cookies_and_thanks(client, help_world):
    invoice = help_world["invoice"]
    url = reverse("wagtail_tickets_helpcentre:vote")
    response = client.post(url, {"article": invoice.pk, "helpful": "yes"})
    assert response.status_code == 302
    assert response["Location"].endswith("?voted=yes#wt-help-vote")
    assert not response.cookies
    client.post(url, {"article": invoice.pk, "helpful": "no"})
    client.post(url, {"article": invoice.pk, "helpful": "yes"})
    row = ArticleFeedback.objects.get(article=invoice)
    assert (row.helpful, row.not_helpful, row.deflected, row.source) == (2, 1, 0, "article")
    html = client.get(response["Location"]).content.decode()
    assert "Thank you for your feedback!" in html


@pytest.mark.parametrize(
    "data",
    [
        {"article": "x", "helpful": "yes"},
        {"article": "99999999999999999999999", "helpful": "yes"},
        {"article": "", "helpful": "yes"},
    ],
)
def test_a_vote_for_no_article_is_404(client, help_world, data):
    response = client.post(reverse("wagtail_tickets_helpcentre:vote"), data)
    assert response.status_code == 404
    assert not ArticleFeedback.objects.exists()


def test_a_vote_for_an_unpublished_article_is_404(client, help_world):
    help_world["refund"].unpublish()
    response = client.post(
        reverse("wagtail_tickets_helpcentre:vote"),
        {"article": help_world["refund"].pk, "helpful": "yes"},
    )
    assert response.status_code == 404


def test_a_vote_from_another_site_or_with_a_bad_choice_is_refused(client, help_world):
    url = reverse("wagtail_tickets_helpcentre:vote")
    article = help_world["invoice"].pk
    assert (
        client.post(
            url, {"article": article, "helpful": "yes"}, HTTP_ORIGIN="https://evil.example"
        ).status_code
        == 403
    )
    assert client.post(url, {"article": article, "helpful": "maybe"}).status_code == 403
    assert client.get(url).status_code == 405
    assert not ArticleFeedback.objects.exists()


def test_votes_are_rate_limited(client, help_world, settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "HELPCENTRE_FEEDBACK_PER_ADDRESS": (2, 3600),
    }
    url = reverse("wagtail_tickets_helpcentre:vote")
    data = {"article": help_world["invoice"].pk, "helpful": "yes"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 429
    assert ArticleFeedback.objects.get().helpful == 2


def test_pages_in_another_language_are_searched_in_that_language(
    client, help_world, django_capture_on_commit_callbacks
):
    from wagtail.models import Locale

    from wagtail_tickets.contrib.helpcentre.models import search_articles

    german = Locale.objects.create(language_code="de")
    invoice_de = help_world["invoice"].copy_for_translation(german, copy_parents=True)
    invoice_de.title = "Rechnung herunterladen"
    invoice_de.summary = "Wo Sie Ihre Rechnungen finden."
    invoice_de.body = [("paragraph", "<p>Öffnen Sie Abrechnung und dann Rechnungen.</p>")]
    with django_capture_on_commit_callbacks(execute=True):  # Wagtail 7 indexes on commit
        invoice_de.save_revision().publish()
    assert [a.pk for a in search_articles("Rechnung", locale=german)] == [invoice_de.pk]
    # a language without a match falls back to the default language's articles
    assert [a.pk for a in search_articles("refund", locale=german)] == [help_world["refund"].pk]
