"""The ticket page leads back to the list it was opened from (own, company or shared
tickets, with its filter and page), through a ``list`` parameter that is checked: only
My Tickets' own URL with a known scope, filter and page, never an address from outside."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.factories import TicketTypeFactory, grant, make_customer, make_ticket
from tests.views.conftest import url
from wagtail_tickets.models import TicketType
from wagtail_tickets.models import TypePermission as TP

pytestmark = pytest.mark.django_db


def back_href(html: str) -> str:
    return unescape(re.search(r'<a href="([^"]*)" data-wt-back>', html).group(1))


def test_a_company_ticket_leads_back_to_the_company_list_with_its_filter_and_page(
    settings, login, customer, colleague, support
):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "PAGE_SIZE": 2}
    tickets = [make_ticket(colleague, support, subject=f"Colleague {i}") for i in range(3)]
    client = login(customer)
    listing = client.get(url("my_tickets"), {"scope": "company", "state": "with_us", "page": "2"})
    html = listing.content.decode()
    link = f"{url('detail', tickets[0].number)}?list=scope%3Dcompany%26state%3Dwith_us%26page%3D2"
    assert f'href="{link}"' in html
    page = client.get(link).content.decode()
    assert back_href(page) == f"{url('my_tickets')}?scope=company&state=with_us&page=2"
    assert "data-wt-back>Company tickets</a>" in page


def test_own_tickets_lead_back_to_my_tickets(login, customer, support):
    ticket = make_ticket(customer, support)
    client = login(customer)
    html = client.get(url("my_tickets")).content.decode()
    assert f'href="{url("detail", ticket.number)}"' in html  # nothing to carry
    page = client.get(url("detail", ticket.number)).content.decode()
    assert back_href(page) == url("my_tickets")
    assert "data-wt-back>My Tickets</a>" in page


def test_shared_list_is_remembered(login, customer, stranger):
    forum = TicketTypeFactory(name="Forum", visibility=TicketType.Visibility.ALL)
    grant(customer, forum, TP.Level.WRITE, group_name="Forum users")
    grant(stranger, forum, TP.Level.WRITE, group_name="Forum users")
    ticket = make_ticket(stranger, forum)
    page = login(customer).get(url("detail", ticket.number), {"list": "scope=shared"})
    assert back_href(page.content.decode()) == f"{url('my_tickets')}?scope=shared"


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.example/",
        "//evil.example/path",
        "javascript:alert(1)",
        "scope=company&next=https://evil.example",
        "scope=nobody",
        "state=<script>",
        "page=-1",
        "page=99999999999",
        "page=١٢",  # digits, but not ASCII ones
        "scope=mine&" + "x" * 500,
        "\x00",
    ],
)
def test_a_hostile_list_parameter_leads_back_to_my_tickets(login, customer, support, hostile):
    ticket = make_ticket(customer, support)
    response = login(customer).get(url("detail", ticket.number), {"list": hostile})
    assert response.status_code == 200
    href = back_href(response.content.decode())
    assert href.startswith(url("my_tickets"))
    assert "evil" not in href and "javascript" not in href and "<" not in href


def test_a_company_list_the_user_does_not_have_is_not_named(login, support):
    loner = make_customer(support, username="loner")  # no customer record: no company list
    ticket = make_ticket(loner, support)
    page = login(loner).get(url("detail", ticket.number), {"list": "scope=company"})
    html = page.content.decode()
    assert back_href(html) == url("my_tickets")
    assert "data-wt-back>My Tickets</a>" in html


def test_replying_keeps_the_way_back(login, customer, colleague, support):
    ticket = make_ticket(colleague, support)
    response = login(customer).post(
        url("reply", ticket.number), {"body": "<p>Me too</p>", "list": "scope=company"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url('detail', ticket.number)}?list=scope%3Dcompany"
