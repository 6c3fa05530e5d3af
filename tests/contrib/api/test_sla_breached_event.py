"""The ``ticket.sla_breached`` webhook event: sent once per target's run, when the
escalation scan finds the breach, with the target and its due time."""

from __future__ import annotations

import datetime
import json

import pytest

from tests.factories import TicketTypeFactory, UserFactory, grant, make_ticket
from wagtail_tickets.contrib.api.models import WebhookDelivery, WebhookEvent
from wagtail_tickets.models import SlaPolicy, TypePermission
from wagtail_tickets.sla import escalation

from .conftest import endpoint_for

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


def test_a_breach_is_one_event_with_its_target_and_due_time(
    django_capture_on_commit_callbacks,
):
    support = TicketTypeFactory(name="Support")
    carla = UserFactory(username="carla", email="carla@example.com")
    grant(carla, support, TypePermission.Level.WRITE, "Customers")
    SlaPolicy.objects.create(name="Support", ticket_type=support, first_response_minutes=60)
    endpoint_for("https://crm.example.com/hook", events=[WebhookEvent.SLA_BREACHED])
    ticket = make_ticket(carla, support)
    ticket.refresh_from_db()
    due = ticket.sla_first_response_due_at

    with django_capture_on_commit_callbacks(execute=True):
        escalation.escalate_due(now=due - 5 * MINUTE)  # the warning: no event
        assert not WebhookDelivery.objects.exists()
        escalation.escalate_due(now=due + MINUTE)  # the breach
        escalation.escalate_due(now=due + 10 * MINUTE)  # nothing new

    [delivery] = WebhookDelivery.objects.all()
    assert delivery.event == "ticket.sla_breached"
    body = json.loads(delivery.payload)
    assert body["ticket"]["number"] == ticket.number
    assert body["sla"]["target"] == "first_response"
    assert datetime.datetime.fromisoformat(body["sla"]["due_at"]) == due
