"""The workspace's one form: drafts kept on the server (saved while typing, by every button
that does not send, restored when the page opens), "Send and set status to ..." applying
the reply and the field changes together or not at all, the "New" marker of messages
written since the agent's last visit, and the preview of the reply's mail."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.admin.test_workspace import RecordingNotifier, draftail, fresh, make_world, url
from tests.factories import (
    EmailTemplateFactory,
    UserFactory,
    admin_access,
    grant,
    make_agent,
)
from wagtail_tickets import actions
from wagtail_tickets.conf import app_settings
from wagtail_tickets.models import (
    Attachment,
    EmailTemplate,
    Message,
    OutgoingMail,
    PendingNotification,
    Priority,
    ReplyDraft,
    Status,
    TicketLogEntry,
    TicketVisit,
    TypePermission,
)
from wagtail_tickets.notifications import EventKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def agent_client(client, world):
    client.force_login(world["agent"])
    return client


@pytest.fixture
def recorded(settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "NOTIFIER": "tests.admin.test_workspace.RecordingNotifier",
    }
    RecordingNotifier.events = []
    return RecordingNotifier.events


def draft_of(world):
    return ReplyDraft.objects.filter(user=world["agent"], ticket=world["ticket"]).first()


def shown(ticket) -> dict:
    """The hidden ``shown-*`` values a page of the ticket posts (what it showed)."""
    ticket = fresh(ticket)
    return {
        "shown-status": ticket.status_id,
        "shown-priority": ticket.priority_id or "",
        "shown-category": ticket.category_id or "",
        "shown-target_date": "",
        "shown-assignee": ticket.assignee_id or "",
        "shown-ticket_type": ticket.ticket_type_id,
        "shown-cc": "\n".join(ticket.cc_list),
    }


# Drafts --------------------------------------------------------------------------------


def test_typing_saves_a_sanitised_draft_that_the_workspace_restores(agent_client, world):
    ticket = world["ticket"]
    urgent = Priority.objects.get(name="Urgent")
    response = agent_client.post(
        url("draft", ticket.pk),
        {
            "body": '<p onclick="x()">Half an <b>answer</b><script>alert(1)</script></p>',
            "internal": "on",
            "priority": urgent.pk,
            **shown(ticket),
        },
    )
    assert response.status_code == 200
    assert response.json()["saved"] is True
    draft = draft_of(world)
    assert "script" not in draft.body and "onclick" not in draft.body
    assert "Half an <b>answer</b>" in draft.body
    assert draft.internal is True
    assert draft.changes == {"priority": str(urgent.pk)}
    assert fresh(ticket).priority.name == "Normal"  # a draft changes nothing

    page = agent_client.get(url("edit", ticket.pk))
    assert page.context["reply_form"].initial["body"] == draft.body
    assert page.context["reply_form"].initial["internal"] is True
    assert str(page.context["change_form"].initial["priority"]) == str(urgent.pk)
    assert page.context["change_form"].shown["priority"] == fresh(ticket).priority_id
    assert "is restored" in page.content.decode()

    # the draft is the agent's own: a colleague opens the ticket with an empty box
    colleague = make_agent(world["hardware"], username="bert")
    other = Client()
    other.force_login(colleague)
    assert other.get(url("edit", ticket.pk)).context["reply_form"].initial["body"] == ""


def test_the_editor_format_is_read_and_a_draft_is_one_row_per_agent_and_ticket(agent_client, world):
    ticket = world["ticket"]
    for text in ("First words", "First words and more"):
        agent_client.post(url("draft", ticket.pk), {"body": draftail(text)})
    assert ReplyDraft.objects.count() == 1
    assert draft_of(world).body == "<p><b>Firs</b>t words and more</p>"


def test_an_empty_box_or_discard_removes_the_draft(agent_client, world):
    ticket = world["ticket"]
    agent_client.post(url("draft", ticket.pk), {"body": "<p>text</p>"})
    assert draft_of(world) is not None
    response = agent_client.post(url("draft", ticket.pk), {"body": "<p> </p>"})
    assert response.json()["saved"] is False
    assert draft_of(world) is None
    agent_client.post(url("draft", ticket.pk), {"body": "<p>text</p>"})
    agent_client.post(url("draft", ticket.pk), {"discard": "1"})
    assert draft_of(world) is None
    agent_client.post(url("draft", ticket.pk), {"body": "<p>text</p>"})
    response = agent_client.post(url("edit", ticket.pk), {"action": "discard"})
    assert response.status_code == 302
    assert draft_of(world) is None


def test_draft_endpoint_refuses_hostile_requests(client, agent_client, world):
    ticket = world["ticket"]
    foreign_ticket = actions.open_ticket(
        ticket_type=world["software"],
        subject="Other",
        body_html="<p>x</p>",
        requester=None,
        requester_email="x@example.com",
    )
    draft_url = url("draft", ticket.pk)
    assert agent_client.get(draft_url).status_code == 405
    assert agent_client.post(url("draft", foreign_ticket.pk), {"body": "x"}).status_code == 404
    assert agent_client.post(url("draft", 999999), {"body": "x"}).status_code == 404
    # a forged editor payload is read as text, never a server error
    response = agent_client.post(draft_url, {"body": '{"blocks": 5, "entityMap": []}'})
    assert response.status_code == 200
    assert draft_of(world).body.startswith("<p>{&quot;blocks")
    # oversize text: refused, the previous draft stays
    agent_client.post(draft_url, {"body": "<p>kept</p>"})
    long_text = "<p>" + "x" * (app_settings.MAX_BODY_LENGTH + 10) + "</p>"
    response = agent_client.post(draft_url, {"body": long_text})
    assert response.status_code == 400
    assert "too long" in response.json()["error"]
    assert draft_of(world).body == "<p>kept</p>"

    # without the CSRF token
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world["agent"])
    assert strict.post(draft_url, {"body": "<p>forged</p>"}).status_code == 403
    # an admin user who manages no type, and a customer outside the admin
    reader = admin_access(UserFactory(username="reader"))
    grant(reader, world["hardware"], TypePermission.Level.WRITE, group_name="Readers")
    client.force_login(reader)
    assert client.post(draft_url, {"body": "<p>x</p>"}).status_code in (302, 403)
    client.force_login(world["customer"])
    response = client.post(draft_url, {"body": "<p>x</p>"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert draft_of(world).body == "<p>kept</p>"
    assert ReplyDraft.objects.count() == 1


def test_draft_save_query_count_is_constant(agent_client, world, django_assert_max_num_queries):
    ticket = world["ticket"]
    body = {
        "body": "<p>" + "word " * 2000 + "</p>",
        "cc": "\n".join(f"a{i}@x.test" for i in range(30)),
    }
    agent_client.post(url("draft", ticket.pk), body)
    with django_assert_max_num_queries(10):
        assert agent_client.post(url("draft", ticket.pk), body).status_code == 200


# The form's other buttons keep the draft ----------------------------------------------------


def test_saving_a_field_keeps_the_reply_being_typed(agent_client, world, recorded):
    ticket = world["ticket"]
    high = Priority.objects.get(name="High")
    response = agent_client.post(
        url("edit", ticket.pk),
        {
            "action": "fields",
            "body": draftail("Dear Carol, we"),
            "priority": high.pk,
            **shown(ticket),
        },
    )
    assert response.status_code == 302
    assert fresh(ticket).priority == high
    assert ticket.messages.count() == 1  # nothing sent
    draft = draft_of(world)
    assert draft.body == "<p><b>Dear</b> Carol, we</p>"
    assert draft.changes == {}  # applied, so no longer pending
    page = agent_client.get(url("edit", ticket.pk))
    assert page.context["reply_form"].initial["body"] == draft.body
    assert [e.kind for e in recorded] == [EventKind.CHANGED]


def test_claim_close_and_reopen_keep_the_draft_and_its_unsaved_fields(agent_client, world):
    ticket = world["ticket"]
    high = Priority.objects.get(name="High")
    data = {"body": "<p>Looking into it</p>", "priority": high.pk, **shown(ticket)}
    agent_client.post(url("edit", ticket.pk), {"action": "claim", **data})
    assert fresh(ticket).assignee == world["agent"]
    assert fresh(ticket).priority.name == "Normal"  # not saved: still pending in the draft
    assert draft_of(world).changes == {"priority": str(high.pk)}
    agent_client.post(url("edit", ticket.pk), {"action": "close", **data})
    assert fresh(ticket).status.is_closed
    agent_client.post(url("edit", ticket.pk), {"action": "reopen", **data})
    assert not fresh(ticket).status.is_closed
    assert draft_of(world).body == "<p>Looking into it</p>"


def test_a_field_left_alone_does_not_set_back_a_colleagues_change(agent_client, world, recorded):
    ticket = world["ticket"]
    page_values = shown(ticket)  # the agent's page shows "Normal"
    actions.change_ticket(ticket, priority=Priority.objects.get(name="Urgent"))
    recorded.clear()
    response = agent_client.post(
        url("edit", ticket.pk),
        {"action": "fields", "priority": page_values["shown-priority"], **page_values},
        follow=True,
    )
    assert "Nothing was changed." in response.content.decode()
    assert fresh(ticket).priority.name == "Urgent"
    assert recorded == []


def test_unknown_action_is_a_bad_request(agent_client, world):
    response = agent_client.post(url("edit", world["ticket"].pk), {"action": "explode"})
    assert response.status_code == 400
    assert world["ticket"].messages.count() == 1


def test_moving_with_an_assignee_of_the_old_team_only_is_a_field_error(agent_client, world):
    ticket = world["ticket"]
    grant(world["agent"], world["software"], TypePermission.Level.MANAGE, group_name="Soft")
    hardware_only = make_agent(world["hardware"], username="hank")
    response = agent_client.post(
        url("edit", ticket.pk),
        {
            "action": "fields",
            "ticket_type": world["software"].pk,
            "assignee": hardware_only.pk,
            **shown(ticket),
        },
    )
    assert response.status_code == 200
    assert "Only agents of the ticket" in response.content.decode()
    assert fresh(ticket).ticket_type == world["hardware"] and fresh(ticket).assignee is None


# Send and set status ------------------------------------------------------------------


def test_send_and_set_status_applies_both_and_removes_the_draft(agent_client, world, recorded):
    ticket = world["ticket"]
    answer = Status.objects.get(name="Answer")
    high = Priority.objects.get(name="High")
    agent_client.post(url("draft", ticket.pk), {"body": "<p>Fixed</p>"})
    response = agent_client.post(
        url("edit", ticket.pk),
        {
            "body": draftail("Done, it works"),
            "send_status": answer.pk,
            "priority": high.pk,
            **shown(ticket),
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#latest")
    reply = ticket.messages.last()
    assert reply.body_html == "<p><b>Done</b>, it works</p>" and reply.is_staff
    changed = fresh(ticket)
    assert changed.status == answer and changed.priority == high
    entry = TicketLogEntry.objects.get(ticket_id=ticket.pk, action="wagtail_tickets.changed")
    assert set(entry.data["changes"]) == {"status", "priority"}
    assert (
        TicketLogEntry.objects.filter(ticket_id=ticket.pk, action="wagtail_tickets.reply").count()
        == 1
    )
    assert [e.kind for e in recorded] == [EventKind.REPLIED, EventKind.CHANGED]
    assert draft_of(world) is None


def test_plain_send_keeps_the_status(agent_client, world):
    ticket = world["ticket"]
    status = fresh(ticket).status
    response = agent_client.post(
        url("edit", ticket.pk), {"body": "<p>Hi</p>", **shown(ticket), "status": status.pk}
    )
    assert response.status_code == 302
    assert fresh(ticket).status == status
    assert not TicketLogEntry.objects.filter(
        ticket_id=ticket.pk, action="wagtail_tickets.changed"
    ).exists()


@pytest.mark.parametrize("value", ["999999", "abc", "-1", "1 OR 1=1"])
def test_unknown_status_in_send_and_set_is_a_form_error_and_keeps_the_draft(
    agent_client, world, value
):
    ticket = world["ticket"]
    before = fresh(ticket).status
    response = agent_client.post(
        url("edit", ticket.pk), {"body": "<p>My careful answer</p>", "send_status": value}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert "My careful answer" in response.content.decode()
    assert ticket.messages.count() == 1
    assert fresh(ticket).status == before
    assert draft_of(world).body == "<p>My careful answer</p>"


def test_reply_and_status_are_saved_together_or_not_at_all(agent_client, world, monkeypatch):
    ticket = world["ticket"]
    answer = Status.objects.get(name="Answer")

    def refuse(*args, **kwargs):
        raise ValidationError("The change was refused.")

    monkeypatch.setattr(actions, "change_ticket", refuse)
    response = agent_client.post(
        url("edit", ticket.pk),
        {
            "body": "<p>With a file</p>",
            "send_status": answer.pk,
            "attachments": [SimpleUploadedFile("log.txt", b"log")],
        },
    )
    assert response.status_code == 200
    assert "The change was refused." in response.content.decode()
    assert ticket.messages.count() == 1
    assert not Attachment.objects.exists()
    assert fresh(ticket).status.name == "Open"
    assert not PendingNotification.objects.filter(message__body_text="With a file").exists()
    assert draft_of(world).body == "<p>With a file</p>"


def test_reply_and_change_removes_the_stored_files_when_the_change_fails(world, settings):
    from pathlib import Path

    ticket = world["ticket"]
    stranger = make_agent(world["software"], username="sam")
    with pytest.raises(ValidationError):
        actions.reply_and_change(
            ticket,
            actor=world["agent"],
            changes={"assignee": stranger},
            body_html="<p>see file</p>",
            files=[SimpleUploadedFile("notes.txt", b"secret notes")],
        )
    assert ticket.messages.count() == 1
    assert fresh(ticket).assignee is None
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert stored == []


# New since the last visit -------------------------------------------------------------


def new_messages(response) -> list[str]:
    return [
        item.body_text
        for kind, _when, item in response.context["timeline"]
        if kind == "message" and item.is_new
    ]


def test_visits_are_recorded_and_mark_what_the_customer_wrote_since(agent_client, world):
    ticket = world["ticket"]
    actions.add_reply(ticket, actor=world["agent"], body_html="<p>Our answer</p>")
    first = agent_client.get(url("edit", ticket.pk))
    assert new_messages(first) == ["Help!"]  # never opened: the customer's messages
    assert "wt-tag--new" in first.content.decode()
    visit = TicketVisit.objects.get(user=world["agent"], ticket=ticket)
    assert new_messages(agent_client.get(url("edit", ticket.pk))) == []
    actions.add_reply(ticket, actor=world["customer"], body_html="<p>Still broken</p>")
    again = agent_client.get(url("edit", ticket.pk))
    assert new_messages(again) == ["Still broken"]
    assert TicketVisit.objects.filter(ticket=ticket).count() == 1
    assert TicketVisit.objects.get(pk=visit.pk).seen_at > visit.seen_at
    # the visit is the agent's own
    colleague = make_agent(world["hardware"], username="bert")
    other = Client()
    other.force_login(colleague)
    assert new_messages(other.get(url("edit", ticket.pk))) == ["Help!", "Still broken"]


def test_a_refused_page_records_no_visit(client, world):
    reader = admin_access(UserFactory(username="reader"))
    client.force_login(reader)
    client.get(url("edit", world["ticket"].pk))
    assert not TicketVisit.objects.exists()


# Preview of the mail ------------------------------------------------------------------


def test_preview_renders_the_default_reply_and_sends_nothing(agent_client, world):
    ticket = world["ticket"]
    counts = (
        Message.objects.count(),
        OutgoingMail.objects.count(),
        PendingNotification.objects.count(),
    )
    response = agent_client.post(
        url("preview", ticket.pk),
        {"body": '<p>We fixed it " onload="alert(1)<script>alert(2)</script></p>'},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"[ts #{ticket.number}]" in html
    assert "carol" in html.lower()
    assert 'sandbox=""' in html and "srcdoc=" in html
    assert "We fixed it" in html
    assert "<script>" not in html
    assert ' onload="alert' not in html  # the mail's text stays inside the escaped srcdoc
    after = (
        Message.objects.count(),
        OutgoingMail.objects.count(),
        PendingNotification.objects.count(),
    )
    assert after == counts


def test_preview_of_a_note_or_a_switched_off_mail_says_why_there_is_none(agent_client, world):
    ticket = world["ticket"]
    note = agent_client.post(url("preview", ticket.pk), {"body": "<p>x</p>", "internal": "on"})
    assert "Internal notes are not mailed" in note.content.decode()
    EmailTemplate.objects.filter(kind="default_reply").update(active=False)
    off = agent_client.post(url("preview", ticket.pk), {"body": "<p>x</p>"})
    assert "switched off" in off.content.decode()


def test_preview_uses_the_active_template_text(agent_client, world):
    EmailTemplate.objects.filter(kind="default_reply").delete()
    EmailTemplateFactory(
        kind="default_reply", body="Dear {contact:first_name}:\n{MESSAGE}\n-- {AGENT}"
    )
    response = agent_client.post(url("preview", world["ticket"].pk), {"body": "<p>All good</p>"})
    html = response.content.decode()
    assert "Dear Carol:" in html and "All good" in html and "Anna Agent" in html


def test_preview_endpoint_refuses_hostile_requests(client, agent_client, world):
    ticket = world["ticket"]
    assert agent_client.get(url("preview", ticket.pk)).status_code == 405
    foreign = actions.open_ticket(
        ticket_type=world["software"],
        subject="Other",
        body_html="<p>x</p>",
        requester_email="x@example.com",
    )
    assert agent_client.post(url("preview", foreign.pk), {"body": "x"}).status_code == 404
    long_text = "x" * (app_settings.MAX_BODY_LENGTH * 4 + 1)
    assert agent_client.post(url("preview", ticket.pk), {"body": long_text}).status_code == 400
    reader = admin_access(UserFactory(username="reader"))
    client.force_login(reader)
    assert client.post(url("preview", ticket.pk), {"body": "x"}).status_code in (302, 403)


def test_preview_of_a_ticket_without_account_issues_no_private_link(agent_client, world):
    from wagtail_tickets.models import ExternalAccess

    ticket = actions.open_ticket(
        ticket_type=world["hardware"],
        subject="By mail",
        body_html="<p>x</p>",
        requester_email="visitor@example.com",
        requester_name="Vera",
    )
    before = ExternalAccess.objects.count()
    response = agent_client.post(url("preview", ticket.pk), {"body": "<p>Answer</p>"})
    assert response.status_code == 200
    assert "visitor@example.com" in response.content.decode()
    assert ExternalAccess.objects.count() == before


# The page -----------------------------------------------------------------------------


def test_the_subject_is_shown_once_and_the_send_menu_offers_the_other_statuses(agent_client, world):
    ticket = world["ticket"]
    html = agent_client.get(url("edit", ticket.pk)).content.decode()
    assert html.count("Printer on fire</h2>") == 1
    assert "w-breadcrumbs__sublabel" not in html
    current = fresh(ticket).status
    for status in Status.objects.exclude(pk=current.pk):
        assert f'name="send_status" value="{status.pk}"' in html
    assert f'name="send_status" value="{current.pk}"' not in html
    assert 'form="wt-workspace-form"' in html
    assert "Preview the mail" in html


def test_a_draft_holds_no_hours(agent_client, world):
    # hours are logged with the reply that is sent, never from a draft
    ticket = world["ticket"]
    agent_client.post(url("draft", ticket.pk), {"body": "<p>x</p>", "hours": "5"})
    assert "hours" not in draft_of(world).changes
    assert timezone.now() - draft_of(world).updated_at < datetime.timedelta(minutes=1)
