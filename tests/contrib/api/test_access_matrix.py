"""The web's permission matrix (tests/test_permission_matrix.py) run through the API with
the tested user's own token: every level x whose ticket x type x action gives the same
answer as the web. The matrix is the web test's ``EXPECTED`` table, read from there, not
copied: a change of the policy that reaches one side only fails here.

A token reaches what its user reaches on the web. For every level up to "manage" that is
the customer area, so the API must give the table's answers: "manage" without Wagtail's
admin access included, since the admin refuses that user. The same user with the admin's
access is an agent of both types, and the API answers as the admin does (the inbox and
the workspace): those answers are asked from the admin in the same test (each inside a
transaction that is rolled back), and the API must give them.

The API offers every action of the matrix but "delete" (customers delete tickets only in
the customer area). A web "ok" (the action happened) is a 201 (a reply) or a 200 (close)
here with the same change in the database; "shown"/"hidden" is whether the ticket is in
the API's list; 200, 403 and 404 are the same codes, with nothing changed.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.factories import admin_access
from tests.test_permission_matrix import EXPECTED, LEVELS, build_world, give_level, state
from wagtail_tickets.models import Attachment, Ticket, TicketType

from .conftest import client_for

pytestmark = pytest.mark.django_db

API_VIEWS = ("list", "detail", "reply", "close", "attachment")
# everything but the close confirmation the web asks for
CASES = [
    pytest.param(level, owner, kind, view, id=f"{level}-{owner}-{kind}-{view}")
    for (level, owner, kind, view) in EXPECTED
    if view in API_VIEWS
]


def url(name: str, *args) -> str:
    return reverse(f"wagtail_tickets_api:{name}", args=args)


@pytest.fixture
def matrix():
    return build_world()


def listed(client) -> set[str]:
    """Subjects of every ticket of the user's list, all pages followed."""
    subjects, path = set(), url("tickets")
    while path:
        response = client.get(path)
        assert response.status_code == 200, response.content
        body = response.json()
        subjects |= {row["subject"] for row in body["results"]}
        path = body.get("next")
    return subjects


def answer(client, ticket: Ticket, view: str, expected: str) -> None:
    """Does ``view`` through the API and checks the web's ``expected`` answer."""
    before = state(ticket)
    if view == "list":
        assert (ticket.subject in listed(client)) is (expected == "shown")
        return
    if view == "detail":
        response = client.get(url("ticket", ticket.pk))
        assert response.status_code == int(expected), response.content
        if expected == "200":
            assert response.json()["subject"] == ticket.subject
        else:
            assert ticket.subject not in response.content.decode()
        return
    if view == "attachment":
        attachment = Attachment.objects.get(message__ticket=ticket)
        response = client.get(url("attachment", ticket.pk, attachment.pk))
        assert response.status_code == int(expected)
        if expected == "200":
            assert b"".join(response.streaming_content).startswith(b"content of ")
        return
    if view == "reply":
        response = client.post(url("messages", ticket.pk), {"body": "<p>api</p>"}, format="json")
        done, changed = 201, (False, before[1] + 1)
    else:
        response = client.post(url("close", ticket.pk))
        done, changed = 200, (True, before[1])
    after = state(ticket)
    if expected == "ok":
        assert response.status_code == done, response.content
        assert after == changed
    else:
        assert response.status_code == int(expected), response.content
        assert after == before
        if expected == "404":
            assert ticket.subject not in response.content.decode()


class FormFields(HTMLParser):
    """The fields of the form that holds ``body`` (the workspace's one form), as a browser
    would send them untouched: text values, checked boxes, selected options."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({})
            return
        if not self.forms or not attrs.get("name"):
            if tag == "option" and self.select and "selected" in attrs:
                self.forms[-1][self.select] = attrs.get("value", "")
            return
        fields, name = self.forms[-1], attrs["name"]
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    fields[name] = attrs.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                fields[name] = attrs.get("value", "")
        elif tag == "textarea":
            fields[name] = ""
        elif tag == "select":
            self.select = name
            fields.setdefault(name, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def workspace_reply(client, ticket: Ticket):
    """Sends a reply from the workspace as the agent's browser would."""
    page = client.get(reverse("wagtail_tickets_inbox:edit", args=[ticket.pk]))
    if page.status_code != 200:
        return page
    parser = FormFields()
    parser.feed(page.content.decode())
    fields = next(form for form in parser.forms if "body" in form)
    fields.update(body="<p>web</p>", action="send")
    return client.post(reverse("wagtail_tickets_inbox:edit", args=[ticket.pk]), fields)


def admin_answer(user, ticket: Ticket, view: str) -> str:
    """What the admin (inbox and workspace) answers the agent ``user``, in the matrix's
    words; any change is rolled back."""
    client = Client()
    client.force_login(user)
    with transaction.atomic():
        before = state(ticket)
        if view == "list":
            page = client.get(reverse("wagtail_tickets_inbox:index_results"))
            assert page.status_code == 200
            link = reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])
            result = "shown" if f'href="{link}"' in page.content.decode() else "hidden"
        elif view == "detail":
            result = str(
                client.get(reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])).status_code
            )
        elif view == "attachment":
            attachment = Attachment.objects.get(message__ticket=ticket)
            path = reverse("wagtail_tickets_inbox:attachment", args=[attachment.pk])
            result = str(client.get(path).status_code)
        else:
            if view == "reply":
                response = workspace_reply(client, ticket)
            else:
                response = client.post(reverse("wagtail_tickets_inbox:close", args=[ticket.pk]))
            changed = state(ticket) != before
            result = "ok" if response.status_code == 302 and changed else str(response.status_code)
        transaction.set_rollback(True)
    return result


@pytest.mark.parametrize("level, owner, kind, view", CASES)
def test_api_gives_the_web_answers(matrix, level, owner, kind, view):
    """The table's answers, "manage" included: without Wagtail's admin access the web
    shows that user only the customer area, and so does the API."""
    user, tickets = give_level(matrix, level)
    answer(client_for(user), tickets[(owner, kind)], view, EXPECTED[(level, owner, kind, view)])


AGENT_CASES = [
    pytest.param(owner, kind, view, id=f"agent-{owner}-{kind}-{view}")
    for (level, owner, kind, view) in EXPECTED
    if level == "manage" and view in API_VIEWS
]


@pytest.mark.parametrize("owner, kind, view", AGENT_CASES)
def test_agent_gets_the_admin_answers(matrix, owner, kind, view):
    """The same user with the admin's access is an agent of both types: the API answers
    what the inbox and the workspace answer, which reach every ticket of those types."""
    user, tickets = give_level(matrix, "manage")
    admin_access(user)
    ticket = tickets[(owner, kind)]
    expected = admin_answer(user, ticket, view)
    assert expected in ("shown", "200", "ok"), (view, expected)
    answer(client_for(user), ticket, view, expected)


SIGNED_IN_CASES = [case for case in CASES if case.values[0] in ("read", "create", "write")]


@pytest.mark.parametrize("level, owner, kind, view", SIGNED_IN_CASES)
def test_signed_in_level_gives_the_web_answers(matrix, level, owner, kind, view):
    """A type's level for every signed-in user: the same answers through the API, with the
    tested user in no group."""
    types, user, tickets = matrix
    TicketType.objects.filter(pk__in=[t.pk for t in types.values()]).update(
        signed_in_level=LEVELS[level]
    )
    assert not user.groups.exists()
    answer(client_for(user), tickets[(owner, kind)], view, EXPECTED[(level, owner, kind, view)])


def test_cases_cover_the_web_matrix():
    """Every cell of the web's table but "delete" is asked through the API."""
    asked = {tuple(case.values) for case in CASES}
    assert asked == {cell for cell in EXPECTED if cell[3] != "delete"}
    assert len(asked) == len(LEVELS) * 3 * 2 * len(API_VIEWS)
