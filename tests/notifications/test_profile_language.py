"""Customers choose the language of their ticket mail on the profile page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import make_ticket
from wagtail_tickets import actions
from wagtail_tickets.models import OutgoingMail, TicketProfile

pytestmark = pytest.mark.django_db


def test_chosen_language_is_used_for_the_customers_mail(client, world, committed):
    client.force_login(world.carla)
    url = reverse("wagtail_tickets:profile")
    assert 'value="it"' in client.get(url).content.decode()
    response = client.post(url, {"display_name": "Carla C.", "language": "it"})
    assert response.status_code == 302
    assert TicketProfile.objects.get(user=world.carla).language == "it"
    ticket = make_ticket(world.carla, world.support)
    with committed():
        actions.add_reply(ticket, actor=world.anna, body_html="<p>Fatto.</p>")
    mail = OutgoingMail.objects.get(ticket=ticket, kind="default_reply")
    assert mail.language == "it" and "Risponda a questa email" in mail.body_text


def test_unknown_language_is_a_form_error_and_changes_nothing(client, world):
    TicketProfile.objects.create(user=world.carla, display_name="Carla", language="de")
    client.force_login(world.carla)
    response = client.post(
        reverse("wagtail_tickets:profile"), {"display_name": "Other", "language": "xx\r\n"}
    )
    assert response.status_code == 200
    assert "language" in response.context["form"].errors
    profile = TicketProfile.objects.get(user=world.carla)
    assert (profile.display_name, profile.language) == ("Carla", "de")
    with pytest.raises(ValidationError):
        actions.set_mail_language(world.carla, "klingon")
