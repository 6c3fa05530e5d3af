"""Policy matching: the first active policy in order whose every set condition holds."""

from __future__ import annotations

import pytest

from tests.factories import CompanyFactory, PriorityFactory, TicketTypeFactory
from wagtail_tickets.models import CustomerTier, SlaPolicy
from wagtail_tickets.sla import calendars, hours, policies
from wagtail_tickets.sla.policies import Facts, first_match

pytestmark = pytest.mark.django_db


def policy(name: str, order: int, **conditions) -> SlaPolicy:
    return SlaPolicy.objects.create(
        name=name, sort_order=order, first_response_minutes=60, **conditions
    )


def test_first_ordered_match_wins():
    hardware = TicketTypeFactory(name="Hardware")
    urgent = PriorityFactory(name="Urgent")
    policy("Everything", 3)
    policy("Hardware", 2, ticket_type=hardware)
    policy("Urgent hardware", 1, ticket_type=hardware, priority=urgent)
    assert first_match(Facts(hardware.pk, urgent.pk, None)).name == "Urgent hardware"
    assert first_match(Facts(hardware.pk, None, None)).name == "Hardware"
    assert first_match(Facts(hardware.pk + 100, urgent.pk, None)).name == "Everything"


def test_order_is_what_the_administrator_set_not_the_creation_order():
    policy("Created first", 2)
    policy("Created second", 1)
    assert first_match(Facts(None, None, None)).name == "Created second"


def test_inactive_policies_never_match():
    policy("Off", 1, active=False)
    assert first_match(Facts(None, None, None)) is None


def test_customer_record_and_tier_conditions():
    acme, globex, other = (CompanyFactory(name=n) for n in ("Acme", "Globex", "Other"))
    tier = CustomerTier.objects.create(name="Premium")
    tier.customers.add(globex)
    policy("Acme only", 1, customer=acme)
    policy("Premium tier", 2, customer_tier=tier)
    assert first_match(Facts(None, None, acme.pk)).name == "Acme only"
    assert first_match(Facts(None, None, globex.pk)).name == "Premium tier"
    assert first_match(Facts(None, None, other.pk)) is None
    assert first_match(Facts(None, None, None)) is None


def test_matching_costs_at_most_two_queries(django_assert_max_num_queries):
    tier = CustomerTier.objects.create(name="Premium")
    for order in range(20):
        policy(f"P{order}", order, customer_tier=tier)
    with django_assert_max_num_queries(2):
        first_match(Facts(None, None, 1))


def test_first_response_minutes_for_the_customer_text():
    hardware = TicketTypeFactory(name="Hardware")
    policy("Hardware", 1, ticket_type=hardware)
    assert policies.first_response_minutes(hardware) == 60
    assert policies.first_response_minutes(TicketTypeFactory(name="Other")) is None


def test_default_calendar_is_the_shipped_24_7():
    spec = calendars.spec_for(None)
    assert spec.time_zone == "UTC"
    assert all(day == (hours.FULL_DAY,) for day in spec.week)
