"""Merging through the API (POST tickets/<id>/merge/) and the ``ticket.merged`` webhook
event: agents of both types only, refusals as 400, other people's tickets as 404."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.factories import make_ticket
from wagtail_tickets import actions
from wagtail_tickets.models import TicketMerge

from .conftest import ALL_EVENTS, client_for, endpoint_for

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"wagtail_tickets_api:{name}", args=args)


def test_an_agent_merges_and_gets_the_target(world):
    source = make_ticket(world["alice"], world["hardware"], subject="Printer again")
    target = world["alice_hw"]
    answer = client_for(world["agent"]).post(
        url("merge", source.pk), {"target": target.pk}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["number"] == target.number
    assert TicketMerge.objects.get(source=source).target == target


@pytest.mark.parametrize(
    "who, body, status",
    [
        ("agent", {"target": "x"}, 400),
        ("agent", {}, 400),
        ("agent", {"target": 10**30}, 400),
        ("agent", {"target": 99999999}, 404),
        ("agent", {"target": "self"}, 400),
        ("agent", {"target": "bob"}, 400),  # Bob's ticket: Alice may not see it
        ("agent", {"target": "billing"}, 404),  # not the agent's type
        ("agent", {"target": "hw", "extra": 1}, 400),
        ("alice", {"target": "hw"}, 403),
        ("agent_b", {"target": "hw"}, 404),
        ("bob", {"target": "hw"}, 404),
    ],
)
def test_refusals(world, who, body, status):
    source = make_ticket(world["alice"], world["hardware"], subject="Printer again")
    ids = {
        "self": source.pk,
        "bob": world["bob_hw"].pk,
        "billing": world["alice_bill"].pk,
        "hw": world["alice_hw"].pk,
    }
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    answer = client_for(world[who]).post(url("merge", source.pk), body, format="json")
    assert answer.status_code == status, answer.content
    assert not TicketMerge.objects.exists()


def test_the_merged_event_names_the_target(world, receiver, django_capture_on_commit_callbacks):
    source = make_ticket(world["alice"], world["hardware"], subject="Printer again")
    endpoint_for(receiver.url, events=[*ALL_EVENTS, "ticket.merged"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.merge_tickets([source], world["alice_hw"], actor=world["agent"])
    assert "ticket.merged" in receiver.events()
    merged = next(
        json.loads(r["body"])
        for r in receiver.requests
        if r["headers"]["X-Tickets-Event"] == "ticket.merged"
    )
    assert merged["ticket"]["number"] == source.number
    assert merged["merged_into"] == {"id": world["alice_hw"].pk, "number": world["alice_hw"].number}
