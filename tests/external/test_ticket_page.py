"""Following a ticket through its private link: read, reply with files, close; wrong and
foreign links answer 404 and reveal nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.external.conftest import signed
from tests.factories import UserFactory, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.external import token as tokens
from wagtail_tickets.models import ExternalAccess, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return UserFactory(username="agent", first_name="Anna", last_name="Agent", is_superuser=True)


@pytest.fixture
def visitor_ticket(page, support_type):
    ticket = make_ticket(
        None,
        support_type,
        subject="Shop down",
        body="<p>The shop is down.</p>",
        requester_name="Vera Visitor",
        requester_email="vera@example.org",
    )
    return ticket, tokens.issue_token(ticket)


def url(token: str) -> str:
    return reverse("wagtail_tickets:external_ticket", args=[token])


def reply_data(ticket, **extra):
    return {
        "action": "reply",
        "body": "<p>Any news?</p>",
        "form_token": signed(f"ticket:{ticket.pk}"),
        "website": "",
        **extra,
    }


def test_private_page_shows_conversation_without_internal_notes(client, visitor_ticket, agent):
    ticket, token = visitor_ticket
    actions.add_reply(ticket, actor=agent, body_html="<p>Secret note</p>", internal=True)
    actions.add_reply(ticket, actor=agent, body_html="<p>We are looking into it.</p>")
    response = client.get(url(token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The shop is down." in html and "We are looking into it." in html
    assert "Secret note" not in html
    assert "Support team" in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_only_the_hash_is_stored(visitor_ticket):
    ticket, token = visitor_ticket
    assert len(token) == 43  # 256 bits, URL-safe
    stored = list(ExternalAccess.objects.filter(ticket=ticket).values_list("token_hash", flat=True))
    assert tokens.token_hash(token) in stored
    assert not any(token in value for value in stored)


@pytest.mark.parametrize(
    "guess",
    [
        "A" * 43,
        "0" * 43,
        "short",
        "A" * 44,
        "../../admin",
        "%00" * 10,
    ],
)
def test_guessed_tokens_are_not_found(client, visitor_ticket, guess):
    response = client.get(f"/tickets/external/t/{guess}/")
    assert response.status_code == 404
    assert "Shop down" not in response.content.decode()


def test_hash_of_a_token_is_not_a_token(client, visitor_ticket):
    ticket, token = visitor_ticket
    stored = ExternalAccess.objects.get(token_hash=tokens.token_hash(token)).token_hash
    assert client.get(url(stored)).status_code == 404
    assert client.get(url(token.swapcase())).status_code == 404


def test_foreign_token_opens_only_its_own_ticket(client, page, support_type, visitor_ticket):
    ticket, token = visitor_ticket
    other = make_ticket(None, support_type, subject="Other person's", requester_email="o@x.org")
    other_token = tokens.issue_token(other)
    html = client.get(url(other_token)).content.decode()
    assert "Other person&#x27;s" in html and "Shop down" not in html
    # a file of one ticket cannot be fetched through the other ticket's link
    actions.add_reply(
        ticket,
        body_html="<p>file</p>",
        files=[SimpleUploadedFile("secret.txt", b"secret", "text/plain")],
        author_name="Vera",
    )
    attachment = Message.objects.filter(ticket=ticket).last().attachments.get()
    link = reverse("wagtail_tickets:external_attachment", args=[other_token, attachment.pk])
    assert client.get(link).status_code == 404
    own = reverse("wagtail_tickets:external_attachment", args=[token, attachment.pk])
    response = client.get(own)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"secret"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"


def test_files_of_internal_notes_are_not_served(client, visitor_ticket, agent):
    ticket, token = visitor_ticket
    note = actions.add_reply(
        ticket,
        actor=agent,
        body_html="<p>internal</p>",
        internal=True,
        files=[SimpleUploadedFile("notes.txt", b"internal", "text/plain")],
    )
    link = reverse("wagtail_tickets:external_attachment", args=[token, note.attachments.get().pk])
    assert client.get(link).status_code == 404


def test_too_many_wrong_tokens_from_one_address_are_throttled(client, visitor_ticket, settings):
    ticket, token = visitor_ticket
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "EXTERNAL_TOKEN_MISSES_PER_ADDRESS": (3, 3600),
    }
    for n in range(3):
        assert client.get(url(f"{n}" * 43)).status_code == 404
    assert client.get(url("9" * 43)).status_code == 429
    assert client.get(url(token)).status_code == 429  # even a right one, for a while
    assert client.get(url(token), REMOTE_ADDR="192.0.2.50").status_code == 200


def test_visitor_replies_with_attachment(client, visitor_ticket):
    ticket, token = visitor_ticket
    data = reply_data(ticket, attachments=[SimpleUploadedFile("log.txt", b"log", "text/plain")])
    response = client.post(url(token), data)
    assert response.status_code == 302
    assert response["Location"] == url(token) + "#latest"
    reply = ticket.messages.order_by("pk").last()
    assert reply.body_html == "<p>Any news?</p>"
    assert (reply.author, reply.author_name, reply.author_email, reply.is_staff) == (
        None,
        "Vera Visitor",
        "vera@example.org",
        False,
    )
    assert reply.attachments.get().filename == "log.txt"
    assert "log.txt" in client.get(url(token)).content.decode()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"website": "filled"}, "looks automated"),
        ({"form_token": ""}, "This form has expired"),
        ({"body": ""}, "This field is required."),
    ],
)
def test_refused_replies_save_nothing(client, visitor_ticket, change, message):
    ticket, token = visitor_ticket
    data = reply_data(ticket, attachments=[SimpleUploadedFile("a.txt", b"a", "text/plain")])
    data.update(change)
    response = client.post(url(token), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ticket.messages.count() == 1


def test_form_token_of_another_ticket_is_refused(client, page, support_type, visitor_ticket):
    ticket, token = visitor_ticket
    other = make_ticket(None, support_type, requester_email="o@x.org")
    response = client.post(url(token), reply_data(other))
    assert "This form has expired" in response.content.decode()
    assert ticket.messages.count() == 1


def test_reply_from_foreign_origin_is_refused(client, visitor_ticket):
    ticket, token = visitor_ticket
    response = client.post(url(token), reply_data(ticket), HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert ticket.messages.count() == 1


def test_visitor_closes_ticket_and_can_no_longer_reply(client, visitor_ticket):
    ticket, token = visitor_ticket
    data = {"action": "close", "form_token": signed(f"ticket:{ticket.pk}"), "website": ""}
    # the button alone only opens the confirmation: nothing is closed
    response = client.post(url(token), data)
    assert response.status_code == 400
    assert "<details" in response.content.decode() and " open " in response.content.decode()
    ticket.refresh_from_db()
    assert not ticket.status.is_closed
    assert client.post(url(token), {**data, "confirm": "yes"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status.is_closed
    html = client.get(url(token)).content.decode()
    assert "This ticket is closed." in html
    assert 'value="reply"' not in html and 'value="close"' not in html
    client.post(url(token), reply_data(ticket))
    assert ticket.messages.count() == 1


def test_close_without_valid_form_token_is_refused(client, visitor_ticket):
    ticket, token = visitor_ticket
    response = client.post(url(token), {"action": "close", "form_token": "x", "confirm": "yes"})
    assert "This form has expired" in response.content.decode()
    ticket.refresh_from_db()
    assert not ticket.status.is_closed


def test_agent_answer_shows_up(client, visitor_ticket, agent):
    ticket, token = visitor_ticket
    actions.add_reply(ticket, actor=agent, body_html="<p>Fixed, please try again.</p>")
    assert "Fixed, please try again." in client.get(url(token)).content.decode()


def test_long_conversation_is_paginated_with_constant_queries(
    client, visitor_ticket, agent, django_assert_max_num_queries
):
    ticket, token = visitor_ticket
    client.get(url(token))
    with django_assert_max_num_queries(30) as base:
        client.get(url(token))
    for n in range(60):
        actions.add_reply(
            ticket,
            actor=agent,
            body_html=f"<p>Answer {n}</p>",
            files=[SimpleUploadedFile(f"f{n}.txt", b"x", "text/plain")],
        )
    with django_assert_max_num_queries(len(base.captured_queries)):
        response = client.get(url(token))
    html = response.content.decode()
    assert "Answer 59" in html and 'id="latest"' in html  # the newest page first
    assert "Answer 0<" not in html
    assert "Answer 0<" in client.get(url(token) + "?page=1").content.decode()


def test_disabled_page_closes_private_links_too(client, visitor_ticket):
    from tests.factories import external_page

    ticket, token = visitor_ticket
    external_page(enabled=False)
    assert client.get(url(token)).status_code == 404


def test_private_links_keep_working_when_anonymous_mode_is_switched_off(client, visitor_ticket):
    from tests.factories import external_page

    ticket, token = visitor_ticket
    external_page(allow_anonymous=False)
    assert client.get(url(token)).status_code == 200


def test_reply_with_null_origin_is_accepted(client, visitor_ticket):
    """Browsers send ``Origin: null`` from pages with ``Referrer-Policy: no-referrer``."""
    ticket, token = visitor_ticket
    response = client.post(url(token), reply_data(ticket), HTTP_ORIGIN="null")
    assert response.status_code == 302
    assert ticket.messages.count() == 2
