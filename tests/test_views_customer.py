"""The customer area through its URLs: every view's happy path, 404 for what is not the
user's, 403 access denied, form errors that save nothing, hostile input, CSRF, and constant
query counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factories import (
    CompanyFactory,
    PriorityFactory,
    StatusFactory,
    TicketTypeFactory,
    TicketTypeGroupFactory,
    UserFactory,
    grant,
    make_ticket,
)
from wagtail_tickets import actions
from wagtail_tickets.models import (
    Attachment,
    Message,
    Ticket,
    TicketLogEntry,
    TicketProfile,
    TicketType,
    TypePermission,
)

Level = TypePermission.Level
pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"wagtail_tickets:{name}", args=args)


def upload(name: str = "notes.txt", content: bytes = b"hello", content_type: str = "text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(media_root: str) -> list[Path]:
    root = Path(media_root)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def support():
    group = TicketTypeGroupFactory(name="Products")
    return TicketTypeFactory(name="Support", group=group, description="Help with our products")


@pytest.fixture
def billing():
    return TicketTypeFactory(name="Billing", description="Invoices and payments")


@pytest.fixture
def customer(support):
    user = UserFactory(username="customer", first_name="Carla", last_name="Customer")
    grant(user, support, Level.WRITE, group_name="Customers")
    return user


@pytest.fixture
def colleague(support, customer):
    user = UserFactory(username="colleague", first_name="Colin", last_name="Colleague")
    grant(user, support, Level.WRITE, group_name="Customers")
    CompanyFactory(name="Acme").users.add(customer, user)
    return user


@pytest.fixture
def stranger(support):
    user = UserFactory(username="stranger")
    grant(user, support, Level.WRITE, group_name="Customers")
    CompanyFactory(name="Other Inc").users.add(user)
    return user


@pytest.fixture
def client_for():
    def make(user, **kwargs) -> Client:
        client = Client(**kwargs)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def customer_client(client_for, customer):
    return client_for(customer)


def new_ticket_data(ticket_type, **overrides) -> dict:
    data = {
        "type": str(ticket_type.pk),
        "subject": "The printer is on fire",
        "cc": "",
        "body": "<div>It <strong>really</strong> is.</div><ul><li>smoke</li><li>flames</li></ul>",
    }
    data.update(overrides)
    return data


# --- login -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,args",
    [
        ("my_tickets", ()),
        ("create", ()),
        ("profile", ()),
        ("detail", ("260001",)),
        ("delete", ("260001",)),
        ("attachment", ("260001", 1)),
    ],
)
def test_anonymous_users_are_sent_to_the_login_page(client, name, args):
    response = client.get(url(name, *args))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_anonymous_post_changes_nothing(client, customer, support):
    ticket = make_ticket(customer, support)
    response = client.post(url("close", ticket.number))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert not ticket.status.is_closed


# --- My Tickets --------------------------------------------------------------------------


def test_my_tickets_lists_own_tickets_with_customer_status(customer_client, customer, stranger):
    support = customer.groups.get().ticket_type_permissions.get().ticket_type
    mine = make_ticket(customer, support, subject="My laptop")
    make_ticket(stranger, support, subject="Stranger laptop")
    response = customer_client.get(url("my_tickets"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "My laptop" in html
    assert f"#{mine.number}" in html
    assert "Stranger laptop" not in html
    assert "With us" in html
    assert "wt-status--with_us" in html
    assert 'class="wt-status__name"' not in html  # the team's status name is not shown
    assert "Support" in html


def test_my_tickets_filters_by_what_the_status_means_with_database_counts(
    customer_client, customer
):
    support = customer.groups.get().ticket_type_permissions.get().ticket_type
    make_ticket(customer, support, subject="Still burning")
    asked = make_ticket(customer, support, subject="Which printer")
    actions.change_ticket(asked, status=StatusFactory(name="Need info", waits_for_customer=True))
    done = make_ticket(customer, support, subject="Extinguished")
    actions.close_ticket(done)
    response = customer_client.get(url("my_tickets"), {"state": "with_us"})
    html = response.content.decode()
    assert "Still burning" in html and "Which printer" not in html and "Extinguished" not in html
    assert response.context["counts"] == {"all": 3, "with_us": 1, "waiting": 1, "closed": 1}
    assert [label for _key, label, _count in response.context["filters"]] == [
        "All",
        "With us",
        "Waiting for your answer",
        "Closed",
    ]
    response = customer_client.get(url("my_tickets"), {"state": "waiting"})
    html = response.content.decode()
    assert "Which printer" in html and "Still burning" not in html
    assert "Waiting for your answer" in html and "Need info" not in html
    response = customer_client.get(url("my_tickets"), {"state": "closed"})
    html = response.content.decode()
    assert "Extinguished" in html and "Still burning" not in html
    assert "Closed" in html
    response = customer_client.get(url("my_tickets"), {"state": "open"})  # the old filter
    assert response.context["state"] == "" and len(response.context["tickets"]) == 3
    response = customer_client.get(url("my_tickets"), {"state": "<script>"})
    assert response.status_code == 200
    assert response.context["state"] == ""


def test_company_tab_shows_colleagues_tickets(client_for, customer, colleague, stranger, support):
    make_ticket(colleague, support, subject="Colleague question")
    make_ticket(stranger, support, subject="Stranger question")
    client = client_for(customer)
    response = client.get(url("my_tickets"))
    assert "Company tickets" in response.content.decode()
    assert "Colleague question" not in response.content.decode()
    response = client.get(url("my_tickets"), {"scope": "company"})
    html = response.content.decode()
    assert response.context["scope"] == "company"
    assert "Colleague question" in html
    assert "Stranger question" not in html


def test_no_company_tab_without_a_shared_customer_record(customer_client, customer, colleague):
    # the stranger fixture is not used: a user without company record
    loner = UserFactory(username="loner")
    support = customer.groups.get().ticket_type_permissions.get().ticket_type
    grant(loner, support, Level.WRITE, group_name="Customers")
    client = Client()
    client.force_login(loner)
    response = client.get(url("my_tickets"), {"scope": "company"})
    assert response.status_code == 200
    assert response.context["scope"] == "mine"
    assert "Company tickets" not in response.content.decode()


def test_shared_tab_lists_other_users_tickets_of_types_that_show_them(
    client_for, customer, stranger, support
):
    forum = TicketTypeFactory(name="Public forum", visibility=TicketType.Visibility.ALL)
    grant(customer, forum, Level.WRITE, group_name="Forum users")
    grant(stranger, forum, Level.WRITE, group_name="Forum users")
    make_ticket(stranger, forum, subject="Stranger forum question")
    make_ticket(stranger, support, subject="Stranger support question")
    client = client_for(customer)
    html = client.get(url("my_tickets")).content.decode()
    assert "Shared tickets" in html
    assert "Stranger forum question" not in html
    response = client.get(url("my_tickets"), {"scope": "shared"})
    html = response.content.decode()
    assert response.context["scope"] == "shared"
    assert "Stranger forum question" in html
    assert "Stranger support question" not in html


def test_no_shared_tab_without_such_types(customer_client):
    response = customer_client.get(url("my_tickets"), {"scope": "shared"})
    assert response.context["scope"] == "mine"
    assert "Shared tickets" not in response.content.decode()


def test_my_tickets_is_paginated(settings, customer_client, customer):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "PAGE_SIZE": 2}
    support = customer.groups.get().ticket_type_permissions.get().ticket_type
    for index in range(5):
        make_ticket(customer, support, subject=f"Ticket {index}")
    response = customer_client.get(url("my_tickets"))
    assert len(response.context["tickets"]) == 2
    assert "Page 1 of 3" in response.content.decode()
    assert 'href="?scope=mine&amp;state=&amp;page=2"' in response.content.decode()
    closed_page = customer_client.get(url("my_tickets"), {"state": "closed", "page": "2"})
    assert closed_page.context["page"].number == 1  # nothing closed: the first (empty) page
    response = customer_client.get(url("my_tickets"), {"page": "3"})
    assert len(response.context["tickets"]) == 1
    response = customer_client.get(url("my_tickets"), {"page": "99999"})
    assert response.status_code == 200
    response = customer_client.get(url("my_tickets"), {"page": "abc"})
    assert response.status_code == 200


def _count_queries(client, path, params=None) -> int:
    client.get(path, params or {})  # warm per-process caches (content types, settings)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(captured)


def test_my_tickets_runs_a_constant_number_of_queries(
    settings, client_for, customer, colleague, django_assert_max_num_queries
):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "PAGE_SIZE": 200}
    support = customer.groups.get().ticket_type_permissions.get().ticket_type
    billing = TicketTypeFactory(name="Billing")
    grant(customer, billing, Level.WRITE, group_name="Billing customers")
    for index in range(10):
        make_ticket(customer, support if index % 2 else billing, subject=f"T{index}")
        make_ticket(colleague, support, subject=f"C{index}")
    client = client_for(customer)
    few = _count_queries(client, url("my_tickets"))
    few_company = _count_queries(client, url("my_tickets"), {"scope": "company"})
    for index in range(90):
        make_ticket(customer, support if index % 2 else billing, subject=f"More {index}")
        make_ticket(colleague, support, subject=f"Colleague {index}")
    many = _count_queries(client, url("my_tickets"))
    many_company = _count_queries(client, url("my_tickets"), {"scope": "company"})
    assert few == many
    assert few_company == many_company
    with django_assert_max_num_queries(few):
        response = client.get(url("my_tickets"))
    assert len(response.context["tickets"]) == 100


# --- New ticket ----------------------------------------------------------------------------


def test_new_ticket_form_offers_only_creatable_types_grouped_with_descriptions(
    customer_client, support, billing
):
    hidden = TicketTypeFactory(name="Internal only")  # no level for the customer
    response = customer_client.get(url("create"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'optgroup label="Products"' in html
    assert 'title="Help with our products"' in html
    assert hidden.name not in html
    assert "Billing" not in html  # no level on billing either
    form = response.context["form"]
    assert list(form.fields) == ["type", "subject", "cc", "body", "attachments"]
    assert 'type="file"' in html and "multiple" in html
    assert "data-wt-rich-text" in html  # a plain textarea the editor script enhances
    assert "vendor/trix/trix.umd.min.js" in html


def test_create_opens_a_ticket_with_cc_and_attachments(customer_client, customer, support):
    response = customer_client.post(
        url("create"),
        new_ticket_data(
            support,
            cc="boss@example.com, accounting@example.com\nboss@example.com",
            attachments=[upload("photo.png", b"\x89PNG....", "image/png"), upload()],
        ),
        follow=True,
    )
    ticket = Ticket.objects.get()
    assert response.redirect_chain[-1][0] == url("detail", ticket.number)
    assert ticket.requester == customer
    assert ticket.ticket_type == support
    assert ticket.cc_list == ["boss@example.com", "accounting@example.com"]
    message = ticket.messages.get()
    assert "<strong>really</strong>" in message.body_html
    assert message.author == customer
    assert sorted(a.filename for a in message.attachments.all()) == ["notes.txt", "photo.png"]
    html = response.content.decode()
    assert f"Ticket #{ticket.number} has been opened." in html
    assert "photo.png" in html
    assert TicketLogEntry.objects.filter(ticket_id=ticket.pk, action="wagtail_tickets.opened")


def test_plain_text_without_javascript_becomes_paragraphs(customer_client, support):
    customer_client.post(
        url("create"), new_ticket_data(support, body="Line one\nline two\n\nSecond <paragraph")
    )
    body = Message.objects.get().body_html
    assert body == "<p>Line one<br>line two</p><p>Second &lt;paragraph</p>"


def test_user_without_create_right_gets_access_denied(client_for, support):
    reader = UserFactory(username="reader")
    grant(reader, support, Level.READ, group_name="Readers")
    client = client_for(reader)
    response = client.get(url("create"))
    assert response.status_code == 403
    assert "Access denied" in response.content.decode()
    assert "not allowed to open tickets" in response.content.decode()
    response = client.post(url("create"), new_ticket_data(support))
    assert response.status_code == 403
    assert not Ticket.objects.exists()
    nobody = client_for(UserFactory(username="nobody"))
    assert nobody.get(url("create")).status_code == 403


def test_create_refuses_a_type_the_user_may_not_create_on(customer_client, billing):
    response = customer_client.post(url("create"), new_ticket_data(billing))
    assert response.status_code == 200
    assert "type" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_priority_only_where_the_type_lets_customers_choose(client_for, customer, support, billing):
    billing.customer_can_choose_priority = True
    billing.save()
    grant(customer, billing, Level.WRITE, group_name="Billing customers")
    urgent = PriorityFactory(name="Very urgent")
    client = client_for(customer)
    response = client.get(url("create"))
    form = response.context["form"]
    assert list(form.fields) == ["type", "priority", "subject", "cc", "body", "attachments"]
    assert f'value="{billing.pk}" title="Invoices and payments" data-priority="1"' in (
        response.content.decode()
    )
    # a forged priority on a type where the team sets it: a form error, nothing saved
    response = client.post(url("create"), new_ticket_data(support, priority=str(urgent.pk)))
    assert "priority" in response.context["form"].errors
    assert not Ticket.objects.exists()
    response = client.post(url("create"), new_ticket_data(support, priority="not-a-number"))
    assert "priority" in response.context["form"].errors
    response = client.post(url("create"), new_ticket_data(billing, priority=str(urgent.pk)))
    assert response.status_code == 302
    assert Ticket.objects.get().priority == urgent


@pytest.mark.parametrize(
    "cc",
    [
        "a@example.com\r\nBcc: victim@example.com",
        "a@example.com\rb@example.com",
        "a@example.com b@example.com",
        "Boss <boss@example.com>",
        "a@example.com%0d%0aBcc:x@example.com",
        "not-an-address",
        "a@b@example.com",
    ],
)
def test_hostile_cc_is_a_form_error_and_nothing_is_saved(customer_client, support, cc):
    response = customer_client.post(url("create"), new_ticket_data(support, cc=cc))
    assert response.status_code == 200
    assert "cc" in response.context["form"].errors
    assert not Ticket.objects.exists() and not Message.objects.exists()


def test_too_many_cc_addresses(settings, customer_client, support):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAX_CC": 2}
    cc = "a@example.com, b@example.com, c@example.com"
    response = customer_client.post(url("create"), new_ticket_data(support, cc=cc))
    assert "At most 2 CC addresses" in str(response.context["form"].errors["cc"])
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "subject,body,field",
    [
        ("", "<p>text</p>", "subject"),
        ("   \r\n ", "<p>text</p>", "subject"),
        ("Fine", "", "body"),
        ("Fine", "<p>  </p><div><br></div>", "body"),
        ("Fine", "<script>alert(1)</script>", "body"),
    ],
)
def test_blank_subject_or_message_is_a_form_error(customer_client, support, subject, body, field):
    response = customer_client.post(
        url("create"), new_ticket_data(support, subject=subject, body=body)
    )
    assert field in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_overlong_message_is_refused(settings, customer_client, support):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAX_BODY_LENGTH": 50}
    response = customer_client.post(url("create"), new_ticket_data(support, body="x" * 51))
    assert "body" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_too_many_files_save_nothing(settings, customer_client, support):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAX_ATTACHMENTS": 2}
    files = [upload(f"f{i}.txt") for i in range(3)]
    response = customer_client.post(url("create"), new_ticket_data(support, attachments=files))
    assert response.status_code == 200
    assert "at most 2 files" in str(response.context["form"].errors["attachments"])
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_too_large_file_saves_nothing(settings, customer_client, support):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAX_ATTACHMENT_SIZE": 10}
    files = [upload("small.txt", b"ok"), upload("big.txt", b"x" * 11)]
    response = customer_client.post(url("create"), new_ticket_data(support, attachments=files))
    assert "big.txt" in str(response.context["form"].errors["attachments"])
    assert not Ticket.objects.exists() and not Message.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize("name", ["run.exe", "empty.txt"])
def test_blocked_or_empty_files_are_refused(settings, customer_client, support, name):
    content = b"" if name == "empty.txt" else b"MZ"
    response = customer_client.post(
        url("create"), new_ticket_data(support, attachments=[upload(name, content)])
    )
    assert "attachments" in response.context["form"].errors
    assert not Ticket.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize(
    "hostile,expected",
    [
        ("../../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("inv\x00oice\r\n.pdf", None),
        ("in\x07voi\x1bce.pdf", "invoice.pdf"),
        ("report\u202egnp.exe.txt", "reportgnp.exe.txt"),
        ("....", "file"),
    ],
)
def test_hostile_file_names_are_stored_safely(
    settings, customer_client, support, hostile, expected
):
    response = customer_client.post(
        url("create"), new_ticket_data(support, attachments=[upload(hostile, b"data")])
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    if expected is None:  # the test client cannot even send this name intact
        assert attachment.filename and not any(c in attachment.filename for c in "/\\\r\n\x00")
    else:
        assert attachment.filename == expected
    media = Path(settings.MEDIA_ROOT).resolve()
    stored = Path(attachment.file.path).resolve()
    assert media in stored.parents
    assert stored.name not in (hostile, expected)  # a generated name
    assert stored_files(settings.MEDIA_ROOT) == [Path(settings.MEDIA_ROOT) / attachment.file.name]
    ticket = attachment.message.ticket
    download = customer_client.get(url("attachment", ticket.number, attachment.pk))
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "/" not in disposition.split("filename", 1)[1] and "\r" not in disposition


XSS_PAYLOADS = [
    "<script>alert('xss1')</script>",
    "<img src=x onerror=alert('xss2')>",
    "<a href=\"javascript:alert('xss3')\">click</a>",
    "<a href=\"jav&#x09;ascript:alert('xss4')\">click</a>",
    "<svg><script>alert('xss5')</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss6')>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('xss7')>\">",
    "<iframe srcdoc=\"<script>alert('xss8')</script>\"></iframe>",
    "<form><button formaction=\"javascript:alert('xss9')\">x</button></form>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzMTAnKTwvc2NyaXB0Pg==">x</a>',
    "<div style=\"background:url(javascript:alert('xss11'))\">styled</div>",
    "<p onmouseover=\"alert('xss12')\">hover</p>",
]


def _assert_inert(html: str) -> None:
    lowered = html.lower()
    for marker in ("alert('xss", "alert(&#x27;xss", "onerror", "onmouseover", "javascript:"):
        assert marker not in lowered, marker
    assert "<iframe" not in lowered and "<svg" not in lowered and "<math" not in lowered
    assert "formaction" not in lowered and "data:text/html" not in lowered


def test_xss_through_create_and_reply_renders_inert(customer_client, support):
    payload = "".join(XSS_PAYLOADS)
    response = customer_client.post(
        url("create"),
        new_ticket_data(support, subject="<script>alert('xss0')</script>", body=payload),
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    response = customer_client.post(url("reply", ticket.number), {"body": payload})
    assert response.status_code == 302
    page = customer_client.get(url("detail", ticket.number)).content.decode()
    assert "&lt;script&gt;alert(&#x27;xss0&#x27;)&lt;/script&gt;" in page  # escaped subject
    body_start = page.index('class="wt-conversation"')
    _assert_inert(page[body_start:])
    assert "click" in page and "hover" in page  # harmless text survives
    listing = customer_client.get(url("my_tickets")).content.decode()
    assert "<script>alert" not in listing


def test_post_without_csrf_token_is_refused(client_for, customer, support):
    client = client_for(customer, enforce_csrf_checks=True)
    assert client.post(url("create"), new_ticket_data(support)).status_code == 403
    assert not Ticket.objects.exists()
    ticket = make_ticket(customer, support)
    assert client.post(url("reply", ticket.number), {"body": "hi"}).status_code == 403
    assert client.post(url("close", ticket.number)).status_code == 403
    assert client.post(url("profile"), {"display_name": "X"}).status_code == 403
    ticket.refresh_from_db()
    assert not ticket.status.is_closed
    assert ticket.messages.count() == 1
    assert not TicketProfile.objects.exists()


def test_create_form_shows_a_csrf_token(customer_client):
    assert "csrfmiddlewaretoken" in customer_client.get(url("create")).content.decode()


# --- Ticket page -------------------------------------------------------------------------


def test_ticket_page_shows_the_conversation_in_order_without_internal_notes(
    customer_client, customer, support
):
    ticket = make_ticket(customer, support, subject="Broken", body="<p>First words</p>")
    actions.add_reply(
        ticket, body_html="<p>Agent answer</p>", as_staff=True, author_name="Agnes Agent"
    )
    actions.add_reply(
        ticket,
        body_html="<p>Secret internal note</p>",
        internal=True,
        as_staff=True,
        author_name="Agnes Agent",
        files=[upload("internal.txt")],
    )
    actions.add_reply(ticket, actor=customer, body_html="<p>Thanks</p>")
    response = customer_client.get(url("detail", ticket.number))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("First words") < html.index("Agent answer") < html.index("Thanks")
    assert "Secret internal note" not in html and "internal.txt" not in html
    assert "Agnes Agent" in html and "Carla Customer" in html
    assert "wt-message-card--staff" in html
    assert "Broken" in html and f"#{ticket.number}" in html
    assert f'action="{url("reply", ticket.number)}"' in html
    assert f'href="{url("close", ticket.number)}"' in html  # to the confirmation
    assert url("delete", ticket.number) not in html  # write level: no delete
    assert "This ticket is closed" not in html


def test_foreign_and_unknown_tickets_are_404(client_for, customer, stranger, support):
    foreign = make_ticket(stranger, support)
    attachment_owner = actions.add_reply(
        foreign, actor=stranger, body_html="<p>file</p>", files=[upload()]
    )
    attachment = attachment_owner.attachments.get()
    client = client_for(customer)
    assert client.get(url("detail", foreign.number)).status_code == 404
    assert client.get(url("detail", "999999")).status_code == 404
    assert client.get("/tickets/..%2F..%2Fetc/").status_code == 404
    assert client.get("/tickets/%00/").status_code == 404
    assert client.get("/tickets/%00/attachments/1/").status_code == 404
    assert client.post("/tickets/%00/close/").status_code == 404
    assert client.get("/tickets/" + "9" * 40 + "/").status_code == 404
    assert client.get("/tickets/260001%E2%80%AE/").status_code == 404
    assert client.post(url("reply", foreign.number), {"body": "x"}).status_code == 404
    assert client.post(url("close", foreign.number)).status_code == 404
    assert client.get(url("delete", foreign.number)).status_code == 404
    assert client.post(url("delete", foreign.number)).status_code == 404
    assert client.get(url("attachment", foreign.number, attachment.pk)).status_code == 404
    own = make_ticket(customer, support)
    # a foreign attachment id under one's own ticket number is 404 as well
    assert client.get(url("attachment", own.number, attachment.pk)).status_code == 404
    assert client.get(url("attachment", own.number, 987654)).status_code == 404
    foreign.refresh_from_db()
    assert not foreign.status.is_closed and foreign.messages.count() == 2


def test_ticket_page_runs_a_constant_number_of_queries(
    client_for, customer, support, django_assert_max_num_queries
):
    ticket = make_ticket(customer, support)
    for index in range(4):
        actions.add_reply(ticket, actor=customer, body_html=f"<p>m{index}</p>", files=[upload()])
    client = client_for(customer)
    few = _count_queries(client, url("detail", ticket.number))
    for index in range(45):
        actions.add_reply(
            ticket,
            body_html=f"<p>n{index}</p>",
            as_staff=bool(index % 2),
            author_name="Agent",
            files=[upload(), upload("b.txt")],
        )
    many = _count_queries(client, url("detail", ticket.number))
    assert ticket.messages.count() == 50
    assert few == many
    with django_assert_max_num_queries(few):
        client.get(url("detail", ticket.number))


def test_a_long_conversation_opens_on_its_latest_page(customer_client, customer, support):
    ticket = make_ticket(customer, support, body="<p>first words</p>")
    for index in range(54):
        actions.add_reply(ticket, actor=customer, body_html=f"<p>reply {index}</p>")
    latest = customer_client.get(url("detail", ticket.number)).content.decode()
    assert "reply 53" in latest and "first words" not in latest
    assert 'id="latest"' in latest and "?page=1" in latest
    first = customer_client.get(url("detail", ticket.number), {"page": "1"}).content.decode()
    assert "first words" in first and "reply 53" not in first
    for hostile in ("0", "-1", "99999", "x'--", "1e9"):
        response = customer_client.get(url("detail", ticket.number), {"page": hostile})
        assert response.status_code == 200


def test_reply_adds_a_message_with_files(customer_client, customer, support):
    ticket = make_ticket(customer, support)
    response = customer_client.post(
        url("reply", ticket.number),
        {"body": "<div>More <em>details</em></div>", "attachments": [upload("log.txt")]},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url("detail", ticket.number)
    reply = ticket.messages.last()
    assert reply.body_html == "<div>More <em>details</em></div>"
    assert reply.attachments.get().filename == "log.txt"
    assert "Your reply to ticket" in response.content.decode()


def test_reply_form_errors_save_nothing(settings, customer_client, customer, support):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAX_ATTACHMENT_SIZE": 10}
    ticket = make_ticket(customer, support)
    response = customer_client.post(
        url("reply", ticket.number), {"body": "<p> </p>", "attachments": [upload()]}
    )
    assert response.status_code == 200
    assert "body" in response.context["reply_form"].errors
    response = customer_client.post(
        url("reply", ticket.number), {"body": "fine", "attachments": [upload("a", b"x" * 11)]}
    )
    assert "attachments" in response.context["reply_form"].errors
    assert ticket.messages.count() == 1
    assert stored_files(settings.MEDIA_ROOT) == []


def test_reply_needs_post_and_close_asks_first(customer_client, customer, support):
    ticket = make_ticket(customer, support)
    assert customer_client.get(url("reply", ticket.number)).status_code == 405
    assert customer_client.get(url("close", ticket.number)).status_code == 200  # confirmation
    ticket.refresh_from_db()
    assert not ticket.status.is_closed


def test_close_then_the_page_says_closed_and_offers_no_reply(customer_client, customer, support):
    ticket = make_ticket(customer, support)
    response = customer_client.post(url("close", ticket.number), {"confirm": "yes"}, follow=True)
    ticket.refresh_from_db()
    assert ticket.status.is_closed
    html = response.content.decode()
    assert "This ticket is closed" in html
    assert f"Ticket #{ticket.number} has been closed." in html
    assert 'action="' + url("reply", ticket.number) not in html
    assert url("close", ticket.number) not in html
    assert response.context["reply_form"] is None
    # replying to a closed ticket is refused and saves nothing
    response = customer_client.post(url("reply", ticket.number), {"body": "again"})
    assert response.status_code == 403
    assert ticket.messages.count() == 1
    # closing twice is harmless
    response = customer_client.post(url("close", ticket.number), {"confirm": "yes"}, follow=True)
    assert "already closed" in response.content.decode()
    listing = customer_client.get(url("my_tickets")).content.decode()
    assert "Closed" in listing


def test_reader_sees_but_may_not_reply_or_close(client_for, customer, support):
    reader = UserFactory(username="reader")
    grant(reader, support, Level.READ, group_name="Readers")
    CompanyFactory(name="Shared").users.add(reader, customer)
    ticket = make_ticket(customer, support)
    client = client_for(reader)
    response = client.get(url("detail", ticket.number))
    assert response.status_code == 200
    assert response.context["reply_form"] is None
    assert url("close", ticket.number) not in response.content.decode()
    response = client.post(url("close", ticket.number))
    assert response.status_code == 403
    assert "Access denied" in response.content.decode()
    assert client.post(url("reply", ticket.number), {"body": "x"}).status_code == 403
    ticket.refresh_from_db()
    assert not ticket.status.is_closed and ticket.messages.count() == 1


# --- Delete ------------------------------------------------------------------------------


def test_delete_needs_the_delete_level(customer_client, customer, support):
    ticket = make_ticket(customer, support)
    assert customer_client.get(url("delete", ticket.number)).status_code == 403
    assert customer_client.post(url("delete", ticket.number)).status_code == 403
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_delete_confirms_then_deletes_and_keeps_the_audit_record(
    settings, client_for, customer, support, django_capture_on_commit_callbacks
):
    grant(customer, support, Level.DELETE, group_name="Deleters")
    ticket = make_ticket(customer, support, files=[upload("gone.txt")])
    number = ticket.number
    client = client_for(customer)
    assert url("delete", number) in client.get(url("detail", number)).content.decode()
    response = client.get(url("delete", number))
    assert response.status_code == 200
    assert "cannot be undone" in response.content.decode()
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("delete", number), follow=True)
    assert response.redirect_chain[-1][0] == url("my_tickets")
    assert f"Ticket #{number} has been deleted." in response.content.decode()
    assert not Ticket.objects.filter(pk=ticket.pk).exists()
    entry = TicketLogEntry.objects.get(ticket_id=ticket.pk, action="wagtail_tickets.deleted")
    assert entry.user_id == customer.pk and entry.data["number"] == number
    assert stored_files(settings.MEDIA_ROOT) == []


def test_colleague_may_not_delete_someone_elses_ticket(client_for, customer, colleague, support):
    grant(colleague, support, Level.DELETE, group_name="Deleters")
    ticket = make_ticket(customer, support)
    client = client_for(colleague)
    assert client.get(url("detail", ticket.number)).status_code == 200
    assert client.post(url("delete", ticket.number)).status_code == 403
    assert Ticket.objects.filter(pk=ticket.pk).exists()


# --- Profile -----------------------------------------------------------------------------


def test_profile_sets_the_display_name_used_on_messages(customer_client, customer, support):
    response = customer_client.get(url("profile"))
    assert response.status_code == 200
    assert "Carla Customer" in response.content.decode()
    response = customer_client.post(
        url("profile"), {"display_name": "  Acme\r\nPurchasing  "}, follow=True
    )
    assert "Your display name has been saved." in response.content.decode()
    assert TicketProfile.objects.get(user=customer).display_name == "Acme Purchasing"
    customer_client.post(url("create"), new_ticket_data(support))
    message = Message.objects.get()
    assert message.author_name == "Acme Purchasing"
    page = customer_client.get(url("detail", message.ticket.number)).content.decode()
    assert "Acme Purchasing" in page


def test_profile_refuses_an_overlong_name(customer_client, customer):
    response = customer_client.post(url("profile"), {"display_name": "x" * 101})
    assert "display_name" in response.context["form"].errors
    assert not TicketProfile.objects.exists()


# --- Attachments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,content_type,served",
    [
        ("report.pdf", "application/pdf", "application/pdf"),
        ("photo.png", "image/png", "image/png"),
        ("page.html", "text/html", "application/octet-stream"),
        ("logo.svg", "image/svg+xml", "application/octet-stream"),
        ("page.xhtml", "application/xhtml+xml", "application/octet-stream"),
    ],
)
def test_attachment_download_is_a_safe_attachment(
    customer_client, customer, support, name, content_type, served
):
    ticket = make_ticket(customer, support, files=[upload(name, b"<svg onload=x>", content_type)])
    attachment = Attachment.objects.get()
    response = customer_client.get(url("attachment", ticket.number, attachment.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == served
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert b"".join(response.streaming_content) == b"<svg onload=x>"


def test_attachment_with_a_forged_content_type_is_served_as_octet_stream(
    customer_client, customer, support
):
    ticket = make_ticket(customer, support, files=[upload("a.bin", b"x")])
    Attachment.objects.update(content_type="text/html\r\nSet-Cookie: a=b")
    attachment = Attachment.objects.get()
    response = customer_client.get(url("attachment", ticket.number, attachment.pk))
    assert response["Content-Type"] == "application/octet-stream"
    assert not response.has_header("Set-Cookie")


def test_attachment_of_an_internal_note_is_404(customer_client, customer, support):
    ticket = make_ticket(customer, support)
    note = actions.add_reply(
        ticket, body_html="<p>note</p>", internal=True, as_staff=True, files=[upload()]
    )
    attachment = note.attachments.get()
    assert customer_client.get(url("attachment", ticket.number, attachment.pk)).status_code == 404


def test_attachment_missing_from_storage_is_404(customer_client, customer, support):
    ticket = make_ticket(customer, support, files=[upload()])
    attachment = Attachment.objects.get()
    attachment.file.storage.delete(attachment.file.name)
    assert customer_client.get(url("attachment", ticket.number, attachment.pk)).status_code == 404


def test_colleague_downloads_company_ticket_files(client_for, customer, colleague, support):
    ticket = make_ticket(customer, support, files=[upload()])
    attachment = Attachment.objects.get()
    response = client_for(colleague).get(url("attachment", ticket.number, attachment.pk))
    assert response.status_code == 200


def test_an_agent_viewing_their_own_ticket_sees_internal_notes_marked(client_for, support):
    agent = UserFactory(username="agent")
    grant(agent, support, Level.MANAGE, group_name="Agents")
    ticket = make_ticket(agent, support)
    actions.add_reply(ticket, body_html="<p>between us</p>", internal=True, as_staff=True)
    html = client_for(agent).get(url("detail", ticket.number)).content.decode()
    assert "between us" in html
    assert "wt-message-card--internal" in html
    assert "Internal note, not shown to the customer" in html


@pytest.mark.parametrize(
    "language,expected",
    [("de", "Meine Tickets"), ("nl", "Mijn tickets"), ("it", "I miei ticket")],
)
def test_the_customer_area_ships_translated(customer_client, customer, language, expected):
    support = customer.groups.get().ticket_type_permissions.get().ticket_type
    make_ticket(customer, support)
    try:
        response = customer_client.get(url("my_tickets"), headers={"accept-language": language})
    finally:
        translation.activate("en")  # the locale middleware leaves its language active
    html = response.content.decode()
    assert expected in html
    assert response.context["title"] == expected
