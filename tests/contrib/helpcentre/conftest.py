"""The help centre's test world: a help centre under the site's home page, two categories
and a few articles, published."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from wagtail.models import Page

from wagtail_tickets.contrib.helpcentre.models import (
    HelpArticlePage,
    HelpCategoryPage,
    HelpCentrePage,
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits are counted in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def add_article(parent: Page, title: str, summary: str = "", text: str = "", **kw):
    article = HelpArticlePage(
        title=title,
        summary=summary,
        body=[("paragraph", f"<p>{text or summary}</p>")],
        **kw,
    )
    parent.add_child(instance=article)
    article.save_revision().publish()
    return article


@pytest.fixture
def help_world(db, django_capture_on_commit_callbacks) -> dict:
    # Wagtail 7 writes the search index when the pages' transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        return _build_world()


def _build_world() -> dict:
    home = Page.objects.get(depth=2)
    centre = HelpCentrePage(title="Help centre", slug="help", intro="<p>Answers first.</p>")
    home.add_child(instance=centre)
    billing = HelpCategoryPage(title="Billing", slug="billing", description="Invoices, payments")
    centre.add_child(instance=billing)
    account = HelpCategoryPage(title="Your account", slug="account")
    centre.add_child(instance=account)
    invoice = add_article(
        billing,
        "Download an invoice",
        "Where to find your invoices as PDF.",
        "Open Billing, then Invoices, and press Download next to the invoice.",
    )
    refund = add_article(
        billing, "Ask for a refund", "Refunds take five working days.", "Write to us."
    )
    password = add_article(
        account,
        "Reset your password",
        "Forgot your password? Reset it by mail.",
        "Press Forgot password on the login page.",
    )
    return {
        "home": home,
        "centre": centre,
        "billing": billing,
        "account": account,
        "invoice": invoice,
        "refund": refund,
        "password": password,
    }
