"""The one rule of which messages a customer may see or be mailed
(``permissions.is_visible_to_customer``, ``permissions.customer_visible_messages``): never an
internal note, for a ticket or any queryset of messages, in the same number of queries."""

from __future__ import annotations

import pytest

from tests.factories import TicketTypeFactory, UserFactory, grant, make_ticket
from wagtail_tickets import actions, permissions
from wagtail_tickets.models import Message, TypePermission

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation():
    support = TicketTypeFactory(name="Support")
    customer, agent = UserFactory(), UserFactory()
    grant(customer, support, TypePermission.Level.WRITE, "Customers")
    grant(agent, support, TypePermission.Level.MANAGE, "Agents")
    ticket = make_ticket(customer, support)
    answer = actions.add_reply(ticket, actor=agent, body_html="<p>Answer</p>")
    note = actions.add_reply(ticket, actor=agent, body_html="<p>Note</p>", internal=True)
    return ticket, customer, agent, answer, note


def test_internal_notes_are_never_visible_to_customers(conversation):
    ticket, customer, agent, answer, note = conversation
    assert permissions.is_visible_to_customer(answer)
    assert not permissions.is_visible_to_customer(note)
    assert not permissions.is_visible_to_customer(None)
    first = ticket.messages.order_by("pk").first()
    shown = [first.pk, answer.pk]
    assert (
        sorted(permissions.customer_visible_messages(ticket).values_list("pk", flat=True)) == shown
    )
    every = Message.objects.all()
    assert (
        sorted(permissions.customer_visible_messages(every).values_list("pk", flat=True)) == shown
    )
    assert sorted(m.pk for m in permissions.visible_messages(customer, ticket)) == shown
    assert note in permissions.visible_messages(agent, ticket)
    assert all(
        permissions.is_visible_to_customer(m)
        == (m in permissions.customer_visible_messages(ticket))
        for m in ticket.messages.all()
    )


def test_the_filter_is_one_query(conversation, django_assert_num_queries):
    ticket = conversation[0]
    with django_assert_num_queries(1):
        assert len(list(permissions.customer_visible_messages(ticket))) == 2
