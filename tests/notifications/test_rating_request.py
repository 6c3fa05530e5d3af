"""The rating request: an agent closing a ticket of a type that asks for ratings, or the
auto-close, mails its customers Good / Okay / Bad links through the outbox after commit; a
customer closing their own ticket, a type that does not ask and a rated ticket get none."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.urls import resolve

from tests.factories import make_ticket
from wagtail_tickets import actions
from wagtail_tickets.models import OutgoingMail, Rating, Status
from wagtail_tickets.notifications import tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(world, committed):
    world.support.asks_for_rating = True
    world.support.save(update_fields=["asks_for_rating"])
    with committed():
        opened = make_ticket(world.carla, world.support, subject="Printer on fire")
        actions.add_reply(opened, actor=world.anna, body_html="<p>Fixed.</p>")
    return opened


def rating_requests():
    return list(OutgoingMail.objects.filter(kind="rating_request"))


def test_an_agent_closing_sends_the_rating_request_after_commit(
    world, ticket, committed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.close_ticket(ticket, actor=world.anna)
    assert rating_requests() == []  # nothing is built before the commit
    for callback in callbacks:
        callback()
    [mail] = rating_requests()
    assert mail.to.endswith("carla@example.com>") or mail.to == "carla@example.com"
    assert mail.subject == f"[ts #{ticket.number}] How did we do? Printer on fire"
    assert mail.headers["Auto-Submitted"] == "auto-generated"
    found = dict(re.findall(r"(Good|Okay|Bad): (\S+)", mail.body_text))
    assert set(found) == {"Good", "Okay", "Bad"}
    for label, url in found.items():
        match = resolve(urlsplit(url).path)
        assert match.url_name == "rate"
        assert match.kwargs["score"] == label.lower()
        assert tokens.read_rating_token(match.kwargs["token"], 14) == ticket.pk
    assert found["Good"] in mail.body_html  # a link in the HTML part too
    assert not Rating.objects.exists()  # a mail rates nothing


def test_the_auto_close_sends_it_too(world, ticket, committed):
    with committed():
        actions.close_ticket(ticket, actor=None)  # what autoclose.close_stale_tickets calls
    assert len(rating_requests()) == 1


def test_a_status_change_to_closed_sends_it(world, ticket, committed):
    closed = Status.objects.filter(is_closed=True).first()
    with committed():
        actions.change_ticket(ticket, actor=world.anna, status=closed)
    assert len(rating_requests()) == 1
    other_closed = Status.objects.create(name="Resolved elsewhere", is_closed=True)
    with committed():
        actions.change_ticket(ticket, actor=world.anna, status=other_closed)
    assert len(rating_requests()) == 1  # closed to closed is not a new closing


def test_the_customer_closing_their_own_ticket_gets_none(world, ticket, committed):
    with committed():
        actions.close_ticket(ticket, actor=world.carla)
    assert rating_requests() == []


def test_a_type_that_does_not_ask_sends_none(world, ticket, committed):
    world.support.asks_for_rating = False
    world.support.save(update_fields=["asks_for_rating"])
    with committed():
        actions.close_ticket(ticket, actor=world.anna)
    assert rating_requests() == []
    assert OutgoingMail.objects.filter(kind="status_changed").count() == 1


def test_a_rated_ticket_is_not_asked_again(world, ticket, committed):
    with committed():
        actions.close_ticket(ticket, actor=world.anna)
    actions.rate_ticket(ticket, score="good", via="mail_link")
    with committed():
        actions.reopen_ticket(ticket, actor=world.anna)
        actions.close_ticket(ticket, actor=world.anna)
    assert len(rating_requests()) == 1


def test_ratings_off_sends_none(world, ticket, committed, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "RATING_DAYS": 0}
    with committed():
        actions.close_ticket(ticket, actor=world.anna)
    assert rating_requests() == []
