"""Fixtures of the admin tests."""

from __future__ import annotations

import pytest

from tests.factories import TicketTypeFactory, make_admin_agent, make_customer


@pytest.fixture
def hardware_team(db) -> dict:
    """Hardware and Billing; carla writes tickets of both; Ann Agent and Bob Builder are
    Hardware's agents, so Billing is the type they do not see."""
    hardware = TicketTypeFactory(name="Hardware")
    billing = TicketTypeFactory(name="Billing")
    return {
        "hardware": hardware,
        "billing": billing,
        "customer": make_customer(hardware, billing, username="carla"),
        "ann": make_admin_agent(hardware, username="ann", first_name="Ann", last_name="Agent"),
        "bob": make_admin_agent(hardware, username="bob", first_name="Bob", last_name="Builder"),
    }
