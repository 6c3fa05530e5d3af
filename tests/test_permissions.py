"""The access policy (permissions.py): levels, visibility, company tickets, per-action rules."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.factories import (
    CompanyFactory,
    GroupFactory,
    TicketTypeFactory,
    TypePermissionFactory,
    UserFactory,
    fresh,
    grant,
    make_ticket,
)
from wagtail_tickets import actions, permissions
from wagtail_tickets.models import TicketSettings, TicketType, TypePermission

pytestmark = pytest.mark.django_db

Level = TypePermission.Level
Visibility = TicketType.Visibility


@pytest.fixture
def support():
    return TicketTypeFactory(name="Support", visibility=Visibility.COMPANY)


@pytest.fixture
def billing():
    return TicketTypeFactory(name="Billing", visibility=Visibility.OWN)


def close(ticket):
    actions.close_ticket(ticket)
    ticket.refresh_from_db()
    return ticket


# Levels ---------------------------------------------------------------------------------


def test_no_group_no_access(support):
    user = UserFactory()
    assert permissions.type_access(user) == {}
    assert permissions.level_for(user, support.pk) == 0
    assert not permissions.can_create(user)
    assert not permissions.can_create(user, support)
    assert list(permissions.creatable_types(user)) == []


def test_level_is_the_highest_of_the_users_groups(support):
    user = UserFactory()
    grant(user, support, Level.READ, group_name="readers")
    grant(user, support, Level.DELETE, group_name="deleters")
    grant(user, support, Level.CREATE, group_name="creators")
    assert permissions.level_for(fresh(user), support.pk) == Level.DELETE


@pytest.mark.parametrize(
    "level, create, manage",
    [
        (Level.READ, False, False),
        (Level.CREATE, True, False),
        (Level.WRITE, True, False),
        (Level.DELETE, True, False),
        (Level.MANAGE, True, True),
    ],
)
def test_levels_are_cumulative(support, billing, level, create, manage):
    user = UserFactory()
    grant(user, support, level)
    user = fresh(user)
    assert permissions.can_create(user, support) is create
    assert permissions.can_create(user, billing) is False
    assert permissions.can_create(user) is create
    assert (list(permissions.creatable_types(user)) == [support]) is create
    assert permissions.is_agent(user) is manage
    assert (list(permissions.managed_types(user)) == [support]) is manage


def test_levels_are_per_type(support, billing):
    user = UserFactory()
    grant(user, support, Level.MANAGE)
    grant(user, billing, Level.READ)
    user = fresh(user)
    assert permissions.level_for(user, support.pk) == Level.MANAGE
    assert permissions.level_for(user, billing.pk) == Level.READ
    other = make_ticket(UserFactory(), billing)
    assert not permissions.can_manage(user, other)
    assert not permissions.can_see(user, other)
    assert list(permissions.agent_tickets(user)) == []


def test_superuser_manages_every_active_type(support, billing):
    admin = UserFactory(is_superuser=True, is_staff=True)
    hidden = TicketTypeFactory(name="Retired", active=False)
    access = permissions.type_access(admin)
    assert set(access) == {support.pk, billing.pk}
    assert all(a.level == Level.MANAGE for a in access.values())
    assert hidden.pk not in access
    ticket = make_ticket(UserFactory(), billing)
    assert permissions.can_manage(admin, ticket)
    assert permissions.can_see_internal(admin, ticket)
    assert list(permissions.agent_tickets(admin)) == [ticket]


def test_inactive_type_grants_nothing(support):
    user = UserFactory()
    grant(user, support, Level.MANAGE)
    ticket = make_ticket(user, support)
    support.active = False
    support.save()
    user = fresh(user)
    assert permissions.type_access(user) == {}
    assert not permissions.can_create(user, support)
    assert not permissions.can_see(user, ticket)
    assert list(permissions.customer_tickets(user)) == []
    assert list(permissions.agent_tickets(user)) == []


def test_inactive_user_sees_nothing(support):
    user = UserFactory()
    grant(user, support, Level.MANAGE)
    ticket = make_ticket(user, support)
    user.is_active = False
    user.save()
    user = fresh(user)
    assert permissions.type_access(user) == {}
    assert list(permissions.customer_tickets(user)) == []
    assert not permissions.can_see(user, ticket)
    assert not permissions.can_reply(user, ticket)
    assert not permissions.can_delete(user, ticket)


def test_inactive_superuser_sees_nothing(support):
    admin = UserFactory(is_superuser=True, is_active=False)
    assert permissions.type_access(admin) == {}


def test_anonymous_sees_nothing(support):
    ticket = make_ticket(UserFactory(), support)
    anonymous = AnonymousUser()
    assert permissions.type_access(anonymous) == {}
    assert permissions.type_access(None) == {}
    assert list(permissions.customer_tickets(anonymous)) == []
    assert not permissions.can_see(anonymous, ticket)
    assert not permissions.can_create(anonymous)
    assert permissions.customer_for(anonymous) is None


def test_levels_are_cached_per_user_object_until_forgotten(support, django_assert_num_queries):
    user = UserFactory()
    group = GroupFactory(name="later")
    user.groups.add(group)
    user = fresh(user)
    with django_assert_num_queries(1):
        permissions.type_access(user)
        permissions.type_access(user)
    TypePermissionFactory(group=group, ticket_type=support, level=Level.CREATE)
    assert permissions.level_for(user, support.pk) == 0
    permissions.forget(user)
    assert permissions.level_for(user, support.pk) == Level.CREATE


# The level every signed-in user holds on a type -------------------------------------------


@pytest.mark.parametrize("level", [Level.READ, Level.CREATE, Level.WRITE])
def test_signed_in_level_is_held_without_a_group(support, billing, level):
    support.signed_in_level = level
    support.save()
    user = UserFactory()
    assert permissions.level_for(user, support.pk) == level
    assert permissions.level_for(user, billing.pk) == 0
    assert permissions.can_create(user, support) is (level >= Level.CREATE)
    assert permissions.can_create(user, billing) is False
    assert permissions.is_agent(user) is False
    assert list(permissions.agent_tickets(user)) == []


def test_signed_in_level_and_group_levels_take_the_highest(support):
    support.signed_in_level = Level.CREATE
    support.save()
    reader, deleter = UserFactory(), UserFactory()
    grant(reader, support, Level.READ, group_name="readers")
    grant(deleter, support, Level.DELETE, group_name="deleters")
    assert permissions.level_for(fresh(reader), support.pk) == Level.CREATE
    assert permissions.level_for(fresh(deleter), support.pk) == Level.DELETE


def test_signed_in_level_reaches_nobody_outside(support):
    support.signed_in_level = Level.WRITE
    support.save()
    assert permissions.type_access(AnonymousUser()) == {}
    assert permissions.type_access(UserFactory(is_active=False)) == {}
    support.active = False
    support.save()
    assert permissions.type_access(UserFactory()) == {}


def test_signed_in_level_shows_only_what_the_visibility_allows(support, people):
    support.signed_in_level = Level.WRITE
    support.save()
    alice, bob, carol, dave = people
    ticket = make_ticket(alice, support)
    assert permissions.can_see(fresh(bob), ticket)  # the same company
    assert permissions.can_reply(fresh(bob), ticket)
    assert not permissions.can_see(fresh(carol), ticket)
    assert not permissions.can_see(fresh(dave), ticket)
    assert not permissions.can_delete(fresh(alice), ticket)  # delete needs a group


def test_signed_in_level_never_makes_an_agent_of_every_type(support):
    support.signed_in_level = Level.WRITE
    support.save()
    agent = UserFactory()
    grant(agent, TicketTypeFactory(name="Other"), Level.MANAGE)
    agent = fresh(agent)
    assert not permissions.manages_every_type(agent)
    assert permissions.agent_tickets(agent).query.has_filters()


def test_signed_in_level_comes_with_the_one_query(support, billing, django_assert_num_queries):
    support.signed_in_level = Level.CREATE
    support.save()
    user = UserFactory()
    grant(user, billing, Level.READ)
    user = fresh(user)
    with django_assert_num_queries(1):
        access = permissions.type_access(user)
        permissions.type_access(user)
        permissions.creatable_types(user)
    assert {pk: a.level for pk, a in access.items()} == {
        support.pk: Level.CREATE,
        billing.pk: Level.READ,
    }


# Visibility -----------------------------------------------------------------------------


@pytest.fixture
def people(support):
    """alice and bob share a company, carol has another one, dave has none."""
    alice, bob, carol, dave = (UserFactory(username=n) for n in ("alice", "bob", "carol", "dave"))
    CompanyFactory(name="Acme").users.add(alice, bob)
    CompanyFactory(name="Other").users.add(carol)
    return alice, bob, carol, dave


def readers(users, ticket_type, level=Level.READ):
    for user in users:
        grant(user, ticket_type, level, group_name=f"{ticket_type.name} customers")
    return [fresh(u) for u in users]


@pytest.mark.parametrize(
    "visibility, sees",
    [
        (Visibility.OWN, {"alice"}),
        (Visibility.COMPANY, {"alice", "bob"}),
        (Visibility.ALL, {"alice", "bob", "carol", "dave"}),
    ],
)
def test_visibility_decides_who_reads_a_ticket(support, people, visibility, sees):
    support.visibility = visibility
    support.save()
    alice, bob, carol, dave = readers(people, support)
    ticket = make_ticket(alice, support)
    for user in (alice, bob, carol, dave):
        assert permissions.can_see(user, ticket) is (user.username in sees), user.username
        expected = [ticket] if user.username in sees else []
        assert list(permissions.customer_tickets(user)) == expected


def test_ticket_records_the_requesters_company(support, people):
    alice, *_ = readers(people, support)
    ticket = make_ticket(alice, support)
    assert ticket.customer.name == "Acme"


def test_company_tickets_come_through_the_customer_users_m2m(support, people):
    alice, bob, carol, dave = readers(people, support)
    own = make_ticket(bob, support, subject="bob's own")
    colleague = make_ticket(alice, support, subject="alice's")
    make_ticket(carol, support, subject="carol's")
    assert list(permissions.company_tickets(bob)) == [colleague]
    assert set(permissions.customer_tickets(bob)) == {own, colleague}
    assert permissions.has_company(bob)
    assert not permissions.has_company(dave)
    assert list(permissions.company_tickets(dave)) == []


def test_company_visibility_needs_a_level_on_the_type(support, billing, people):
    alice, bob, *_ = people
    billing.visibility = Visibility.COMPANY
    billing.save()
    grant(alice, billing, Level.CREATE)
    alice, bob = fresh(alice), fresh(bob)
    ticket = make_ticket(alice, billing)
    assert not permissions.can_see(bob, ticket)


def test_leaving_the_company_ends_access(support, people):
    alice, bob, *_ = readers(people, support)
    ticket = make_ticket(alice, support)
    bob.companies.clear()
    assert not permissions.can_see(fresh(bob), ticket)


def test_has_company_false_when_every_type_is_own(support, people):
    support.visibility = Visibility.OWN
    support.save()
    alice, *_ = readers(people, support)
    assert not permissions.has_company(alice)


def test_own_tickets_only_on_readable_types(support, billing, people):
    """A ticket of a type the user lost access to disappears, even their own."""
    alice, *_ = readers(people, support)
    grant(alice, billing, Level.CREATE)
    alice = fresh(alice)
    kept = make_ticket(alice, support)
    lost = make_ticket(alice, billing)
    TypePermission.objects.filter(ticket_type=billing).delete()
    alice = fresh(alice)
    assert list(permissions.customer_tickets(alice)) == [kept]
    assert not permissions.can_see(alice, lost)


def test_agent_sees_every_ticket_of_the_managed_type_only(support, billing, people):
    alice, bob, carol, dave = people
    agent = UserFactory(username="agent")
    grant(agent, support, Level.MANAGE)
    agent = fresh(agent)
    support_tickets = {make_ticket(u, support) for u in (alice, carol, dave)}
    billing_ticket = make_ticket(carol, billing)
    assert set(permissions.agent_tickets(agent)) == support_tickets
    assert all(permissions.can_see(agent, t) for t in support_tickets)
    assert not permissions.can_see(agent, billing_ticket)


# Actions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "level, reply, close_, delete",
    [
        (Level.READ, False, False, False),
        (Level.CREATE, False, False, False),
        (Level.WRITE, True, True, False),
        (Level.DELETE, True, True, True),
        (Level.MANAGE, True, True, True),
    ],
)
def test_rights_on_own_open_ticket(support, people, level, reply, close_, delete):
    alice, *_ = readers(people[:1], support, level)
    ticket = make_ticket(alice, support)
    assert permissions.can_see(alice, ticket)
    assert permissions.can_reply(alice, ticket) is reply
    assert permissions.can_close(alice, ticket) is close_
    assert permissions.can_delete(alice, ticket) is delete
    assert permissions.can_see_internal(alice, ticket) is (level == Level.MANAGE)
    assert permissions.can_reopen(alice, ticket) is False


def test_company_colleague_replies_and_closes_but_never_deletes(support, people):
    alice, bob, *_ = readers(people, support, Level.DELETE)
    ticket = make_ticket(alice, support)
    assert permissions.can_reply(bob, ticket)
    assert permissions.can_close(bob, ticket)
    assert not permissions.can_delete(bob, ticket)
    assert permissions.can_delete(alice, ticket)


def test_closed_ticket_customer_may_not_reply_or_close_but_reopens_for_a_while(support, people):
    alice, *_ = readers(people[:1], support, Level.DELETE)
    ticket = close(make_ticket(alice, support))
    assert not permissions.can_reply(alice, ticket)
    assert not permissions.can_close(alice, ticket)
    assert permissions.can_reopen(alice, ticket)  # within the reopen window
    assert permissions.can_delete(alice, ticket)
    ticket.closed_at -= datetime.timedelta(days=TicketSettings.load().reopen_days, seconds=1)
    assert not permissions.can_reopen(alice, ticket)


def test_agent_replies_to_closed_ticket_and_reopens(support, people):
    alice = people[0]
    agent = UserFactory()
    grant(agent, support, Level.MANAGE)
    agent = fresh(agent)
    ticket = close(make_ticket(alice, support))
    assert permissions.can_reply(agent, ticket)
    assert permissions.can_reopen(agent, ticket)
    assert not permissions.can_close(agent, ticket)


def test_customers_may_close_option(support, people):
    alice, *_ = readers(people[:1], support, Level.WRITE)
    ticket = make_ticket(alice, support)
    options = TicketSettings.load()
    options.customers_may_close = False
    options.save()
    alice = fresh(alice)
    assert not permissions.can_close(alice, ticket)
    assert permissions.can_reply(alice, ticket)
    agent = UserFactory()
    grant(agent, support, Level.MANAGE)
    assert permissions.can_close(fresh(agent), ticket)


def test_requester_without_user_cannot_be_deleted_by_anyone_but_agents(support, people):
    alice, *_ = readers(people[:1], support, Level.DELETE)
    anonymous_ticket = actions.open_ticket(
        ticket_type=support,
        subject="by mail",
        body_html="hi",
        requester_email="stranger@example.com",
    )
    assert not permissions.can_delete(alice, anonymous_ticket)


def test_visible_messages_hide_internal_notes_from_customers(support, people):
    alice, *_ = readers(people[:1], support, Level.WRITE)
    agent = UserFactory()
    grant(agent, support, Level.MANAGE)
    agent = fresh(agent)
    ticket = make_ticket(alice, support)
    actions.add_reply(ticket, actor=agent, body_html="<p>secret</p>", internal=True)
    actions.add_reply(ticket, actor=agent, body_html="<p>public</p>")
    seen = [m.body_text for m in permissions.visible_messages(alice, ticket)]
    assert seen == ["Help!", "public"]
    assert [m.body_text for m in permissions.visible_messages(agent, ticket)] == [
        "Help!",
        "secret",
        "public",
    ]


def test_agents_for_type(support, billing):
    a1 = UserFactory(username="a1", first_name="Anna")
    a2 = UserFactory(username="a2", first_name="Bert")
    gone = UserFactory(username="gone", is_active=False)
    writer = UserFactory(username="writer")
    UserFactory(username="root", is_superuser=True)
    for user in (a1, a2, gone):
        grant(user, support, Level.MANAGE, group_name="Support agents")
    grant(a1, support, Level.MANAGE, group_name="Also agents")  # two groups: listed once
    grant(writer, support, Level.WRITE)
    grant(a2, billing, Level.MANAGE)
    assert list(permissions.agents_for_type(support)) == [a1, a2]
    assert list(permissions.agents_for_type(billing)) == [a2]


def test_customer_for_is_the_user_when_customer_model_is_the_user(settings, support):
    settings.WAGTAIL_TICKETS_CUSTOMER_MODEL = settings.AUTH_USER_MODEL
    user = UserFactory()
    assert permissions.customer_for(user) == user
    assert not permissions.has_company(user)
    assert list(permissions.company_tickets(user)) == []


def test_an_agent_of_every_type_gets_the_unfiltered_table(support, django_assert_num_queries):
    billing = TicketTypeFactory(name="Billing")
    agent = UserFactory()
    grant(agent, support, Level.MANAGE, group_name="Everything")
    grant(agent, billing, Level.MANAGE, group_name="Everything")
    agent = fresh(agent)
    with django_assert_num_queries(1):  # found by type_access's own query
        assert permissions.manages_every_type(agent)
    tickets = permissions.agent_tickets(agent)
    assert not tickets.query.has_filters()
    mine = {make_ticket(UserFactory(), support), make_ticket(UserFactory(), billing)}
    assert set(tickets) == mine


@pytest.mark.parametrize("other", ["unmanaged", "inactive", "read only"])
def test_a_type_left_out_keeps_the_filter(support, other):
    agent = UserFactory()
    grant(agent, support, Level.MANAGE, group_name="Support agents")
    extra = TicketTypeFactory(name="Other", active=other != "inactive")
    if other == "read only":
        grant(agent, extra, Level.WRITE, group_name="Other readers")
    hidden = make_ticket(UserFactory(), extra)
    agent = fresh(agent)
    assert not permissions.manages_every_type(agent)
    assert hidden not in set(permissions.agent_tickets(agent))
    assert permissions.agent_tickets(agent).query.has_filters()


def test_a_superuser_manages_every_type_until_one_is_retired(support):
    admin = UserFactory(is_superuser=True)
    assert permissions.manages_every_type(admin)
    TicketTypeFactory(name="Retired", active=False)
    assert not permissions.manages_every_type(fresh(admin))


# Inbound mail: what a From address may unlock, who may join a ticket by mail -------------


def mail_sender(address, *accounts, authenticated=None):
    return permissions.MailSender(address, tuple(accounts), authenticated)


@pytest.fixture
def require_dmarc(settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "INBOUND_REQUIRE_AUTHENTICATION": "dmarc",
        "INBOUND_AUTHSERV_IDS": ["mx.example.com"],
    }


def test_is_agent_of_is_one_rule_for_mail_and_notifications(support, billing):
    from wagtail_tickets.notifications import recipients

    assert recipients.is_agent_of is permissions.is_agent_of
    agent, customer, gone = UserFactory(), UserFactory(), UserFactory()
    grant(agent, support, Level.MANAGE)
    grant(gone, support, Level.MANAGE)
    grant(customer, support, Level.WRITE)
    ticket = make_ticket(customer, support)
    other = make_ticket(customer, billing)
    gone.is_active = False
    gone.save()
    assert permissions.is_agent_of(fresh(agent), ticket)
    assert not permissions.is_agent_of(fresh(agent), other)
    assert not permissions.is_agent_of(fresh(customer), ticket)
    assert not permissions.is_agent_of(None, ticket)
    assert not permissions.is_agent_of(AnonymousUser(), ticket)
    # inactive users are never agents, whatever their groups (the inactive object too)
    assert not permissions.is_agent_of(gone, ticket)
    assert not permissions.is_agent_of(fresh(gone), ticket)
    admin = UserFactory(is_superuser=True)
    assert permissions.is_agent_of(admin, ticket)
    admin.is_active = False
    assert not permissions.is_agent_of(admin, ticket)


@pytest.mark.parametrize(
    "one, other, same",
    [
        ("Carla@Customer.EXAMPLE", "carla@customer.example", True),
        (" carla@customer.example ", "carla@customer.example", True),
        ("jörg@bücher.example", "JöRG@BÜCHER.example", False),  # only ASCII letters fold
        ("\u212aelly@customer.example", "kelly@customer.example", False),  # Kelvin sign
        ("\u017fam@customer.example", "sam@customer.example", False),  # long s
    ],
)
def test_mail_addresses_compare_by_their_ascii_folded_key(one, other, same):
    key = permissions.mail_address_key
    assert (key(one) == key(other)) is same


def test_inbound_account_is_the_one_account_of_a_verified_address(settings, require_dmarc):
    carla, twin = UserFactory(), UserFactory()
    account = permissions.inbound_account
    assert account(mail_sender("c@x.example", carla, authenticated=True)) == carla
    assert account(mail_sender("c@x.example", carla, twin, authenticated=True)) is None
    assert account(mail_sender("c@x.example", authenticated=True)) is None
    assert account(mail_sender("c@x.example", carla, authenticated=False)) is None
    assert account(mail_sender("c@x.example", carla, authenticated=None)) is None
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "INBOUND_REQUIRE_AUTHENTICATION": ""}
    assert account(mail_sender("c@x.example", carla)) == carla


def test_who_may_join_a_ticket_by_mail(support, billing, people):
    alice, bob, carol, dave = people
    agent, other_agent = UserFactory(email="agent@t.example"), UserFactory(email="o@t.example")
    grant(agent, support, Level.MANAGE)
    grant(other_agent, billing, Level.MANAGE)
    ticket = make_ticket(alice, support, cc=["Boss@Acme.example"])
    guest = make_ticket(None, support, requester_email="guest@x.example")
    may = permissions.may_join_by_mail
    assert may(mail_sender(alice.email.upper(), alice), ticket)  # the requester
    assert may(mail_sender("boss@acme.example"), ticket)  # a CC address
    assert may(mail_sender(bob.email, bob), ticket)  # the customer record's user
    assert may(mail_sender("agent@t.example", agent), ticket)  # an agent of the type
    assert may(mail_sender("guest@x.example"), guest)  # a guest requester
    assert not may(mail_sender(carol.email, carol), ticket)  # another company
    assert not may(mail_sender(dave.email, dave), ticket)  # no company
    assert not may(mail_sender("o@t.example", other_agent), ticket)  # another type's agent
    assert not may(mail_sender("eve@evil.example"), ticket)
    assert not may(mail_sender(""), ticket)
    assert not may(mail_sender("guest@x.example"), ticket)


def test_the_requesters_current_address_joins(support, people):
    alice = people[0]
    ticket = make_ticket(alice, support)
    alice.email = "alice.new@acme.example"
    alice.save()
    ticket.refresh_from_db()
    assert permissions.may_join_by_mail(mail_sender("alice.new@acme.example", alice), ticket)


def test_an_unverified_account_address_joins_nothing(support, people, require_dmarc):
    alice, bob = people[:2]
    agent = UserFactory(email="agent@t.example")
    grant(agent, support, Level.MANAGE)
    ticket = make_ticket(alice, support, cc=["boss@acme.example"])
    may = permissions.may_join_by_mail
    for sender, account in ((alice.email, alice), (bob.email, bob), ("agent@t.example", agent)):
        assert not may(mail_sender(sender, account, authenticated=False), ticket)
        assert not may(mail_sender(sender, account, authenticated=None), ticket)
        assert may(mail_sender(sender, account, authenticated=True), ticket)
    # an address without an account is not asked for more than it is
    assert may(mail_sender("boss@acme.example", authenticated=False), ticket)


# Agents of a type: one rule, asked by actions, the admin's policy and its forms ----------


def test_manages_type_is_the_one_test_of_an_agent_of_a_type(support, billing):
    agent, customer = UserFactory(), UserFactory()
    grant(agent, support, Level.MANAGE)
    grant(customer, support, Level.DELETE)
    agent, customer = fresh(agent), fresh(customer)
    assert permissions.manages_type(agent, support)
    assert permissions.manages_type(agent, support.pk)  # an id is as good as the type
    assert not permissions.manages_type(agent, billing)
    assert not permissions.manages_type(customer, support)
    assert permissions.managed_type_ids(agent) == [support.pk]
    assert permissions.managed_type_ids(customer) == []
    for nobody in (None, AnonymousUser()):
        assert not permissions.manages_type(nobody, support)
        assert permissions.managed_type_ids(nobody) == []
    admin = UserFactory(is_superuser=True)
    assert permissions.manages_type(admin, billing)
    retired = TicketTypeFactory(name="Retired", active=False)
    assert not permissions.manages_type(fresh(admin), retired)
    gone = UserFactory(is_active=False)
    grant(gone, support, Level.MANAGE)
    assert not permissions.manages_type(fresh(gone), support)


def test_opening_for_someone_else_or_moving_asks_the_same_rule(support, billing):
    """actions.open_ticket on behalf of a customer and a move to another type need
    ``manages_type``: a customer with every other level gets PermissionDenied."""
    from django.core.exceptions import PermissionDenied

    customer, other = UserFactory(), UserFactory()
    grant(customer, support, Level.DELETE)
    grant(customer, billing, Level.DELETE)
    customer = fresh(customer)
    with pytest.raises(PermissionDenied):
        actions.open_ticket(
            actor=customer, requester=other, ticket_type=support, subject="s", body_html="b"
        )
    ticket = make_ticket(customer, support)
    with pytest.raises(PermissionDenied):
        actions.change_ticket(ticket, actor=customer, ticket_type=billing)


def agents_by_is_agent(users):
    return {user for user in users if permissions.is_agent(fresh(user))}


def test_agents_query_is_is_agent_for_everyone(support):
    from wagtail_tickets.admin.policies import AgentTicketPolicy
    from wagtail_tickets.models import Ticket

    retired = TicketTypeFactory(name="Retired", active=False)
    agent, retired_agent, customer = UserFactory(), UserFactory(), UserFactory()
    gone, admin = UserFactory(is_active=False), UserFactory(is_superuser=True)
    gone_admin = UserFactory(is_superuser=True, is_active=False)
    grant(agent, support, Level.MANAGE, group_name="Support agents")
    grant(gone, support, Level.MANAGE, group_name="Support agents")
    grant(retired_agent, retired, Level.MANAGE, group_name="Retired agents")
    grant(customer, support, Level.DELETE, group_name="Customers")
    everyone = [agent, retired_agent, customer, gone, admin, gone_admin]
    assert set(permissions.agents()) == agents_by_is_agent(everyone) == {agent, admin}
    policy = AgentTicketPolicy(Ticket)
    assert set(policy.users_with_any_permission(["view"])) == {agent, admin}
    assert set(policy.users_with_permission("change")) == {agent, admin}
    # the policy gives nobody an action it never allows
    assert not policy.users_with_any_permission(["delete"]).exists()
    assert not policy.user_has_permission(admin, "delete")
    # without an active type there is nothing to manage, not even for superusers
    support.active = False
    support.save()
    assert set(permissions.agents()) == agents_by_is_agent(everyone) == set()


def test_is_assignable_never_gives_a_ticket_to_an_inactive_account(support, billing):
    agent, customer = UserFactory(), UserFactory()
    grant(agent, support, Level.MANAGE)
    grant(customer, support, Level.DELETE)
    admin = UserFactory(is_superuser=True)
    gone_admin = UserFactory(is_superuser=True, is_active=False)
    assert permissions.is_assignable(agent, support)
    assert not permissions.is_assignable(agent, billing)
    assert not permissions.is_assignable(customer, support)
    assert permissions.is_assignable(admin, billing)
    assert not permissions.is_assignable(gone_admin, support)
    assert not permissions.is_assignable(None, support)
    assert not permissions.is_assignable(AnonymousUser(), support)


def test_assignment_to_an_inactive_superuser_is_refused(support):
    from django.core.exceptions import ValidationError

    ticket = make_ticket(UserFactory(), support)
    gone_admin = UserFactory(is_superuser=True, is_active=False)
    with pytest.raises(ValidationError):
        actions.change_ticket(ticket, assignee=gone_admin)
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


# The external page: what a visitor without an account may do ------------------------------


@pytest.fixture
def page(support):
    from tests.factories import external_page

    return external_page(offered=[support])


@pytest.fixture
def signed_in(support):
    user = UserFactory()
    grant(user, support, Level.WRITE, group_name="Support customers")
    return fresh(user)


def test_visitor_may_open_only_where_the_page_is_on_and_allows_it(page, signed_in):
    visitor = AnonymousUser()
    assert permissions.is_visitor(visitor) and permissions.is_visitor(None)
    assert not permissions.is_visitor(signed_in)
    assert permissions.visitor_may_open(visitor, page)
    assert permissions.visitor_may_open(None, page)
    assert not permissions.external_login_required(visitor, page)
    # a logged-in user opens as themselves, never as a visitor, and is not sent to log in
    assert not permissions.visitor_may_open(signed_in, page)
    assert not permissions.external_login_required(signed_in, page)
    page.allow_anonymous = False
    assert not permissions.visitor_may_open(visitor, page)
    assert permissions.external_login_required(visitor, page)
    assert not permissions.external_login_required(signed_in, page)
    page.allow_anonymous, page.enabled = True, False
    assert not permissions.external_page_open(page)
    assert not permissions.visitor_may_open(visitor, page)


def test_inactive_account_on_the_external_page_gets_nothing(page, support):
    gone = UserFactory(is_active=False)
    grant(gone, support, Level.MANAGE)
    gone = fresh(gone)
    assert not permissions.is_visitor(gone)
    assert not permissions.visitor_may_open(gone, page)
    assert not permissions.external_login_required(gone, page)
    assert permissions.external_types(gone, page.offered()) == []
    assert not permissions.may_add_cc(gone)


def test_external_types_visitor_gets_every_active_offered_type(page, support, billing, signed_in):
    retired = TicketTypeFactory(name="Retired", active=False)
    page.offered_types.add(billing, retired)
    offered = list(page.offered_types.all())
    assert {t.pk for t in permissions.external_types(None, offered)} == {support.pk, billing.pk}
    assert permissions.external_types(signed_in, offered) == [support]


def test_only_an_active_account_may_add_cc(signed_in):
    assert permissions.may_add_cc(signed_in)
    assert not permissions.may_add_cc(AnonymousUser())
    assert not permissions.may_add_cc(None)


def test_visitors_never_choose_the_priority(support, signed_in):
    support.customer_can_choose_priority = True
    support.save()
    assert permissions.can_choose_priority(signed_in, support)
    assert not permissions.can_choose_priority(AnonymousUser(), support)
    assert not permissions.can_choose_priority(None, support)


def test_link_holder_replies_and_closes_an_open_ticket_only(support):
    ticket = make_ticket(None, support, requester_email="vera@example.org")
    assert permissions.link_holder_can_reply(ticket)
    assert permissions.link_holder_can_close(ticket)
    options = TicketSettings.load()
    options.customers_may_close = False
    options.save()
    assert permissions.link_holder_can_reply(ticket)
    assert not permissions.link_holder_can_close(ticket)
    options.customers_may_close = True
    options.save()
    ticket = close(ticket)
    assert not permissions.link_holder_can_reply(ticket)
    assert not permissions.link_holder_can_close(ticket)
    assert not permissions.link_holder_can_reply(None)
    assert not permissions.link_holder_can_close(None)


def test_link_holder_never_sees_internal_notes(support):
    agent = UserFactory()
    grant(agent, support, Level.MANAGE)
    agent = fresh(agent)
    ticket = make_ticket(None, support, requester_email="vera@example.org")
    actions.add_reply(ticket, actor=agent, body_html="<p>secret</p>", internal=True)
    actions.add_reply(ticket, actor=agent, body_html="<p>public</p>")
    shown = [m.body_text for m in permissions.link_holder_messages(ticket)]
    assert shown == ["Help!", "public"]
    assert list(permissions.link_holder_messages(None)) == []


def visitor_post(support_type, **changes):
    import time

    from wagtail_tickets.external.forms import sign_form

    return {
        "name": "Vera Visitor",
        "email": "vera@example.org",
        "type": str(support_type.pk),
        "subject": "The shop does not load",
        "body": "<p>It shows an error.</p>",
        "form_token": sign_form("new", "", now=time.time() - 60),
        "website": "",
        **changes,
    }


@pytest.mark.parametrize("which", ["not offered", "retired", "no such type", "not a number"])
def test_forged_post_of_a_type_the_visitor_may_not_use_is_a_form_error(
    client, page, support, which
):
    from django.core.cache import cache

    from wagtail_tickets.models import Ticket

    cache.clear()  # rate limits of the page
    forbidden = {
        "not offered": lambda: str(TicketTypeFactory(name="Internal").pk),
        "retired": lambda: str(_retired_offered(page).pk),
        "no such type": lambda: "999999",
        "not a number": lambda: "1 OR 1=1",
    }[which]()
    response = client.post("/tickets/external/", visitor_post(support, type=forbidden))
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert Ticket.objects.count() == 0


def _retired_offered(page):
    retired = TicketTypeFactory(name="Retired", active=False)
    page.offered_types.add(retired)
    return retired


def test_forged_cc_and_priority_of_a_visitor_are_ignored(client, page, support):
    from django.core.cache import cache

    from tests.factories import PriorityFactory
    from wagtail_tickets.models import Ticket

    cache.clear()
    support.customer_can_choose_priority = True
    support.save()
    urgent = PriorityFactory(name="Urgent")
    html = client.get("/tickets/external/").content.decode()
    assert 'name="priority"' not in html and "data-priority" not in html
    assert 'name="cc"' not in html
    data = visitor_post(support, cc="friend@example.org", priority=str(urgent.pk))
    assert client.post("/tickets/external/", data).status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.cc == "" and ticket.priority != urgent


def test_visitor_on_a_page_without_anonymous_mode_opens_nothing(client, page, support):
    from wagtail_tickets.models import Ticket

    page.allow_anonymous = False
    page.save()
    response = client.post("/tickets/external/", visitor_post(support))
    assert response.status_code == 302 and "/login" in response["Location"]
    page.allow_anonymous, page.enabled = True, False
    page.save()
    assert client.post("/tickets/external/", visitor_post(support)).status_code == 404
    assert Ticket.objects.count() == 0


def test_disabled_page_gives_mail_no_private_link(page, support):
    from wagtail_tickets import links

    ticket = make_ticket(None, support, requester_email="vera@example.org")
    assert links.external_link(ticket)
    page.enabled = False
    page.save()
    assert links.external_link(ticket) is None


# One home per rule: the places that used to decide these themselves ask permissions.py ---


def package_sources():
    from pathlib import Path

    import wagtail_tickets

    root = Path(wagtail_tickets.__file__).parent
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if not relative.startswith("migrations/"):
            yield relative, path.read_text(encoding="utf-8")


def test_the_external_page_asks_permissions_what_a_visitor_may_do():
    sources = dict(package_sources())
    for name in ("views/external.py", "external/forms.py"):
        text = sources[name]
        for decided_elsewhere in (
            "allow_anonymous",
            "is_authenticated",
            "page.enabled",
            "customers_may_close",
            "is_closed",
            "visible_messages(None",
        ):
            assert decided_elsewhere not in text, f"{name}: {decided_elsewhere}"


def test_no_module_but_permissions_derives_who_is_an_agent():
    # the level names may be shown (the group page's labels) and set (demo data) elsewhere
    allowed = {"permissions.py", "admin/permission_panel.py", "management/commands/tickets_demo.py"}
    offenders = [
        f"{name}: {needle}"
        for name, text in package_sources()
        if name not in allowed
        for needle in ("Level.MANAGE", "level__gte", "level__gt", "ticket_type_permissions__")
        if needle in text
    ]
    assert offenders == []
