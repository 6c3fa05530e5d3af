"""The workspace's history says what an assignment did: assigned to someone, reassigned,
or unassigned (setting "Nobody" is never worded as an assignment)."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from tests.factories import make_ticket
from wagtail_tickets import actions, links

pytestmark = pytest.mark.django_db


def history_lines(page_html: str) -> list[str]:
    found = re.findall(r'<li class="wt-change">(.*?)</li>', page_html, re.S)
    return [" ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", line)).split()) for line in found]


def test_assigning_reassigning_and_unassigning_read_as_such(client, hardware_team):
    ann, bob = hardware_team["ann"], hardware_team["bob"]
    ticket = make_ticket(hardware_team["customer"], hardware_team["hardware"])
    actions.change_ticket(ticket, actor=ann, assignee=bob)
    actions.change_ticket(ticket, actor=ann, assignee=ann)
    actions.change_ticket(ticket, actor=ann, assignee=None)
    client.force_login(ann)
    lines = history_lines(client.get(links.workspace_url(ticket.pk)).content.decode())
    assert any("assigned the ticket to “Bob Builder”" in line for line in lines), lines
    assert any("reassigned the ticket from “Bob Builder” to “Ann Agent”" in line for line in lines)
    unassigned = [line for line in lines if "unassigned the ticket" in line]
    assert unassigned and "“Ann Agent”" in unassigned[0]
    assert not any("to “—”" in line for line in lines)
