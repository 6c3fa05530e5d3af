"""Who else is on a ticket: the storage (rows per agent and tab, expiry, leaving), the
workspace's ping and leave endpoints (agents of the ticket only, CSRF, hostile input, a
constant number of queries) and the send check that stops a reply crossing a message
added since the page was loaded."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.admin.test_workspace import draftail, make_world, url
from tests.factories import make_agent, make_ticket
from wagtail_tickets import actions, presence, sendcheck
from wagtail_tickets.models import Message, ReplyDraft, Status, TicketPresence

pytestmark = pytest.mark.django_db

TAB_A = "a" * 24
TAB_B = "b" * 24


@pytest.fixture
def world():
    data = make_world()
    data["colleague"] = make_agent(
        data["hardware"], username="bert", first_name="Bert", last_name="Backup"
    )
    return data


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ping(client, ticket, tab=TAB_A, **data):
    return client.post(url("presence", ticket.pk), {"tab": tab, **data})


def reply_data(page_html: str, text: str = "Have you tried turning it off?", **extra) -> dict:
    """What the workspace's form posts: the reply and the ``seen`` fields of the page."""
    seen = dict(re.findall(r'name="(seen_message|seen_count)" value="(\d+)"', page_html))
    assert set(seen) == {"seen_message", "seen_count"}
    return {"action": "send", "body": draftail(text), **seen, **extra}


# Storage -----------------------------------------------------------------------------


def test_others_lists_each_other_agent_once_and_merges_writing(world):
    ticket, anna, bert = world["ticket"], world["agent"], world["colleague"]
    presence.record(anna, ticket, TAB_A)
    presence.record(bert, ticket, TAB_A)
    presence.record(bert, ticket, TAB_B, writing=True)
    assert presence.others(anna, ticket) == [presence.Present(bert.pk, "Bert Backup", True)]
    assert presence.others(bert, ticket) == [presence.Present(anna.pk, "Anna Agent", False)]
    presence.record(bert, ticket, TAB_B, writing=False)  # the same tab again: an update
    assert TicketPresence.objects.filter(user=bert).count() == 2
    assert presence.others(anna, ticket)[0].writing is False


def test_a_tab_that_stops_pinging_expires_and_is_swept(world):
    ticket, anna, bert = world["ticket"], world["agent"], world["colleague"]
    long_ago = timezone.now() - presence.expiry() - datetime.timedelta(seconds=1)
    other = make_ticket(world["customer"], world["hardware"], subject="Toner")
    presence.record(bert, ticket, TAB_A, now=long_ago)
    presence.record(bert, other, TAB_A, now=long_ago)
    presence.record(anna, other, TAB_B)
    assert presence.others(anna, ticket) == []
    assert presence.others(anna, other) == []
    login(anna).get(url("edit", ticket.pk))  # opening any workspace sweeps every ticket
    assert set(TicketPresence.objects.values_list("user", "ticket")) == {
        (anna.pk, other.pk),
        (anna.pk, ticket.pk),
    }


def test_leave_removes_only_that_tab(world):
    ticket, anna, bert = world["ticket"], world["agent"], world["colleague"]
    presence.record(bert, ticket, TAB_A)
    presence.record(bert, ticket, TAB_B)
    presence.leave(anna, ticket, TAB_A)  # another agent cannot take bert's tab away
    presence.leave(bert, ticket, TAB_A)
    assert list(TicketPresence.objects.values_list("tab", flat=True)) == [TAB_B]


def test_tab_keys_are_checked():
    assert presence.valid_tab(presence.new_tab())
    for bad in (None, "", "short", "x" * 65, "a" * 20 + "'<>", ["a" * 20], "é" * 20):
        assert presence.valid_tab(bad) is None


# The ping ----------------------------------------------------------------------------


def test_opening_the_workspace_shows_who_else_is_there(world):
    ticket = world["ticket"]
    bert = login(world["colleague"])
    bert.get(url("edit", ticket.pk))
    page = login(world["agent"]).get(url("edit", ticket.pk)).content.decode()
    assert "Also on this ticket:" in page
    assert "Bert Backup" in page
    assert f'data-wt-ping-url="{url("presence", ticket.pk)}"' in page


def test_ping_reports_others_and_writing(world):
    ticket = world["ticket"]
    anna, bert = login(world["agent"]), login(world["colleague"])
    assert ping(bert, ticket, writing="1").status_code == 200
    answer = ping(anna, ticket).json()
    assert answer["others"] == [{"name": "Bert Backup", "writing": True}]
    assert "Bert Backup is writing a reply" in answer["html"]
    ping(bert, ticket, writing="")
    answer = ping(anna, ticket).json()
    assert answer["others"] == [{"name": "Bert Backup", "writing": False}]
    assert "writing" not in answer["html"]


def test_leave_beacon_takes_the_agent_off_the_list(world):
    ticket = world["ticket"]
    anna, bert = login(world["agent"]), login(world["colleague"])
    ping(bert, ticket)
    response = bert.post(url("presence_leave", ticket.pk), {"tab": TAB_A})
    assert response.status_code == 204
    assert ping(anna, ticket).json()["others"] == []


def test_ping_counts_messages_added_since_the_page_was_loaded(world):
    ticket = world["ticket"]
    anna = login(world["agent"])
    seen = sendcheck.current(ticket)
    data = {"seen_message": seen.last_message, "seen_count": seen.count}
    assert ping(anna, ticket, **data).json()["new_messages"] == 0
    actions.add_reply(ticket, actor=world["customer"], body_html="<p>Still burning</p>")
    answer = ping(anna, ticket, **data).json()
    assert answer["new_messages"] == 1
    assert "A new message was added since you opened this page." in answer["html"]


def test_ping_of_a_ticket_the_agent_may_not_see_is_404(world):
    foreign = make_ticket(world["customer"], world["software"], subject="Software secret")
    anna = login(world["agent"])
    assert ping(anna, foreign).status_code == 404
    assert anna.post(url("presence_leave", foreign.pk), {"tab": TAB_A}).status_code == 404
    assert ping(anna, type("Missing", (), {"pk": 999999})()).status_code == 404
    assert not TicketPresence.objects.exists()


def test_ping_is_for_agents_only(world):
    customer = login(world["customer"])
    response = ping(customer, world["ticket"])
    assert response.status_code in (302, 403)
    assert not TicketPresence.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"tab": ""},
        {"tab": "short"},
        {"tab": "<script>" * 4},
        {"tab": "a" * 5000},
        {"tab": TAB_A, "seen_message": "x", "seen_count": "1"},
        {"tab": TAB_A, "seen_message": "-1", "seen_count": "1"},
        {"tab": TAB_A, "seen_message": "9" * 40, "seen_count": "1"},
        {"tab": TAB_A, "seen_message": "1"},
        {"tab": TAB_A, "seen_message": "١٢", "seen_count": "1"},
    ],
)
def test_hostile_ping_input_is_400(world, data):
    response = login(world["agent"]).post(url("presence", world["ticket"].pk), data)
    assert response.status_code == 400
    assert not TicketPresence.objects.exists()


def test_ping_answers_post_only(world):
    anna = login(world["agent"])
    for method in ("get", "put", "delete"):
        assert getattr(anna, method)(url("presence", world["ticket"].pk)).status_code == 405
        assert getattr(anna, method)(url("presence_leave", world["ticket"].pk)).status_code == 405


def test_ping_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["agent"])
    assert ping(client, world["ticket"]).status_code == 403
    token_page = client.get(url("edit", world["ticket"].pk))
    token = token_page.cookies["csrftoken"].value
    response = client.post(
        url("presence", world["ticket"].pk), {"tab": TAB_A, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 200


def test_ping_query_count_is_constant(world, django_assert_max_num_queries):
    ticket = world["ticket"]
    anna = login(world["agent"])
    seen = {"seen_message": "1", "seen_count": "1"}
    ping(anna, ticket, **seen)
    for number in range(12):
        agent = make_agent(world["hardware"], username=f"agent{number}")
        presence.record(agent, ticket, TAB_A, writing=number % 2 == 0)
        presence.record(agent, ticket, TAB_B)
    with django_assert_max_num_queries(PING_QUERIES):
        answer = ping(anna, ticket, **seen).json()
    assert len(answer["others"]) == 12


# the admin's own (session, user, two of permissions, Wagtail's user profile), then the
# agent's types, the ticket, the upsert, the others and the count of new messages
PING_QUERIES = 10


def test_presence_can_be_switched_off(world, settings):
    settings.WAGTAIL_TICKETS = {"PRESENCE_PING_SECONDS": 0}
    anna = login(world["agent"])
    assert ping(anna, world["ticket"]).status_code == 404
    page = anna.get(url("edit", world["ticket"].pk)).content.decode()
    assert "data-wt-presence" not in page
    assert 'name="seen_message"' in page  # the send check stays


# The send check ----------------------------------------------------------------------


def test_reply_crossing_a_new_message_is_held_until_confirmed(world):
    ticket = world["ticket"]
    anna, bert = login(world["agent"]), login(world["colleague"])
    anna_page = anna.get(url("edit", ticket.pk)).content.decode()
    bert_page = bert.get(url("edit", ticket.pk)).content.decode()
    first = bert.post(url("edit", ticket.pk), reply_data(bert_page, "Bert was first"))
    assert first.status_code == 302
    before = Message.objects.count()

    held = anna.post(url("edit", ticket.pk), reply_data(anna_page, "Anna answers too"))
    assert held.status_code == 409
    assert Message.objects.count() == before  # nothing sent, nothing doubled
    page = held.content.decode()
    assert "The conversation changed while you wrote your reply" in page
    assert "Bert was first" in page
    assert "Anna answers too" in page  # the reply is still in the box
    assert ReplyDraft.objects.filter(user=world["agent"], ticket=ticket).exists()

    sent = anna.post(url("edit", ticket.pk), reply_data(page, "Anna answers too"))
    assert sent.status_code == 302
    assert Message.objects.count() == before + 1
    assert Message.objects.latest("pk").body_text.startswith("Anna answers too")


def test_held_send_and_set_status_keeps_the_status_choice(world):
    ticket = world["ticket"]
    anna = login(world["agent"])
    page = anna.get(url("edit", ticket.pk)).content.decode()
    actions.add_reply(ticket, actor=world["customer"], body_html="<p>Any news?</p>")
    closed = Status.objects.filter(is_closed=True).first()
    held = anna.post(url("edit", ticket.pk), reply_data(page, send_status=closed.pk))
    assert held.status_code == 409
    assert f'name="send_status" value="{closed.pk}"' in held.content.decode()
    assert "Any news?" in held.content.decode()


def test_held_reply_says_files_must_be_chosen_again(world):
    ticket = world["ticket"]
    anna = login(world["agent"])
    page = anna.get(url("edit", ticket.pk)).content.decode()
    actions.add_reply(ticket, actor=world["customer"], body_html="<p>Any news?</p>")
    data = reply_data(page, attachments=SimpleUploadedFile("log.txt", b"log"))
    held = anna.post(url("edit", ticket.pk), data)
    assert held.status_code == 409
    assert "Choose your files again" in held.content.decode()


def test_a_message_moved_in_or_out_counts_as_a_change(world):
    ticket = world["ticket"]
    seen = sendcheck.current(ticket)
    Message.objects.filter(ticket=ticket).delete()  # what a split would leave
    with pytest.raises(sendcheck.ConversationChanged) as changed:
        sendcheck.verify(ticket, seen)
    assert changed.value.new == []
    assert changed.value.now == sendcheck.Seen(0, 0)


def test_the_action_checks_under_the_lock_and_stores_nothing_when_changed(world):
    ticket, anna = world["ticket"], world["agent"]
    seen = sendcheck.current(ticket)
    actions.add_reply(ticket, actor=world["customer"], body_html="<p>More</p>")
    before = Message.objects.count()
    with pytest.raises(sendcheck.ConversationChanged):
        actions.reply_and_change(
            ticket, actor=anna, changes={}, seen=seen, body_html="<p>Answer</p>"
        )
    assert Message.objects.count() == before
    actions.reply_and_change(
        ticket, actor=anna, changes={}, seen=sendcheck.current(ticket), body_html="<p>Ok</p>"
    )
    assert Message.objects.count() == before + 1


def test_a_form_without_seen_fields_is_not_checked(world):
    ticket = world["ticket"]
    anna = login(world["agent"])
    actions.add_reply(ticket, actor=world["customer"], body_html="<p>More</p>")
    response = anna.post(url("edit", ticket.pk), {"action": "send", "body": draftail("Hi")})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "seen",
    [
        {"seen_message": "abc", "seen_count": "1"},
        {"seen_message": "1"},
        {"seen_message": "1", "seen_count": "1" * 30},
        {"seen_message": " 1", "seen_count": "1"},
    ],
)
def test_hostile_seen_fields_are_400(world, seen):
    ticket = world["ticket"]
    anna = login(world["agent"])
    before = Message.objects.count()
    response = anna.post(url("edit", ticket.pk), {"action": "send", "body": draftail("Hi"), **seen})
    assert response.status_code == 400
    assert Message.objects.count() == before


def test_a_busy_database_answers_503_not_500(world, monkeypatch):
    from django.db import OperationalError

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(presence, "record", locked)
    response = ping(login(world["agent"]), world["ticket"])
    assert response.status_code == 503
    assert response["Retry-After"]


def test_only_1_or_true_means_writing(world):
    ticket = world["ticket"]
    bert = login(world["colleague"])
    for value in ("yes", "on", "0", "<b>1</b>", "1" * 100):
        ping(bert, ticket, writing=value)
        assert TicketPresence.objects.get(user=world["colleague"]).writing is False
