"""The agents' side of the help centre: "Insert help article" in the workspace, an answer
turned into a draft article, the article link for replies, and the report."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import TicketTypeFactory, UserFactory, admin_access, make_agent, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.contrib.helpcentre import feedback
from wagtail_tickets.contrib.helpcentre.models import HelpArticlePage
from wagtail_tickets.links import workspace_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(help_world):
    support = TicketTypeFactory(name="Support")
    other = TicketTypeFactory(name="Other")
    agent = make_agent(support, username="anna", is_superuser=False)
    customer = UserFactory(username="carla")
    ticket = make_ticket(customer, support, subject="Where is my invoice?")
    answer = actions.add_reply(
        ticket,
        actor=agent,
        body_html="<p>Open <strong>Billing</strong> and press Download.</p>",
    )
    stranger = make_ticket(customer, other, subject="Not yours")
    return {**help_world, "agent": agent, "ticket": ticket, "answer": answer, "other": stranger}


def test_the_workspace_offers_the_article_tools(client, desk):
    client.force_login(desk["agent"])
    html = client.get(workspace_url(desk["ticket"].pk)).content.decode()
    assert "data-wt-help-insert" in html
    assert "Insert help article" in html
    from_answer = reverse(
        "wagtail_tickets_helpcentre_admin:article_from_message", args=[desk["answer"].pk]
    )
    assert from_answer in html
    first = desk["ticket"].messages.order_by("pk").first()
    # the customer's own message is not an answer
    assert (
        reverse("wagtail_tickets_helpcentre_admin:article_from_message", args=[first.pk])
        not in html
    )


def test_an_answer_becomes_a_draft_article(client, desk):
    client.force_login(desk["agent"])
    from wagtail.models import GroupPagePermission

    group = desk["agent"].groups.first()
    GroupPagePermission.objects.create(group=group, page=desk["centre"], permission_type="add")
    url = reverse("wagtail_tickets_helpcentre_admin:article_from_message", args=[desk["answer"].pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "Where is my invoice?" in response.content.decode()
    response = client.post(url, {"title": "Find your invoice", "parent": desk["billing"].pk})
    article = HelpArticlePage.objects.get(title="Find your invoice")
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[article.pk])
    assert not article.live
    assert article.get_parent().pk == desk["billing"].pk
    assert "press Download" in str(article.body[0].value)
    assert article.latest_revision is not None


def test_a_parent_the_agent_may_not_add_to_is_refused(client, desk):
    client.force_login(desk["agent"])
    url = reverse("wagtail_tickets_helpcentre_admin:article_from_message", args=[desk["answer"].pk])
    response = client.post(url, {"title": "Nope", "parent": desk["billing"].pk})
    assert response.status_code == 200  # the form's error: no such choice
    assert not HelpArticlePage.objects.filter(title="Nope").exists()
    assert "There is no help centre" in response.content.decode()


@pytest.mark.parametrize("message_id", ["0", "abc", "99999999999999999999999", "-1"])
def test_no_such_message_is_404(client, desk, message_id):
    client.force_login(desk["agent"])
    url = reverse("wagtail_tickets_helpcentre_admin:article_from_message", args=[message_id])
    assert client.get(url).status_code == 404


def test_a_message_of_a_ticket_the_agent_does_not_handle_is_404(client, desk):
    client.force_login(desk["agent"])
    message = desk["other"].messages.get()
    url = reverse("wagtail_tickets_helpcentre_admin:article_from_message", args=[message.pk])
    assert client.get(url).status_code == 404


def test_the_article_link_gives_the_full_address_of_live_articles_to_agents(client, desk):
    url = reverse("wagtail_tickets_helpcentre_admin:article_link", args=[desk["invoice"].pk])
    nobody = admin_access(UserFactory(username="nobody"))
    client.force_login(nobody)
    refused = client.get(url)  # Wagtail's admin turns PermissionDenied into a redirect
    assert (refused.status_code, refused["Location"]) == (302, reverse("wagtailadmin_home"))
    client.force_login(desk["agent"])
    data = client.get(url).json()
    assert data == {"title": "Download an invoice", "url": desk["invoice"].full_url}
    desk["refund"].unpublish()
    gone = reverse("wagtail_tickets_helpcentre_admin:article_link", args=[desk["refund"].pk])
    assert client.get(gone).status_code == 404
    category = reverse("wagtail_tickets_helpcentre_admin:article_link", args=[desk["billing"].pk])
    assert client.get(category).status_code == 404


def test_the_report_shows_tickets_not_opened(client, desk, django_assert_max_num_queries):
    for _ in range(3):
        feedback.record(desk["invoice"].pk, "external", "deflected")
    feedback.record(desk["refund"].pk, "customer", "deflected")
    feedback.record(desk["refund"].pk, "article", "helpful")
    feedback.record(desk["refund"].pk, "article", "not_helpful")
    client.force_login(desk["agent"])
    url = reverse("wagtail_tickets_helpcentre_admin:report")
    with django_assert_max_num_queries(40):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-wt-help-deflected>4<" in html
    assert "Download an invoice" in html and "Ask for a refund" in html
    # 4 not opened, 2 opened (the desk's tickets): 67 %
    assert "67 %" in html
    assert client.get(url, {"period": "custom", "start": "x", "end": "y"}).status_code == 200


def test_the_report_is_for_agents_only(client, desk):
    client.force_login(admin_access(UserFactory(username="editor")))
    refused = client.get(reverse("wagtail_tickets_helpcentre_admin:report"))
    assert (refused.status_code, refused["Location"]) == (302, reverse("wagtailadmin_home"))
