"""Merging, splitting and linking tickets through ``actions``: what moves, what the source
keeps, who may, and the refusals of hostile or impossible requests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import (
    CompanyFactory,
    TicketTypeFactory,
    grant,
    make_agent,
    make_customer,
    make_ticket,
)
from wagtail_tickets import actions, signals
from wagtail_tickets.models import (
    ExternalAccess,
    Message,
    PendingNotification,
    Ticket,
    TicketLink,
    TicketLogEntry,
    TicketMerge,
)
from wagtail_tickets.models import TypePermission as TP

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    hardware = TicketTypeFactory(name="Hardware")
    billing = TicketTypeFactory(name="Billing")
    carla = make_customer(hardware, billing, username="carla", email="carla@customer.example")
    agent = make_agent(hardware, username="agent")
    grant(agent, billing, TP.Level.MANAGE, group_name="Billing agents")
    return {"hardware": hardware, "billing": billing, "carla": carla, "agent": agent}


def test_merge_moves_messages_in_time_order_and_keeps_the_sources_record(
    world, django_capture_on_commit_callbacks
):
    carla, agent = world["carla"], world["agent"]
    target = make_ticket(carla, world["hardware"], subject="Printer", cc=["boss@customer.example"])
    source = make_ticket(
        carla, world["billing"], subject="Printer again", cc=["it@customer.example"]
    )
    actions.add_reply(target, actor=agent, body_html="<p>Looking</p>", hours=1)
    actions.add_reply(source, actor=agent, body_html="<p>Note</p>", internal=True, hours=2)
    received = []
    signals.ticket_merged.connect(lambda **kw: received.append(kw), weak=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.merge_tickets([source], target, actor=agent) == 1
    signals.ticket_merged.receivers.clear()
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.status.is_closed and not source.is_open
    merge = TicketMerge.objects.get(source=source)
    assert merge.target == target
    assert merge.record["into"] == target.number
    assert Decimal(merge.record["hours"]) == 2
    assert len(merge.message_ids) == 2
    assert (
        list(Message.objects.filter(pk__in=merge.message_ids).values_list("ticket_id", flat=True))
        == [target.pk] * 2
    )
    times = list(target.messages.values_list("created_at", flat=True))
    assert times == sorted(times) and len(times) == 4
    assert target.cc_list == ["boss@customer.example", "it@customer.example"]
    assert TicketLogEntry.objects.filter(
        ticket_id=source.pk, action="wagtail_tickets.merged"
    ).exists()
    assert TicketLogEntry.objects.get(
        ticket_id=target.pk, action="wagtail_tickets.merged_here"
    ).data == {"sources": [source.number]}
    assert [kw["target"].pk for kw in received] == [target.pk]
    assert PendingNotification.objects.filter(kind="merged", ticket=source).count() == 1
    # internal notes stay internal on the target
    assert target.messages.filter(is_internal=True).count() == 1


def test_a_ticket_merged_into_the_source_follows_it(world):
    carla, agent = world["carla"], world["agent"]
    a, b, c = (make_ticket(carla, world["hardware"], subject=s) for s in "abc")
    actions.merge_tickets([a], b, actor=agent)
    actions.merge_tickets([b], c, actor=agent)
    assert TicketMerge.objects.get(source=a).target == c
    with pytest.raises(ValidationError):
        actions.merge_tickets([c], b, actor=agent)  # into a merged ticket
    with pytest.raises(ValidationError):
        actions.merge_tickets([a], c, actor=agent)  # merged already


def test_hostile_merges_are_refused_and_change_nothing(world):
    carla, agent = world["carla"], world["agent"]
    one = make_ticket(carla, world["hardware"])
    two = make_ticket(carla, world["hardware"])
    with pytest.raises(ValidationError):
        actions.merge_tickets([one], one, actor=agent)
    with pytest.raises(ValidationError):
        actions.merge_tickets([], one, actor=agent)
    with pytest.raises(ValidationError):
        actions.merge_tickets([one, two], two, actor=agent)
    ghost = Ticket(pk=99999, number="X", ticket_type=world["hardware"])
    with pytest.raises(ValidationError):
        actions.merge_tickets([ghost], one, actor=agent)
    assert not TicketMerge.objects.exists()
    assert one.messages.count() == two.messages.count() == 1


def test_an_agent_must_manage_both_types(world):
    carla = world["carla"]
    other = TicketTypeFactory(name="Secret")
    grant(carla, other, TP.Level.WRITE, group_name="Secret customers")
    hardware_only = make_agent(world["hardware"], username="hw")
    target = make_ticket(carla, other)
    source = make_ticket(carla, world["hardware"])
    with pytest.raises(PermissionDenied):
        actions.merge_tickets([source], target, actor=hardware_only)
    with pytest.raises(PermissionDenied):
        actions.merge_tickets([source], target, actor=carla)
    assert not TicketMerge.objects.exists()


def test_a_merge_that_would_show_a_ticket_to_another_customer_is_refused(world):
    agent = world["agent"]
    dora = make_customer(world["hardware"], username="dora", email="dora@other.example")
    source = make_ticket(world["carla"], world["hardware"])
    target = make_ticket(dora, world["hardware"])
    with pytest.raises(ValidationError, match="may not see"):
        actions.merge_tickets([source], target, actor=agent)
    assert Message.objects.filter(ticket=source).count() == 1


def test_company_tickets_merge_when_the_requester_sees_the_target(world):
    agent, hardware = world["agent"], world["hardware"]
    hardware.visibility = hardware.Visibility.COMPANY
    hardware.save()
    acme = CompanyFactory(name="Acme")
    alice = make_customer(hardware, company=acme, username="alice")
    bob = make_customer(hardware, company=acme, username="bob")
    target = make_ticket(alice, hardware)
    source = make_ticket(bob, hardware)
    assert actions.merge_tickets([source], target, actor=agent) == 1


def test_guest_tickets_merge_only_with_the_same_address_and_their_links_follow(world):
    agent, hardware = world["agent"], world["hardware"]
    from wagtail_tickets.external import token as tokens

    def guest(address):
        raw = tokens.new_token()
        ticket = make_ticket(
            None, hardware, requester_name="G", requester_email=address, link_token=raw
        )
        return ticket, raw

    target, _ = guest("g@guest.example")
    source, raw = guest("G@guest.example")
    stranger, _ = guest("h@guest.example")
    with pytest.raises(ValidationError, match="no account"):
        actions.merge_tickets([stranger], target, actor=agent)
    actions.merge_tickets([source], target, actor=agent)
    assert tokens.ticket_for_token(raw) == target
    assert ExternalAccess.objects.filter(ticket=source).count() == 0


# ----------------------------------------------------------------------------- split


def test_split_moves_a_message_and_those_after_it_into_a_linked_ticket(world):
    carla, agent = world["carla"], world["agent"]
    ticket = make_ticket(
        carla, world["hardware"], subject="Two problems", cc=["x@customer.example"]
    )
    second = actions.add_reply(ticket, actor=carla, body_html="<p>Also the scanner</p>")
    third = actions.add_reply(ticket, actor=agent, body_html="<p>Scanner: which model?</p>")
    new = actions.split_ticket(second, actor=agent, following=True, subject="Scanner")
    assert set(new.messages.values_list("pk", flat=True)) == {second.pk, third.pk}
    assert ticket.messages.count() == 1
    assert (new.requester, new.ticket_type, new.customer_id, new.cc) == (
        carla,
        world["hardware"],
        ticket.customer_id,
        ticket.cc,
    )
    assert new.subject == "Scanner" and new.is_open
    assert new.last_message_by_staff and new.first_response_at is not None
    assert TicketLink.objects.filter(kind="related").count() == 1
    assert TicketLogEntry.objects.filter(
        ticket_id=ticket.pk, action="wagtail_tickets.split"
    ).exists()


def test_split_refuses_the_first_message_and_strangers(world):
    carla, agent = world["carla"], world["agent"]
    ticket = make_ticket(carla, world["hardware"])
    first = ticket.messages.get()
    second = actions.add_reply(ticket, actor=carla, body_html="<p>More</p>")
    with pytest.raises(ValidationError):
        actions.split_ticket(first, actor=agent)
    with pytest.raises(PermissionDenied):
        actions.split_ticket(second, actor=carla)
    outsider = make_agent(TicketTypeFactory(name="Other"), username="outsider")
    with pytest.raises(PermissionDenied):
        actions.split_ticket(second, actor=outsider)
    with pytest.raises(PermissionDenied):
        actions.split_ticket(second, actor=agent, ticket_type=TicketTypeFactory(name="Unmanaged"))
    assert Ticket.objects.count() == 1


# ----------------------------------------------------------------------------- links


def test_parent_child_links_refuse_cycles_second_parents_and_duplicates(world):
    carla, agent = world["carla"], world["agent"]
    a, b, c = (make_ticket(carla, world["hardware"], subject=s) for s in "abc")
    actions.link_tickets(a, b, kind="parent", actor=agent)
    actions.link_tickets(b, c, kind="parent", actor=agent)
    with pytest.raises(ValidationError, match="own parent"):
        actions.link_tickets(c, a, kind="parent", actor=agent)
    with pytest.raises(ValidationError, match="parent already"):
        actions.link_tickets(a, c, kind="parent", actor=agent)
    with pytest.raises(ValidationError, match="linked already"):
        actions.link_tickets(b, a, kind="related", actor=agent)
    with pytest.raises(ValidationError):
        actions.link_tickets(a, a, kind="related", actor=agent)
    with pytest.raises(ValidationError):
        actions.link_tickets(a, c, kind="sibling", actor=agent)
    with pytest.raises(PermissionDenied):
        actions.link_tickets(a, c, kind="related", actor=carla)
    assert TicketLink.objects.count() == 2
    link = TicketLink.objects.get(from_ticket=a)
    actions.unlink_tickets(link, actor=agent)
    assert TicketLink.objects.count() == 1
    assert TicketLogEntry.objects.filter(action="wagtail_tickets.unlinked").count() == 2


def test_closing_a_parent_closes_its_open_children_the_agent_may_close(world):
    carla, agent = world["carla"], world["agent"]
    parent = make_ticket(carla, world["hardware"])
    child = make_ticket(carla, world["hardware"])
    other_type = TicketTypeFactory(name="Facilities")
    grant(carla, other_type, TP.Level.WRITE, group_name="F customers")
    foreign = make_ticket(carla, other_type)
    actions.link_tickets(parent, child, kind="parent", actor=agent)
    actions.link_tickets(parent, foreign, kind="parent", actor=None)
    assert actions.close_with_children(parent, actor=agent) == 1
    child.refresh_from_db()
    foreign.refresh_from_db()
    assert child.status.is_closed and not foreign.status.is_closed


def test_merge_of_many_messages_takes_a_constant_number_of_queries(
    world, django_assert_max_num_queries
):
    carla, agent = world["carla"], world["agent"]
    target = make_ticket(carla, world["hardware"])
    small = make_ticket(carla, world["hardware"])
    big = make_ticket(carla, world["hardware"])
    for n in range(60):
        actions.add_reply(big, actor=carla, body_html=f"<p>{n}</p>")
    with django_assert_max_num_queries(40) as small_run:
        actions.merge_tickets([small], target, actor=agent)
    with django_assert_max_num_queries(len(small_run.captured_queries)):
        actions.merge_tickets([big], target, actor=agent)
    assert target.messages.count() == 63


def test_the_customer_is_told_once_with_the_target_in_the_mail(world):
    from wagtail_tickets.models import OutgoingMail
    from wagtail_tickets.notifications import sending

    carla, agent = world["carla"], world["agent"]
    target = make_ticket(carla, world["hardware"], subject="Printer")
    first = make_ticket(carla, world["hardware"], subject="Printer again")
    second = make_ticket(carla, world["hardware"], subject="Printer, third time")
    OutgoingMail.objects.all().delete()
    PendingNotification.objects.all().delete()
    actions.merge_tickets([first, second], target, actor=agent)
    pending = list(PendingNotification.objects.order_by("pk"))
    assert [(p.kind, p.ticket_id) for p in pending] == [("merged", first.pk), ("merged", second.pk)]
    for row in pending:
        sending.build_pending(row.pk)
    mails = list(OutgoingMail.objects.filter(kind="merged").order_by("pk"))
    assert len(mails) == 2
    assert all(carla.email in mail.to for mail in mails)
    assert f"now part of ticket {target.number} (Printer)" in mails[0].body_text
    assert f"[ts #{first.number}]" in mails[0].subject


def test_a_merged_ticket_takes_no_reply_and_is_not_reopened(world):
    carla, agent = world["carla"], world["agent"]
    target = make_ticket(carla, world["hardware"])
    source = make_ticket(carla, world["hardware"])
    actions.merge_tickets([source], target, actor=agent)
    source.refresh_from_db()
    with pytest.raises(ValidationError, match="continue there"):
        actions.add_reply(source, actor=agent, body_html="<p>late</p>")
    with pytest.raises(ValidationError, match="continue there"):
        actions.reopen_ticket(source, actor=agent)
    from wagtail_tickets.models import Status

    with pytest.raises(ValidationError, match="continue there"):
        actions.change_ticket(source, actor=agent, status=Status.objects.default())
    source.refresh_from_db()
    assert not source.is_open and not source.messages.exists()


def test_the_search_finds_a_target_by_the_words_of_messages_merged_or_split_into_it(world):
    from wagtail_tickets.search import search_tickets

    carla, agent = world["carla"], world["agent"]
    target = make_ticket(carla, world["hardware"], subject="Printer")
    source = make_ticket(carla, world["hardware"], subject="Again", body="<p>zebracrossing</p>")
    actions.merge_tickets([source], target, actor=agent)
    found = search_tickets(Ticket.objects.filter(pk=target.pk), "zebracrossing")
    assert list(found.values_list("pk", flat=True)) == [target.pk]
    later = actions.add_reply(target, actor=carla, body_html="<p>giraffeneck</p>")
    new = actions.split_ticket(later, actor=agent)
    found = search_tickets(Ticket.objects.filter(pk=new.pk), "giraffeneck")
    assert list(found.values_list("pk", flat=True)) == [new.pk]
