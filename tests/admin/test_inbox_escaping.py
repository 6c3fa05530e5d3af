"""The inbox writes its rows and filter widgets in Python (``admin.markup``): every value
from the database reaches the page escaped, in every cell, label and attribute.

Values are written straight into the rows (``update``), past the actions' own cleaning,
so that the page alone is tested. The page is parsed as a browser would: each hostile
value must come back as the text (or attribute value) it was, and no element or
attribute may appear that the inbox does not write itself."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from openpyxl import load_workbook

from tests.factories import (
    CategoryFactory,
    CompanyFactory,
    TicketTypeFactory,
    TicketTypeGroupFactory,
    UserFactory,
    grant,
    make_agent,
    make_ticket,
)
from wagtail_tickets import actions
from wagtail_tickets.admin import markup, widgets
from wagtail_tickets.admin.inbox_columns import (
    COLUMNS,
    EXPORT_FIELDS,
    SHOWN,
    SHOWN_FOREIGN_KEYS,
    shorten,
)
from wagtail_tickets.models import (
    Message,
    Priority,
    Status,
    Ticket,
    TicketType,
    TypePermission,
)

pytestmark = pytest.mark.django_db

INBOX = "wagtail_tickets_inbox:index"
RESULTS = "wagtail_tickets_inbox:index_results"

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(2)>",
    "{{ request.user.password }}{% debug %}",
    "&amp;lt;&#60;b&#x3e;",
    "javascript:alert(3)",
    "\u202egnp.exe\u202c",
    "{cell0}{row_attrs}{0}{}",
    "</td></tr></tbody></table><b>out</b>",
    "<!-- --><![CDATA[ x ]]>",
]

# what the inbox's rows may hold: elements and attributes it writes itself
ROW_TAGS = {"tr", "td", "div", "a", "span", "button", "time", "input"}
ROW_ATTRS = {
    "class",
    "href",
    "style",
    "title",
    "name",
    "value",
    "form",
    "aria-label",
    "aria-hidden",
    "type",
    "data-controller",
    "data-w-tooltip-content-value",
    "data-w-tooltip-placement-value",
    "datetime",
}


class Page(HTMLParser):
    """The rows of the listing's ``<tbody>`` (cells as text, with the elements and
    attributes in them), and every filter option."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[dict]] = []
        self.options: list[dict] = []  # checkboxes and radios with their label's text
        self.select_options: list[dict] = []
        self.group_labels: list[str] = []
        self.in_listing = False
        self.in_body = False
        self.cell: dict | None = None
        self.label: dict | None = None
        self.option: dict | None = None
        self.comments: list[str] = []
        self.all_tags: set[str] = set()
        self.all_attrs: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.all_tags.add(tag)
        self.all_attrs.update(attrs)
        if tag == "table":
            self.in_listing = "listing" in (attrs.get("class") or "").split()
        elif tag == "tbody" and self.in_listing:
            self.in_body = True
        elif self.in_body:
            if tag == "tr":
                self.rows.append([])
            elif tag == "td":
                self.cell = {"text": "", "tags": [], "attrs": []}
                self.rows[-1].append(self.cell)
            elif self.cell is not None:
                self.cell["tags"].append(tag)
                self.cell["attrs"].extend(attrs.items())
        if tag == "label":
            self.label = {"text": "", "title": attrs.get("title"), "input": None}
        elif tag == "input" and self.label is not None:
            self.label["input"] = attrs
        elif tag == "option":
            self.option = {"value": attrs.get("value"), "text": ""}
            self.select_options.append(self.option)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif tag == "td":
            self.cell = None
        elif tag == "label" and self.label is not None:
            if self.label["input"] is not None:
                self.options.append(self.label)
            else:
                self.group_labels.append(self.label["text"])
            self.label = None
        elif tag == "option":
            self.option = None

    def handle_data(self, data):
        for part in (self.cell, self.label, self.option):
            if part is not None:
                part["text"] += data

    def handle_comment(self, data):
        self.comments.append(data)


def parse(response) -> Page:
    assert response.status_code == 200
    page = Page()
    page.feed(response.content.decode())
    page.close()
    return page


@pytest.fixture
def hostile_world():
    """One ticket per hostile value, every field the inbox shows holding it: subject,
    number, requester (account with a display name, or a guest's name or address),
    customer, type (name, description, group), status, priority (name and colour),
    category and assignee."""
    people = UserFactory(username="carol")
    agent = make_agent(TicketTypeFactory(name="Agents' own"), username="anna")
    world = {"agent": agent, "tickets": [], "types": []}
    open_status = Status.objects.default()
    for index, value in enumerate(HOSTILE):
        group = TicketTypeGroupFactory(name=f"{value} group {index}")
        ticket_type = TicketTypeFactory(name=f"type {index}")
        TicketType.objects.filter(pk=ticket_type.pk).update(
            name=value + f" {index}", description=value, group=group
        )
        grant(agent, ticket_type, TypePermission.Level.MANAGE, group_name=f"Team {index}")
        grant(people, ticket_type, TypePermission.Level.WRITE, group_name="Customers")
        ticket_type.refresh_from_db()
        world["types"].append(ticket_type)
        status = Status.objects.create(
            name=f"status {index}", colour="#123456", sort_order=100 + index
        )
        Status.objects.filter(pk=status.pk).update(name=value, colour=value[:7])
        priority = Priority.objects.create(name=f"priority {index}", sort_order=100 + index)
        Priority.objects.filter(pk=priority.pk).update(name=value, colour=value[:7])
        category = CategoryFactory(name=f"category {index}")
        category.__class__.objects.filter(pk=category.pk).update(name=value)
        assignee = UserFactory(username=f"agent{index}")
        grant(assignee, ticket_type, TypePermission.Level.MANAGE, group_name=f"Team {index}")
        type(assignee).objects.filter(pk=assignee.pk).update(first_name=value, last_name=str(index))
        company = CompanyFactory(name=f"company {index}")
        type(company).objects.filter(pk=company.pk).update(name=value)
        if index % 3 == 0:  # an account with a display name
            requester = UserFactory(username=f"requester{index}")
            grant(requester, ticket_type, TypePermission.Level.WRITE, group_name="Customers")
            ticket = make_ticket(requester, ticket_type, subject="placeholder")
            actions.set_display_name(requester, "x")
            requester.ticket_profile.__class__.objects.filter(user=requester).update(
                display_name=value
            )
            expected_requester = value
            fields = {}
        elif index % 3 == 1:  # a guest's name
            ticket = make_ticket(
                None,
                ticket_type,
                subject="placeholder",
                requester_name="guest",
                requester_email="guest@example.com",
            )
            fields = {"requester_name": value}
            expected_requester = value
        else:  # a guest known by address only
            ticket = make_ticket(
                None,
                ticket_type,
                subject="placeholder",
                requester_name="",
                requester_email="guest@example.com",
            )
            fields = {"requester_name": "", "requester_email": value}
            expected_requester = value
        # the newest message's author and text: the row's preview line
        Message.objects.filter(ticket=ticket).update(author_name=value, body_text=value)
        Ticket.objects.filter(pk=ticket.pk).update(
            subject=value,
            number=f"{index}{value}"[:32],
            status=status if index % 2 else open_status,
            priority=priority,
            category=category,
            assignee=assignee,
            customer=company,
            **fields,
        )
        ticket.refresh_from_db()
        world["tickets"].append(
            {
                "ticket": ticket,
                "value": value,
                "number": f"{index}{value}"[:32],
                "requester": expected_requester,
                "status": value if index % 2 else open_status.name,
            }
        )
    return world


NUMBER_CELL = [column.name for column in SHOWN].index("number")
NEW = "New: customer messages you have not seen yet"


def _row_for(page: Page, number: str) -> list[dict]:
    matches = [row for row in page.rows if row and row[NUMBER_CELL]["text"].strip() == number]
    assert len(matches) == 1, number
    return matches[0]


def _check_rows(page: Page, world: dict) -> None:
    assert len(page.rows) == len(world["tickets"])
    for row in page.rows:
        assert len(row) == len(SHOWN)
        for cell in row:
            assert set(cell["tags"]) <= ROW_TAGS, cell
            assert {name for name, _value in cell["attrs"]} <= ROW_ATTRS, cell
            for name, value in cell["attrs"]:
                if name == "href":
                    assert re.fullmatch(r"/admin/tickets/\d+/", value), value
                if name == "style":
                    assert re.fullmatch(
                        r"--wt-colour: #[0-9a-fA-F]{6}; --wt-on-colour: #(000000|ffffff)", value
                    ), value
    labels = [column.name for column in SHOWN]
    for item in world["tickets"]:
        ticket, value = item["ticket"], item["value"]
        cells = dict(zip(labels, _row_for(page, item["number"]), strict=True))
        text = {name: cell["text"].strip() for name, cell in cells.items()}
        assert text["number"] == item["number"]
        # the subject, the "new" badge (a customer wrote, the agent never opened it) and
        # the newest message's author and start
        assert text["subject"] == f"{value}{NEW}{value}: {shorten(value)}".strip()
        assert dict(cells["subject"]["attrs"])["title"] == value
        assert text["requester"] == f"{item['requester']}{value}".strip()  # and its customer
        select = dict(cells["select"]["attrs"])
        assert select["value"] == str(ticket.pk)
        assert select["aria-label"] == f"Select ticket {item['number']}"
        assert text["ticket_type"] == ticket.ticket_type.name.strip()
        assert text["status"] == item["status"].strip()
        assert text["priority"] == value.strip()
        assert text["assignee"] == f"{value} {ticket.assignee.last_name}".strip()
        href = dict(cells["number"]["attrs"])["href"]
        assert href == reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])


@pytest.mark.parametrize("view", [INBOX, RESULTS])
def test_every_cell_of_every_row_holds_its_hostile_value_as_text(client, hostile_world, view):
    client.force_login(hostile_world["agent"])
    page = parse(client.get(reverse(view), {"ordering": "number"}))
    _check_rows(page, hostile_world)


def test_hostile_values_never_become_markup_anywhere_on_the_page(client, hostile_world):
    client.force_login(hostile_world["agent"])
    response = client.get(reverse(INBOX), {"ordering": "-subject"})
    html = response.content.decode()
    for value in HOSTILE:
        if "<" in value or '"' in value:
            assert value not in html, value
    for marker in ("<img", "<svg onload", "<b>out</b>"):
        assert marker not in html
    assert "{{ request.user.password }}" in html  # shown as typed, never rendered
    page = parse(response)
    assert not [c for c in page.comments if "--><![CDATA" in c or "x ]]" in c]
    assert not {"img", "b"} & page.all_tags  # Wagtail's icons are the page's only svg
    assert not [name for name in page.all_attrs if name.startswith("on")]


def test_filter_labels_counters_and_titles_are_escaped(client, hostile_world):
    client.force_login(hostile_world["agent"])
    page = parse(client.get(reverse(INBOX)))
    by_name: dict[str, list[dict]] = {}
    for option in page.options:
        by_name.setdefault(option["input"]["name"], []).append(option)
    for option in page.options:
        assert set(option["input"]) <= {"type", "name", "value", "id", "checked"}, option
    status_labels = {o["text"].strip() for o in by_name["status"]}
    priority_labels = {o["text"].strip() for o in by_name["priority"]}
    category_labels = {o["text"].strip() for o in by_name["category"]}
    type_titles = {o["title"] for o in by_name["ticket_type"]}
    type_labels = {o["text"].strip() for o in by_name["ticket_type"]}
    for index, value in enumerate(HOSTILE):
        # the status counter is part of the label: "<name> (<count>)"
        assert f"{value} (0)".strip() in status_labels or f"{value} (1)" in status_labels
        assert value.strip() in priority_labels
        assert value.strip() in category_labels
        assert f"{value} {index}".strip() in type_labels
        assert value in type_titles
        assert f"{value} group {index}" in page.group_labels
    assignees = {o["text"] for o in page.select_options}
    for index, value in enumerate(HOSTILE):
        assert f"{value} {index}" in assignees
    for option in by_name["status"] + by_name["priority"] + by_name["ticket_type"]:
        assert re.fullmatch(r"\d+", option["input"]["value"])


def test_export_writes_the_values_as_plain_text(client, hostile_world):
    client.force_login(hostile_world["agent"])
    response = client.get(reverse(INBOX), {"export": "csv", "ordering": "number"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    subjects = {row[1] for row in rows[1:]}
    assert subjects == set(HOSTILE)
    response = client.get(reverse(INBOX), {"export": "xlsx", "ordering": "number"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = {row[1].value for row in sheet.iter_rows(min_row=2)}
    assert values == set(HOSTILE)


# The one helper -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        *HOSTILE,
        None,
        42,
        mark_safe("<b>trusted</b>"),
        SafeString("<i>x</i>"),
        "",
        "'\"&<>",
    ],
)
def test_the_helper_escapes_as_django_does(value):
    expected = "" if value is None else conditional_escape(value)
    assert markup.conditional(value) == expected
    template = '<td title="{title}">{content}</td>'
    written = markup.Html(template)(title=value, content=value)
    assert isinstance(written, SafeString)
    if value is not None:
        assert written == format_html(template, title=value, content=value)


@pytest.mark.parametrize(
    "template", ["{x.y}", "{x[0]}", "{x!r}", "{x:>10}", "{0}", "{}", "{x!s:10}"]
)
def test_the_helper_takes_plain_holes_only(template):
    with pytest.raises(ValueError):
        markup.Html(template)


def test_a_forgotten_hole_is_an_error_not_an_empty_cell():
    with pytest.raises(KeyError):
        markup.Html("<td>{a}{b}</td>")(a="x")


def test_attributes_and_joins_escape_too():
    written = markup.attrs({"title": HOSTILE[1], "hidden": True, "gone": False, "none": None})
    assert written == ' title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" hidden'
    joined = markup.join(["<b>", mark_safe("<i>"), None, 1])
    assert joined == "&lt;b&gt;<i>1"


def test_filter_widgets_escape_names_values_and_attributes():
    choices = [(value, value) for value in HOSTILE]
    for widget in (
        widgets.CheckboxSelectMultiple(choices=choices, attrs={"data-x": HOSTILE[1]}),
        widgets.RadioSelect(choices=choices),
        widgets.Select(choices=[("g" + HOSTILE[0], choices)]),
        widgets.TitledCheckboxSelectMultiple(choices=choices, titles={HOSTILE[2]: HOSTILE[1]}),
    ):
        html = widget.render(HOSTILE[1], HOSTILE[:2], attrs={"id": HOSTILE[2]})
        for value in HOSTILE:
            if "<" in value or '"' in value:
                assert value not in html
        assert "<img" not in html and "<svg" not in html and "<script" not in html


def test_every_column_is_declared_once_and_reads_its_foreign_keys():
    names = [column.name for column in COLUMNS]
    assert len(names) == len(set(names))
    # the export keeps its columns and their order
    assert EXPORT_FIELDS == [
        "number",
        "subject",
        "requester_display_name",
        "requester_email",
        "customer",
        "ticket_type",
        "status",
        "priority",
        "category",
        "assignee",
        "created_at",
        "updated_at",
        "target_date",
        "sla_next_due_at",
        "closed_at",
    ]
    assert SHOWN_FOREIGN_KEYS == (
        "requester",
        "customer",
        "ticket_type",
        "status",
        "priority",
        "assignee",
    )
    assert {c.name for c in SHOWN} == {
        "select",
        "number",
        "subject",
        "requester",
        "ticket_type",
        "status",
        "priority",
        "assignee",
        "updated_at",
        "target_date",
        "sla_next_due_at",
    }
