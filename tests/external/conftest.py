"""Fixtures of the external page tests: a fresh cache (rate limits), an enabled page with one
offered type, and form data carrying a valid signed form token."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from tests.factories import TicketTypeFactory, external_page
from wagtail_tickets.external.forms import sign_form


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def support_type(db):
    return TicketTypeFactory(name="Web support", description="Questions about the website")


@pytest.fixture
def page(db, support_type):
    return external_page(offered=[support_type])


def signed(scope: str = "new", binding: str = "", age: float = 60) -> str:
    """A form token shown ``age`` seconds ago."""
    return sign_form(scope, binding, now=time.time() - age)


@pytest.fixture
def visitor_data(support_type):
    """What a visitor types into the new-ticket form."""
    return {
        "name": "Vera Visitor",
        "email": "vera@example.org",
        "type": str(support_type.pk),
        "subject": "The shop does not load",
        "body": "<p>Since this morning the <strong>shop</strong> shows an error.</p>",
        "form_token": signed(),
        "website": "",
    }
