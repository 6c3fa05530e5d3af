"""The inbox's rows: the subject as the link to the ticket with a line of its newest
message, the "new for me" marker and filter, the page's constant number of queries with
both, and the spreadsheet export in the agent's language."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.users.models import UserProfile

from tests.factories import make_ticket
from wagtail_tickets import actions
from wagtail_tickets.admin.inbox_columns import PREVIEW_LENGTH
from wagtail_tickets.models import Ticket, TicketVisit

pytestmark = pytest.mark.django_db

INBOX = "wagtail_tickets_inbox:index"
RESULTS = "wagtail_tickets_inbox:index_results"
SECOND = datetime.timedelta(seconds=1)


def row_of(html: str, subject: str) -> tuple[str, str]:
    """The ``<tr>`` attributes and cells of the row with ``subject``."""
    rows = re.findall(r"<tr([^>]*)>(.*?)</tr>", html, re.S)
    found = [(attrs, cells) for attrs, cells in rows if f'title="{subject}"' in cells]
    assert len(found) == 1, subject
    return found[0]


def visit(user, ticket, when=None):
    TicketVisit.objects.update_or_create(
        user=user, ticket=ticket, defaults={"seen_at": when or timezone.now()}
    )


def test_the_subject_links_the_ticket_over_a_line_of_its_newest_message(client, hardware_team):
    ann, carla = hardware_team["ann"], hardware_team["customer"]
    ticket = make_ticket(
        carla,
        hardware_team["hardware"],
        subject="Fan noise",
        body="<p>It <b>rattles</b> &amp; hums<br>at night.</p><script>x()</script>",
    )
    client.force_login(ann)
    attrs, cells = row_of(client.get(reverse(INBOX)).content.decode(), "Fan noise")
    url = reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])
    assert f'<a class="wt-subject__link" href="{url}" title="Fan noise">Fan noise</a>' in cells
    preview = re.search(r'<div class="wt-subject__preview">(.*?)</div>', cells, re.S)[1]
    assert "<b>" not in preview and "script" not in preview and "x()" not in preview
    name = carla.get_full_name()
    assert re.sub(r"<[^>]+>", "", preview) == f"{name}: It rattles &amp; hums at night."
    # an internal note is the newest message: agents read it, marked as such
    long = "word " * 100
    actions.add_reply(ticket, actor=ann, body_html=f"<p>{long}</p>", internal=True)
    _attrs, cells = row_of(client.get(reverse(INBOX)).content.decode(), "Fan noise")
    preview = re.search(r'<div class="wt-subject__preview">(.*?)</div>', cells, re.S)[1]
    assert '<span class="wt-subject__note">Internal note:</span>' in preview
    text = re.sub(r"<[^>]+>", "", preview)
    assert text.startswith("Internal note: Ann Agent: word word")
    assert text.endswith("word…") and len(text) < PREVIEW_LENGTH + 40


def test_new_for_me_marks_rows_and_filters(client, hardware_team):
    ann, bob, carla = hardware_team["ann"], hardware_team["bob"], hardware_team["customer"]
    hardware = hardware_team["hardware"]
    never_opened = make_ticket(carla, hardware, subject="Never opened")
    seen = make_ticket(carla, hardware, subject="Seen after the message")
    visit(ann, seen)
    answered_again = make_ticket(carla, hardware, subject="Customer wrote again")
    visit(ann, answered_again, timezone.now() - 60 * SECOND)
    actions.add_reply(answered_again, actor=carla, body_html="<p>Any news?</p>")
    by_agent = actions.open_ticket(
        ticket_type=hardware,
        subject="Opened by Bob for Carla",
        body_html="<p>We noticed your printer</p>",
        actor=bob,
        requester=carla,
    )
    seen_by_bob_only = make_ticket(carla, hardware, subject="Bob saw it")
    visit(bob, seen_by_bob_only)
    client.force_login(ann)
    html = client.get(reverse(INBOX)).content.decode()
    new = {"Never opened", "Customer wrote again", "Bob saw it"}
    for ticket in (never_opened, seen, answered_again, by_agent, seen_by_bob_only):
        attrs, cells = row_of(html, ticket.subject)
        marked = ticket.subject in new
        assert ('class="wt-new"' in attrs) is marked, ticket.subject
        badge = (
            '<span class="wt-new-badge">New<span class="w-sr-only">: customer messages you '
            "have not seen yet</span></span>"
        )
        assert (badge in cells) is marked, ticket.subject
    response = client.get(reverse(INBOX), {"new": "me"})
    assert {t.subject for t in response.context["object_list"]} == new
    assert "New for me" in response.content.decode()
    # opening the ticket (the workspace records the visit) clears the marker
    visit(ann, never_opened)
    response = client.get(reverse(RESULTS), {"new": "me"})
    assert {t.subject for t in response.context["object_list"]} == new - {"Never opened"}
    # Bob's view of the same tickets is his own
    client.force_login(bob)
    response = client.get(reverse(INBOX), {"new": "me"})
    assert {t.subject for t in response.context["object_list"]} == {
        "Never opened",
        "Seen after the message",
        "Customer wrote again",
    }


def test_hostile_new_filter_values_are_form_errors(client, hardware_team):
    make_ticket(hardware_team["customer"], hardware_team["hardware"], subject="Still listed")
    client.force_login(hardware_team["ann"])
    for value in ("all", "<script>", "1", "me" * 1000):
        response = client.get(reverse(INBOX), {"new": value})
        assert response.status_code == 200
        assert b"<script>" not in response.content


def _fill(count, world):
    ann, carla, hardware = world["ann"], world["customer"], world["hardware"]
    for index in range(count):
        ticket = make_ticket(carla, hardware, subject=f"Ticket {index}")
        actions.add_reply(ticket, actor=ann, body_html=f"<p>Answer {index}</p>")
        if index % 3 == 0:
            actions.add_reply(ticket, actor=ann, body_html="<p>note</p>", internal=True)
        if index % 2:
            visit(ann, ticket)


def _measure(client, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(INBOX), params)
    assert response.status_code == 200
    return queries.captured_queries, response


def test_markers_and_message_lines_cost_the_same_queries_for_20_and_200_tickets(
    client, hardware_team
):
    client.force_login(hardware_team["ann"])
    params = {"state": "open", "ordering": "-updated_at"}
    _fill(20, hardware_team)
    _measure(client, params)  # the session keeps the view
    small, response = _measure(client, params)
    _fill(180, hardware_team)
    large, response = _measure(client, params)
    assert response.context["paginator"].count == 200
    assert len(small) == len(large) - 1  # the longer list is counted
    # the newest messages of the whole page: one query; the visits ride along the page's
    assert len([q for q in large if 'FROM "wagtail_tickets_message"' in q["sql"]]) == 1
    assert not [
        q for q in large if q["sql"].lstrip().startswith('SELECT "wagtail_tickets_ticketvisit"')
    ]
    html = response.content.decode()
    assert html.count('class="wt-subject__preview"') == 50
    assert html.count('class="wt-new-badge"') == 25


def test_new_for_me_filter_keeps_the_queries_bounded(
    client, hardware_team, django_assert_max_num_queries
):
    _fill(60, hardware_team)
    client.force_login(hardware_team["ann"])
    client.get(reverse(RESULTS), {"new": "me"})
    with django_assert_max_num_queries(26):
        response = client.get(reverse(RESULTS), {"new": "me"})
    assert response.context["paginator"].count == 30


def _language(user, code):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = code
    profile.save()


def test_csv_and_xlsx_headers_are_in_the_agents_language(client, hardware_team):
    ann = hardware_team["ann"]
    make_ticket(hardware_team["customer"], hardware_team["hardware"], subject="Exported")
    client.force_login(ann)
    _language(ann, "de")
    response = client.get(reverse(INBOX), {"export": "csv"})
    # the rows stream after the view returned: read them the way a server would, later
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert table[0][:4] == ["Nummer", "Betreff", "Anfragender", "E-Mail des Anfragenden"]
    assert "Kunde" in table[0]
    assert table[1][1] == "Exported"
    response = client.get(reverse(INBOX), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in next(sheet.iter_rows())]
    assert header[:3] == ["Nummer", "Betreff", "Anfragender"]
    _language(ann, "en")
    response = client.get(reverse(INBOX), {"export": "csv"})
    first = b"".join(response.streaming_content).decode().splitlines()[0]
    assert first.startswith("Number,Subject,Requester,Requester email")


def test_the_export_leaves_the_language_as_it_found_it(client, hardware_team):
    from django.utils import translation

    ann = hardware_team["ann"]
    make_ticket(hardware_team["customer"], hardware_team["hardware"], subject="Exported")
    client.force_login(ann)
    _language(ann, "de")
    response = client.get(reverse(INBOX), {"export": "csv"})
    with translation.override("it"):
        rows = iter(response.streaming_content)
        assert next(rows).decode().startswith("Nummer")
        assert translation.get_language() == "it"
        list(rows)
        assert translation.get_language() == "it"
    assert Ticket.objects.count() == 1
