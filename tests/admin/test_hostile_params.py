"""Every GET parameter of every listing the package serves, fuzzed with hostile values.

Each listing has rows (SQLite checks a LIKE pattern only when it has a row to compare),
and each of its parameters gets every value of ``HOSTILE``: ids past 64 bits (an
``OverflowError`` on SQLite, a different path on PostgreSQL), signs, digits of other
scripts, NUL bytes, 100,000 characters, lists, markup. The answer is a page (200, the
value being a form error or ignored), a 400 or a 404: never a server error, never a logged
exception, never the markup echoed. The test client raises a view's exception, so a 500
fails the test where it happens. Run on SQLite and on PostgreSQL (``DATABASE_URL``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    CategoryFactory,
    CompanyFactory,
    MailboxFactory,
    OutgoingMailFactory,
    RateFactory,
    ResponseTemplateFactory,
    TicketTypeFactory,
    TicketTypeGroupFactory,
    admin_access,
    external_page,
    grant,
    make_agent,
    make_customer,
    make_ticket,
)
from tests.testapp.models import Company
from wagtail_tickets.admin import listing
from wagtail_tickets.external import token as tokens
from wagtail_tickets.ids import ID_MAX, parse_id
from wagtail_tickets.models import (
    EmailTemplate,
    QuarantinedMessage,
    Status,
    TypePermission,
)

pytestmark = pytest.mark.django_db

SCRIPT = '"><script>alert(1)</script>'
HOSTILE: list[str | list[str]] = [
    "99999999999999999999999",
    "-99999999999999999999",
    "9223372036854775808",
    str(ID_MAX),
    "-1",
    "0",
    "",
    "abc",
    "1e5",
    "1.0",
    "0x10",
    " 1",
    "１",  # full-width digit: int() reads it, the database does not
    "²",  # superscript: str.isdigit() says yes, int() says no
    "٣",  # Arabic-Indic digit
    "1\x00",
    "%00",
    "x" * 100_000,
    "ü€😀",
    "1' OR '1'='1",
    "1; DROP TABLE wagtail_tickets_ticket;--",
    "../../etc/passwd",
    "null",
    SCRIPT,
    ["1", "abc"],
    ["99999999999999999999999", "1"],
    ["1"] * 60,
]
ALLOWED = (200, 400, 404)


@dataclass
class Listing:
    """A listing's URL name, its path arguments (from the world) and what it reads."""

    name: str
    params: list[str]
    args: str = ""
    base: dict = field(default_factory=dict)  # other parameters a parameter needs
    customer: bool = False  # opened by the customer, not the agent


INBOX_FILTERS = ["status", "ticket_type", "priority", "category", "assigned", "assignee"]
# Wagtail's listings: the results view runs the same filters, search, sort and paging as
# the full page, which ``test_full_listing_pages_show_hostile_values`` renders too
ADMIN = [
    Listing(
        "wagtail_tickets_inbox:index_results",
        [*INBOX_FILTERS, "state", "ordering", "q", "p", "export"],
    ),
    Listing("wagtail_tickets_types:index_results", ["group", "active", "q", "p", "ordering"]),
    Listing("wagtail_tickets_type_groups:index_results", ["q", "p", "ordering"]),
    Listing("wagtail_tickets_statuses:index_results", ["q", "p", "ordering"]),
    Listing("wagtail_tickets_priorities:index_results", ["q", "p", "ordering"]),
    Listing("wagtail_tickets_categories:index_results", ["q", "p", "ordering"]),
    Listing("wagtail_tickets_rates:index_results", ["q", "p", "ordering"]),
    Listing("wagtail_tickets_response_templates:index_results", ["q", "p", "ordering"]),
    Listing(
        "wagtail_tickets_mailboxes:index_results", ["active", "ticket_type", "q", "p", "ordering"]
    ),
    Listing("wagtail_tickets_quarantine:index_results", ["mailbox", "q", "p", "ordering"]),
    Listing(
        "wagtail_tickets_email_templates:index_results",
        ["kind", "ticket_type", "language", "active", "q", "p", "ordering"],
    ),
    Listing("wagtail_tickets_email_templates:preview", ["ticket"], args="email_template"),
    Listing("wagtail_tickets_outbox:index_results", ["state", "kind", "q", "p", "ordering"]),
    Listing("wagtail_tickets_reports:index", ["period", "granularity", "time_page"]),
    Listing(
        "wagtail_tickets_reports:index",
        ["start", "end"],
        base={"period": "custom", "start": "2024-01-01", "end": "2024-01-31"},
    ),
    Listing(
        "wagtail_tickets_reports:time_csv",
        ["period", "start", "end", "granularity"],
        base={"period": "custom", "start": "2024-01-01", "end": "2024-01-31"},
    ),
    Listing("wagtail_tickets_requester_chooser:choose_results", ["q", "p"]),
    Listing("wagtail_tickets_requester_chooser:chosen_multiple", ["id"]),
    Listing("wagtail_tickets_inbox:add", ["customer", "requester"]),
    Listing("wagtail_tickets_inbox:edit", ["template", "p"], args="ticket"),
    Listing("wagtail_tickets_customer_tickets:index", ["tickets_page"], args="company"),
    Listing("company_snippet_edit", ["tickets_page"], args="company"),
    Listing("wagtailadmin_home", ["p", "q"]),
]
CUSTOMER = [
    Listing("wagtail_tickets:my_tickets", ["scope", "state", "page"], customer=True),
    Listing("wagtail_tickets:detail", ["page"], args="number", customer=True),
    Listing("wagtail_tickets:external", ["ticket", "page", "opened"], customer=True),
    Listing("wagtail_tickets:external", ["ticket", "page", "opened"]),  # signed in as agent
    Listing("wagtail_tickets:external_ticket", ["page"], args="token", customer=True),
]


@pytest.fixture
def world():
    """One row or more in every listing; a superuser who manages the type (every admin
    screen) and a customer of a company (the customer area)."""
    group = TicketTypeGroupFactory(name="Products")
    hardware = TicketTypeFactory(name="Hardware", group=group)
    company = CompanyFactory(name="Acme")
    customer = make_customer(hardware, company=company, username="carla", first_name="Carla")
    ticket = make_ticket(customer, hardware, subject="Printer jam")
    for number in range(3):
        make_ticket(customer, hardware, subject=f"Other {number}")
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    grant(root, hardware, TypePermission.Level.MANAGE, group_name="Hardware agents")
    CategoryFactory(name="Billing")
    RateFactory(name="Standard")
    ResponseTemplateFactory(name="Thanks")
    mailbox = MailboxFactory(name="Support", ticket_type=hardware)
    QuarantinedMessage.objects.create(
        mailbox=mailbox, reason="unreadable", raw=b"x", size=1, key="k1", subject="Broken"
    )
    OutgoingMailFactory(subject="Sent one", sent_at=timezone.now())
    external_page(offered=[hardware])
    return {
        "root": root,
        "customer": customer,
        "ticket": ticket,
        "number": ticket.number,
        "company": company,
        "token": tokens.issue_token(make_ticket(None, hardware, requester_email="v@x.org")),
        "email_template": EmailTemplate.objects.order_by("pk").first(),
    }


def listing_url(item: Listing, world: dict) -> str:
    args = [getattr(world[item.args], "pk", world[item.args])] if item.args else []
    if item.name == "company_snippet_edit":
        return reverse(Company.snippet_viewset.get_url_name("edit"), args=args)
    return reverse(item.name, args=args)


def body_of(response) -> bytes:
    """The whole body, streamed ones (exports) included: they fail while streaming."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def fuzz(client, url: str, item: Listing, caplog, values=HOSTILE) -> None:
    for param in item.params:
        for value in values:
            response = client.get(url, {**item.base, param: value})
            content = body_of(response)
            where = f"{item.name} {param}={str(value)[:40]!r}"
            assert response.status_code in ALLOWED, where
            if b"<script>alert(1)" in content:  # repeated in an error: plain text only
                assert response["Content-Type"].startswith("text/plain"), where
                assert response["X-Content-Type-Options"] == "nosniff", where
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


@pytest.mark.slow  # every value into every parameter: the sweep, not the quick loop
@pytest.mark.parametrize("item", ADMIN, ids=lambda item: f"{item.name}-{item.params[0]}")
def test_admin_listing_parameters_never_fail(client, world, caplog, item):
    caplog.set_level(logging.ERROR)
    client.force_login(world["root"])
    fuzz(client, listing_url(item, world), item, caplog)


@pytest.mark.slow  # every value into every parameter: the sweep, not the quick loop
@pytest.mark.parametrize("item", CUSTOMER, ids=lambda item: f"{item.name}-{item.customer}")
def test_customer_area_and_external_page_parameters_never_fail(client, world, caplog, item):
    caplog.set_level(logging.ERROR)
    client.force_login(world["customer"] if item.customer else world["root"])
    fuzz(client, listing_url(item, world), item, caplog)


def test_inbox_filters_as_an_agent_who_is_no_superuser(client, world, caplog):
    caplog.set_level(logging.ERROR)
    agent = make_agent(world["ticket"].ticket_type, username="anna")
    client.force_login(agent)
    item = Listing("wagtail_tickets_inbox:index_results", [*INBOX_FILTERS, "q"])
    fuzz(client, reverse(item.name), item, caplog)


# the values that reach a page's header (search box) and filter drawer with an error
SHOWN = ["99999999999999999999999", "²", "x" * 100_000, SCRIPT, ["1", SCRIPT]]


@pytest.mark.slow  # every value into every parameter: the sweep, not the quick loop
@pytest.mark.parametrize(
    "name,params",
    [
        ("wagtail_tickets_inbox:index", [*INBOX_FILTERS, "state", "q", "ordering", "export"]),
        ("wagtail_tickets_types:index", ["group", "q"]),
        ("wagtail_tickets_response_templates:index", ["q"]),
        ("wagtail_tickets_mailboxes:index", ["ticket_type", "q"]),
        ("wagtail_tickets_quarantine:index", ["mailbox", "q"]),
        ("wagtail_tickets_email_templates:index", ["ticket_type", "q"]),
        ("wagtail_tickets_outbox:index", ["state", "q"]),
        ("wagtail_tickets_requester_chooser:choose", ["q", "p"]),
    ],
)
def test_full_listing_pages_show_hostile_values(client, world, caplog, name, params):
    caplog.set_level(logging.ERROR)
    client.force_login(world["root"])
    item = Listing(name, params)
    fuzz(client, reverse(name), item, caplog, values=SHOWN)


PATH_IDS = ["99999999999999999999999", "9223372036854775808", "0"]


@pytest.mark.parametrize(
    "name",
    [
        "wagtail_tickets_inbox:edit",
        "wagtail_tickets_inbox:attachment",
        "wagtail_tickets_outbox:inspect",
        "wagtail_tickets_types:edit",
        "wagtail_tickets_response_templates:edit",
        "wagtail_tickets_quarantine:download",
        "wagtail_tickets_quarantine:retry",
        "wagtail_tickets_mailboxes:edit",
        "wagtail_tickets_email_templates:preview",
    ],
)
def test_ids_in_admin_paths_beyond_the_range_are_404(client, world, name):
    client.force_login(world["root"])
    for value in PATH_IDS:
        path = reverse(name, args=[1]).replace("/1/", f"/{value}/")
        assert client.get(path).status_code in (302, 404), (name, value)


@pytest.mark.parametrize(
    "name", ["wagtail_tickets_requester_chooser:chosen", "wagtail_tickets_customer_tickets:index"]
)
@pytest.mark.parametrize("value", [*PATH_IDS, "²", "１", "-1", "abc", "1.5", "1\x00"])
def test_ids_in_text_paths_are_404(client, world, name, value):
    client.force_login(world["root"])
    assert client.get(reverse(name, args=[value])).status_code == 404


# What the answers are, beyond "no failure" ---------------------------------------------


@pytest.mark.parametrize("param", ["status", "priority", "category", "assignee"])
@pytest.mark.parametrize(
    "value",
    ["99999999999999999999999", "-99999999999999999999", "9223372036854775808", "²", "１"],
)
def test_an_id_filter_beyond_range_is_the_filters_error(client, world, param, value):
    """As Wagtail answers an unknown choice: the listing, with the filter's error."""
    client.force_login(world["root"])
    response = client.get(reverse("wagtail_tickets_inbox:index"), {param: value})
    assert response.status_code == 200
    assert param in response.context["filters"].errors
    assert len(response.context["object_list"]) == 5  # not filtered
    mixed = client.get(reverse("wagtail_tickets_inbox:index"), {param: ["1", value]})
    assert param in mixed.context["filters"].errors


def test_valid_ids_still_filter(client, world):
    client.force_login(world["root"])
    closed = Status.objects.closed_default()
    response = client.get(reverse("wagtail_tickets_inbox:index"), {"status": [closed.pk]})
    assert not response.context["filters"].errors
    assert list(response.context["object_list"]) == []


def test_a_search_term_too_long_is_the_search_fields_error(client, world):
    client.force_login(world["root"])
    url = reverse("wagtail_tickets_inbox:index")
    response = client.get(url, {"q": "x" * (listing.MAX_SEARCH_LENGTH + 1)})
    assert response.status_code == 200
    assert "q" in response.context["search_form"].errors
    assert f'maxlength="{listing.MAX_SEARCH_LENGTH}"' in response.content.decode()
    assert len(response.context["object_list"]) == 5
    longest = client.get(url, {"q": "Printer jam" + " " * (listing.MAX_SEARCH_LENGTH - 11)})
    assert not longest.context["search_form"].errors
    assert [t.subject for t in longest.context["object_list"]] == ["Printer jam"]


def test_the_requester_chooser_ignores_what_is_no_user_id(client, world):
    client.force_login(world["root"])
    url = reverse("wagtail_tickets_requester_chooser:chosen_multiple")
    response = client.get(url, {"id": ["²", "99999999999999999999999", str(world["root"].pk)]})
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["result"]] == [str(world["root"].pk)]
    new = client.get(reverse("wagtail_tickets_inbox:add"), {"requester": "²"})
    assert new.status_code == 200
    assert new.context["form"].initial.get("requester") is None


@pytest.mark.parametrize(
    "value,expected",
    [
        ("1", 1),
        ("0042", 42),
        (7, 7),
        (str(ID_MAX), ID_MAX),
        (str(ID_MAX + 1), None),
        ("99999999999999999999999", None),
        ("0", None),
        (0, None),
        ("-1", None),
        (-1, None),
        ("+1", None),
        (" 1", None),
        ("1 ", None),
        ("1e5", None),
        ("1.0", None),
        ("１", None),
        ("²", None),
        ("٣", None),
        ("1\x00", None),
        ("", None),
        (None, None),
        (True, None),
        (1.0, None),
        ([1], None),
        ("0" * 19 + "1", None),
    ],
)
def test_parse_id(value, expected):
    assert parse_id(value) == expected


def test_an_editor_without_agent_rights_gets_no_listing_data(client, world):
    editor = admin_access(make_customer(username="ed"))
    client.force_login(editor)
    for value in ("99999999999999999999999", SCRIPT):
        response = client.get(reverse("wagtail_tickets_inbox:index"), {"status": value})
        assert response.status_code in (302, 403)
        assert b"Printer jam" not in response.content
