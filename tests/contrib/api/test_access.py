"""The access matrix through the API: a customer's token sees what the customer area
shows, an agent's what the inbox shows; anything else is 404 (401 for nobody)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wagtail_tickets.models import Attachment, Message

from .conftest import client_for

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"wagtail_tickets_api:{name}", args=args)


def listed(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["subject"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    "who, expected",
    [
        ("alice", {"Printer jam", "Invoice question"}),
        ("bob", {"Bob's laptop"}),
        ("agent", {"Printer jam", "Bob's laptop"}),
        ("agent_b", {"Invoice question"}),
    ],
)
def test_ticket_list(world, who, expected):
    assert listed(client_for(world[who]).get(url("tickets"))) == expected


def test_nobody_gets_401_everywhere(world):
    client = client_for(None)
    ticket = world["alice_hw"]
    for path in [
        url("tickets"),
        url("ticket", ticket.pk),
        url("messages", ticket.pk),
        url("types"),
        url("statuses"),
        url("schema"),
        url("customer_tickets", world["acme"].pk),
    ]:
        response = client.get(path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == "Bearer"
    assert client.post(url("close", ticket.pk)).status_code == 401
    assert client.post(url("messages", ticket.pk), {"body": "x"}, format="json").status_code == 401


@pytest.mark.parametrize(
    "who, status",
    [("alice", 200), ("bob", 404), ("agent", 200), ("agent_b", 404)],
)
def test_one_ticket_and_its_messages(world, who, status):
    client = client_for(world[who])
    ticket = world["alice_hw"]
    assert client.get(url("ticket", ticket.pk)).status_code == status
    assert client.get(url("messages", ticket.pk)).status_code == status


def test_customer_never_sees_internal_notes(world):
    ticket = world["alice_hw"]
    rows = client_for(world["alice"]).get(url("messages", ticket.pk)).json()["results"]
    assert [row["body_text"] for row in rows] == ["Help!"]
    assert "is_internal" not in rows[0]
    agent_rows = client_for(world["agent"]).get(url("messages", ticket.pk)).json()["results"]
    assert [row["is_internal"] for row in agent_rows] == [False, True]
    assert "secret internal remark" in agent_rows[1]["body_text"]


def test_customer_sees_no_agent_details(world):
    from wagtail_tickets import actions

    ticket = world["alice_hw"]
    actions.claim_ticket(ticket, actor=world["agent"])
    data = client_for(world["alice"]).get(url("ticket", ticket.pk)).json()
    assert data["customer"] is None
    assert data["assignee"]["id"] is None and data["assignee"]["name"]
    assert "email" not in data["requester"]
    agent_data = client_for(world["agent"]).get(url("ticket", ticket.pk)).json()
    assert agent_data["customer"] == {"id": world["acme"].pk, "name": "Acme"}
    assert agent_data["assignee"]["id"] == world["agent"].pk
    assert agent_data["requester"]["email"] == world["alice"].email


@pytest.mark.parametrize(
    "who, status", [("alice", 200), ("bob", 404), ("agent", 200), ("agent_b", 404)]
)
def test_customer_file_download(world, who, status):
    ticket = world["alice_hw"]
    item = Attachment.objects.get(filename="log.txt")
    response = client_for(world[who]).get(url("attachment", ticket.pk, item.pk))
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == b"customer file"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    "who, status", [("alice", 404), ("bob", 404), ("agent", 200), ("agent_b", 404)]
)
def test_internal_note_file_download(world, who, status):
    item = Attachment.objects.get(filename="internal.txt")
    response = client_for(world[who]).get(url("attachment", world["alice_hw"].pk, item.pk))
    assert response.status_code == status


def test_file_of_another_ticket_is_404(world):
    item = Attachment.objects.get(filename="log.txt")
    client = client_for(world["alice"])
    assert client.get(url("attachment", world["alice_bill"].pk, item.pk)).status_code == 404


@pytest.mark.parametrize(
    "who, status", [("alice", 201), ("bob", 404), ("agent", 201), ("agent_b", 404)]
)
def test_reply(world, who, status):
    ticket = world["alice_hw"]
    response = client_for(world[who]).post(
        url("messages", ticket.pk), {"body": "<p>More details</p>"}, format="json"
    )
    assert response.status_code == status, response.content
    count = Message.objects.filter(ticket=ticket, body_text="More details").count()
    assert count == (1 if status == 201 else 0)


def test_internal_note_is_for_agents_only(world):
    ticket = world["alice_hw"]
    body = {"body": "note", "internal": True}
    assert (
        client_for(world["alice"]).post(url("messages", ticket.pk), body, format="json").status_code
        == 403
    )
    response = client_for(world["agent"]).post(url("messages", ticket.pk), body, format="json")
    assert response.status_code == 201
    assert response.json()["is_internal"] is True
    assert Message.objects.filter(ticket=ticket, is_internal=True).count() == 2


def test_customer_cannot_reply_to_a_closed_ticket(world):
    from wagtail_tickets import actions

    ticket = world["alice_hw"]
    actions.close_ticket(ticket)
    response = client_for(world["alice"]).post(
        url("messages", ticket.pk), {"body": "hello?"}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "who, status", [("alice", 403), ("bob", 404), ("agent", 200), ("agent_b", 404)]
)
def test_field_changes(world, who, status):
    from wagtail_tickets.models import Priority

    ticket = world["alice_hw"]
    high = Priority.objects.exclude(pk=ticket.priority_id).first()
    response = client_for(world[who]).patch(
        url("ticket", ticket.pk), {"priority": high.pk}, format="json"
    )
    assert response.status_code == status, response.content
    ticket.refresh_from_db()
    assert (ticket.priority_id == high.pk) == (status == 200)
    if status == 200:
        assert "priority" in response.json()["changes"]


@pytest.mark.parametrize(
    "who, status", [("alice", 403), ("bob", 404), ("agent", 200), ("agent_b", 404)]
)
def test_claim(world, who, status):
    ticket = world["alice_hw"]
    assert client_for(world[who]).post(url("claim", ticket.pk)).status_code == status
    ticket.refresh_from_db()
    assert (ticket.assignee_id == world["agent"].pk) == (status == 200)


def test_assign_to_an_agent_of_the_type_only(world):
    ticket = world["alice_hw"]
    client = client_for(world["agent"])
    wrong = client.post(url("assign", ticket.pk), {"assignee": world["agent_b"].pk}, format="json")
    assert wrong.status_code == 400 and "assignee" in wrong.json()
    right = client.post(url("assign", ticket.pk), {"assignee": world["agent"].pk}, format="json")
    assert right.status_code == 200
    assert right.json()["assignee"]["id"] == world["agent"].pk
    nobody = client.post(url("assign", ticket.pk), {"assignee": None}, format="json")
    assert nobody.status_code == 200 and nobody.json()["assignee"] is None
    assert (
        client_for(world["alice"])
        .post(url("assign", ticket.pk), {"assignee": world["agent"].pk}, format="json")
        .status_code
        == 403
    )


@pytest.mark.parametrize(
    "who, close_status, reopen_status",
    # customers reopen within the reopen window (permissions.can_reopen)
    [("alice", 200, 200), ("bob", 404, 404), ("agent", 200, 200), ("agent_b", 404, 404)],
)
def test_close_and_reopen(world, who, close_status, reopen_status):
    from wagtail_tickets import actions

    ticket = world["alice_hw"]
    client = client_for(world[who])
    assert client.post(url("close", ticket.pk)).status_code == close_status
    ticket.refresh_from_db()
    if not ticket.status.is_closed:
        actions.close_ticket(ticket)
    assert client.post(url("reopen", ticket.pk)).status_code == reopen_status
    ticket.refresh_from_db()
    assert ticket.status.is_closed == (reopen_status != 200)


def test_close_twice_is_400(world):
    ticket = world["alice_hw"]
    client = client_for(world["agent"])
    assert client.post(url("close", ticket.pk)).status_code == 200
    response = client.post(url("close", ticket.pk))
    assert response.status_code == 400 and "status" in response.json()
    assert client.post(url("reopen", world["bob_hw"].pk)).status_code == 400


@pytest.mark.parametrize(
    "who, status, expected",
    [
        ("agent", 200, {"Printer jam"}),
        ("agent_b", 200, {"Invoice question"}),
        ("alice", 404, None),
        ("bob", 404, None),
    ],
)
def test_tickets_of_a_customer_record(world, who, status, expected):
    response = client_for(world[who]).get(url("customer_tickets", world["acme"].pk))
    assert response.status_code == status
    if expected is not None:
        assert listed(response) == expected


def test_types_are_those_the_user_holds_a_level_on(world):
    names = {row["name"] for row in client_for(world["agent"]).get(url("types")).json()}
    assert names == {"Hardware"}
    names = {row["name"] for row in client_for(world["alice"]).get(url("types")).json()}
    assert names == {"Hardware", "Billing"}
    for name in ("statuses", "priorities", "categories"):
        assert client_for(world["alice"]).get(url(name)).status_code == 200


def test_customer_opens_a_ticket(world):
    client = client_for(world["alice"])
    response = client.post(
        url("tickets"),
        {"type": world["hardware"].pk, "subject": "New one", "body": "<p>Hello</p>"},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["subject"] == "New one" and data["type"]["name"] == "Hardware"
    bad = client.post(url("tickets"), {"type": 999999, "subject": "", "body": ""}, format="json")
    assert bad.status_code == 400
    assert {"type", "subject", "body"} <= set(bad.json())


def test_session_of_the_site_works_and_needs_csrf(world, client):
    from django.test import Client

    client.force_login(world["alice"])
    assert listed(client.get(url("tickets"))) == {"Printer jam", "Invoice question"}
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world["alice"])
    response = strict.post(
        url("messages", world["alice_hw"].pk), {"body": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_the_browsable_api_shows_for_a_signed_in_agent(world, client):
    client.force_login(world["agent"])
    response = client.get(url("tickets"), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"Printer jam" in response.content and b"<html" in response.content


@pytest.mark.parametrize("who", ["alice", "agent"])
def test_ticket_rows_are_what_the_serializer_fields_say(world, who):
    """The hand-written row equals DRF's field-by-field representation of the same
    declared fields, for agents and customers, with every field filled."""
    import datetime

    from wagtail_tickets import actions
    from wagtail_tickets.contrib.api.serializers import TicketSerializer, with_related
    from wagtail_tickets.models import Category, Ticket

    ticket = world["alice_hw"]
    actions.change_ticket(
        ticket,
        category=Category.objects.create(name="Printers"),
        target_date=datetime.date(2026, 12, 24),
        assignee=world["agent"],
        cc="boss@example.com",
    )
    actions.close_ticket(ticket)
    row = with_related([Ticket.objects.get(pk=ticket.pk)])[0]
    from wagtail_tickets.contrib.api.views import agent_of

    serializer = TicketSerializer(context={"agent": agent_of(world[who])})
    fast = serializer.to_representation(row)
    assert fast == serializer.generic_representation(row)
    assert fast["closed_at"] and fast["target_date"] == "2026-12-24"
    assert fast["category"]["name"] == "Printers" and fast["cc"] == ["boss@example.com"]
    assert fast["url"] == "http://testserver" + url("ticket", ticket.pk)
    # a second row of the same status gets its own copy of the status
    again = serializer.to_representation(row)
    again["status"]["name"] = "changed"
    assert serializer.to_representation(row)["status"]["name"] == row.status.name
