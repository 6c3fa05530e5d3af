import pytest

from tests.factories import CompanyFactory, TicketTypeFactory, UserFactory, grant, make_ticket
from wagtail_tickets import permissions
from wagtail_tickets.models import TicketLogEntry, TypePermission

pytestmark = pytest.mark.django_db


def test_colleague_sees_company_ticket_but_stranger_does_not():
    support = TicketTypeFactory(name="Support")
    alice, bob, eve = UserFactory(), UserFactory(), UserFactory()
    for user in (alice, bob, eve):
        grant(user, support, TypePermission.Level.WRITE, group_name="Customers")
    CompanyFactory().users.add(alice, bob)
    CompanyFactory().users.add(eve)
    ticket = make_ticket(alice, support)
    assert list(permissions.customer_tickets(bob)) == [ticket]
    assert list(permissions.customer_tickets(eve)) == []
    assert TicketLogEntry.objects.filter(ticket=ticket, action="wagtail_tickets.opened").exists()
