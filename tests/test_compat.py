"""Wagtail 7.x and 8.x both work: the APIs that exist in only one of them are used through
``wagtail_tickets.compat`` and nowhere else (CI runs the suite on Wagtail 7.0 and 8.x)."""

from __future__ import annotations

import re
from pathlib import Path

from wagtail_tickets import compat
from wagtail_tickets.admin.policies import AgentTicketPolicy
from wagtail_tickets.models import Ticket

PACKAGE = Path(__file__).resolve().parent.parent / "wagtail_tickets"
VERSION_SPECIFIC = [
    re.compile(r"from wagtail\.permissions import"),
    re.compile(r"wagtail\.admin\.ui\.menus"),
    re.compile(r"\.attach_model_edit_handler\(\)"),
    re.compile(r"policy_registry"),
    re.compile(r"wagtail\.admin\.views\.generic\.permissions"),
]


def test_version_specific_apis_only_in_compat():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "compat.py":
            continue
        text = path.read_text()
        offenders += [
            f"{path.relative_to(PACKAGE)}: {pattern.pattern}"
            for pattern in VERSION_SPECIFIC
            if pattern.search(text)
        ]
    assert not offenders, "use wagtail_tickets.compat instead: " + ", ".join(offenders)


def test_ticket_policy_is_registered_and_used_by_the_inbox_viewset():
    policy = compat.permission_policy_for(Ticket)
    assert isinstance(policy, AgentTicketPolicy)
    from wagtail_tickets.admin.ticket_viewset import TicketViewSet

    assert isinstance(TicketViewSet(name="compat_probe").permission_policy, AgentTicketPolicy)


def test_a_policy_registered_first_wins():
    class Probe(AgentTicketPolicy):
        pass

    compat.register_permission_policy(Ticket, Probe(Ticket))
    assert not isinstance(compat.permission_policy_for(Ticket), Probe)


def test_listing_more_item_takes_the_arguments_the_admin_passes():
    item = compat.ListingMoreItem("Preview", url="/preview/", icon_name="view", priority=15)
    assert (item.label, item.url, item.priority) == ("Preview", "/preview/", 15)
