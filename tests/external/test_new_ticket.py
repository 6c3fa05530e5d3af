"""The external page's new-ticket form: visitors without an account, logged-in users, and
every way of abusing it."""

from __future__ import annotations

import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.external.conftest import signed
from tests.factories import TicketTypeFactory, UserFactory, external_page, grant, make_ticket
from wagtail_tickets.external.forms import binding_for
from wagtail_tickets.external.token import token_hash
from wagtail_tickets.models import Attachment, ExternalAccess, Message, Ticket, TypePermission

pytestmark = pytest.mark.django_db
URL = "/tickets/external/"


def stored_files(settings) -> list[str]:
    found = []
    for root, _dirs, files in os.walk(settings.MEDIA_ROOT):
        found += [os.path.join(root, name) for name in files]
    return found


def assert_nothing_saved(settings):
    assert Ticket.objects.count() == 0
    assert Message.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert ExternalAccess.objects.count() == 0
    assert stored_files(settings) == []


def test_url_name():
    assert reverse("wagtail_tickets:external") == URL


def test_disabled_page_is_not_found(client, support_type):
    external_page(enabled=False, offered=[support_type])
    assert client.get(URL).status_code == 404
    assert client.post(URL, {}).status_code == 404


def test_anonymous_mode_off_requires_login(client, support_type, settings):
    external_page(allow_anonymous=False, offered=[support_type])
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL)
    assert client.post(URL, {}).status_code == 302
    assert Ticket.objects.count() == 0


def test_visitor_sees_name_email_and_no_cc(client, page):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("name", "email", "type", "subject", "body", "attachments", "form_token"):
        assert f'name="{name}"' in html
    assert 'name="cc"' not in html
    assert 'class="wt-external__trap"' in html and 'name="website"' in html
    assert "Web support" in html
    assert response.cookies == {} or "sessionid" not in response.cookies


def test_visitor_opens_ticket_and_gets_private_link(client, page, visitor_data, settings):
    visitor_data["cc"] = "friend@example.org"  # visitors cannot add CC: ignored
    visitor_data["attachments"] = [SimpleUploadedFile("error.png", b"\x89PNG fake", "image/png")]
    response = client.post(URL, visitor_data)
    assert response.status_code == 302
    pattern = r"/tickets/external/t/([A-Za-z0-9_-]{43})/\?opened=1"
    match = re.fullmatch(pattern, response["Location"])
    assert match, response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    token = match.group(1)
    ticket = Ticket.objects.get()
    assert ticket.requester is None and ticket.customer is None
    assert (ticket.requester_name, ticket.requester_email) == ("Vera Visitor", "vera@example.org")
    assert ticket.cc == ""
    assert ticket.ticket_type == page.offered_types.get()
    message = ticket.messages.get()
    assert message.author is None and message.author_name == "Vera Visitor"
    assert message.attachments.get().filename == "error.png"
    access = ExternalAccess.objects.get()
    assert access.ticket == ticket
    assert access.token_hash == token_hash(token) and token not in access.token_hash
    assert "sessionid" not in response.cookies  # no session for visitors

    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    html = confirmation.content.decode()
    assert f"Your ticket #{ticket.number} has been opened." in html
    assert f"http://testserver/tickets/external/t/{token}/" in html
    assert "vera@example.org" in html


def test_confirmation_link_uses_alternative_url(client, page, visitor_data):
    page.alternative_url = "https://www.shop.example/support/"
    page.save()
    response = client.post(URL, visitor_data)
    token = response["Location"].split("/t/")[1].split("/")[0]
    html = client.get(response["Location"]).content.decode()
    assert f"https://www.shop.example/support/#ticket={token}" in html


def test_ticket_link_from_snippet_redirects_into_the_frame(client, page):
    token = "A" * 43
    response = client.get(f"{URL}?ticket={token}")
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/external/t/{token}/"
    assert response["Referrer-Policy"] == "no-referrer"
    # anything that is not a token shape is ignored, never redirected to
    assert client.get(f"{URL}?ticket=//evil.example/").status_code == 200
    for near in (token + "\n", "\n" + token, token + "A", token[:-1] + "/"):
        assert client.get(URL, {"ticket": near}).status_code == 200, repr(near)


def test_hostile_text_is_cleaned(client, page, visitor_data):
    visitor_data.update(
        subject="Hello\r\nBcc: victim@example.com",
        name="<script>alert(1)</script>Eve\nX",
        body='<p onclick="x()">Hi</p><script>alert(1)</script><img src=x onerror=alert(2)>',
    )
    assert client.post(URL, visitor_data).status_code == 302
    ticket = Ticket.objects.get()
    assert "\n" not in ticket.subject and "\r" not in ticket.subject
    assert "\n" not in ticket.requester_name
    body = ticket.messages.get().body_html
    assert "script" not in body and "onclick" not in body and "onerror" not in body


@pytest.mark.parametrize(
    "change, error",
    [
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"email": "a@example.org\r\nBcc: b@example.org"}, "Enter a valid email address."),
        ({"name": "   "}, "This field is required."),
        ({"subject": ""}, "This field is required."),
        ({"body": "<p> </p>"}, "Please write a message."),
        ({"type": "999999"}, "Select a valid choice."),
    ],
)
def test_invalid_input_gets_form_errors_and_saves_nothing(
    client, page, visitor_data, settings, change, error
):
    visitor_data.update(change)
    response = client.post(URL, visitor_data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert_nothing_saved(settings)


def test_type_not_offered_is_refused(client, page, visitor_data, settings):
    hidden = TicketTypeFactory(name="Internal billing")
    visitor_data["type"] = str(hidden.pk)
    response = client.post(URL, visitor_data)
    assert "Select a valid choice." in response.content.decode()
    assert "Internal billing" not in response.content.decode()
    assert_nothing_saved(settings)


def test_inactive_offered_type_is_not_offered(client, page, support_type, visitor_data, settings):
    support_type.active = False
    support_type.save()
    response = client.get(URL)
    assert "No new tickets can be opened here at the moment." in response.content.decode()
    client.post(URL, visitor_data)
    assert_nothing_saved(settings)


def test_refused_attachment_saves_nothing(client, page, visitor_data, settings):
    visitor_data["attachments"] = [
        SimpleUploadedFile("fine.txt", b"hello", "text/plain"),
        SimpleUploadedFile("tool.exe", b"MZ", "application/octet-stream"),
    ]
    response = client.post(URL, visitor_data)
    assert response.status_code == 200
    assert "cannot be attached" in response.content.decode()
    assert_nothing_saved(settings)


def test_honeypot_blocks_with_a_clear_message(client, page, visitor_data, settings):
    visitor_data["website"] = "http://spam.example"
    visitor_data["attachments"] = [SimpleUploadedFile("a.txt", b"spam", "text/plain")]
    response = client.post(URL, visitor_data)
    assert response.status_code == 200
    assert "looks automated and was not accepted" in response.content.decode()
    assert_nothing_saved(settings)


def test_form_sent_too_fast_is_refused(client, page, visitor_data, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "EXTERNAL_MIN_FILL_SECONDS": 5}
    visitor_data["form_token"] = signed(age=1)
    response = client.post(URL, visitor_data)
    assert "This form was sent too quickly." in response.content.decode()
    assert_nothing_saved(settings)
    visitor_data["form_token"] = signed(age=6)
    assert client.post(URL, visitor_data).status_code == 302


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        signed(age=2 * 24 * 3600),  # expired
        signed(scope="ticket:1"),  # issued for another form
        signed(binding="someone-else"),  # issued to a logged-in session
    ],
)
def test_missing_forged_or_foreign_form_token_is_refused(
    client, page, visitor_data, settings, token
):
    visitor_data["form_token"] = token
    response = client.post(URL, visitor_data)
    assert "This form has expired or was not sent from this page." in response.content.decode()
    assert_nothing_saved(settings)


def test_tampered_form_token_is_refused(client, page, visitor_data, settings):
    token = visitor_data["form_token"]
    visitor_data["form_token"] = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    response = client.post(URL, visitor_data)
    assert "This form has expired or was not sent from this page." in response.content.decode()
    assert_nothing_saved(settings)


def test_post_from_a_foreign_origin_is_refused(client, page, visitor_data, settings):
    response = client.post(URL, visitor_data, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert "This form was not sent from this page." in response.content.decode()
    assert_nothing_saved(settings)
    response = client.post(URL, visitor_data, HTTP_ORIGIN="http://testserver")
    assert response.status_code == 302


def test_rate_limit_per_client_address(client, page, visitor_data, settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "EXTERNAL_RATE_PER_ADDRESS": (2, 3600),
        "EXTERNAL_MAX_OPEN_TICKETS_PER_EMAIL": 0,
    }
    for n in range(2):
        visitor_data["email"] = f"v{n}@example.org"
        assert client.post(URL, visitor_data).status_code == 302
    visitor_data["email"] = "v3@example.org"
    response = client.post(URL, visitor_data)
    assert response.status_code == 429
    assert "Too many attempts from your network" in response.content.decode()
    assert Ticket.objects.count() == 2
    # another address is not affected
    assert client.post(URL, visitor_data, REMOTE_ADDR="192.0.2.77").status_code == 302


def test_spoofed_forwarded_header_does_not_escape_the_limit(client, page, visitor_data, settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "EXTERNAL_RATE_PER_ADDRESS": (1, 3600),
        "EXTERNAL_MAX_OPEN_TICKETS_PER_EMAIL": 0,
    }
    assert client.post(URL, visitor_data, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 302
    visitor_data["email"] = "other@example.org"
    response = client.post(URL, visitor_data, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert response.status_code == 429


def test_rate_limit_per_email(client, page, visitor_data, settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "EXTERNAL_RATE_PER_EMAIL": (1, 3600),
        "EXTERNAL_MAX_OPEN_TICKETS_PER_EMAIL": 0,
    }
    assert client.post(URL, visitor_data).status_code == 302
    visitor_data["email"] = "VERA@Example.org"  # the same address, other spelling
    response = client.post(URL, visitor_data, REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 429
    assert "Too many new tickets for this email address" in response.content.decode()
    assert Ticket.objects.count() == 1


def test_cap_on_open_tickets_per_email(client, page, support_type, visitor_data, settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "EXTERNAL_MAX_OPEN_TICKETS_PER_EMAIL": 2,
    }
    for _n in range(2):
        make_ticket(None, support_type, requester_email="vera@example.org")
    visitor_data["attachments"] = [SimpleUploadedFile("a.txt", b"data", "text/plain")]
    response = client.post(URL, visitor_data)
    assert response.status_code == 200
    assert "You already have 2 open tickets." in response.content.decode()
    assert Ticket.objects.count() == 2 and Attachment.objects.count() == 0
    assert stored_files(settings) == []
    # closing one makes room again
    from wagtail_tickets import actions

    actions.close_ticket(Ticket.objects.first())
    visitor_data["attachments"] = []
    assert client.post(URL, visitor_data).status_code == 302


def test_cap_counts_the_address_in_any_case(client, page, support_type, visitor_data, settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "EXTERNAL_MAX_OPEN_TICKETS_PER_EMAIL": 1,
    }
    make_ticket(None, support_type, requester_email="VERA@Example.ORG")
    response = client.post(URL, visitor_data)
    assert "You already have 1 open tickets." in response.content.decode()
    assert Ticket.objects.count() == 1


@pytest.mark.postgres
def test_cap_is_answered_by_an_index(client, page, support_type, visitor_data, settings):
    """At a million tickets, reading the ticket table for every submission is not an option."""
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "EXTERNAL_MAX_OPEN_TICKETS_PER_EMAIL": 5,
    }
    with CaptureQueriesContext(connection) as queries:
        client.post(URL, visitor_data)
    (count,) = [
        q["sql"] for q in queries.captured_queries if "UPPER" in q["sql"] and "COUNT" in q["sql"]
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + count)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "wt_ticket_open_email" in plan


# Logged-in users on the external page


@pytest.fixture
def customer(support_type):
    user = UserFactory(email="carl@example.com")
    grant(user, support_type, TypePermission.Level.WRITE, group_name="Customers")
    return user


def test_logged_in_user_sees_own_tickets_only_offered_creatable_types(
    client, page, support_type, customer
):
    other_type = TicketTypeFactory(name="Not for Carl")
    page.offered_types.add(other_type)
    mine = make_ticket(customer, support_type, subject="Carl's question")
    make_ticket(UserFactory(), support_type, subject="Someone else's question")
    client.force_login(customer)
    html = client.get(URL).content.decode()
    assert "Carl&#x27;s question" in html and "Someone else" not in html
    assert f'href="/tickets/{mine.number}/" target="_top"' in html
    assert "Web support" in html and "Not for Carl" not in html
    assert 'name="cc"' in html and 'name="email"' not in html


def test_logged_in_list_is_paginated_with_constant_queries(
    client, page, support_type, customer, settings, django_assert_max_num_queries
):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "PAGE_SIZE": 5}
    client.force_login(customer)
    make_ticket(customer, support_type)
    client.get(URL)
    with django_assert_max_num_queries(20) as few:
        client.get(URL)
    for _n in range(12):
        make_ticket(customer, support_type)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL + "?page=2")
    assert "Page 2 of 3" in response.content.decode()


def test_logged_in_user_opens_ticket_with_cc(client, page, support_type, customer):
    client.force_login(customer)
    client.get(URL)  # the session exists before the form is shown
    request = type("R", (), {"user": customer, "session": client.session})()
    data = {
        "type": str(support_type.pk),
        "subject": "From the embedded page",
        "cc": "boss@example.com",
        "body": "Plain text\n\nworks too",
        "form_token": signed(binding=binding_for(request)),
        "website": "",
    }
    response = client.post(URL, data)
    assert response.status_code == 302 and response["Location"] == URL
    ticket = Ticket.objects.get()
    assert ticket.requester == customer and ticket.cc == "boss@example.com"
    assert ExternalAccess.objects.count() == 0  # an account has its customer area
    # a form token shown to a visitor (no session binding) is refused for the user
    data["form_token"] = signed()
    response = client.post(URL, data)
    assert "This form has expired or was not sent from this page." in response.content.decode()
    assert Ticket.objects.count() == 1


def test_logged_in_user_without_create_permission_cannot_open(client, page, support_type):
    reader = UserFactory()
    grant(reader, support_type, TypePermission.Level.READ, group_name="Readers")
    client.force_login(reader)
    html = client.get(URL).content.decode()
    assert "No new tickets can be opened here at the moment." in html


def test_inside_an_iframe_login_opens_in_the_whole_window(client, support_type, settings):
    external_page(allow_anonymous=False, offered=[support_type])
    response = client.get(URL, HTTP_SEC_FETCH_DEST="iframe")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "frame-ancestors 'self'"
    html = response.content.decode()
    assert f'href="{settings.LOGIN_URL}?next=/tickets/external/" target="_top"' in html
    assert 'name="subject"' not in html
