"""A private link of a merged ticket opens the ticket it was merged into (same address,
no account), and the merged ticket's link does not open another visitor's ticket."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import UserFactory, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.external import token as tokens

pytestmark = pytest.mark.django_db


def visitor_ticket(support_type, subject, email="vera@example.org"):
    ticket = make_ticket(
        None,
        support_type,
        subject=subject,
        body=f"<p>{subject} body</p>",
        requester_name="Vera Visitor",
        requester_email=email,
    )
    return ticket, tokens.issue_token(ticket)


def test_the_merged_tickets_link_opens_the_target(client, page, support_type):
    agent = UserFactory(username="agent", is_superuser=True)
    target, _target_token = visitor_ticket(support_type, "Shop down")
    source, token = visitor_ticket(support_type, "Shop still down")
    other, other_token = visitor_ticket(support_type, "Other visitor", email="olga@example.org")
    actions.merge_tickets([source], target, actor=agent)
    page_html = client.get(reverse("wagtail_tickets:external_ticket", args=[token]))
    assert page_html.status_code == 200
    html = page_html.content.decode()
    assert f"#{target.number}" in html
    assert "Shop down body" in html and "Shop still down body" in html
    assert "Other visitor" not in html
    with pytest.raises(ValidationError):
        actions.merge_tickets([other], target, actor=agent)
    other_page = client.get(reverse("wagtail_tickets:external_ticket", args=[other_token]))
    assert other_page.status_code == 200 and "Shop down body" not in other_page.content.decode()
