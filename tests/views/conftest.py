"""Fixtures of the customer-area tests: a type, a customer who writes tickets of it, a
colleague sharing the customer's company record, a stranger, and an agent."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import CompanyFactory, TicketTypeFactory, make_agent, make_customer


def url(name: str, *args) -> str:
    return reverse(f"wagtail_tickets:{name}", args=args)


@pytest.fixture
def support(db):
    return TicketTypeFactory(name="Support")


@pytest.fixture
def acme(db):
    return CompanyFactory(name="Acme")


@pytest.fixture
def customer(support, acme):
    return make_customer(
        support, company=acme, username="carla", first_name="Carla", last_name="Customer"
    )


@pytest.fixture
def colleague(support, acme):
    return make_customer(
        support, company=acme, username="colin", first_name="Colin", last_name="Colleague"
    )


@pytest.fixture
def stranger(support):
    return make_customer(support, company=CompanyFactory(name="Other Inc"), username="stan")


@pytest.fixture
def agent(support):
    return make_agent(support, username="agnes", first_name="Agnes", last_name="Agent")


@pytest.fixture
def login():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
