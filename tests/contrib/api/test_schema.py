"""The OpenAPI schema: served to signed-in users, valid OpenAPI 3, listing every endpoint
of the API (and nothing of the rest of the site)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse

from wagtail_tickets.contrib.api import urls as api_urls

from .conftest import client_for

pytestmark = pytest.mark.django_db

# pages of the API that are not operations on tickets
NOT_IN_SCHEMA = {"root", "schema", "account_tokens"}


@pytest.fixture
def schema(world):
    response = client_for(world["agent"]).get(
        reverse("wagtail_tickets_api:schema"), {"format": "json"}
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_schema_validates(schema):
    from drf_spectacular.validation import validate_schema

    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_schema_lists_every_endpoint_and_only_ours(schema):
    prefix = reverse("wagtail_tickets_api:root")
    paths = set(schema["paths"])
    assert all(path.startswith(prefix) for path in paths)
    expected = set()
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in NOT_IN_SCHEMA:
            continue
        route = str(pattern.pattern).replace("<str:", "{").replace(">", "}")
        expected.add(prefix + route)
    assert paths == expected
    tickets = schema["paths"][prefix + "tickets/"]
    assert {"get", "post"} <= set(tickets)
    names = {p["name"] for p in tickets["get"]["parameters"]}
    assert {"cursor", "page_size", "q", "ordering", "status", "state", "scope"} <= names


def test_schema_generation_has_no_warnings(world, capsys):
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    client_for(world["agent"]).get(reverse("wagtail_tickets_api:schema"), {"format": "json"})
    assert not GENERATOR_STATS._warn_cache, list(GENERATOR_STATS._warn_cache)
    assert not GENERATOR_STATS._error_cache, list(GENERATOR_STATS._error_cache)


def test_schema_as_yaml_by_default(world):
    response = client_for(world["alice"]).get(reverse("wagtail_tickets_api:schema"))
    assert response.status_code == 200
    assert response.content.startswith(b"openapi:")


def test_the_api_root_links_the_schema(world):
    data = client_for(world["agent"]).get(reverse("wagtail_tickets_api:root")).json()
    assert data["schema"].endswith(reverse("wagtail_tickets_api:schema"))
