"""A small helpdesk for the notification tests: one type with an "email to" list, a
customer with a company and a colleague, an agent of the type and an agent of another."""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from tests.factories import CompanyFactory, TicketTypeFactory, UserFactory, grant
from wagtail_tickets.models import OutgoingMail, TypePermission

Level = TypePermission.Level


@pytest.fixture
def world(db):
    support = TicketTypeFactory(
        name="Support", email_to="team-list@example.com\nanna@example.com\nolga@example.com"
    )
    billing = TicketTypeFactory(name="Billing")
    carla = UserFactory(
        username="carla", first_name="Carla", last_name="Customer", email="carla@example.com"
    )
    colin = UserFactory(
        username="colin", first_name="Colin", last_name="Colleague", email="colin@example.com"
    )
    for user in (carla, colin):
        grant(user, support, Level.WRITE, "Customers")
    company = CompanyFactory(name="ACME Ltd", email="office@acme.example")
    company.users.add(carla, colin)
    anna = UserFactory(
        username="anna", first_name="Anna", last_name="Agent", email="anna@example.com"
    )
    grant(anna, support, Level.MANAGE, "Support team")
    # Olga is on the "email to" list but manages only billing: she must never be mailed.
    olga = UserFactory(
        username="olga", first_name="Olga", last_name="Other", email="olga@example.com"
    )
    grant(olga, billing, Level.MANAGE, "Billing team")
    return SimpleNamespace(
        support=support,
        billing=billing,
        carla=carla,
        colin=colin,
        company=company,
        anna=anna,
        olga=olga,
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run actions as a request would: the mail tasks their commit queues run afterwards
    (django-q2 runs synchronously in the test settings)."""

    @contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return run


def outbox_states() -> dict[str, int]:
    states: dict[str, int] = {}
    for state in OutgoingMail.objects.values_list("state", flat=True):
        states[state] = states.get(state, 0) + 1
    return states
