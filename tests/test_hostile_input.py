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


def test_get_does_not_change_anything(client, ticket, settings):
    before = snapshot(settings.MEDIA_ROOT)
    assert client.get(url("reply", ticket.number)).status_code == 405
    assert snapshot(settings.MEDIA_ROOT) == before


def test_get_on_close_only_asks_for_confirmation(client, ticket):
    response = client.get(url("close", ticket.number))
    assert response.status_code == 200
    assert 'name="confirm" value="yes"' in response.content.decode()
    ticket.refresh_from_db()
    assert not ticket.status.is_closed


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
    response = csrf_client.post(
        url("close", ticket.number), {"csrfmiddlewaretoken": token, "confirm": "yes"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status.is_closed


# Hostile structure in the message --------------------------------------------------------
#
# HTML that held a worker for seconds: deep nesting, tens of thousands of elements, markup
# the parser re-opens again and again, floods of character references. Each is at most
# MAX_BODY_LENGTH long, so it gets past the size check to the structure check.

HOSTILE_BODIES = {
    "20,000 nested div": "<div>" * 20_000,
    "nested blockquote": "<blockquote>" * 8_000,
    "nested lists": "<ul><li>" * 10_000,
    "unclosed formatting": "<b>" * 20_000,
    "sibling paragraphs": "<p>x</p>" * 12_000,
    "formatting re-opened in every block": "".join(f"<div><b x{i}></div>" for i in range(4_000)),
    "misnested formatting": "<b><div></b>" * 7_000,
    "character reference flood": "<p>" + "&amp;" * 19_000 + "</p>",
    "links": '<a href="https://example.com/">x</a>' * 2_500,
}
STRUCTURE_CODES = {"html_depth", "html_elements"}


def structure_error(form) -> bool:
    return any(error.code in STRUCTURE_CODES for error in form.errors.as_data().get("body", []))


def test_the_hostile_bodies_fit_the_size_limit():
    for body in HOSTILE_BODIES.values():
        assert 50_000 < len(body) <= 100_000


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_hostile_structure_on_create_is_a_form_error(client, support, settings, body):
    before = snapshot(settings.MEDIA_ROOT)
    response = client.post(url("create"), new_ticket(support, body=body, attachments=[upload()]))
    assert response.status_code == 200
    assert structure_error(response.context["form"])
    assert "Please simplify it" in response.content.decode()
    assert snapshot(settings.MEDIA_ROOT) == before


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_hostile_structure_on_reply_is_a_form_error(client, ticket, settings, body):
    before = snapshot(settings.MEDIA_ROOT)
    response = client.post(url("reply", ticket.number), {"body": body})
    assert response.status_code == 200
    assert structure_error(response.context["reply_form"])
    assert snapshot(settings.MEDIA_ROOT) == before


def test_the_structure_error_names_the_limit(client, support, settings):
    settings.LANGUAGE_CODE = "de"
    response = client.post(
        url("create"), new_ticket(support, body="<div>" * 20_000), HTTP_ACCEPT_LANGUAGE="de"
    )
    message = str(response.context["form"].errors["body"][0])
    assert "100" in message  # the limit, whatever the language


def test_an_oversized_body_is_refused_before_any_parsing(client, support, settings, monkeypatch):
    from wagtail_tickets import sanitize

    def parsing(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(sanitize, "_prepare", parsing)
    before = snapshot(settings.MEDIA_ROOT)
    body = "<div>" * 20_001  # one character over MAX_BODY_LENGTH
    response = client.post(url("create"), new_ticket(support, body=body))
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["body"][0].code == "max_length"
    assert snapshot(settings.MEDIA_ROOT) == before


def test_a_long_real_mail_pasted_into_the_form_is_accepted(client, support):
    from bench.sanitize import realistic_mail

    body = realistic_mail()
    response = client.post(url("create"), new_ticket(support, body=body))
    assert response.status_code == 302
    stored = Message.objects.get().body_html
    assert stored.count("<p>") > 250 and "<style" not in stored


# the external page: a visitor without an account, no ticket saved


@pytest.fixture
def visitor_page(db):
    from django.core.cache import cache

    from tests.factories import external_page

    cache.clear()  # the page's rate limits
    ticket_type = TicketTypeFactory(name="Web support")
    external_page(offered=[ticket_type])
    yield ticket_type
    cache.clear()


@pytest.mark.parametrize(
    "body",
    [HOSTILE_BODIES[name] for name in ("20,000 nested div", "sibling paragraphs", "links")]
    + ["<table><tr><td>" * 6_000 + "<div>" * 200, "<blockquote><ul><li>" * 4_000],
    ids=["nested div", "siblings", "links", "tables around divs", "quotes around lists"],
)
def test_a_visitor_posting_hostile_structure_gets_a_form_error_and_no_ticket(
    visitor_page, settings, body
):
    from tests.external.conftest import signed
    from wagtail_tickets.models import ExternalAccess

    data = {
        "name": "Vera Visitor",
        "email": "vera@example.org",
        "type": str(visitor_page.pk),
        "subject": "The shop does not load",
        "body": body,
        "form_token": signed(),
        "website": "",
    }
    before = snapshot(settings.MEDIA_ROOT)
    response = Client().post(url("external"), data)
    assert response.status_code == 200
    assert structure_error(response.context["form"])
    assert "Please simplify it" in response.content.decode()
    assert snapshot(settings.MEDIA_ROOT) == before
    assert not ExternalAccess.objects.exists()


# the agent's reply in the admin


@pytest.fixture
def agent_client(support, ticket):
    from tests.factories import make_agent

    agent_client = Client()
    agent_client.force_login(make_agent(support, username="anna"))
    return agent_client


def contentstate_list(depths: list[int]) -> str:
    import json

    blocks = [
        {
            "key": f"b{index}",
            "text": "item",
            "type": "unordered-list-item",
            "depth": depth,
            "inlineStyleRanges": [],
            "entityRanges": [],
            "data": {},
        }
        for index, depth in enumerate(depths)
    ]
    return json.dumps({"blocks": blocks, "entityMap": {}})


@pytest.mark.parametrize(
    "body",
    [
        HOSTILE_BODIES["20,000 nested div"],  # not the editor's format: read as HTML
        HOSTILE_BODIES["sibling paragraphs"],
        HOSTILE_BODIES["misnested formatting"],
        contentstate_list([depth % 120 for depth in range(480)]),  # lists nested 120 deep
        contentstate_list(list(range(1_000))),  # deeper than the editor's converter goes
    ],
    ids=["nested div", "siblings", "misnested", "lists 120 deep", "lists 1000 deep"],
)
def test_hostile_structure_in_an_agent_reply_is_a_form_error(agent_client, ticket, settings, body):
    before = snapshot(settings.MEDIA_ROOT)
    edit = reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])
    response = agent_client.post(edit, {"body": body})
    assert response.status_code == 200
    assert structure_error(response.context["reply_form"])
    assert snapshot(settings.MEDIA_ROOT) == before


def test_an_agent_reply_with_lists_nested_a_few_levels_is_sent(agent_client, ticket):
    edit = reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])
    response = agent_client.post(edit, {"body": contentstate_list([0, 1, 2, 1, 0] * 40)})
    assert response.status_code == 302
    assert ticket.messages.latest("created_at").body_html.count("<li>") == 200


# inbound mail: never refused, imported with its text


def _mail(html_body: str, text_body: str | None = None) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Hostile Sender <sender@mail.example>"
    message["To"] = "support@tickets.example"
    message["Subject"] = "Deep mail"
    message["Message-ID"] = "<deep.1@mail.example>"
    if text_body is None:
        message.set_content(html_body, subtype="html")
    else:
        message.set_content(text_body)
        message.add_alternative(html_body, subtype="html")
    return message.as_bytes()


@pytest.mark.parametrize(
    "html_body",
    [
        "<p>Hello agent</p>" + "<div>" * 20_000 + "deep text",
        "<p>Hello agent</p>" + "<p>x</p>" * 12_000,
        "<p>Hello agent</p>" + "".join(f"<div><b x{i}></div>t" for i in range(4_000)),
        "<p>Hello agent</p><!--" + "<!--" * 20_000,
    ],
    ids=["nested div", "siblings", "re-opened formatting", "comment opens"],
)
def test_hostile_inbound_mail_is_imported_with_its_text(support, html_body, monkeypatch):
    from tests.factories import MailboxFactory
    from wagtail_tickets import sanitize
    from wagtail_tickets.mail.importer import import_raw

    parsed: list[str] = []
    cleaner = sanitize._cleaner()

    class Recording:
        def clean(self, value):
            parsed.append(value)
            return cleaner.clean(value)

    monkeypatch.setattr(sanitize, "_cleaner", Recording)
    mailbox = MailboxFactory(ticket_type=support)
    assert import_raw(_mail(html_body), mailbox) == "opened"
    body = Ticket.objects.get().messages.get().body_html
    assert "Hello agent" in body
    assert_inert(body)
    for value in parsed:  # what reached bleach stayed within the limits
        assert not sanitize._prepare(value).over
