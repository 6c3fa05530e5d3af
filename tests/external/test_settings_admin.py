"""The external page's options in the Wagtail admin (Settings → External ticket page)."""

from __future__ import annotations

import pytest

from tests.factories import TicketTypeFactory, UserFactory
from wagtail_tickets.models import ExternalPageSettings

pytestmark = pytest.mark.django_db


def edit_url() -> str:
    return f"/admin/settings/wagtail_tickets/externalpagesettings/{ExternalPageSettings.load().pk}/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def form_data(**values):
    data = {
        "enabled": "on",
        "allow_anonymous": "on",
        "alternative_url": "",
        "custom_css": "",
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def test_options_are_edited_in_the_admin(admin_client, support_type):
    TicketTypeFactory(name="Billing")
    response = admin_client.get(edit_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Web support" in html and "Billing" in html and 'type="checkbox"' in html
    response = admin_client.post(
        edit_url(),
        form_data(
            alternative_url="https://www.shop.example/help/",
            custom_css=".wt-customer { --wt-accent: #c2185b; }",
            offered_types=[str(support_type.pk)],
        ),
    )
    assert response.status_code == 302
    page = ExternalPageSettings.load()
    assert page.enabled and page.allow_anonymous
    assert page.alternative_url == "https://www.shop.example/help/"
    assert list(page.offered_types.all()) == [support_type]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.example/", "not a url"])
def test_alternative_url_must_be_http(admin_client, url):
    response = admin_client.post(edit_url(), form_data(alternative_url=url))
    assert response.status_code == 200
    assert ExternalPageSettings.load().alternative_url == ""


def test_page_is_off_until_switched_on(client, support_type):
    assert ExternalPageSettings.load().enabled is False
    assert client.get("/tickets/external/").status_code == 404


def test_custom_css_help_names_the_custom_properties_and_the_framing_option(admin_client):
    html = admin_client.get(edit_url()).content.decode()
    for name in ("--wt-accent", "--wt-radius", "--wt-with-us", "--wt-waiting", "--wt-closed"):
        assert name in html
    assert "EXTERNAL_FRAME_ANCESTORS" in html and "frame-ancestors" in html
