"""Only the external views may be framed, and only by the configured origins; every other
view keeps Django's clickjacking protection."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.urls import reverse

from tests.factories import UserFactory, make_ticket
from wagtail_tickets.external import token as tokens
from wagtail_tickets.external.framing import frame_ancestors, valid_source

pytestmark = pytest.mark.django_db


def test_external_pages_allow_same_origin_framing_by_default(client, page, support_type):
    ticket = make_ticket(None, support_type, requester_email="v@example.org")
    token = tokens.issue_token(ticket)
    for path in ("/tickets/external/", f"/tickets/external/t/{token}/"):
        response = client.get(path)
        assert response.status_code == 200
        assert "X-Frame-Options" not in response
        assert response["Content-Security-Policy"] == "frame-ancestors 'self'"


def test_configured_origins_may_frame(client, page, settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "EXTERNAL_FRAME_ANCESTORS": ("'self'", "https://www.shop.example", "http://127.0.0.1:8001"),
    }
    response = client.get("/tickets/external/")
    assert response["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://www.shop.example http://127.0.0.1:8001"
    )


def test_injected_sources_are_dropped(settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "EXTERNAL_FRAME_ANCESTORS": (
            "https://ok.example",
            "https://a.example; script-src *",
            "https://b.example\r\nSet-Cookie: x=1",
            "https://c.example, *",
        ),
    }
    assert frame_ancestors() == "frame-ancestors https://ok.example"
    errors = [e for e in run_checks() if e.id == "wagtail_tickets.E101"]
    assert len(errors) == 1


def test_nothing_valid_means_no_framing(settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "EXTERNAL_FRAME_ANCESTORS": ()}
    assert frame_ancestors() == "frame-ancestors 'none'"


@pytest.mark.parametrize(
    "source, ok",
    [
        ("'self'", True),
        ("https://www.example.com", True),
        ("https://*.example.com", True),
        ("http://127.0.0.1:8001", True),
        ("https:", True),
        ("self", False),
        ("javascript:alert(1)", False),
        ("https://x.example/path;", False),
        ("'unsafe-inline'", False),
    ],
)
def test_valid_sources(source, ok):
    assert valid_source(source) is ok


def test_disabled_page_answers_404_without_framing_rights(client, support_type):
    from tests.factories import external_page

    external_page(enabled=False, offered=[support_type])
    response = client.get("/tickets/external/")
    assert response.status_code == 404
    assert response["X-Frame-Options"] == "DENY"


def test_every_other_view_keeps_clickjacking_protection(client, page, support_type):
    user = UserFactory()
    client.force_login(user)
    for path in (
        reverse("wagtail_tickets:my_tickets"),
        reverse("wagtail_tickets:create"),
        "/admin/",
        "/admin/login/",
    ):
        response = client.get(path)
        assert response["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors" not in response.get("Content-Security-Policy", ""), path


def test_attachment_downloads_are_not_framable(client, page, support_type):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = make_ticket(
        None,
        support_type,
        requester_email="v@example.org",
        files=[SimpleUploadedFile("a.html", b"<script>alert(1)</script>", "text/html")],
    )
    token = tokens.issue_token(ticket)
    item = ticket.messages.get().attachments.get()
    response = client.get(reverse("wagtail_tickets:external_attachment", args=[token, item.pk]))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
