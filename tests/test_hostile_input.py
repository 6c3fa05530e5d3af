"""Hostile input through the customer area's forms and URLs, systematically.

Every historical XSS payload of ``test_sanitize`` goes through the create and the reply
form and must render inert on the ticket page; CC header injection, bad uploads, null bytes,
tampered choices, oversized fields, malformed requests and missing CSRF tokens must give a
form error or a 4xx, never a 500, and leave nothing half-saved (rows or files).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.factories import CompanyFactory, TicketTypeFactory, UserFactory, grant, make_ticket
from tests.test_sanitize import PAYLOADS, assert_inert
from wagtail_tickets.models import (
    Attachment,
    Message,
    Ticket,
    TicketLogEntry,
    TicketProfile,
    TypePermission,
)

Level = TypePermission.Level
pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"wagtail_tickets:{name}", args=args)


def upload(name="notes.txt", content=b"hello", content_type="text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def support():
    return TicketTypeFactory(name="Support")


@pytest.fixture
def hidden_type():
    return TicketTypeFactory(name="Internal only")


@pytest.fixture
def customer(support, hidden_type):
    user = UserFactory(username="customer", first_name="Carla", last_name="Customer")
    grant(user, support, Level.DELETE, group_name="Customers")
    grant(user, hidden_type, Level.READ, group_name="Readers")
    CompanyFactory(name="Acme").users.add(user)
    return user


@pytest.fixture
def client(customer):
    client = Client()
    client.force_login(customer)
    return client


@pytest.fixture
def ticket(customer, support):
    return make_ticket(customer, support, subject="Existing", files=[upload("first.txt")])


def snapshot(media_root) -> tuple:
    """Everything a request could have half-saved."""
    root = Path(media_root)
    files = sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []
    return (
        Ticket.objects.count(),
        Message.objects.count(),
        Attachment.objects.count(),
        TicketLogEntry.objects.count(),
        TicketProfile.objects.count(),
        tuple(files),
    )


def new_ticket(ticket_type, **overrides) -> dict:
    data = {
        "type": str(ticket_type.pk),
        "subject": "Help",
        "cc": "",
        "body": "<p>Something broke</p>",
    }
    data.update(overrides)
    return data


def conversation_part(page: str, begin: str, end: str) -> str:
    start = page.index(begin)
    return page[start : page.index(end, start)]


# XSS ------------------------------------------------------------------------------------

PAYLOAD_CASES = [pytest.param(p, id=name) for name, p in PAYLOADS.items()]


@pytest.mark.parametrize("payload", PAYLOAD_CASES)
def test_xss_through_the_create_form_renders_inert(client, support, settings, payload):
    body = f"<p>BEGIN-MARK</p>{payload}<p>END-MARK</p>"
    before = snapshot(settings.MEDIA_ROOT)
    response = client.post(url("create"), new_ticket(support, body=body))
    if "\x00" in payload:  # null characters are refused by the form itself
        assert "body" in response.context["form"].errors
        assert snapshot(settings.MEDIA_ROOT) == before
        return
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    page = client.get(url("detail", ticket.number)).content.decode()
    assert_inert(conversation_part(page, "BEGIN-MARK", "END-MARK"))


@pytest.mark.parametrize("payload", PAYLOAD_CASES)
def test_xss_through_the_reply_form_renders_inert(client, ticket, settings, payload):
    body = f"<p>BEGIN-MARK</p>{payload}<p>END-MARK</p>"
    before = snapshot(settings.MEDIA_ROOT)
    response = client.post(url("reply", ticket.number), {"body": body})
    if "\x00" in payload:
        assert "body" in response.context["reply_form"].errors
        assert snapshot(settings.MEDIA_ROOT) == before
        return
    assert response.status_code == 302
    page = client.get(url("detail", ticket.number)).content.decode()
    assert_inert(conversation_part(page, "BEGIN-MARK", "END-MARK"))


@pytest.mark.parametrize("payload", PAYLOAD_CASES)
def test_xss_as_plain_text_is_escaped(client, ticket, payload):
    """Without the editor (JavaScript off) text that merely contains a tag still passes
    the sanitizer; the page must show it inert either way."""
    body = f"BEGIN-MARK {payload} END-MARK"
    response = client.post(url("reply", ticket.number), {"body": body})
    if "\x00" in payload:
        assert "body" in response.context["reply_form"].errors
        return
    assert response.status_code == 302
    page = client.get(url("detail", ticket.number)).content.decode()
    assert_inert(conversation_part(page, "BEGIN-MARK", "END-MARK"))


HOSTILE_TEXT = "<script>alert('owned')</script><img src=x onerror=alert(1)>"


def test_xss_in_subject_display_name_and_file_name_is_escaped(client, customer, support):
    response = client.post(url("profile"), {"display_name": HOSTILE_TEXT})
    assert response.status_code == 302
    response = client.post(
        url("create"),
        new_ticket(support, subject=HOSTILE_TEXT, attachments=[upload(HOSTILE_TEXT + ".txt")]),
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    for page_url in (url("detail", ticket.number), url("my_tickets")):
        page = client.get(page_url).content.decode()
        assert "<script>alert('owned')" not in page
        assert "<img src=x" not in page
        assert "onerror=alert(1)>" not in page
    detail = client.get(url("detail", ticket.number)).content.decode()
    assert "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;" in detail


# CC header injection ---------------------------------------------------------------------

HOSTILE_CC = [
    "a@example.com\r\nBcc: victim@example.com",
    "a@example.com\nBcc: victim@example.com",
    "a@example.com\rBcc: victim@example.com",
    "a@example.com\r\n\r\n<html>body</html>",
    "a@example.com%0d%0aBcc:victim@example.com",
    "a@example.com\u2028Bcc: victim@example.com",
    "a@example.com\x85b@example.com",
    "a@example.com\x00b@example.com",
    "a@example.com\x0bb@example.com",
    "a@example.com b@example.com",
    "a@example.com\tb@example.com",
    "Boss <boss@example.com>",
    '"a@example.com" <b@example.com>',
    "a@example.com, Bcc: b@example.com",
    "a@example.com:b@example.com",
    "a@b@example.com",
    "=?utf-8?q?a=40example.com?=",
    "a@example.com\\",
    "x" * 4001,
]


@pytest.mark.parametrize("cc", HOSTILE_CC, ids=range(len(HOSTILE_CC)))
def test_hostile_cc_is_a_form_error_and_nothing_is_saved(client, support, settings, cc):
    before = snapshot(settings.MEDIA_ROOT)
    response = client.post(url("create"), new_ticket(support, cc=cc, attachments=[upload()]))
    assert response.status_code == 200
    assert "cc" in response.context["form"].errors
    assert snapshot(settings.MEDIA_ROOT) == before


# Uploads ---------------------------------------------------------------------------------


@pytest.fixture
def small_limits(settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "MAX_ATTACHMENTS": 2,
        "MAX_ATTACHMENT_SIZE": 100,
    }


BAD_UPLOADS = {
    "too many": [upload("a.txt"), upload("b.txt"), upload("c.txt")],
    "too large": [upload("ok.txt"), upload("big.txt", b"x" * 101)],
    "empty": [upload("empty.txt", b"")],
    "blocked extension": [upload("run.exe", b"MZ")],
    "blocked extension upper case": [upload("RUN.BAT", b"@echo")],
    "blocked behind a trailing dot": [upload("run.exe.", b"MZ")],
}


@pytest.mark.parametrize("files", BAD_UPLOADS.values(), ids=BAD_UPLOADS.keys())
def test_bad_uploads_on_create_save_nothing(client, support, settings, small_limits, files):
    before = snapshot(settings.MEDIA_ROOT)
    response = client.post(url("create"), new_ticket(support, attachments=files))
    assert response.status_code == 200
    assert "attachments" in response.context["form"].errors
    assert snapshot(settings.MEDIA_ROOT) == before


@pytest.mark.parametrize("files", BAD_UPLOADS.values(), ids=BAD_UPLOADS.keys())
def test_bad_uploads_on_reply_save_nothing(client, ticket, settings, small_limits, files):
    before = snapshot(settings.MEDIA_ROOT)
    response = client.post(url("reply", ticket.number), {"body": "<p>x</p>", "attachments": files})
    assert response.status_code == 200
    assert "attachments" in response.context["reply_form"].errors
    assert snapshot(settings.MEDIA_ROOT) == before


HOSTILE_NAMES = [
    "../../../../etc/cron.d/evil",
    "..\\..\\..\\boot.ini",
    "/etc/passwd",
    "C:\\Windows\\System32\\drivers\\etc\\hosts",
    "....//....//secret.txt",
    "name\x01with\x1fcontrols.txt",
    "zero\u200b\u200d\ufeffwidth.txt",
    "rtl\u202eexe.txt",
    ".htaccess",
    " ",
    "a" * 300 + ".pdf",
    "%2e%2e%2fetc%2fpasswd",
    "<script>alert(1)</script>.txt",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_hostile_file_names_are_stored_under_generated_names(client, support, settings, name):
    response = client.post(url("create"), new_ticket(support, attachments=[upload(name, b"x")]))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    shown = attachment.filename
    assert shown and len(shown) <= 120
    assert not re.search(r"[/\\\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\ufeff<>]", shown)
    assert not shown.startswith(".")
    media = Path(settings.MEDIA_ROOT).resolve()
    stored = Path(attachment.file.path).resolve()
    assert media in stored.parents
    assert re.fullmatch(r"[0-9a-f]{32}", stored.name)
    download = client.get(url("attachment", attachment.message.ticket.number, attachment.pk))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert "\n" not in download["Content-Disposition"]


# Null bytes, tampered choices, oversized fields -----------------------------------------


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"subject": "nul\x00byte"}, "subject"),
        ({"body": "<p>nul\x00byte</p>"}, "body"),
        ({"cc": "a@example.com\x00"}, "cc"),
        ({"type": "999999"}, "type"),
        ({"type": "not-a-number"}, "type"),
        ({"type": ""}, "type"),
        ({"type": "1 OR 1=1"}, "type"),
        ({"body": "b" * 100_001}, "body"),
    ],
)
def test_tampered_or_oversized_fields_are_form_errors(client, support, settings, overrides, field):
    before = snapshot(settings.MEDIA_ROOT)
    response = client.post(url("create"), new_ticket(support, **overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    if field in form.fields:
        assert field in form.errors
    assert snapshot(settings.MEDIA_ROOT) == before


def test_overlong_subject_never_gets_stored_longer(client, support, settings):
    """Browsers stop at maxlength; a forged longer subject is a form error, nothing saved."""
    response = client.post(url("create"), new_ticket(support, subject="s" * 5000))
    assert response.status_code == 200
    assert "subject" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_forged_priority_is_ignored_where_customers_do_not_choose(client, support):
    response = client.post(url("create"), new_ticket(support, priority="999999"))
    assert response.status_code == 302
    assert Ticket.objects.get().priority.name == "Normal"


def test_type_the_user_may_only_read_is_refused(client, hidden_type, settings):
    before = snapshot(settings.MEDIA_ROOT)
    response = client.post(url("create"), new_ticket(hidden_type))
    assert response.status_code == 200
    assert "type" in response.context["form"].errors
    assert snapshot(settings.MEDIA_ROOT) == before


def test_type_of_another_site_section_is_refused(client, settings):
    secret = TicketTypeFactory(name="Secret")
    before = snapshot(settings.MEDIA_ROOT)
    response = client.post(url("create"), new_ticket(secret))
    assert "type" in response.context["form"].errors
    assert snapshot(settings.MEDIA_ROOT) == before


def test_display_name_with_control_characters_is_cleaned(client, customer):
    response = client.post(url("profile"), {"display_name": "Acme\r\nBcc: x@example.com"})
    assert response.status_code == 302
    assert TicketProfile.objects.get(user=customer).display_name == "Acme Bcc: x@example.com"


@pytest.mark.parametrize("value", ["nul\x00", "x" * 101])
def test_bad_display_name_is_a_form_error(client, settings, value):
    before = snapshot(settings.MEDIA_ROOT)
    response = client.post(url("profile"), {"display_name": value})
    assert response.status_code == 200
    assert "display_name" in response.context["form"].errors
    assert snapshot(settings.MEDIA_ROOT) == before


# Malformed requests ----------------------------------------------------------------------


def test_malformed_multipart_body_is_a_client_error(client, support, settings):
    before = snapshot(settings.MEDIA_ROOT)
    response = client.post(
        url("create"),
        data=b'--xyz\r\nContent-Disposition: form-data; name="subject"\r\n\r\nunterminated',
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code in (200, 400)
    assert snapshot(settings.MEDIA_ROOT) == before


def test_multipart_without_boundary_is_400(client, support, settings):
    before = snapshot(settings.MEDIA_ROOT)
    response = client.post(url("create"), data=b"garbage", content_type="multipart/form-data")
    assert response.status_code == 400
    assert snapshot(settings.MEDIA_ROOT) == before


def test_too_many_fields_is_400(client, support, settings):
    data = new_ticket(support)
    data.update({f"junk{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)})
    before = snapshot(settings.MEDIA_ROOT)
    assert client.post(url("create"), data).status_code == 400
    assert snapshot(settings.MEDIA_ROOT) == before


def test_too_many_files_for_the_server_is_400(client, support, settings):
    files = [upload(f"{i}.txt") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    before = snapshot(settings.MEDIA_ROOT)
    assert client.post(url("create"), new_ticket(support, attachments=files)).status_code == 400
    assert snapshot(settings.MEDIA_ROOT) == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("view", ["my_tickets", "create", "profile", "detail", "reply", "close"])
def test_other_methods_are_refused(client, ticket, settings, method, view):
    args = (ticket.number,) if view in ("detail", "reply", "close") else ()
    before = snapshot(settings.MEDIA_ROOT)
    response = getattr(client, method)(url(view, *args))
    assert response.status_code == 405
    assert snapshot(settings.MEDIA_ROOT) == before


@pytest.mark.parametrize("view", ["reply", "close"])
def test_get_does_not_change_anything(client, ticket, settings, view):
    before = snapshot(settings.MEDIA_ROOT)
    assert client.get(url(view, ticket.number)).status_code == 405
    assert snapshot(settings.MEDIA_ROOT) == before


def test_get_on_delete_only_asks_for_confirmation(client, ticket, settings):
    before = snapshot(settings.MEDIA_ROOT)
    response = client.get(url("delete", ticket.number))
    assert response.status_code == 200
    assert snapshot(settings.MEDIA_ROOT) == before


# CSRF ------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    return client


@pytest.mark.parametrize("view", ["create", "reply", "close", "delete", "profile"])
def test_post_without_csrf_token_is_refused(csrf_client, ticket, support, settings, view):
    data = {
        "create": new_ticket(support),
        "reply": {"body": "<p>hi</p>"},
        "close": {},
        "delete": {},
        "profile": {"display_name": "Forged"},
    }[view]
    args = (ticket.number,) if view in ("reply", "close", "delete") else ()
    before = snapshot(settings.MEDIA_ROOT)
    response = csrf_client.post(url(view, *args), data)
    assert response.status_code == 403
    assert snapshot(settings.MEDIA_ROOT) == before
    ticket.refresh_from_db()
    assert not ticket.status.is_closed


def test_post_with_a_forged_csrf_token_is_refused(csrf_client, ticket, settings):
    csrf_client.cookies["csrftoken"] = "a" * 32
    before = snapshot(settings.MEDIA_ROOT)
    response = csrf_client.post(url("close", ticket.number), {"csrfmiddlewaretoken": "b" * 32})
    assert response.status_code == 403
    assert snapshot(settings.MEDIA_ROOT) == before


def test_post_with_the_pages_csrf_token_works(csrf_client, ticket):
    page = csrf_client.get(url("detail", ticket.number)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = csrf_client.post(url("close", ticket.number), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status.is_closed
