"""Changing many tickets from the inbox: the confirmation page, the change itself (each
ticket through actions, with its history), "all matching the filter" evaluated again on
the server, the task queue for large selections, and hostile input."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CategoryFactory, UserFactory, admin_access, make_ticket
from wagtail_tickets import actions, tasks
from wagtail_tickets.admin import inbox_bulk
from wagtail_tickets.models import Priority, Status, Ticket, TicketLogEntry
from wagtail_tickets.notifications import EventKind

pytestmark = pytest.mark.django_db

INBOX = "wagtail_tickets_inbox:index"
CONFIRM = "wagtail_tickets_inbox:bulk"
APPLY = "wagtail_tickets_inbox:bulk_apply"


@pytest.fixture
def desk(hardware_team):
    """Four Hardware tickets Ann manages and one of Billing, which she does not."""
    customer, hardware = hardware_team["customer"], hardware_team["hardware"]
    tickets = [make_ticket(customer, hardware, subject=f"Hardware {n}") for n in range(4)]
    billing = make_ticket(customer, hardware_team["billing"], subject="Billing secret")
    return {**hardware_team, "tickets": tickets, "foreign": billing}


def messages_of(response) -> list[str]:
    """The messages this request added (earlier ones wait in the session unread)."""
    return [str(m) for m in response.wsgi_request._messages._queued_messages]


def history(ticket) -> list[str]:
    return list(
        TicketLogEntry.objects.filter(ticket_id=ticket.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_the_inbox_offers_a_box_per_row_one_for_the_page_and_the_changes(client, desk):
    client.force_login(desk["ann"])
    html = client.get(reverse(INBOX), {"state": "open"}).content.decode()
    for ticket in desk["tickets"]:
        assert f'name="ticket" value="{ticket.pk}" form="wt-bulk-form"' in html
        assert f'aria-label="Select ticket {ticket.number}"' in html
    assert 'class="wt-bulk-select-page" aria-label="Select all tickets on this page"' in html
    assert f'action="{reverse(CONFIRM)}"' in html
    for value in ("assignee:none", f"assignee:{desk['bob'].pk}", "category:none", "close"):
        assert f'value="{value}"' in html
    assert f'value="status:{Status.objects.get(name="Open").pk}"' in html
    assert 'data-wt-matching="4"' in html
    assert "wagtail_tickets/admin/js/inbox.js" in html


def test_the_confirmation_says_what_happens_to_how_many(client, desk):
    client.force_login(desk["ann"])
    ids = [t.pk for t in desk["tickets"][:2]] + [desk["foreign"].pk]
    response = client.get(
        reverse(CONFIRM),
        {"ticket": ids, "change": f"assignee:{desk['bob'].pk}", "query": "state=open&evil=1"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Assign 2 tickets to Bob Builder." in html
    assert "One selected ticket is skipped" in html
    assert "Billing secret" not in html and desk["foreign"].number not in html
    assert "Hardware 0" in html and "Hardware 1" in html
    assert "Change 2 tickets" in html
    assert f'action="{reverse(APPLY)}"' in html and 'method="post"' in html
    # the ids go on as named; the action skips the foreign one again
    assert sorted(map(int, re.findall(r'name="ticket" value="(\d+)"', html))) == sorted(ids)
    assert 'name="query" value="state=open"' in html
    assert f'href="{reverse(INBOX)}?state=open"' in html
    # nothing changed yet
    assert not Ticket.objects.filter(assignee__isnull=False).exists()


@pytest.mark.parametrize(
    "change,expected",
    [
        ("assignee:none", "Unassign 2 tickets (assign them to nobody)."),
        ("close", "Close 2 tickets."),
        ("category:none", "Remove the category of 2 tickets."),
    ],
)
def test_the_confirmation_names_each_kind_of_change(client, desk, change, expected):
    client.force_login(desk["ann"])
    ids = [t.pk for t in desk["tickets"][:2]]
    response = client.get(reverse(CONFIRM), {"ticket": ids, "change": change})
    assert expected in response.content.decode()


class RecordingNotifier:
    """Keeps the events the actions hand over (the notifier is swappable by setting)."""

    events: list = []

    def notify(self, event):
        RecordingNotifier.events.append(event)


def test_apply_changes_each_ticket_with_history_and_notifications(client, desk, settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "NOTIFIER": f"{__name__}.RecordingNotifier",
    }
    RecordingNotifier.events = []
    ann, bob = desk["ann"], desk["bob"]
    chosen = desk["tickets"][:3]
    client.force_login(ann)
    data = {
        "ticket": [t.pk for t in chosen] + [desk["foreign"].pk],
        "change": f"assignee:{bob.pk}",
        "query": "state=open",
    }
    response = client.post(reverse(APPLY), data)
    assert response.status_code == 302
    assert response["Location"] == reverse(INBOX) + "?state=open"
    assert messages_of(response) == [
        "3 tickets changed. 1 skipped: you do not manage it or it no longer exists."
    ]
    for ticket in chosen:
        ticket.refresh_from_db()
        assert ticket.assignee == bob
        assert history(ticket)[-1] == "wagtail_tickets.changed"
    assert Ticket.objects.get(pk=desk["foreign"].pk).assignee is None
    assert Ticket.objects.get(pk=desk["tickets"][3].pk).assignee is None
    # each ticket's event goes to the notifier, as when one ticket is assigned
    events = RecordingNotifier.events
    assert sorted(e.ticket.pk for e in events) == sorted(t.pk for t in chosen)
    assert {e.kind for e in events} == {EventKind.ASSIGNED}
    assert {e.actor for e in events} == {ann}


def test_status_priority_category_and_close(client, desk):
    client.force_login(desk["ann"])
    first, second = desk["tickets"][:2]
    ids = [first.pk, second.pk]
    waiting = Status.objects.get(name="In progress")
    urgent = Priority.objects.get(name="Urgent")
    billing = CategoryFactory(name="Invoices")
    for change in (f"status:{waiting.pk}", f"priority:{urgent.pk}", f"category:{billing.pk}"):
        response = client.post(reverse(APPLY), {"ticket": ids, "change": change})
        assert messages_of(response) == ["2 tickets changed."], change
    first.refresh_from_db()
    assert (first.status, first.priority, first.category) == (waiting, urgent, billing)
    response = client.post(reverse(APPLY), {"ticket": ids, "change": "close"})
    assert messages_of(response) == ["2 tickets changed."]
    assert Ticket.objects.filter(pk__in=ids, status__is_closed=True).count() == 2
    response = client.post(reverse(APPLY), {"ticket": ids, "change": "close"})
    assert messages_of(response) == ["0 tickets changed. 2 already were so."]


def test_all_matching_the_filter_is_evaluated_again_on_the_server(client, desk):
    ann, bob = desk["ann"], desk["bob"]
    first, second, third, fourth = desk["tickets"]
    actions.claim_ticket(first, actor=bob)
    client.force_login(ann)
    query = "assigned=unassigned&state=open"
    data = {"all": "1", "query": query, "change": f"assignee:{ann.pk}", "ticket": [first.pk]}
    confirm = client.get(reverse(CONFIRM), data)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "Assign 3 tickets to Ann Agent." in html
    assert 'name="all" value="1"' in html and 'name="ticket"' not in html
    # a ticket assigned meanwhile no longer matches: the filter is read again at the POST
    actions.claim_ticket(second, actor=bob)
    response = client.post(reverse(APPLY), data)
    assert messages_of(response) == ["2 tickets changed."]
    assert set(Ticket.objects.filter(assignee=ann).values_list("pk", flat=True)) == {
        third.pk,
        fourth.pk,
    }
    assert Ticket.objects.get(pk=desk["foreign"].pk).assignee is None


def test_all_matching_never_reaches_other_types(client, desk):
    client.force_login(desk["ann"])
    billing_type = desk["foreign"].ticket_type_id
    for query in (f"ticket_type={billing_type}", "state=open", ""):
        data = {"all": "1", "query": query, "change": "close"}
        client.post(reverse(APPLY), data)
    assert not Ticket.objects.get(pk=desk["foreign"].pk).status.is_closed


@pytest.mark.parametrize(
    "data",
    [
        {"ticket": ["abc"], "change": "close"},
        {"ticket": ["1", "-2"], "change": "close"},
        {"ticket": ["1e3"], "change": "close"},
        {"ticket": ["99999999999999999999999"], "change": "close"},
        {"ticket": ["1"] * (inbox_bulk.MAX_IDS + 1), "change": "close"},
        {"ticket": ["1"], "change": "status:abc"},
        {"ticket": ["1"], "change": "status:999999"},
        {"ticket": ["1"], "change": "assignee:999999"},
        {"ticket": ["1"], "change": "subject:1"},
        {"ticket": ["1"], "change": "<script>"},
        {"ticket": ["1"], "change": ""},
        {"ticket": ["1"]},
        {"ticket": ["1"], "change": "x" * 500},
        {"all": "1", "change": "close", "query": "state=<script>"},
        {"all": "1", "change": "close", "query": "status=abc"},
        {"all": "1", "change": "close", "query": "q=" + "x" * 300},
        {"all": "1", "change": "close", "query": "x" * 5000},
    ],
)
def test_hostile_selections_are_refused_with_400_and_change_nothing(client, desk, data):
    client.force_login(desk["ann"])
    before = list(Ticket.objects.order_by("pk").values_list("status", "assignee", "category"))
    for method in (client.get, client.post):
        url = reverse(CONFIRM if method == client.get else APPLY)
        response = method(url, data)
        assert response.status_code == 400, (method, data)
        assert b"<script>" not in response.content
    after = list(Ticket.objects.order_by("pk").values_list("status", "assignee", "category"))
    assert before == after


def test_an_unknown_status_is_an_error_and_nothing_is_saved(client, desk):
    client.force_login(desk["ann"])
    gone = Status.objects.create(name="Soon gone", sort_order=99)
    ids = [t.pk for t in desk["tickets"]]
    confirm = client.get(reverse(CONFIRM), {"ticket": ids, "change": f"status:{gone.pk}"})
    assert confirm.status_code == 200
    gone.delete()
    response = client.post(reverse(APPLY), {"ticket": ids, "change": f"status:{gone.pk}"})
    assert response.status_code == 400
    assert "This choice no longer exists" in response.content.decode()
    assert all(history(t) == ["wagtail_tickets.opened"] for t in desk["tickets"])


def test_an_empty_selection_goes_back_with_a_message(client, desk):
    client.force_login(desk["ann"])
    for method, name in (("get", CONFIRM), ("post", APPLY)):
        response = getattr(client, method)(
            reverse(name), {"change": "close", "query": "state=open"}, follow=True
        )
        assert response.redirect_chain == [(reverse(INBOX) + "?state=open", 302)]
        assert [str(m) for m in response.context["messages"]] == [
            "Select at least one ticket first."
        ]
    assert not Ticket.objects.filter(status__is_closed=True).exists()


def test_only_ticked_tickets_of_others_types_is_nothing_to_do(client, desk):
    client.force_login(desk["ann"])
    data = {"ticket": [desk["foreign"].pk], "change": "close"}
    html = client.get(reverse(CONFIRM), data).content.decode()
    assert "nothing would change" in html and "Change 1 ticket" not in html
    response = client.post(reverse(APPLY), data)
    assert messages_of(response) == [
        "0 tickets changed. 1 skipped: you do not manage it or it no longer exists."
    ]
    assert not Ticket.objects.get(pk=desk["foreign"].pk).status.is_closed


def test_apply_takes_post_only_with_the_csrf_token(desk):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(desk["ann"])
    data = {"ticket": [desk["tickets"][0].pk], "change": "close"}
    assert browser.get(reverse(APPLY), data).status_code == 405
    assert browser.post(reverse(APPLY), data).status_code == 403
    assert Client().put(reverse(APPLY), data).status_code in (302, 405)
    assert browser.post(reverse(CONFIRM), data).status_code in (403, 405)
    page = browser.get(reverse(CONFIRM), data).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    assert browser.post(reverse(APPLY), {**data, "csrfmiddlewaretoken": token}).status_code == 302
    assert Ticket.objects.get(pk=desk["tickets"][0].pk).status.is_closed


def test_people_who_are_not_agents_are_refused(client, desk):
    data = {"ticket": [desk["tickets"][0].pk], "change": "close"}
    for user in (desk["customer"], admin_access(UserFactory(username="editor"))):
        client.force_login(user)
        assert client.get(reverse(CONFIRM), data).status_code in (302, 403)
        assert client.post(reverse(APPLY), data).status_code in (302, 403)
    client.logout()
    assert client.post(reverse(APPLY), data).status_code == 302
    assert not Ticket.objects.filter(status__is_closed=True).exists()


def test_a_large_selection_runs_in_the_task_queue(client, desk, monkeypatch):
    """Above the threshold the change is queued (the test settings run django-q2's tasks
    at once) in tasks of ``BULK_TASK_SIZE`` tickets."""
    monkeypatch.setattr(inbox_bulk, "QUEUE_THRESHOLD", 2)
    monkeypatch.setattr(tasks, "BULK_TASK_SIZE", 2)
    queued = []
    real = tasks.bulk_change

    def recording(ticket_ids, actor_id, field, value_id):
        queued.append(list(ticket_ids))
        return real(ticket_ids, actor_id, field, value_id)

    monkeypatch.setattr(tasks, "bulk_change", recording)
    monkeypatch.setattr("django_q.tasks.async_task", lambda name, *args, **kwargs: recording(*args))
    client.force_login(desk["ann"])
    urgent = Priority.objects.get(name="Urgent")
    confirm = client.get(reverse(CONFIRM), {"all": "1", "change": f"priority:{urgent.pk}"})
    assert "changed in the background" in confirm.content.decode()
    response = client.post(reverse(APPLY), {"all": "1", "change": f"priority:{urgent.pk}"})
    assert messages_of(response) == [
        "The change of 4 tickets is running in the background; the inbox shows it in a few moments."
    ]
    assert sorted(pk for chunk in queued for pk in chunk) == sorted(t.pk for t in desk["tickets"])
    assert [len(chunk) for chunk in queued] == [2, 2]
    assert Ticket.objects.filter(priority=urgent).count() == 4


def test_the_queued_task_through_django_q2_sync_mode(desk, settings):
    """The real queue (synchronous in the test settings) runs the task function."""
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    waiting = Status.objects.get(name="In progress")
    ids = [t.pk for t in desk["tickets"]] + [desk["foreign"].pk]
    assert tasks.queue_bulk_change(ids, desk["ann"], "status", waiting.pk)
    assert Ticket.objects.filter(status=waiting).count() == 4
    assert Ticket.objects.get(pk=desk["foreign"].pk).status != waiting


def test_the_task_reads_its_value_and_agent_again(desk):
    waiting = Status.objects.create(name="Short lived", sort_order=50)
    ids = [t.pk for t in desk["tickets"]]
    pk = waiting.pk
    waiting.delete()
    assert tasks.bulk_change(ids, desk["ann"].pk, "status", pk).endswith("nothing changed")
    assert tasks.bulk_change(ids, 999_999, "close", None).endswith("nothing changed")
    line = tasks.bulk_change(ids + [desk["foreign"].pk], desk["ann"].pk, "close", None)
    assert line == "bulk close: 4 changed, 0 unchanged, 1 skipped, 0 refused"


def test_the_confirmation_page_runs_a_constant_number_of_queries(
    client, desk, django_assert_max_num_queries
):
    client.force_login(desk["ann"])
    query = {"all": "1", "query": "state=open", "change": f"assignee:{desk['bob'].pk}"}
    client.get(reverse(CONFIRM), query)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(CONFIRM), query).status_code == 200
    for n in range(30):
        make_ticket(desk["customer"], desk["hardware"], subject=f"More {n}")
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse(CONFIRM), query)
    assert "Assign 34 tickets to Bob Builder." in response.content.decode()
    ids = list(Ticket.objects.values_list("pk", flat=True))
    named = {"ticket": ids, "change": "close"}
    with django_assert_max_num_queries(len(few)):
        assert client.get(reverse(CONFIRM), named).status_code == 200
