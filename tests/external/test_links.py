"""Links to the external page in mail: the confirmation mail carries the private link shown
on the confirmation page; later mail carries links that work too."""

from __future__ import annotations

import re

import pytest

from tests.factories import UserFactory, external_page, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.external.token import ticket_for_token
from wagtail_tickets.links import external_link, private_url
from wagtail_tickets.models import Ticket

URL = "/tickets/external/"
LINK = re.compile(r"https?://[^\s\"<>]+/tickets/external/t/([A-Za-z0-9_-]{43})/")


def text_to(smtp_server, address) -> list[str]:
    return [m.get_body(preferencelist=("plain",)).get_content() for m in smtp_server.to(address)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_confirmation_mail_carries_the_link_of_the_confirmation_page(
    client, page, visitor_data, smtp_server, settings
):
    """A real commit (as in production) and a real SMTP server: the confirmation mail is
    built after the commit of the request that opened the ticket."""
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "BASE_URL": "https://help.example"}
    response = client.post(URL, visitor_data)
    assert response.status_code == 302
    token = response["Location"].split("/t/")[1].split("/")[0]
    [confirmation] = text_to(smtp_server, "vera@example.org")
    assert f"https://help.example/tickets/external/t/{token}/" in confirmation

    # the agent's answer brings a link that opens the same ticket
    ticket = Ticket.objects.get()
    agent = UserFactory(is_superuser=True)
    smtp_server.received.clear()
    actions.add_reply(ticket, actor=agent, body_html="<p>We are on it.</p>")
    [answer] = text_to(smtp_server, "vera@example.org")
    assert "We are on it." in answer
    found = LINK.search(answer)
    assert found, answer
    assert ticket_for_token(found.group(1)) == ticket


@pytest.mark.django_db
def test_no_external_link_for_account_tickets_or_a_disabled_page(support_type):
    external_page(offered=[support_type])
    assert external_link(make_ticket(UserFactory(), support_type)) is None
    visitor_ticket = make_ticket(None, support_type, requester_email="v@example.org")
    assert external_link(visitor_ticket)
    external_page(enabled=False)
    assert external_link(visitor_ticket) is None


@pytest.mark.django_db
def test_every_issued_link_stays_valid(support_type, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "BASE_URL": "https://help.example"}
    external_page(offered=[support_type])
    ticket = make_ticket(None, support_type, requester_email="v@example.org")
    first, second = external_link(ticket), external_link(ticket)
    assert first != second
    for link in (first, second):
        token = LINK.search(link).group(1)
        assert ticket_for_token(token) == ticket


@pytest.mark.django_db
def test_alternative_url_gets_the_token_in_the_fragment():
    page = external_page(alternative_url="https://www.shop.example/help/?lang=en#top")
    token = "T" * 43
    assert private_url(token, page) == f"https://www.shop.example/help/?lang=en#ticket={token}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_mail_built_later_by_a_worker_carries_the_link_of_the_confirmation_page(
    client, page, visitor_data, smtp_server, settings, monkeypatch
):
    """With a real task queue the mail is built by another process, long after the request:
    the link shown on the confirmation page is fixed with the event, so the mail has it."""
    from django_q.conf import Conf

    from wagtail_tickets import tasks
    from wagtail_tickets.models import PendingNotification

    monkeypatch.setattr(Conf, "SYNC", False)  # tasks wait in the broker, as in production
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "BASE_URL": "https://help.example"}
    response = client.post(URL, visitor_data)
    assert response.status_code == 302
    token = response["Location"].split("/t/")[1].split("/")[0]
    assert smtp_server.to("vera@example.org") == []
    [pending] = PendingNotification.objects.filter(kind="opened")
    assert pending.link.endswith(f"/t/{token}/")

    assert tasks.build_notification(pending.pk) >= 1  # the worker's turn
    [confirmation] = text_to(smtp_server, "vera@example.org")
    assert f"https://help.example/tickets/external/t/{token}/" in confirmation
    pending.refresh_from_db()
    assert pending.link == ""  # the private link lives on only in the mail
