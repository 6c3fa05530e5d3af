"""Administrators choose what each status means to customers: the status form has
"waiting for the customer", and the statuses list shows the phrase customers read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from wagtail_tickets.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def test_the_status_form_sets_waiting_for_the_customer(admin_client):
    response = admin_client.get(reverse("wagtail_tickets_statuses:add"))
    assert 'name="waits_for_customer"' in response.content.decode()
    response = admin_client.post(
        reverse("wagtail_tickets_statuses:add"),
        {
            "name": "Need your input",
            "waits_for_customer": "on",
            "colour": "#b54708",
            "sort_order": 9,
        },
    )
    assert response.status_code == 302
    status = Status.objects.get(name="Need your input")
    assert status.waits_for_customer and not status.is_closed
    assert status.customer_label == "Waiting for your answer"


def test_the_statuses_list_shows_what_customers_read(admin_client):
    html = admin_client.get(reverse("wagtail_tickets_statuses:index")).content.decode()
    assert "Customers see" in html
    # the seeded workflow: "Answer" waits for the customer, "Closed" is closed
    assert "Waiting for your answer" in html and "With us" in html
