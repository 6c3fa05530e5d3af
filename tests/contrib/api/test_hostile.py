"""Hostile input: bad ids, bad JSON, oversize bodies, wrong methods, bad tokens, too many
requests. Every answer is a 4xx with a reason, never a 500, and nothing is half-saved."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from wagtail_tickets.contrib.api.models import ApiToken
from wagtail_tickets.models import Message, Ticket

from .conftest import client_for

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"wagtail_tickets_api:{name}", args=args)


BAD_IDS = ["0", "-1", "abc", "1.5", "99999999999999999999999", "１２", "%00", " 1", "1e3"]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_ticket_ids_are_404(world, bad):
    client = client_for(world["agent"])
    for name in ("ticket", "messages"):
        assert (
            client.get(
                f"{url('tickets')}{bad}/{'' if name == 'ticket' else 'messages/'}"
            ).status_code
            == 404
        )
    assert client.post(f"{url('tickets')}{bad}/close/").status_code == 404


@pytest.mark.parametrize("bad", ["0", "abc", "99999999999999999999999"])
def test_bad_attachment_and_customer_ids_are_404(world, bad):
    client = client_for(world["agent"])
    base = url("ticket", world["alice_hw"].pk)
    assert client.get(f"{base}attachments/{bad}/").status_code == 404
    assert client.get(url("customer_tickets", bad)).status_code == 404


def test_unknown_ids_are_404(world):
    client = client_for(world["agent"])
    assert client.get(url("ticket", 987654)).status_code == 404
    assert client.get(url("customer_tickets", 987654)).status_code == 404


@pytest.mark.parametrize(
    "body",
    [b"{", b"[]", b'"text"', b"null", b'{"body": {"nested": 1}}', b'{"body": [1, 2]}', b"\xff\xfe"],
)
def test_bad_json_is_400(world, body):
    client = client_for(world["alice"])
    response = client.post(
        url("messages", world["alice_hw"].pk), body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert Message.objects.filter(ticket=world["alice_hw"]).count() == 2


def test_validation_errors_name_their_field(world):
    client = client_for(world["agent"])
    ticket = world["alice_hw"]
    blank = client.post(url("messages", ticket.pk), {"body": "   "}, format="json")
    assert blank.status_code == 400 and "body" in blank.json()
    status = client.patch(url("ticket", ticket.pk), {"status": "abc"}, format="json")
    assert status.status_code == 400 and "status" in status.json()
    date = client.patch(url("ticket", ticket.pk), {"target_date": "yesterday"}, format="json")
    assert date.status_code == 400 and "target_date" in date.json()
    unknown = client.patch(url("ticket", ticket.pk), {"number": "1"}, format="json")
    assert unknown.status_code == 400 and "number" in unknown.json()
    cc = client.patch(url("ticket", ticket.pk), {"cc": "not an address"}, format="json")
    assert cc.status_code == 400 and "cc" in cc.json()
    foreign_type = client.patch(
        url("ticket", ticket.pk), {"ticket_type": world["billing"].pk}, format="json"
    )
    assert foreign_type.status_code == 400 and "ticket_type" in foreign_type.json()


def test_oversize_text_is_refused(world, settings):
    client = client_for(world["alice"])
    huge = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = client.post(url("messages", world["alice_hw"].pk), {"body": huge}, format="json")
    assert response.status_code == 413
    long_body = client.post(
        url("messages", world["alice_hw"].pk), {"body": "y" * 200_000}, format="json"
    )
    assert long_body.status_code == 400 and "body" in long_body.json()


def test_oversize_files_are_refused(world, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAX_ATTACHMENT_SIZE": 100}
    client = client_for(world["alice"])
    big = SimpleUploadedFile("big.txt", b"z" * 500, content_type="text/plain")
    response = client.post(
        url("messages", world["alice_hw"].pk),
        {"body": "with a file", "attachments": [big]},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert "attachments" in response.json()
    blocked = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(
        url("messages", world["alice_hw"].pk),
        {"body": "with a file", "attachments": [blocked]},
        format="multipart",
    )
    assert response.status_code == 400 and "attachments" in response.json()
    assert not Message.objects.filter(body_text="with a file").exists()


def test_files_within_the_limits_are_stored(world):
    client = client_for(world["agent"])
    response = client.post(
        url("messages", world["alice_hw"].pk),
        {
            "body": "two files",
            "internal": "true",
            "attachments": [
                SimpleUploadedFile("a.txt", b"a", content_type="text/plain"),
                SimpleUploadedFile("b.pdf", b"%PDF", content_type="application/pdf"),
            ],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["is_internal"] is True
    assert sorted(a["filename"] for a in data["attachments"]) == ["a.txt", "b.pdf"]
    download = client.get(data["attachments"][0]["url"])
    assert download.status_code == 200


def test_declared_body_over_the_upload_limit_is_413_unread(world):
    from wagtail_tickets import uploads

    client = client_for(world["alice"])
    response = client.generic(
        "POST",
        url("messages", world["alice_hw"].pk),
        b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(uploads.request_body_limit() + 1),
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "method, name",
    [
        ("delete", "tickets"),
        ("put", "ticket"),
        ("delete", "ticket"),
        ("get", "close"),
        ("get", "claim"),
        ("patch", "messages"),
        ("post", "types"),
        ("post", "attachment"),
    ],
)
def test_wrong_methods_are_405(world, method, name):
    ticket = world["alice_hw"]
    args = {
        "tickets": (),
        "types": (),
        "attachment": (ticket.pk, 1),
    }.get(name, (ticket.pk,))
    response = getattr(client_for(world["agent"]), method)(url(name, *args))
    assert response.status_code == 405


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer wt_nothing",
        "Bearer wt_000000000000_" + "A" * 43,
        "Bearer \u00e9",
    ],
)
def test_bad_tokens_are_401(world, header):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(url("tickets")).status_code == 401


def test_revoked_expired_and_inactive_tokens_are_401(world):
    from wagtail_tickets.contrib.api import tokens

    alice = world["alice"]
    new = tokens.create_token(alice, "soon gone")
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new.secret}")
    assert client.get(url("tickets")).status_code == 200
    assert tokens.revoke_token(alice, new.token.pk)
    assert client.get(url("tickets")).status_code == 401

    expired = tokens.create_token(alice, "expired", expires_in_days=1)
    ApiToken.objects.filter(pk=expired.token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {expired.secret}")
    assert client.get(url("tickets")).status_code == 401

    live = tokens.create_token(alice, "live")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {live.secret}")
    alice.is_active = False
    alice.save()
    assert client.get(url("tickets")).status_code == 401

    # the right prefix with a wrong secret
    tampered = live.secret[:-4] + ("AAAA" if not live.secret.endswith("AAAA") else "BBBB")
    alice.is_active = True
    alice.save()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tampered}")
    assert client.get(url("tickets")).status_code == 401


def test_someone_elses_token_cannot_be_revoked(world):
    from wagtail_tickets.contrib.api import tokens

    new = tokens.create_token(world["alice"], "mine")
    assert not tokens.revoke_token(world["bob"], new.token.pk)
    assert ApiToken.objects.get(pk=new.token.pk).revoked_at is None


def test_rate_limit_answers_429_per_token(world, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "API_RATE": (3, 60)}
    first = client_for(world["alice"])
    for _ in range(3):
        assert first.get(url("types")).status_code == 200
    limited = first.get(url("types"))
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    # another token of someone else has its own count
    assert client_for(world["bob"]).get(url("types")).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"ordering": "subject; drop table"},
        {"cursor": "!!!"},
        {"cursor": "W10"},
        {"cursor": "x" * 500},
        {"page_size": "0"},
        {"page_size": "-5"},
        {"page_size": "ten"},
        {"status": "abc"},
        {"status": "99999999999999999999999"},
        {"ticket_type": "not-a-type"},
        {"assigned": "everyone"},
        {"q": "x" * 1000},
    ],
)
def test_bad_list_parameters_are_400(world, params):
    response = client_for(world["agent"]).get(url("tickets"), params)
    assert response.status_code == 400, (params, response.content)


@pytest.mark.parametrize("params", [{"scope": "everyone"}, {"state": "maybe"}])
def test_bad_customer_list_parameters_are_400(world, params):
    assert client_for(world["alice"]).get(url("tickets"), params).status_code == 400


def test_search_control_characters_do_not_break_it(world):
    response = client_for(world["agent"]).get(url("tickets"), {"q": "Printer\x00\x01"})
    assert response.status_code == 200
    assert [row["subject"] for row in response.json()["results"]] == ["Printer jam"]


def test_nothing_half_saved_when_an_action_refuses(world):
    before = Ticket.objects.count()
    response = client_for(world["bob"]).post(
        url("tickets"),
        {"type": world["hardware"].pk, "subject": "s", "body": "b", "priority": 999999},
        format="json",
    )
    assert response.status_code == 400
    assert Ticket.objects.count() == before


@pytest.mark.parametrize("method", ["options", "head"])
def test_options_and_head_answer(world, method):
    client = client_for(world["agent"])
    for path in (url("tickets"), url("ticket", world["alice_hw"].pk), url("types")):
        assert getattr(client, method)(path).status_code == 200, path


def test_a_wrong_token_is_refused_before_the_body_is_read(world):
    from rest_framework.test import APIClient

    from wagtail_tickets import uploads

    for header in ("Bearer wt_000000000000_" + "A" * 43, None):
        client = APIClient()
        if header:
            client.credentials(HTTP_AUTHORIZATION=header)
        response = client.generic(
            "POST",
            url("messages", world["alice_hw"].pk),
            b"--x\r\n",
            content_type="multipart/form-data; boundary=x",
            CONTENT_LENGTH=str(uploads.request_body_limit() + 1),
        )
        assert response.status_code == 401
