"""Merge, split and links in the admin: the workspace's panel and pages, the inbox's
bulk merge, what a merged ticket's number does, and hostile input (wrong numbers and
ids, another type's tickets, self-merge, merged targets, cycles): 404, 400 or a message,
never a 500 and never a half-done change."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import TicketTypeFactory, grant, make_customer, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.models import Message, Ticket, TicketLink, TicketMerge
from wagtail_tickets.models import TypePermission as TP

pytestmark = pytest.mark.django_db

NS = "wagtail_tickets_inbox"


def url(name, *args):
    return reverse(f"{NS}:{name}", args=args)


@pytest.fixture
def desk(hardware_team, client):
    team = hardware_team
    carla, ann = team["customer"], team["ann"]
    client.force_login(ann)
    team["client"] = client
    team["target"] = make_ticket(carla, team["hardware"], subject="Printer on fire")
    team["source"] = make_ticket(carla, team["hardware"], subject="Printer burning again")
    team["billing_ticket"] = make_ticket(carla, team["billing"], subject="Invoice printer")
    return team


def test_the_merge_page_finds_targets_by_number_and_subject_within_the_agents_types(desk):
    client, source = desk["client"], desk["source"]
    page = client.get(url("merge", source.pk), {"q": "printer"})
    assert page.status_code == 200
    html = page.content.decode()
    assert f"?target={desk['target'].pk}" in html
    assert "Invoice printer" not in html  # another type's ticket
    assert f"?target={source.pk}" not in html  # itself
    by_number = client.get(url("merge", source.pk), {"q": f"#{desk['target'].number}"})
    assert f"?target={desk['target'].pk}" in by_number.content.decode()


def test_the_search_reads_a_constant_number_of_queries(desk, django_assert_max_num_queries):
    client, source = desk["client"], desk["source"]
    client.get(url("merge", source.pk), {"q": "printer"})  # warm the caches
    with django_assert_max_num_queries(25) as few:
        client.get(url("merge", source.pk), {"q": "printer"})
    for n in range(30):
        make_ticket(desk["customer"], desk["hardware"], subject=f"Printer {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("merge", source.pk), {"q": "printer"})
    assert "More tickets match" in page.content.decode()


def test_confirming_merges_and_the_sources_number_leads_to_the_target(desk):
    client, source, target = desk["client"], desk["source"], desk["target"]
    confirm = client.get(url("merge", source.pk), {"target": target.pk})
    assert "one message" in confirm.content.decode()
    done = client.post(url("merge", source.pk), {"target": target.pk})
    assert done.status_code == 302 and done.url == url("edit", target.pk)
    assert TicketMerge.objects.get(source=source).target == target
    # the admin: the source's page goes to the target, ?record=1 shows what it held
    assert client.get(url("edit", source.pk)).url == url("edit", target.pk)
    record = client.get(url("edit", source.pk), {"record": 1}).content.decode()
    assert "was merged into" in record and "Help!" in record
    workspace = client.get(url("edit", target.pk)).content.decode()
    assert "Merged into this ticket" in workspace and f"#{source.number}" in workspace


@pytest.mark.parametrize(
    "raw", ["abc", "", "-1", "99999999", "1" * 40, "self", "billing", "merged"]
)
def test_hostile_targets_are_refused_without_a_merge(desk, raw):
    client, source = desk["client"], desk["source"]
    other = make_ticket(desk["customer"], desk["hardware"], subject="Other")
    actions.merge_tickets([other], desk["target"], actor=desk["ann"])
    value = {
        "self": source.pk,
        "billing": desk["billing_ticket"].pk,
        "merged": other.pk,
    }.get(raw, raw)
    assert client.get(url("merge", source.pk), {"target": value}).status_code == 404
    assert client.post(url("merge", source.pk), {"target": value}).status_code == 400
    assert not TicketMerge.objects.filter(source=source).exists()


def test_a_merge_that_would_show_another_customer_the_target_is_refused_on_the_page(desk):
    client, source = desk["client"], desk["source"]
    dora = make_customer(desk["hardware"], username="dora")
    theirs = make_ticket(dora, desk["hardware"], subject="Dora's printer")
    confirm = client.get(url("merge", source.pk), {"target": theirs.pk}).content.decode()
    assert "may not see" in confirm and "disabled" in confirm
    answer = client.post(url("merge", source.pk), {"target": theirs.pk}, follow=True)
    assert answer.status_code == 200
    assert not TicketMerge.objects.exists()
    assert source.messages.count() == 1


def test_another_types_ticket_cannot_be_merged_from_its_url(desk):
    client = desk["client"]
    assert client.get(url("merge", desk["billing_ticket"].pk)).status_code == 404
    post = client.post(url("merge", desk["billing_ticket"].pk), {"target": desk["target"].pk})
    assert post.status_code == 404


def test_bulk_merge_from_the_inbox(desk):
    client, source, target = desk["client"], desk["source"], desk["target"]
    third = make_ticket(desk["customer"], desk["hardware"], subject="Printer, third mail")
    bar = client.get(
        url("bulk"), {"change": "merge", "ticket": [source.pk, target.pk, third.pk], "query": ""}
    )
    assert bar.status_code == 302 and bar.url.startswith(url("bulk_merge"))
    choose = client.get(bar.url)
    assert choose.status_code == 200 and "Which ticket stays" in choose.content.decode()
    ids = [source.pk, target.pk, third.pk, desk["billing_ticket"].pk]
    confirm = client.get(url("bulk_merge"), {"ticket": ids, "target": target.pk})
    assert "Merge 2 tickets" in confirm.content.decode()
    done = client.post(url("bulk_merge"), {"ticket": ids, "target": target.pk})
    assert done.url == url("edit", target.pk)
    assert set(TicketMerge.objects.values_list("source_id", flat=True)) == {source.pk, third.pk}
    assert not TicketMerge.objects.filter(source=desk["billing_ticket"]).exists()


@pytest.mark.parametrize(
    "query",
    [{"ticket": ["x"]}, {"ticket": [str(n) for n in range(1, 60)]}, {"ticket": ["1"]}, {}],
)
def test_bulk_merge_refuses_bad_selections(desk, query):
    client = desk["client"]
    assert client.get(url("bulk_merge"), query).status_code == 400
    assert client.post(url("bulk_merge"), {**query, "target": "1"}).status_code == 400
    assert not TicketMerge.objects.exists()


def test_links_are_added_shown_in_both_workspaces_and_removed(desk):
    client, source, target = desk["client"], desk["source"], desk["target"]
    client.post(url("link", target.pk), {"number": f"#{source.number}", "kind": "child"})
    link = TicketLink.objects.get()
    assert (link.from_ticket, link.to_ticket, link.kind) == (target, source, "parent")
    parent_page = client.get(url("edit", target.pk)).content.decode()
    assert "Child" in parent_page and "Close with its open child" in parent_page
    assert "Parent" in client.get(url("edit", source.pk)).content.decode()
    # a cycle and unknown numbers are messages, not errors
    third = make_ticket(desk["customer"], desk["hardware"], subject="Third")
    actions.link_tickets(source, third, kind="parent", actor=desk["ann"])
    answer = client.post(
        url("link", third.pk), {"number": target.number, "kind": "child"}, follow=True
    )
    assert "own parent" in answer.content.decode()
    for number in ("", "nope", desk["billing_ticket"].number, "\x00", "9" * 40):
        assert (
            client.post(url("link", source.pk), {"number": number, "kind": "related"}).status_code
            == 302
        )
    assert (
        client.post(url("link", source.pk), {"number": "1", "kind": "sibling"}).status_code == 302
    )
    assert TicketLink.objects.count() == 2
    # a link of other tickets is not removed through this ticket's URL
    assert client.post(url("unlink", desk["billing_ticket"].pk, link.pk)).status_code == 404
    client.post(url("unlink", source.pk, link.pk))
    assert not TicketLink.objects.filter(pk=link.pk).exists()


def test_closing_a_parent_with_its_children(desk):
    client, source, target = desk["client"], desk["source"], desk["target"]
    actions.link_tickets(target, source, kind="parent", actor=desk["ann"])
    client.post(url("close_with_children", target.pk))
    assert not Ticket.objects.get(pk=source.pk).is_open
    assert not Ticket.objects.get(pk=target.pk).is_open


def test_split_a_message_into_a_new_ticket(desk):
    client, ticket = desk["client"], desk["target"]
    later = actions.add_reply(ticket, actor=desk["customer"], body_html="<p>And the scanner</p>")
    page = client.get(url("split", ticket.pk, later.pk))
    assert page.status_code == 200
    done = client.post(
        url("split", ticket.pk, later.pk),
        {"subject": "Scanner", "ticket_type": desk["hardware"].pk},
    )
    new = Ticket.objects.get(subject="Scanner")
    assert done.url == url("edit", new.pk)
    assert list(new.messages.values_list("pk", flat=True)) == [later.pk]


def test_split_refusals(desk):
    client, ticket = desk["client"], desk["target"]
    first = ticket.messages.get()
    refused = client.post(
        url("split", ticket.pk, first.pk), {"subject": "X", "ticket_type": desk["hardware"].pk}
    )
    assert refused.status_code == 400 and "first message" in refused.content.decode()
    other_message = desk["source"].messages.get()
    assert client.get(url("split", ticket.pk, other_message.pk)).status_code == 404
    later = actions.add_reply(ticket, actor=desk["customer"], body_html="<p>More</p>")
    # a type the agent does not manage is not a choice
    wrong_type = client.post(
        url("split", ticket.pk, later.pk), {"subject": "X", "ticket_type": desk["billing"].pk}
    )
    assert wrong_type.status_code == 400
    blank = client.post(
        url("split", ticket.pk, later.pk), {"subject": "  ", "ticket_type": desk["hardware"].pk}
    )
    assert blank.status_code == 400
    assert Ticket.objects.count() == 3
    assert Message.objects.filter(ticket=ticket).count() == 2


def test_customers_and_other_types_agents_reach_none_of_it(desk, client):
    client.force_login(desk["customer"])
    source, target = desk["source"], desk["target"]
    for name, args in [
        ("merge", (source.pk,)),
        ("link", (source.pk,)),
        ("close_with_children", (source.pk,)),
        ("split", (source.pk, source.messages.get().pk)),
    ]:
        assert client.post(url(name, *args), {"target": target.pk}).status_code in (302, 403)
    assert client.get(url("bulk_merge"), {"ticket": [source.pk, target.pk]}).status_code in (
        302,
        403,
    )
    assert not TicketMerge.objects.exists() and not TicketLink.objects.exists()
    assert Ticket.objects.get(pk=source.pk).is_open


def test_the_workspace_reads_a_constant_number_of_queries_whatever_the_links(
    desk, django_assert_max_num_queries
):
    client, target, ann = desk["client"], desk["target"], desk["ann"]
    client.get(url("edit", target.pk))
    few_links = make_ticket(desk["customer"], desk["hardware"], subject="one")
    actions.link_tickets(target, few_links, kind="parent", actor=ann)
    with django_assert_max_num_queries(80) as base:
        client.get(url("edit", target.pk))
    for n in range(15):
        child = make_ticket(desk["customer"], desk["hardware"], subject=f"child {n}")
        actions.link_tickets(target, child, kind="parent", actor=ann)
        merged = make_ticket(desk["customer"], desk["hardware"], subject=f"dup {n}")
        actions.merge_tickets([merged], target, actor=ann)
    with django_assert_max_num_queries(len(base.captured_queries)):
        page = client.get(url("edit", target.pk))
    assert page.content.decode().count("wt-links__remove") == 16


def test_an_agent_of_one_type_sees_another_types_link_by_number_only(desk, client):
    grant(desk["ann"], desk["billing"], TP.Level.MANAGE, group_name="Billing agents")
    actions.link_tickets(desk["target"], desk["billing_ticket"], kind="related", actor=desk["ann"])
    client.force_login(desk["bob"])
    page = client.get(url("edit", desk["target"].pk)).content.decode()
    assert f"#{desk['billing_ticket'].number}" in page and "Invoice printer" not in page


def test_customer_area_sends_a_merged_number_to_the_target(desk, client):
    source, target = desk["source"], desk["target"]
    actions.merge_tickets([source], target, actor=desk["ann"])
    client.force_login(desk["customer"])
    answer = client.get(reverse("wagtail_tickets:detail", args=[source.number]))
    assert answer.status_code == 302
    assert answer.url == reverse("wagtail_tickets:detail", args=[target.number])


def test_customer_area_shows_links_only_to_tickets_the_customer_sees(desk, client):
    carla, ann = desk["customer"], desk["ann"]
    dora = make_customer(desk["hardware"], username="dora")
    secret = make_ticket(dora, desk["hardware"], subject="Dora's secret")
    actions.link_tickets(desk["target"], desk["source"], kind="parent", actor=ann)
    actions.link_tickets(desk["target"], secret, kind="related", actor=ann)
    client.force_login(carla)
    page = client.get(reverse("wagtail_tickets:detail", args=[desk["target"].number]))
    html = page.content.decode()
    assert desk["source"].subject in html and "Dora" not in html
    assert f"#{secret.number}" not in html


def test_a_colleague_who_cannot_see_the_target_reads_that_the_ticket_was_merged(client):
    from tests.factories import CompanyFactory, UserFactory

    shared = TicketTypeFactory(name="Shared", visibility="company")
    own = TicketTypeFactory(name="Own")
    acme = CompanyFactory(name="Acme")
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    acme.users.add(alice, bob)
    grant(alice, shared, TP.Level.WRITE, group_name="Shared customers")
    grant(alice, own, TP.Level.WRITE, group_name="Own customers")
    grant(bob, shared, TP.Level.WRITE, group_name="Shared customers")
    agent = UserFactory(username="agentx")
    grant(agent, shared, TP.Level.MANAGE, group_name="Shared agents")
    grant(agent, own, TP.Level.MANAGE, group_name="Own agents")
    source = make_ticket(alice, shared, subject="Acme printer")
    target = make_ticket(alice, own, subject="Alice's own")
    actions.merge_tickets([source], target, actor=agent)
    client.force_login(bob)
    page = client.get(reverse("wagtail_tickets:detail", args=[source.number]))
    assert page.status_code == 200
    assert "merged into another ticket" in page.content.decode()
    assert client.get(reverse("wagtail_tickets:detail", args=[target.number])).status_code == 404
