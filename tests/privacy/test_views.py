"""A customer's own archive from the profile page."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.cache import cache
from django.urls import reverse

from .conftest import EMAIL, MARKER

URL = reverse("wagtail_tickets:my_data")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _data(response) -> dict:
    body = b"".join(response.streaming_content)
    return json.loads(zipfile.ZipFile(io.BytesIO(body)).read("data.json"))


def test_profile_offers_the_download(client, world):
    client.force_login(world["alice"])
    page = client.get(reverse("wagtail_tickets:profile"))
    assert URL in page.content.decode()


def test_customer_downloads_only_her_own_data(client, world):
    client.force_login(world["alice"])
    response = client.post(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    data = _data(response)
    assert [t["number"] for t in data["tickets"]] == [world["ticket"].number]
    assert not any("internal thought" in m["body_text"] for m in data["messages"])
    assert data["full"] is False


def test_bob_gets_his_data_not_hers(client, world):
    client.force_login(world["bob"])
    data = _data(client.post(URL))
    assert [t["number"] for t in data["tickets"]] == [world["other"].number]
    assert MARKER not in json.dumps(data["profile"]) + json.dumps(data["outbox"])


def test_an_address_in_the_profile_unlocks_nothing(client, world):
    """Mallory sets alice's address on his account: the archive holds his rows only."""
    from tests.factories import make_customer

    mallory = make_customer(world["type"], username="mallory", email=EMAIL)
    client.force_login(mallory)
    data = _data(client.post(URL))
    assert data["tickets"] == [] and data["quarantine"] == [] and data["outbox"] == []
    assert data["received_mail"] == [] and data["cc"] == []


def test_rate_limited(client, world):
    client.force_login(world["alice"])
    for _ in range(3):
        assert client.post(URL).status_code == 200
    response = client.post(URL)
    assert response.status_code == 302 and response["Location"].endswith(
        reverse("wagtail_tickets:profile")
    )


def test_get_and_anonymous_are_refused(client, world):
    assert client.post(URL).status_code == 302  # to the login page
    client.force_login(world["alice"])
    assert client.get(URL).status_code == 405
