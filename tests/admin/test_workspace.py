"""The ticket workspace in the admin: who reaches it, what it shows, and every agent action
through the views (claim, assign, field changes, move, contacts, close/reopen, replies,
internal notes, time logging, templates, attachments, new ticket on behalf)."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    CategoryFactory,
    CompanyFactory,
    RateFactory,
    ResponseTemplateFactory,
    TicketTypeFactory,
    UserFactory,
    admin_access,
    grant,
    make_agent,
    make_ticket,
)
from wagtail_tickets import actions, permissions
from wagtail_tickets.models import (
    Message,
    Priority,
    ResponseTemplate,
    Status,
    Ticket,
    TicketLogEntry,
    TypePermission,
)
from wagtail_tickets.notifications import EventKind
from wagtail_tickets.notifications.notifier import Notifier

pytestmark = pytest.mark.django_db

NS = "wagtail_tickets_inbox"
ACTIONS = ("claim", "close", "reopen", "draft", "preview")


def url(name, *args):
    return reverse(f"{NS}:{name}", args=args)


def save_fields(client, ticket, data, **kwargs):
    """The "Save changes" button of the ticket fields (the workspace's form, no reply)."""
    return client.post(url("edit", ticket.pk), {"action": "fields", **data}, **kwargs)


def draftail(text):
    return json.dumps(
        {
            "blocks": [
                {
                    "key": "k1",
                    "text": text,
                    "type": "unstyled",
                    "depth": 0,
                    "inlineStyleRanges": [{"offset": 0, "length": 4, "style": "BOLD"}],
                    "entityRanges": [],
                }
            ],
            "entityMap": {},
        }
    )


def make_world() -> dict:
    """Hardware and Software; Carol of Acme writes both, Anna Agent answers Hardware."""
    hardware = TicketTypeFactory(name="Hardware")
    software = TicketTypeFactory(name="Software")
    customer = UserFactory(username="carol", first_name="Carol", last_name="Customer")
    for ticket_type in (hardware, software):
        grant(customer, ticket_type, TypePermission.Level.WRITE, group_name="Customers")
    company = CompanyFactory(name="Acme Ltd")
    company.users.add(customer)
    agent = make_agent(hardware, username="anna", first_name="Anna", last_name="Agent")
    ticket = make_ticket(customer, hardware, subject="Printer on fire", cc=["boss@acme.test"])
    return {
        "hardware": hardware,
        "software": software,
        "customer": customer,
        "company": company,
        "agent": agent,
        "ticket": ticket,
    }


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def agent_client(client, world):
    client.force_login(world["agent"])
    return client


def fresh(ticket):
    return Ticket.objects.select_related("status", "priority", "category", "assignee").get(
        pk=ticket.pk
    )


# Access ------------------------------------------------------------------------------


def test_agent_of_another_type_gets_404_everywhere(client, world):
    foreign = make_ticket(world["customer"], world["software"], subject="Software secret")
    actions.add_reply(
        foreign,
        body_html="<p>file</p>",
        files=[SimpleUploadedFile("secret.txt", b"top secret")],
    )
    attachment = foreign.messages.last().attachments.get()
    client.force_login(world["agent"])
    response = client.get(url("edit", foreign.pk))
    assert response.status_code == 404
    assert b"Software secret" not in response.content
    for name in ACTIONS:
        response = client.post(url(name, foreign.pk), {"body": "<p>intrusion</p>"})
        assert response.status_code == 404, name
    response = client.post(url("edit", foreign.pk), {"body": "<p>intrusion</p>"})
    assert response.status_code == 404
    response = save_fields(client, foreign, {"assignee": world["agent"].pk})
    assert response.status_code == 404
    response = client.get(url("attachment", attachment.pk))
    assert response.status_code == 404
    assert b"top secret" not in b"".join(getattr(response, "streaming_content", [b""]))
    assert foreign.messages.count() == 2
    assert fresh(foreign).assignee is None


def test_missing_ticket_is_404(agent_client):
    assert agent_client.get(url("edit", 999999)).status_code == 404


def test_admin_user_without_manage_is_refused(client, world):
    reader = admin_access(UserFactory(username="reader"))
    grant(reader, world["hardware"], TypePermission.Level.DELETE, group_name="Readers")
    client.force_login(reader)
    ticket = world["ticket"]
    response = client.get(url("edit", ticket.pk))
    assert response.status_code in (302, 403)
    assert b"Printer on fire" not in response.content
    for name in ACTIONS:
        assert client.post(url(name, ticket.pk)).status_code in (302, 403)
    assert client.post(url("edit", ticket.pk), {"body": "x"}).status_code in (302, 403)
    assert fresh(ticket).assignee is None
    assert ticket.messages.count() == 1
    assert client.get(url("add")).status_code in (302, 403)


def test_customer_without_admin_access_is_sent_to_login(client, world):
    client.force_login(world["customer"])
    ticket = world["ticket"]
    for target in (url("edit", ticket.pk), url("add")):
        response = client.get(target)
        assert response.status_code == 302
        assert "login" in response["Location"]
    response = client.post(url("claim", ticket.pk))
    assert response.status_code == 302
    assert fresh(ticket).assignee is None


def test_action_views_refuse_get(agent_client, world):
    for name in ACTIONS:
        assert agent_client.get(url(name, world["ticket"].pk)).status_code == 405


# Page --------------------------------------------------------------------------------


def test_workspace_shows_header_timeline_notes_changes_and_attachments(agent_client, world):
    ticket = world["ticket"]
    customer = world["customer"]
    actions.add_reply(
        ticket,
        actor=customer,
        body_html="<p>Still burning</p>",
        files=[SimpleUploadedFile("photo.png", b"\x89PNG fake")],
    )
    actions.add_reply(
        ticket,
        actor=world["agent"],
        body_html="<p>Call the fire brigade internally</p>",
        internal=True,
        hours=Decimal("1.5"),
    )
    actions.change_ticket(
        ticket,
        actor=world["agent"],
        priority=Priority.objects.get(name="Urgent"),
        target_date=datetime.date(2031, 5, 4),
    )
    response = agent_client.get(url("edit", ticket.pk))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Printer on fire",
        "Acme Ltd",
        "Carol Customer",
        "boss@acme.test",
        "Hardware",
        "Open",
        "Urgent",
        "Still burning",
        "Call the fire brigade internally",
        "wt-message--internal",
        "photo.png",
        url("attachment", ticket.messages.get(body_text="Still burning").attachments.get().pk),
        "1.50 h",
        "Priority",
        "“Normal” to “Urgent”",
    ):
        assert text in html, text
    order = [html.index("Help!"), html.index("Still burning"), html.index("fire brigade")]
    assert order == sorted(order)
    assert html.index("fire brigade") < html.index("“Normal” to “Urgent”")


def test_customer_links_to_its_record_when_the_agent_may_edit_it(client, world):
    from django.contrib.auth.models import Permission

    agent = world["agent"]
    client.force_login(agent)
    html = client.get(url("edit", world["ticket"].pk)).content.decode()
    assert "Acme Ltd" in html
    perm = Permission.objects.get(codename="change_company")
    agent.groups.first().permissions.add(perm)
    html = client.get(url("edit", world["ticket"].pk)).content.decode()
    edit_url = reverse("wagtailsnippets_testapp_company:edit", args=[world["company"].pk])
    assert f'href="{edit_url}"' in html


def test_timeline_is_paginated_and_defaults_to_the_latest_page(agent_client, world):
    ticket = world["ticket"]
    for index in range(55):
        actions.add_reply(ticket, actor=world["customer"], body_html=f"<p>Reply number {index}</p>")
    response = agent_client.get(url("edit", ticket.pk))
    html = response.content.decode()
    assert "Reply number 54" in html
    assert "Help!" not in html
    assert "Older messages" in html
    first = agent_client.get(url("edit", ticket.pk), {"p": 1}).content.decode()
    assert "Help!" in first and "Reply number 54" not in first
    assert agent_client.get(url("edit", ticket.pk), {"p": "zz"}).status_code == 200


def _add_conversation(ticket, world, count, start=0):
    for index in range(start, start + count):
        actions.add_reply(
            ticket,
            actor=world["customer"] if index % 2 else world["agent"],
            body_html=f"<p>Message {index}</p>",
            files=[SimpleUploadedFile(f"f{index}.txt", b"data")] if index % 10 == 0 else [],
            internal=index % 14 == 0,
        )
        if index % 20 == 0:
            actions.change_ticket(
                ticket, actor=world["agent"], target_date=datetime.date(2030, 1, 1 + index // 20)
            )


def _count_queries(client, target):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(target)
    assert response.status_code == 200
    return len(queries.captured_queries)


# Every GET records the agent's visit (one upsert) and reads their draft, records the
# agent's presence and reads the others' (sweep, upsert, read) and counts the
# conversation for the send check, and reads the "Linked tickets" panel (the merge that
# closed the ticket, those merged into it, its links): all included.
WORKSPACE_QUERIES = 32


def test_workspace_query_count_does_not_grow_with_the_conversation(
    agent_client, world, django_assert_max_num_queries
):
    ticket = world["ticket"]
    _add_conversation(ticket, world, 5)
    small = _count_queries(agent_client, url("edit", ticket.pk))
    _add_conversation(ticket, world, 120, start=5)
    agent_client.post(
        url("draft", ticket.pk), {"body": "<p>half an answer</p>", "priority": "", "cc": "x@y.test"}
    )
    with django_assert_max_num_queries(WORKSPACE_QUERIES):
        large = _count_queries(agent_client, url("edit", ticket.pk))
    older = _count_queries(agent_client, url("edit", ticket.pk) + "?p=2")
    assert small == large
    assert older <= large + 1  # where the next page starts


# Actions -----------------------------------------------------------------------------


def test_claim(agent_client, world):
    ticket = world["ticket"]
    response = agent_client.post(url("claim", ticket.pk))
    assert response.status_code == 302
    assert fresh(ticket).assignee == world["agent"]
    entry = TicketLogEntry.objects.filter(ticket_id=ticket.pk, action="wagtail_tickets.changed")
    assert entry.get().data["changes"]["assignee"][1] == "Anna Agent"


def test_assign_only_to_the_types_support_team(agent_client, world):
    ticket = world["ticket"]
    colleague = make_agent(world["hardware"], username="bert", first_name="Bert")
    stranger = make_agent(world["software"], username="sam", first_name="Sam")
    page = agent_client.get(url("edit", ticket.pk)).content.decode()
    assert "Bert" in page and "Sam" not in page
    save_fields(agent_client, ticket, {"assignee": colleague.pk})
    assert fresh(ticket).assignee == colleague
    response = save_fields(agent_client, ticket, {"assignee": stranger.pk})
    assert response.status_code == 200
    assert fresh(ticket).assignee == colleague
    assert "Select a valid choice" in response.content.decode()
    save_fields(agent_client, ticket, {"assignee": ""})
    assert fresh(ticket).assignee is None


class RecordingNotifier(Notifier):
    """The real notifier, also keeping the events it was given."""

    events: list = []

    def notify(self, event):
        RecordingNotifier.events.append(event)
        super().notify(event)


@pytest.fixture
def recorded(settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "NOTIFIER": "tests.admin.test_workspace.RecordingNotifier",
    }
    RecordingNotifier.events = []
    return RecordingNotifier.events


@pytest.mark.parametrize(
    "field, make_value",
    [
        ("status", lambda: Status.objects.get(name="In progress")),
        ("priority", lambda: Priority.objects.get(name="High")),
        ("category", lambda: CategoryFactory(name="Hardware faults")),
        ("target_date", lambda: datetime.date(2031, 1, 15)),
    ],
)
def test_each_field_change_is_recorded_and_told(agent_client, world, field, make_value, recorded):
    ticket = world["ticket"]
    value = make_value()
    current = fresh(ticket)
    data = {
        "status": current.status_id,
        "priority": current.priority_id or "",
        "category": current.category_id or "",
        "target_date": "",
    }
    data[field] = value.isoformat() if isinstance(value, datetime.date) else value.pk
    response = save_fields(agent_client, ticket, data, follow=True)
    assert response.status_code == 200
    assert f"Ticket #{ticket.number} has been updated." in response.content.decode()
    assert getattr(fresh(ticket), field) == value
    entry = TicketLogEntry.objects.get(ticket_id=ticket.pk, action="wagtail_tickets.changed")
    assert list(entry.data["changes"]) == [field]
    assert [(e.kind, list(e.changes)) for e in recorded] == [(EventKind.CHANGED, [field])]
    assert recorded[0].actor == world["agent"]


def test_unchanged_fields_change_nothing(agent_client, world, recorded):
    ticket = fresh(world["ticket"])
    data = {"status": ticket.status_id, "priority": ticket.priority_id, "category": ""}
    response = save_fields(agent_client, ticket, data, follow=True)
    assert "Nothing was changed." in response.content.decode()
    assert recorded == []


def test_change_with_hostile_values_changes_nothing(agent_client, world):
    ticket = world["ticket"]
    for data in (
        {"status": "999999"},
        {"status": "abc"},
        {"status": ticket.status_id, "priority": "-1"},
        {"status": ticket.status_id, "target_date": "31/31/31"},
        {"status": ""},
        {"ticket_type": "x"},
        {"cc": "x@y.test\r\nBcc: all@z.test"},
        {},
    ):
        response = save_fields(agent_client, ticket, data, follow=True)
        assert response.status_code == 200
    assert not TicketLogEntry.objects.filter(ticket_id=ticket.pk, action="wagtail_tickets.changed")


def test_close_and_reopen(agent_client, world):
    ticket = world["ticket"]
    agent_client.post(url("close", ticket.pk))
    assert fresh(ticket).status.is_closed
    page = agent_client.get(url("edit", ticket.pk)).content.decode()
    assert "Reopen ticket" in page
    agent_client.post(url("reopen", ticket.pk))
    assert not fresh(ticket).status.is_closed


def test_move_only_to_types_the_agent_manages(agent_client, world):
    ticket = world["ticket"]
    response = save_fields(agent_client, ticket, {"ticket_type": world["software"].pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert fresh(ticket).ticket_type == world["hardware"]
    grant(world["agent"], world["software"], TypePermission.Level.MANAGE, group_name="Soft")
    agent_client.post(url("claim", ticket.pk))
    save_fields(agent_client, ticket, {"ticket_type": world["software"].pk})
    moved = fresh(ticket)
    assert moved.ticket_type == world["software"]
    assert moved.assignee == world["agent"]


def test_move_drops_an_assignee_who_is_not_on_the_new_team(client, world):
    boss = make_agent(world["hardware"], username="boss")
    grant(boss, world["software"], TypePermission.Level.MANAGE, group_name="Soft")
    colleague = make_agent(world["hardware"], username="bert")
    ticket = world["ticket"]
    actions.change_ticket(ticket, assignee=colleague)
    client.force_login(boss)
    save_fields(client, ticket, {"ticket_type": world["software"].pk})
    moved = fresh(ticket)
    assert moved.ticket_type == world["software"] and moved.assignee is None


def test_agent_adds_an_extra_contact_and_hostile_addresses_are_refused(agent_client, world):
    ticket = world["ticket"]
    save_fields(agent_client, ticket, {"cc": "boss@acme.test, it@acme.test"})
    assert fresh(ticket).cc_list == ["boss@acme.test", "it@acme.test"]
    for hostile in ("x@y.test\r\nBcc: all@z.test", "not an address", "a@b.test <c@d.test>"):
        response = save_fields(agent_client, ticket, {"cc": hostile}, follow=True)
        assert response.status_code == 200
        assert fresh(ticket).cc_list == ["boss@acme.test", "it@acme.test"]


# Replies, notes, time -----------------------------------------------------------------


def test_reply_from_the_rich_text_editor(agent_client, world):
    ticket = world["ticket"]
    response = agent_client.post(url("edit", ticket.pk), {"body": draftail("Done, it works now")})
    assert response.status_code == 302
    message = ticket.messages.last()
    assert message.body_html == "<p><b>Done</b>, it works now</p>"
    assert message.is_staff and not message.is_internal
    assert message.source == Message.Source.ADMIN
    assert fresh(ticket).first_response_at is not None


def test_reply_html_is_sanitised(agent_client, world):
    ticket = world["ticket"]
    agent_client.post(
        url("edit", ticket.pk),
        {"body": '<p onclick="x()">Hi<script>alert(1)</script><a href="javascript:x">l</a></p>'},
    )
    body = ticket.messages.last().body_html
    assert "script" not in body and "onclick" not in body and "javascript" not in body
    assert "Hi" in body


def test_internal_note_never_reaches_the_customer(agent_client, client, world):
    ticket = world["ticket"]
    agent_client.post(
        url("edit", ticket.pk), {"body": "<p>Customer is difficult</p>", "internal": "on"}
    )
    note = ticket.messages.last()
    assert note.is_internal
    customer = world["customer"]
    assert note not in permissions.visible_messages(customer, ticket)
    assert fresh(ticket).last_message_by_staff is False
    client.force_login(customer)
    page = client.get(reverse("wagtail_tickets:detail", args=[ticket.number]))
    assert page.status_code == 200
    assert b"Help!" in page.content
    assert b"Customer is difficult" not in page.content


def test_time_logging_with_a_rate(agent_client, world):
    ticket = world["ticket"]
    rate = RateFactory(name="Standard", value=90)
    agent_client.post(
        url("edit", ticket.pk), {"body": "<p>Replaced fuser</p>", "hours": "1.25", "rate": rate.pk}
    )
    agent_client.post(
        url("edit", ticket.pk), {"body": "<p>Checked</p>", "hours": "0.5", "internal": "on"}
    )
    assert [m.hours for m in ticket.messages.exclude(hours=None)] == [
        Decimal("1.25"),
        Decimal("0.50"),
    ]
    assert ticket.messages.get(hours=Decimal("1.25")).rate == rate
    html = agent_client.get(url("edit", ticket.pk)).content.decode()
    assert "1.75 h" in html


@pytest.mark.parametrize(
    "data, error",
    [
        ({"body": ""}, "This field is required"),
        ({"body": "<p> </p>"}, "The message is empty"),
        ({"body": "<script>x</script>"}, "This field is required"),
        ({"body": "ok", "hours": "-1"}, "greater than or equal"),
        ({"body": "ok", "hours": "abc"}, "Enter a number"),
        ({"body": "ok", "hours": "100000"}, "less than or equal"),
        ({"body": "ok", "rate": "999999"}, "Select a valid choice"),
        ({"body": "ok", "rate": "__RATE__"}, "Enter the hours"),
        ({"body": '{"blocks": 5, "entityMap": []}'}, None),
    ],
)
def test_hostile_replies_show_errors_and_save_nothing(agent_client, world, data, error):
    ticket = world["ticket"]
    rate = RateFactory(name="Standard")
    data = {k: (str(rate.pk) if v == "__RATE__" else v) for k, v in data.items()}
    response = agent_client.post(url("edit", ticket.pk), data)
    if error is None:
        # a forged editor payload is treated as plain text, sanitised, never a server error
        assert response.status_code == 302
        assert "script" not in ticket.messages.last().body_html
        return
    assert response.status_code == 200
    assert error in response.content.decode()
    assert ticket.messages.count() == 1


def test_reply_attachments_limits(agent_client, world, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAX_ATTACHMENT_SIZE": 100}
    ticket = world["ticket"]
    response = agent_client.post(
        url("edit", ticket.pk),
        {"body": "<p>see file</p>", "attachments": [SimpleUploadedFile("big.bin", b"x" * 101)]},
    )
    assert response.status_code == 200
    assert "larger than" in response.content.decode()
    response = agent_client.post(
        url("edit", ticket.pk),
        {"body": "<p>see file</p>", "attachments": [SimpleUploadedFile("run.exe", b"MZ")]},
    )
    assert "cannot be attached" in response.content.decode()
    assert ticket.messages.count() == 1
    response = agent_client.post(
        url("edit", ticket.pk),
        {
            "body": "<p>see file</p>",
            "attachments": [
                SimpleUploadedFile("../../etc/passwd.txt", b"fine"),
                SimpleUploadedFile("page.html", b"<script>alert(1)</script>", "text/html"),
            ],
        },
    )
    assert response.status_code == 302
    files = list(ticket.messages.last().attachments.order_by("pk"))
    assert [f.filename for f in files] == ["passwd.txt", "page.html"]
    download = agent_client.get(url("attachment", files[1].pk))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/octet-stream"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")


# Response templates ----------------------------------------------------------------


def test_default_empty_answer_and_templates_limited_to_types(agent_client, world):
    empty = ResponseTemplate.objects.get(name="Empty answer")
    assert empty.is_default and empty.body == ""
    everywhere = ResponseTemplateFactory(name="Thanks", body="<p>Thanks for <b>waiting</b>.</p>")
    hardware_only = ResponseTemplateFactory(name="Fuser", body="<p>Replace the fuser unit.</p>")
    hardware_only.types.set([world["hardware"]])
    software_only = ResponseTemplateFactory(name="Reinstall", body="<p>Reinstall it.</p>")
    software_only.types.set([world["software"]])
    ticket = world["ticket"]
    page = agent_client.get(url("edit", ticket.pk))
    picker = page.context["picker"].fields["template"].queryset
    assert set(picker) == {empty, everywhere, hardware_only}
    assert page.context["reply_form"].initial["body"] == ""
    chosen = agent_client.get(url("edit", ticket.pk), {"template": hardware_only.pk})
    assert chosen.context["reply_form"].initial["body"] == "<p>Replace the fuser unit.</p>"
    assert "Replace the fuser unit." in chosen.content.decode()
    forged = agent_client.get(url("edit", ticket.pk), {"template": software_only.pk})
    assert forged.status_code == 200
    assert forged.context["reply_form"].initial["body"] == ""
    assert "Reinstall it." not in forged.content.decode()
    assert agent_client.get(url("edit", ticket.pk), {"template": "x"}).status_code == 200


def test_a_default_template_fills_the_reply_box(agent_client, world):
    ResponseTemplate.objects.update(is_default=False)
    ResponseTemplateFactory(name="Greeting", body="<p>Hello,</p>", is_default=True)
    page = agent_client.get(url("edit", world["ticket"].pk))
    assert page.context["reply_form"].initial["body"] == "<p>Hello,</p>"


# New ticket on behalf of a customer ---------------------------------------------------


def test_agent_opens_a_ticket_for_a_customer(agent_client, world):
    company, customer = world["company"], world["customer"]
    colleague = UserFactory(username="colin", first_name="Colin")
    company.users.add(colleague)
    page = agent_client.get(url("add"), {"customer": company.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Acme Ltd" in html and "Colin" in html
    response = agent_client.post(
        url("add") + f"?customer={company.pk}",
        {
            "ticket_type": world["hardware"].pk,
            "requester": customer.pk,
            "subject": "Toner order",
            "cc": "buyer@acme.test",
            "body": draftail("Note we ordered toner"),
            "priority": Priority.objects.get(name="High").pk,
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="Toner order")
    assert response["Location"] == url("edit", ticket.pk)
    assert ticket.requester == customer and ticket.customer == company
    assert ticket.cc_list == ["buyer@acme.test"]
    first = ticket.messages.get()
    assert first.author == world["agent"] and first.is_staff


def test_new_ticket_requester_must_belong_to_the_customer_and_type_be_managed(agent_client, world):
    company = world["company"]
    outsider = UserFactory(username="olga")
    base = {"subject": "Nope", "body": "<p>text</p>"}
    response = agent_client.post(
        url("add") + f"?customer={company.pk}",
        {**base, "ticket_type": world["hardware"].pk, "requester": outsider.pk},
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    response = agent_client.post(
        url("add"),
        {**base, "ticket_type": world["software"].pk, "requester": world["customer"].pk},
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    response = agent_client.post(
        url("add"), {**base, "ticket_type": world["hardware"].pk, "requester": "", "cc": "bad"}
    )
    assert response.status_code == 200
    assert not Ticket.objects.filter(subject="Nope").exists()
    assert agent_client.get(url("add"), {"customer": "abc"}).status_code == 404
    assert agent_client.get(url("add"), {"customer": "999999"}).status_code == 404
    assert agent_client.get(url("add"), {"requester": "x"}).status_code == 200


def test_new_ticket_without_customer_uses_the_requester_chooser(agent_client, world):
    page = agent_client.get(url("add"), {"requester": world["customer"].pk})
    assert page.status_code == 200
    assert page.context["form"].initial["requester"] == world["customer"].pk
    response = agent_client.post(
        url("add"),
        {
            "ticket_type": world["hardware"].pk,
            "requester": world["customer"].pk,
            "subject": "Chosen",
            "body": "<p>Chosen requester</p>",
        },
    )
    assert response.status_code == 302
    assert Ticket.objects.get(subject="Chosen").customer == world["company"]


def test_requester_chooser_is_for_agents_only_and_searches(client, world):
    chooser = reverse("wagtail_tickets_requester_chooser:choose")
    results = reverse("wagtail_tickets_requester_chooser:choose_results")
    editor = admin_access(UserFactory(username="ed"))
    client.force_login(editor)
    assert client.get(chooser).status_code in (302, 403)
    client.force_login(world["agent"])
    assert client.get(chooser).status_code == 200
    found = client.get(results, {"q": "carol"}).content.decode()
    assert "Carol Customer" in found and "Anna Agent" not in found
    chosen = reverse("wagtail_tickets_requester_chooser:chosen", args=[world["customer"].pk])
    assert client.get(chosen).status_code == 200
    bad = reverse("wagtail_tickets_requester_chooser:chosen", args=["abc"])
    assert client.get(bad).status_code == 404
    multiple = reverse("wagtail_tickets_requester_chooser:chosen_multiple")
    assert client.get(multiple, {"id": ["x", str(world["customer"].pk)]}).status_code == 200


def test_template_variables_are_filled_and_escaped(agent_client, world):
    customer = world["customer"]
    customer.first_name = "<b>Carol</b>"
    customer.save()
    template = ResponseTemplateFactory(
        name="Personal",
        body="<p>Hello {contact:first_name}, about #{ticket:number} at {company:name}: "
        "{unknown}{ticket:subject.__class__} Regards, {AGENT}</p>",
    )
    page = agent_client.get(url("edit", world["ticket"].pk), {"template": template.pk})
    body = page.context["reply_form"].initial["body"]
    assert body == (
        f"<p>Hello &lt;b&gt;Carol&lt;/b&gt;, about #{world['ticket'].number} at Acme Ltd: "
        "{ticket:subject.__class__} Regards, Anna Agent</p>"
    )


@pytest.mark.parametrize("value", ["abc", "999999", "1.5", "-1", "' OR 1=1", ""])
def test_forged_requester_values_are_form_errors(agent_client, world, value):
    response = agent_client.post(
        url("add"),
        {
            "ticket_type": world["hardware"].pk,
            "requester": value,
            "subject": "Forged",
            "body": "<p>x</p>",
        },
    )
    assert response.status_code == 200
    assert "requester" in response.context["form"].errors
    assert not Ticket.objects.filter(subject="Forged").exists()


def test_new_ticket_with_a_status_and_an_assignee_of_the_types_team(agent_client, world):
    colleague = make_agent(world["hardware"], username="bert", first_name="Bert")
    stranger = make_agent(world["software"], username="sam", first_name="Sam")
    waiting = Status.objects.get(name="Answer")
    base = {
        "ticket_type": world["hardware"].pk,
        "requester": world["customer"].pk,
        "subject": "Opened for Carol",
        "body": "<p>We called you.</p>",
    }
    response = agent_client.post(url("add"), {**base, "assignee": stranger.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()  # not on the agent's teams
    # on a team of the agent's, not of the chosen type's
    grant(world["agent"], world["software"], TypePermission.Level.MANAGE, group_name="Soft")
    response = agent_client.post(url("add"), {**base, "assignee": stranger.pk})
    assert response.status_code == 200
    assert "Only agents of the ticket" in response.content.decode()
    for status in ("999999", "x"):
        response = agent_client.post(url("add"), {**base, "status": status})
        assert response.status_code == 200
        assert "status" in response.context["form"].errors
    assert not Ticket.objects.filter(subject="Opened for Carol").exists()
    response = agent_client.post(
        url("add"), {**base, "status": waiting.pk, "assignee": colleague.pk}
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="Opened for Carol")
    assert ticket.status == waiting and ticket.assignee == colleague
    closed = Status.objects.filter(is_closed=True).first()
    agent_client.post(url("add"), {**base, "subject": "Done at once", "status": closed.pk})
    done = Ticket.objects.get(subject="Done at once")
    assert done.closed_at is not None and not done.is_open


def test_actions_refuse_a_status_or_assignee_from_someone_who_does_not_manage_the_type(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.open_ticket(
            ticket_type=world["hardware"],
            subject="Mine",
            body_html="<p>x</p>",
            actor=world["customer"],
            requester=world["customer"],
            status=Status.objects.get(name="Answer"),
        )
    assert not Ticket.objects.filter(subject="Mine").exists()


@pytest.mark.parametrize(
    "back, expected",
    [
        ("/admin/snippets/testapp/company/edit/1/#tab-customer_tickets", "same"),
        ("https://evil.example/phish", "fallback"),
        ("//evil.example/phish", "fallback"),
        ("javascript:alert(1)", "fallback"),
        ("/admin/" + "x" * 3000, "fallback"),
        ("", "fallback"),
    ],
)
def test_new_ticket_cancel_goes_back_only_within_the_site(agent_client, world, back, expected):
    page = agent_client.get(url("add"), {"customer": world["company"].pk, "next": back})
    assert page.status_code == 200
    target = page.context["back_url"]
    if expected == "same":
        assert target == back
    else:
        # the customer's record when the agent may edit it, else the inbox
        assert target == url("index")
    html = page.content.decode()
    assert 'name="next"' in html and "Cancel" in html


def test_new_ticket_cancel_follows_the_referring_page_and_survives_an_error(agent_client, world):
    inbox = "http://testserver" + url("index") + "?status=1"
    page = agent_client.get(url("add"), HTTP_REFERER=inbox)
    assert page.context["back_url"] == inbox
    response = agent_client.post(
        url("add"), {"subject": "", "next": "/admin/tickets/?q=printer"}, HTTP_REFERER="x"
    )
    assert response.status_code == 200
    assert response.context["back_url"] == "/admin/tickets/?q=printer"
    evil = agent_client.get(url("add"), HTTP_REFERER="https://evil.example/")
    assert evil.context["back_url"] == url("index")
