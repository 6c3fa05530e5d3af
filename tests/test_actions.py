"""actions.py, the only code that changes tickets: results, history, permissions, signals
after commit, and nothing half-saved (rows or files) when an action fails."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    CompanyFactory,
    PriorityFactory,
    TicketTypeFactory,
    UserFactory,
    closed_status,
    fresh,
    grant,
    make_ticket,
    normal_priority,
    open_status,
)
from wagtail_tickets import actions, signals
from wagtail_tickets.models import (
    Attachment,
    Message,
    NumberSequence,
    Status,
    Ticket,
    TicketLogEntry,
    TicketType,
    TypePermission,
)
from wagtail_tickets.notifications import EventKind

Level = TypePermission.Level


class RecordingNotifier:
    """Keeps the events it is handed (the notifier is swappable by setting)."""

    events: list = []

    def notify(self, event):
        RecordingNotifier.events.append(event)


class FailingNotifier:
    """Fails after the action wrote its rows and files: everything must be undone."""

    def notify(self, event):
        raise RuntimeError("notifier down")


@pytest.fixture
def events(settings):
    RecordingNotifier.events = []
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "NOTIFIER": f"{__name__}.RecordingNotifier",
    }
    return RecordingNotifier.events


@pytest.fixture
def failing_notifier(settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "NOTIFIER": f"{__name__}.FailingNotifier",
    }


@pytest.fixture
def support(db):
    return TicketTypeFactory(name="Support", visibility=TicketType.Visibility.COMPANY)


@pytest.fixture
def customer(support):
    user = UserFactory(username="customer", first_name="Cleo", last_name="Client")
    grant(user, support, Level.DELETE, group_name="Customers")
    CompanyFactory(name="Acme").users.add(user)
    return fresh(user)


@pytest.fixture
def stranger(support):
    user = UserFactory(username="stranger")
    grant(user, support, Level.DELETE, group_name="Customers")
    return fresh(user)


@pytest.fixture
def agent(support):
    user = UserFactory(username="agent", first_name="Ada", last_name="Agent")
    grant(user, support, Level.MANAGE, group_name="Agents")
    return fresh(user)


def upload(name="report.txt", content=b"hello", content_type="text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files() -> list[str]:
    folder = "wagtail_tickets/attachments"
    if not default_storage.exists(folder):
        return []
    return default_storage.listdir(folder)[1]


def log_actions(ticket_id) -> list[str]:
    return list(
        TicketLogEntry.objects.filter(ticket_id=ticket_id)
        .order_by("timestamp", "pk")
        .values_list("action", flat=True)
    )


# open_ticket ---------------------------------------------------------------------------


def test_open_ticket_by_customer(support, customer, events):
    ticket = actions.open_ticket(
        ticket_type=support,
        subject="  Printer\r\non fire  ",
        body_html='<p>Help <b>now</b><script>alert(1)</script> <a href="javascript:x">x</a></p>',
        actor=customer,
        requester=customer,
        cc=["boss@example.com"],
        files=[upload()],
    )
    ticket.refresh_from_db()
    assert ticket.subject == "Printer on fire"
    assert ticket.status == open_status()
    assert ticket.priority == normal_priority()
    assert ticket.requester == customer
    assert ticket.requester_email == customer.email
    assert ticket.requester_name == "Cleo Client"
    assert ticket.customer.name == "Acme"
    assert ticket.cc_list == ["boss@example.com"]
    assert ticket.last_message_at is not None
    assert ticket.first_response_at is None
    assert not ticket.last_message_by_staff
    [message] = ticket.messages.all()
    assert "<script" not in message.body_html and "javascript" not in message.body_html
    assert "<b>now</b>" in message.body_html
    assert message.body_text.startswith("Help now")
    assert message.author == customer
    assert message.author_name == "Cleo Client"
    assert not message.is_staff and not message.is_internal
    [attachment] = message.attachments.all()
    assert attachment.filename == "report.txt"
    assert attachment.content_type == "text/plain"
    assert attachment.size == 5
    assert "report" not in attachment.file.name
    assert attachment.file.read() == b"hello"
    entry = TicketLogEntry.objects.get(ticket_id=ticket.pk)
    assert entry.action == "wagtail_tickets.opened"
    assert entry.user == customer
    assert entry.data == {"number": ticket.number}
    assert [e.kind for e in events] == [EventKind.OPENED]
    assert events[0].message == message


def test_open_ticket_without_create_level_is_denied(support, events):
    reader = UserFactory()
    grant(reader, support, Level.READ)
    with pytest.raises(PermissionDenied):
        actions.open_ticket(
            ticket_type=support,
            subject="x",
            body_html="y",
            actor=fresh(reader),
            requester=reader,
            files=[upload()],
        )
    assert not Ticket.objects.exists()
    assert stored_files() == []
    assert events == []


def test_open_ticket_on_inactive_type_is_denied(support, customer):
    support.active = False
    support.save()
    with pytest.raises(PermissionDenied):
        make_ticket(customer, support, actor=fresh(customer))


def test_customer_cannot_open_for_someone_else(support, customer, stranger):
    with pytest.raises(PermissionDenied):
        actions.open_ticket(
            ticket_type=support, subject="x", body_html="y", actor=customer, requester=stranger
        )
    assert not Ticket.objects.exists()


def test_agent_opens_for_a_customer(support, customer, agent, events):
    ticket = actions.open_ticket(
        ticket_type=support, subject="Called us", body_html="notes", actor=agent, requester=customer
    )
    message = ticket.messages.get()
    assert ticket.requester == customer
    assert ticket.customer.name == "Acme"
    assert message.author == agent
    assert message.is_staff
    assert TicketLogEntry.objects.get(ticket_id=ticket.pk).user == agent


def test_agent_opening_for_a_customer_is_the_first_response(support, customer, agent):
    ticket = actions.open_ticket(
        ticket_type=support, subject="Called us", body_html="notes", actor=agent, requester=customer
    )
    ticket.refresh_from_db()
    assert ticket.last_message_by_staff
    assert ticket.first_response_at == ticket.last_message_at
    assert ticket.created_at - ticket.first_response_at < datetime.timedelta(seconds=1)


def test_open_ticket_writes_the_ticket_row_once(support, customer):
    """The row is inserted with its first message's times; no second write of a row that
    every listing index covers, and no existence checks for the history entry."""
    with CaptureQueriesContext(connection) as captured:
        ticket = actions.open_ticket(
            ticket_type=support,
            subject="x",
            body_html="<p>y</p>",
            actor=customer,
            requester=customer,
        )
    sql = [q["sql"] for q in captured.captured_queries]
    ticket_table = Ticket._meta.db_table
    assert sum(s.startswith(f'INSERT INTO "{ticket_table}"') for s in sql) == 1
    assert not any(s.startswith(f'UPDATE "{ticket_table}"') for s in sql)
    assert not any("django_content_type" in s for s in sql)
    ticket.refresh_from_db()
    message = ticket.messages.get()
    assert ticket.last_message_at <= ticket.updated_at <= message.created_at
    assert not ticket.last_message_by_staff and ticket.first_response_at is None
    assert TicketLogEntry.objects.get(ticket_id=ticket.pk).action == "wagtail_tickets.opened"
    assert ticket.opening_message == message  # the callers' link to it, without a query


def test_system_opens_for_an_email_sender(support):
    ticket = actions.open_ticket(
        ticket_type=support,
        subject="From mail",
        body_html="text",
        requester_name="Mail\r\nSender",
        requester_email="sender@example.com",
        source=Message.Source.EMAIL,
        message_id="<abc@example.com>",
    )
    message = ticket.messages.get()
    assert ticket.requester is None
    assert ticket.requester_name == "Mail Sender"
    assert message.author is None
    assert message.author_email == "sender@example.com"
    assert message.source == Message.Source.EMAIL
    assert message.message_id == "<abc@example.com>"
    assert TicketLogEntry.objects.get(ticket_id=ticket.pk).user is None


@pytest.mark.parametrize(
    "subject, body",
    [
        ("", "<p>body</p>"),
        (" \r\n\t ", "<p>body</p>"),
        ("Subject", ""),
        ("Subject", "<p> </p><br>"),
        ("Subject", "<script>alert(1)</script>"),
        ("Subject", "<img src=x onerror=alert(1)>"),
    ],
)
def test_open_ticket_with_empty_subject_or_body_saves_nothing(support, customer, subject, body):
    with pytest.raises(ValidationError):
        actions.open_ticket(
            ticket_type=support,
            subject=subject,
            body_html=body,
            actor=customer,
            requester=customer,
            files=[upload(), upload("b.txt")],
        )
    assert not Ticket.objects.exists()
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()
    assert not TicketLogEntry.objects.exists()
    assert not NumberSequence.objects.filter(value__gt=0).exists()
    assert stored_files() == []


def test_open_ticket_without_open_status_is_a_clear_error(support, customer):
    Status.objects.filter(is_closed=False).delete()
    with pytest.raises(ValidationError, match="No open status"):
        make_ticket(customer, support)


def test_files_are_removed_when_the_action_fails_after_storing_them(
    support, customer, failing_notifier
):
    with pytest.raises(RuntimeError, match="notifier down"):
        actions.open_ticket(
            ticket_type=support,
            subject="x",
            body_html="y",
            actor=customer,
            requester=customer,
            files=[upload("a.txt"), upload("b.txt")],
        )
    assert stored_files() == []
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


def test_files_are_removed_when_a_later_file_fails(support, customer):
    class Broken(SimpleUploadedFile):
        def chunks(self, chunk_size=None):
            yield b"partial"
            raise OSError("client went away")

    broken = Broken("broken.txt", b"0123456789", content_type="text/plain")
    with pytest.raises(OSError):
        actions.open_ticket(
            ticket_type=support,
            subject="x",
            body_html="y",
            actor=customer,
            requester=customer,
            files=[upload("first.txt"), broken],
        )
    assert not Ticket.objects.exists()
    assert stored_files() == []  # the first file and the half-written second one


def test_hostile_file_names_are_cleaned_and_never_used_for_storage(support, customer):
    ticket = actions.open_ticket(
        ticket_type=support,
        subject="files",
        body_html="y",
        actor=customer,
        requester=customer,
        files=[upload("../../etc/passwd"), upload("evil\r\n\u200b.html", b"<script>")],
    )
    names = [a.filename for a in Attachment.objects.filter(message__ticket=ticket)]
    assert names == ["passwd", "evil.html"]
    for attachment in Attachment.objects.all():
        assert attachment.file.name.startswith("wagtail_tickets/attachments/")
        assert ".." not in attachment.file.name and "passwd" not in attachment.file.name
    assert Attachment.objects.get(filename="evil.html").content_type == "text/html"


# add_reply -----------------------------------------------------------------------------


def test_customer_reply(support, customer, events):
    ticket = make_ticket(customer, support)
    events.clear()
    before = ticket.updated_at
    message = actions.add_reply(
        ticket, actor=customer, body_html="<p>More <i>info</i></p>", files=[upload()]
    )
    ticket.refresh_from_db()
    assert message.ticket == ticket
    assert not message.is_staff
    assert message.attachments.count() == 1
    assert ticket.updated_at > before
    assert ticket.last_message_at == ticket.updated_at
    assert not ticket.last_message_by_staff
    assert ticket.first_response_at is None
    assert log_actions(ticket.pk) == ["wagtail_tickets.opened", "wagtail_tickets.reply"]
    entry = TicketLogEntry.objects.get(ticket_id=ticket.pk, action="wagtail_tickets.reply")
    assert entry.user == customer
    assert entry.data == {"message": message.pk}
    assert [e.kind for e in events] == [EventKind.REPLIED]


def test_agent_reply_sets_first_response_once(support, customer, agent):
    ticket = make_ticket(customer, support)
    actions.add_reply(ticket, actor=agent, body_html="first answer")
    ticket.refresh_from_db()
    first = ticket.first_response_at
    assert first is not None and ticket.last_message_by_staff
    actions.add_reply(ticket, actor=agent, body_html="second answer")
    ticket.refresh_from_db()
    assert ticket.first_response_at == first
    assert ticket.messages.filter(is_staff=True).count() == 2


def test_internal_note_is_agents_only_and_not_a_response(support, customer, agent, events):
    ticket = make_ticket(customer, support)
    events.clear()
    note = actions.add_reply(ticket, actor=agent, body_html="between us", internal=True)
    ticket.refresh_from_db()
    assert note.is_internal
    assert ticket.first_response_at is None
    assert ticket.last_message_by_staff is False
    assert "wagtail_tickets.note" in log_actions(ticket.pk)
    assert [e.kind for e in events] == [EventKind.NOTE]
    with pytest.raises(PermissionDenied):
        actions.add_reply(ticket, actor=customer, body_html="sneaky", internal=True)
    with pytest.raises(PermissionDenied):
        actions.add_reply(ticket, actor=customer, body_html="billing", hours=Decimal("1.5"))
    assert ticket.messages.count() == 2


def test_agent_logs_hours(support, customer, agent):
    ticket = make_ticket(customer, support)
    message = actions.add_reply(ticket, actor=agent, body_html="done", hours=Decimal("0.75"))
    message.refresh_from_db()
    assert message.hours == Decimal("0.75")


def test_reply_by_stranger_is_denied(support, customer, stranger):
    ticket = make_ticket(customer, support)
    with pytest.raises(PermissionDenied):
        actions.add_reply(ticket, actor=stranger, body_html="hi", files=[upload()])
    assert ticket.messages.count() == 1
    assert stored_files() == []


def test_a_user_cannot_write_in_someone_elses_name(support, customer, stranger):
    ticket = make_ticket(customer, support)
    with pytest.raises(PermissionDenied):
        actions.add_reply(ticket, actor=customer, author=stranger, body_html="not me")
    assert ticket.messages.count() == 1


def test_system_reply_on_behalf_of_a_user_is_theirs(support, customer):
    ticket = make_ticket(customer, support)
    message = actions.add_reply(ticket, body_html="by mail", author=customer)
    assert message.author == customer
    assert message.author_email == customer.email


def test_reply_to_closed_ticket_is_denied_for_customer(support, customer):
    ticket = make_ticket(customer, support)
    actions.close_ticket(ticket, actor=customer)
    with pytest.raises(PermissionDenied):
        actions.add_reply(ticket, actor=customer, body_html="one more thing")
    assert ticket.messages.count() == 1


def test_empty_reply_saves_nothing(support, customer):
    ticket = make_ticket(customer, support)
    with pytest.raises(ValidationError):
        actions.add_reply(ticket, actor=customer, body_html="<p>&nbsp;</p>", files=[upload()])
    assert ticket.messages.count() == 1
    assert not Attachment.objects.exists()
    assert stored_files() == []
    assert log_actions(ticket.pk) == ["wagtail_tickets.opened"]


def test_reply_files_removed_when_the_action_fails(support, customer, settings):
    ticket = make_ticket(customer, support)
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "NOTIFIER": f"{__name__}.FailingNotifier",
    }
    with pytest.raises(RuntimeError):
        actions.add_reply(ticket, actor=customer, body_html="x", files=[upload(), upload()])
    assert stored_files() == []
    assert ticket.messages.count() == 1


def test_display_name_is_the_sender_of_later_messages(support, customer):
    actions.set_display_name(customer, "  ACME\r\nSupport\x00 Team ")
    assert customer.ticket_profile.display_name == "ACME Support Team"
    ticket = make_ticket(customer, support)
    message = actions.add_reply(ticket, actor=customer, body_html="hello")
    assert message.author_name == "ACME Support Team"
    assert ticket.messages.first().author_name == "ACME Support Team"
    actions.set_display_name(customer, "")
    assert actions.add_reply(ticket, actor=customer, body_html="x").author_name == "Cleo Client"
    assert message.author_name == "ACME Support Team"  # kept as it was when sent


# close / reopen ------------------------------------------------------------------------


def test_customer_closes_own_ticket(support, customer, events):
    ticket = make_ticket(customer, support)
    events.clear()
    actions.close_ticket(ticket, actor=customer)
    assert ticket.status == closed_status()
    ticket.refresh_from_db()
    assert ticket.is_closed and ticket.closed_at is not None
    entry = TicketLogEntry.objects.get(ticket_id=ticket.pk, action="wagtail_tickets.closed")
    assert entry.user == customer
    assert entry.data == {"changes": {"status": ["Open", "Closed"]}}
    assert [e.kind for e in events] == [EventKind.CLOSED]


def test_closing_twice_changes_nothing(support, customer, events):
    ticket = make_ticket(customer, support)
    actions.close_ticket(ticket)
    events.clear()
    actions.close_ticket(ticket)
    assert log_actions(ticket.pk).count("wagtail_tickets.closed") == 1
    assert events == []


def test_stranger_cannot_close(support, customer, stranger):
    ticket = make_ticket(customer, support)
    with pytest.raises(PermissionDenied):
        actions.close_ticket(ticket, actor=stranger)
    ticket.refresh_from_db()
    assert not ticket.is_closed


def test_reopen_is_for_agents_and_for_customers_within_the_window(support, customer, agent):
    ticket = make_ticket(customer, support)
    actions.close_ticket(ticket, actor=customer)
    Ticket.objects.filter(pk=ticket.pk).update(
        closed_at=ticket.closed_at - datetime.timedelta(days=15)
    )
    ticket.refresh_from_db()
    with pytest.raises(PermissionDenied):
        actions.reopen_ticket(ticket, actor=customer)
    actions.reopen_ticket(ticket, actor=agent)
    ticket.refresh_from_db()
    assert not ticket.is_closed and ticket.closed_at is None
    assert log_actions(ticket.pk)[-1] == "wagtail_tickets.reopened"
    actions.close_ticket(ticket, actor=customer)
    actions.reopen_ticket(ticket, actor=customer)  # just closed: within the window
    ticket.refresh_from_db()
    assert not ticket.is_closed


# delete --------------------------------------------------------------------------------


def test_customer_deletes_own_ticket_and_history_keeps_it(
    support, customer, django_capture_on_commit_callbacks
):
    ticket = make_ticket(customer, support, files=[upload()])
    actions.add_reply(ticket, actor=customer, body_html="x", files=[upload("more.txt")])
    number, pk = ticket.number, ticket.pk
    assert len(stored_files()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_ticket(ticket, actor=customer)
    assert not Ticket.objects.filter(pk=pk).exists()
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files() == []
    entry = TicketLogEntry.objects.get(ticket_id=pk, action="wagtail_tickets.deleted")
    assert entry.user == customer
    assert entry.data["number"] == number
    assert entry.data["subject"] == "Printer on fire"


def test_delete_of_someone_elses_ticket_is_denied(support, customer, stranger):
    ticket = make_ticket(customer, support, files=[upload()])
    with pytest.raises(PermissionDenied):
        actions.delete_ticket(ticket, actor=stranger)
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert len(stored_files()) == 1


def test_delete_needs_the_delete_level(support):
    writer = UserFactory()
    grant(writer, support, Level.WRITE)
    writer = fresh(writer)
    ticket = make_ticket(writer, support)
    with pytest.raises(PermissionDenied):
        actions.delete_ticket(ticket, actor=writer)


def test_delete_rolled_back_keeps_files(support, customer, django_capture_on_commit_callbacks):
    ticket = make_ticket(customer, support, files=[upload()])
    pk = ticket.pk
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                actions.delete_ticket(ticket, actor=customer)
                raise RuntimeError("later step failed")
    assert callbacks == []
    assert Ticket.objects.filter(pk=pk).exists()
    assert Attachment.objects.filter(message__ticket_id=pk).count() == 1
    assert len(stored_files()) == 1


# change / claim ------------------------------------------------------------------------


def test_agent_changes_fields(support, customer, agent, events):
    ticket = make_ticket(customer, support)
    events.clear()
    high = PriorityFactory(name="Critical")
    waiting = Status.objects.get(name="In progress")
    changes = actions.change_ticket(ticket, actor=agent, priority=high, status=waiting)
    assert changes == {"priority": ("Normal", "Critical"), "status": ("Open", "In progress")}
    ticket.refresh_from_db()
    assert ticket.priority == high and ticket.status == waiting
    entry = TicketLogEntry.objects.get(ticket_id=ticket.pk, action="wagtail_tickets.changed")
    assert entry.user == agent
    assert entry.data == {
        "changes": {"priority": ["Normal", "Critical"], "status": ["Open", "In progress"]}
    }
    assert [e.kind for e in events] == [EventKind.CHANGED]


def test_change_without_difference_records_nothing(support, customer, agent, events):
    ticket = make_ticket(customer, support)
    events.clear()
    assert actions.change_ticket(ticket, actor=agent, priority=ticket.priority) == {}
    assert log_actions(ticket.pk) == ["wagtail_tickets.opened"]
    assert events == []


def test_change_by_customer_is_denied(support, customer):
    ticket = make_ticket(customer, support)
    with pytest.raises(PermissionDenied):
        actions.change_ticket(ticket, actor=customer, priority=PriorityFactory())
    ticket.refresh_from_db()
    assert ticket.priority == normal_priority()


def test_change_of_unknown_field_is_refused(support, customer, agent):
    ticket = make_ticket(customer, support)
    with pytest.raises(TypeError):
        actions.change_ticket(ticket, actor=agent, number="1")
    with pytest.raises(TypeError):
        actions.change_ticket(ticket, actor=agent, requester=agent)


def test_move_to_a_type_the_agent_does_not_manage_is_denied(support, customer, agent):
    billing = TicketTypeFactory(name="Billing")
    ticket = make_ticket(customer, support)
    with pytest.raises(PermissionDenied):
        actions.change_ticket(ticket, actor=agent, ticket_type=billing)
    grant(agent, billing, Level.MANAGE)
    agent = fresh(agent)
    actions.change_ticket(ticket, actor=agent, ticket_type=billing)
    ticket.refresh_from_db()
    assert ticket.ticket_type == billing


def test_only_agents_of_the_type_can_be_assigned(support, customer, agent, stranger):
    ticket = make_ticket(customer, support)
    with pytest.raises(ValidationError):
        actions.change_ticket(ticket, actor=agent, assignee=stranger)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_claim(support, customer, agent, events):
    ticket = make_ticket(customer, support)
    events.clear()
    assert actions.claim_ticket(ticket, actor=agent) == {"assignee": ("", "Ada Agent")}
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert [e.kind for e in events] == [EventKind.CLAIMED]
    with pytest.raises(PermissionDenied):
        actions.claim_ticket(ticket, actor=customer)


def test_assign_to_colleague_is_not_a_claim(support, customer, agent, events):
    colleague = UserFactory(first_name="Bo", last_name="Agent")
    grant(colleague, support, Level.MANAGE, group_name="Agents")
    ticket = make_ticket(customer, support)
    events.clear()
    actions.change_ticket(ticket, actor=agent, assignee=colleague)
    assert [e.kind for e in events] == [EventKind.ASSIGNED]


def test_status_change_to_closed_sets_closed_at(
    support, customer, agent, django_capture_on_commit_callbacks
):
    ticket = make_ticket(customer, support)
    closed = []
    reopened = []

    def on_closed(sender, ticket, **kwargs):
        closed.append(ticket.pk)

    def on_reopened(sender, ticket, **kwargs):
        reopened.append(ticket.pk)

    signals.ticket_closed.connect(on_closed)
    signals.ticket_reopened.connect(on_reopened)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            actions.change_ticket(ticket, actor=agent, status=closed_status())
        ticket.refresh_from_db()
        assert ticket.closed_at is not None
        with django_capture_on_commit_callbacks(execute=True):
            actions.change_ticket(ticket, actor=agent, status=open_status())
        ticket.refresh_from_db()
        assert ticket.closed_at is None
    finally:
        signals.ticket_closed.disconnect(on_closed)
        signals.ticket_reopened.disconnect(on_reopened)
    assert closed == [ticket.pk]
    assert reopened == [ticket.pk]


# signals after commit ------------------------------------------------------------------


@pytest.fixture
def received():
    calls: list[tuple[str, dict]] = []
    receivers = {}
    for name in (
        "ticket_opened",
        "message_added",
        "ticket_changed",
        "ticket_closed",
        "ticket_deleted",
    ):

        def receiver(sender, _name=name, **kwargs):
            calls.append((_name, kwargs))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver)
    yield calls
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


def test_signals_wait_for_commit(support, customer, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = make_ticket(customer, support, actor=customer)
    assert received == []
    for callback in callbacks:
        callback()
    assert [name for name, _ in received] == ["ticket_opened", "message_added"]
    assert received[0][1]["ticket"] == ticket
    assert received[0][1]["actor"] == customer
    assert received[1][1]["message"] == ticket.messages.get()


def test_no_signal_for_a_rolled_back_change(
    support, customer, received, django_capture_on_commit_callbacks
):
    ticket = make_ticket(customer, support)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                actions.add_reply(ticket, actor=customer, body_html="x")
                actions.close_ticket(ticket, actor=customer)
                raise RuntimeError("the request failed later")
    assert callbacks == []
    assert received == []
    ticket.refresh_from_db()
    assert not ticket.is_closed
    assert ticket.messages.count() == 1


def test_no_signal_for_a_failed_action(
    support, customer, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValidationError):
            make_ticket(customer, support, body="")
    assert callbacks == [] and received == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_signals_follow_the_real_commit(received):
    """With real transactions: nothing is sent inside the outer block, everything after
    it commits, and nothing at all when it rolls back."""
    support = TicketTypeFactory(name="Support")
    user = UserFactory()
    with transaction.atomic():
        ticket = make_ticket(user, support)
        actions.close_ticket(ticket)
        assert received == []
    assert [name for name, _ in received] == [
        "ticket_opened",
        "message_added",
        "ticket_changed",
        "ticket_closed",
    ]
    received.clear()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            actions.reopen_ticket(ticket)
            actions.add_reply(ticket, body_html="late")
            raise RuntimeError
    assert received == []
    ticket.refresh_from_db()
    assert ticket.is_closed
    actions.delete_ticket(ticket)
    assert [(name, kw["number"]) for name, kw in received] == [("ticket_deleted", ticket.number)]


# new CC addresses per person -----------------------------------------------------------


@pytest.fixture
def cc_limit(settings, django_capture_on_commit_callbacks):
    """A limit of 5 new CC addresses per hour on a fresh cache; ``opened(...)`` opens a
    ticket as the customer would and runs what its commit runs (the counting)."""
    from django.core.cache import cache

    cache.clear()
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "CC_NEW_ADDRESSES_RATE": (5, 3600)}

    def opened(user, support, cc, subject="Hello"):
        with django_capture_on_commit_callbacks(execute=True):
            return actions.open_ticket(
                ticket_type=support,
                subject=subject,
                body_html="<p>x</p>",
                actor=user,
                requester=user,
                cc=cc,
            )

    yield opened
    cache.clear()


def addresses(*numbers) -> list[str]:
    return [f"person{n}@elsewhere.example" for n in numbers]


def test_new_cc_addresses_are_limited_across_tickets(support, customer, cc_limit):
    cc_limit(customer, support, addresses(1, 2, 3))
    cc_limit(customer, support, addresses(4, 5, 1))  # 1 is not new: 5 in all
    cc_limit(customer, support, addresses(2, 3))  # only known ones: always fine
    before = Ticket.objects.count(), Message.objects.count()
    with pytest.raises(ValidationError) as refused:
        cc_limit(customer, support, addresses(6))
    assert refused.value.code == "cc_rate_limit"
    assert "at most 5 new CC addresses" in refused.value.messages[0]
    # nothing half-saved, and the refused address was not counted
    assert (Ticket.objects.count(), Message.objects.count()) == before
    with pytest.raises(ValidationError):
        cc_limit(customer, support, addresses(1, 7))
    cc_limit(customer, support, addresses(1, 2, 3, 4, 5))


def test_one_submission_over_the_limit_is_refused_whole(support, customer, cc_limit):
    with pytest.raises(ValidationError):
        cc_limit(customer, support, addresses(1, 2, 3, 4, 5, 6))
    assert Ticket.objects.count() == 0
    cc_limit(customer, support, addresses(1, 2, 3, 4, 5))  # nothing of the first counted


def test_case_and_duplicate_variants_count_once(support, customer, cc_limit):
    variants = ["Boss@Acme.example", "boss@acme.example", "BOSS@ACME.EXAMPLE", "boss@Acme.example",
                "bOSS@acme.example", "BoSs@acme.example", " boss@acme.example "]  # fmt: skip
    cc_limit(customer, support, variants)  # seven spellings, one address
    cc_limit(customer, support, ["bOsS@aCmE.eXaMpLe", *addresses(1, 2, 3, 4)])
    with pytest.raises(ValidationError):
        cc_limit(customer, support, addresses(5))


def test_each_person_has_their_own_limit(support, customer, stranger, cc_limit):
    cc_limit(customer, support, addresses(1, 2, 3, 4, 5))
    cc_limit(stranger, support, addresses(1, 2, 3, 4, 5))
    with pytest.raises(ValidationError):
        cc_limit(stranger, support, addresses(6))


def test_the_limit_starts_again_after_its_window(support, customer, cc_limit, monkeypatch):
    from types import SimpleNamespace

    from wagtail_tickets.external import throttle

    now = [1_000_000 * 3600.0]
    monkeypatch.setattr(throttle, "time", SimpleNamespace(time=lambda: now[0]))
    cc_limit(customer, support, addresses(1, 2, 3, 4, 5))
    now[0] += 3599
    with pytest.raises(ValidationError):
        cc_limit(customer, support, addresses(6))
    now[0] += 1  # the next hour
    cc_limit(customer, support, addresses(6, 7, 8, 9, 10))
    with pytest.raises(ValidationError):
        cc_limit(customer, support, addresses(11))


def test_agents_adding_addresses_are_not_limited(support, customer, agent, cc_limit):
    """Agents open tickets for customers and edit the CC list in the admin: their additions
    neither count against the customer nor are limited."""
    with transaction.atomic():
        ticket = actions.open_ticket(
            ticket_type=support,
            subject="For Cleo",
            body_html="<p>x</p>",
            actor=agent,
            requester=customer,
            cc=addresses(1, 2, 3, 4, 5, 6),
        )
    actions.change_ticket(ticket, actor=agent, cc="\n".join(addresses(7, 8, 9, 10, 11, 12)))
    cc_limit(customer, support, addresses(20, 21, 22, 23, 24))


def test_no_limit_when_switched_off(support, customer, cc_limit, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "CC_NEW_ADDRESSES_RATE": (0, 3600)}
    for start in (1, 11, 21):
        cc_limit(customer, support, addresses(*range(start, start + 10)))
    assert Ticket.objects.count() == 3


# moving to another type ----------------------------------------------------------------


def test_moving_to_a_type_the_assignee_is_not_an_agent_of_unassigns_them(
    support, customer, agent, events
):
    billing = TicketTypeFactory(name="Billing")
    boss = UserFactory(username="boss")
    grant(boss, support, Level.MANAGE, group_name="Agents")
    grant(boss, billing, Level.MANAGE, group_name="Billing team")
    ticket = make_ticket(customer, support)
    actions.change_ticket(ticket, actor=agent, assignee=agent)
    events.clear()
    changes = actions.change_ticket(ticket, actor=fresh(boss), ticket_type=billing)
    assert changes == {"ticket_type": ("Support", "Billing"), "assignee": ("Ada Agent", "")}
    ticket.refresh_from_db()
    assert ticket.ticket_type == billing and ticket.assignee is None
    entry = TicketLogEntry.objects.filter(
        ticket_id=ticket.pk, action="wagtail_tickets.changed"
    ).latest("pk")
    assert entry.data == {
        "changes": {"ticket_type": ["Support", "Billing"], "assignee": ["Ada Agent", ""]}
    }
    assert [e.kind for e in events] == [EventKind.CHANGED]


def test_moving_keeps_an_assignee_who_is_an_agent_of_the_new_type(support, customer, agent):
    billing = TicketTypeFactory(name="Billing")
    grant(agent, billing, Level.MANAGE, group_name="Billing team")
    agent = fresh(agent)
    ticket = make_ticket(customer, support)
    actions.change_ticket(ticket, actor=agent, assignee=agent)
    assert actions.change_ticket(ticket, actor=agent, ticket_type=billing) == {
        "ticket_type": ("Support", "Billing")
    }
    ticket.refresh_from_db()
    assert ticket.ticket_type == billing and ticket.assignee == agent


def test_moving_by_the_system_applies_the_same_rule(support, customer, agent):
    billing = TicketTypeFactory(name="Billing")
    ticket = make_ticket(customer, support)
    actions.change_ticket(ticket, assignee=agent)
    actions.change_ticket(ticket, ticket_type=billing)
    ticket.refresh_from_db()
    assert ticket.ticket_type == billing and ticket.assignee is None


def test_moving_with_an_assignee_given_keeps_the_one_given(support, customer, agent):
    billing = TicketTypeFactory(name="Billing")
    clerk = UserFactory(username="clerk", first_name="Cy", last_name="Clerk")
    grant(clerk, billing, Level.MANAGE, group_name="Billing team")
    ticket = make_ticket(customer, support)
    actions.change_ticket(ticket, assignee=agent)
    actions.change_ticket(ticket, ticket_type=billing, assignee=clerk)
    ticket.refresh_from_db()
    assert ticket.ticket_type == billing and ticket.assignee == clerk
    with pytest.raises(ValidationError):
        actions.change_ticket(ticket, ticket_type=support, assignee=clerk)
    ticket.refresh_from_db()
    assert ticket.ticket_type == billing and ticket.assignee == clerk


# closed_at follows the status ----------------------------------------------------------


def test_closed_at_is_kept_between_closed_statuses_and_by_other_changes(support, customer, agent):
    rejected = Status.objects.create(name="Rejected", is_closed=True)
    ticket = make_ticket(customer, support)
    actions.change_ticket(ticket, actor=agent, status=closed_status())
    ticket.refresh_from_db()
    closed_at = ticket.closed_at
    assert closed_at is not None and not ticket.is_open
    # the workspace's change form sends the status with every other field
    actions.change_ticket(
        ticket, actor=agent, status=closed_status(), priority=PriorityFactory(name="Later")
    )
    actions.change_ticket(ticket, actor=agent, status=rejected)
    ticket.refresh_from_db()
    assert ticket.status == rejected and ticket.closed_at == closed_at and not ticket.is_open
    actions.change_ticket(ticket, actor=agent, status=open_status())
    ticket.refresh_from_db()
    assert ticket.closed_at is None and ticket.is_open


# replacing a deleted status ------------------------------------------------------------


@pytest.fixture
def administrator(db):
    return UserFactory(username="root", first_name="Ro", last_name="Ot", is_superuser=True)


@pytest.fixture
def replacement_batch(settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "STATUS_REPLACEMENT_BATCH_SIZE": 2}


def test_replace_status_moves_each_ticket_as_a_status_change_would(
    support, customer, administrator, events, received, django_capture_on_commit_callbacks
):
    waiting = Status.objects.get(name="Answer")
    tickets = [make_ticket(customer, support) for _index in range(3)]
    for ticket in tickets:
        actions.change_ticket(ticket, status=waiting)
    other = make_ticket(customer, support)
    events.clear()
    received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moved = actions.replace_status(waiting, closed_status(), actor=administrator)
    assert moved == 3
    assert not Status.objects.filter(pk=waiting.pk).exists()
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == closed_status() and not ticket.is_open
        assert ticket.closed_at is not None
        entry = TicketLogEntry.objects.filter(
            ticket_id=ticket.pk, action="wagtail_tickets.changed"
        ).latest("pk")
        assert entry.user == administrator
        assert entry.data == {"changes": {"status": ["Answer", "Closed"]}}
    other.refresh_from_db()
    assert other.status == open_status() and other.is_open
    # nobody is mailed or shown anything per ticket: no event reaches the notifier
    assert events == []
    names = [(name, kwargs["ticket"].pk) for name, kwargs in received]
    for ticket in tickets:
        assert ("ticket_changed", ticket.pk) in names and ("ticket_closed", ticket.pk) in names
    assert len(names) == 6
    changed = [kwargs for name, kwargs in received if name == "ticket_changed"]
    assert all(kwargs["changes"] == {"status": ("Answer", "Closed")} for kwargs in changed)
    assert all(kwargs["actor"] == administrator for kwargs in changed)


def test_replace_status_reopens_and_keeps_closed_at_as_closing_does(
    support, customer, administrator
):
    done = Status.objects.create(name="Done", is_closed=True)
    rejected = Status.objects.create(name="Rejected", is_closed=True)
    reopening = make_ticket(customer, support)
    staying_closed = make_ticket(customer, support)
    actions.change_ticket(reopening, status=done)
    actions.change_ticket(staying_closed, status=rejected)
    staying_closed.refresh_from_db()
    closed_at = staying_closed.closed_at
    assert actions.replace_status(done, Status.objects.get(name="In progress")) == 1
    reopening.refresh_from_db()
    assert reopening.status.name == "In progress"
    assert reopening.is_open and reopening.closed_at is None
    assert actions.replace_status(rejected, closed_status(), actor=administrator) == 1
    staying_closed.refresh_from_db()
    assert staying_closed.status == closed_status()
    assert staying_closed.closed_at == closed_at and not staying_closed.is_open


def test_replace_status_works_in_batches_in_id_order(
    support, customer, administrator, replacement_batch, monkeypatch
):
    waiting = Status.objects.get(name="Answer")
    tickets = [make_ticket(customer, support) for _index in range(5)]
    for ticket in tickets:
        actions.change_ticket(ticket, status=waiting)
    batches = []
    lock = actions._lock_tickets_in_status

    def spy(status, *, after=0, limit=None):
        found = lock(status, after=after, limit=limit)
        batches.append((limit, [t.pk for t in found]))
        return found

    monkeypatch.setattr(actions, "_lock_tickets_in_status", spy)
    assert actions.replace_status(waiting, open_status(), actor=administrator) == 5
    pks = [t.pk for t in tickets]
    assert batches[:4] == [(2, pks[0:2]), (2, pks[2:4]), (2, pks[4:]), (2, [])]
    # the last transaction finds nothing left, then deletes the status
    assert [found for _limit, found in batches[4:]] == [[], []]
    assert not Status.objects.filter(pk=waiting.pk).exists()
    assert Ticket.objects.filter(pk__in=pks, status=open_status()).count() == 5


def test_replace_status_moves_tickets_given_the_old_status_meanwhile(
    support, customer, administrator, replacement_batch, monkeypatch
):
    waiting = Status.objects.get(name="Answer")
    early, late = make_ticket(customer, support), make_ticket(customer, support)
    tickets = [make_ticket(customer, support) for _index in range(3)]
    for ticket in tickets:
        actions.change_ticket(ticket, status=waiting)
    lock = actions._lock_tickets_in_status
    calls = []

    def agent_meanwhile(status, *, after=0, limit=None):
        calls.append(after)
        if len(calls) == 2:  # after the first batch, an agent picks the old status
            actions.change_ticket(early, status=waiting)
        return lock(status, after=after, limit=limit)

    monkeypatch.setattr(actions, "_lock_tickets_in_status", agent_meanwhile)
    assert actions.replace_status(waiting, open_status(), actor=administrator) == 4
    early.refresh_from_db()
    late.refresh_from_db()
    assert early.status == open_status() and late.status == open_status()
    assert not Status.objects.filter(pk=waiting.pk).exists()


def test_replace_status_without_tickets_deletes_the_status(administrator):
    spare = Status.objects.create(name="Spare")
    assert actions.replace_status(spare, open_status(), actor=administrator) == 0
    assert not Status.objects.filter(pk=spare.pk).exists()


def test_replace_status_refuses_itself_and_deleted_statuses(support, customer, administrator):
    waiting = Status.objects.get(name="Answer")
    ticket = make_ticket(customer, support)
    actions.change_ticket(ticket, status=waiting)
    with pytest.raises(ValidationError, match="cannot replace itself"):
        actions.replace_status(waiting, waiting, actor=administrator)
    with pytest.raises(ValidationError, match="cannot replace itself"):
        actions.replace_status(waiting, Status.objects.get(pk=waiting.pk), actor=administrator)
    gone = Status.objects.create(name="Gone")
    gone_copy = Status.objects.get(pk=gone.pk)
    gone.delete()
    with pytest.raises(ValidationError, match="“Gone” no longer exists"):
        actions.replace_status(waiting, gone_copy, actor=administrator)
    ticket.refresh_from_db()
    assert ticket.status == waiting
    assert Status.objects.filter(pk=waiting.pk).exists()
    unsaved = Status(pk=987654, name="Never saved")
    with pytest.raises(ValidationError, match="no longer exists"):
        actions.replace_status(waiting, unsaved, actor=administrator)
    # the same deletion twice: the second finds the status gone
    stale = Status.objects.get(pk=waiting.pk)
    assert actions.replace_status(waiting, open_status(), actor=administrator) == 1
    with pytest.raises(ValidationError, match="“Answer” has already been deleted"):
        actions.replace_status(stale, open_status(), actor=administrator)
    ticket.refresh_from_db()
    assert ticket.status == open_status()
    assert (
        TicketLogEntry.objects.filter(
            ticket_id=ticket.pk,
            action="wagtail_tickets.changed",
            data__changes__status__isnull=False,
        ).count()
        == 2
    )


def test_replace_status_needs_the_permission_to_delete_statuses(support, customer, agent):
    from django.contrib.auth.models import Permission

    waiting = Status.objects.get(name="Answer")
    ticket = make_ticket(customer, support)
    actions.change_ticket(ticket, status=waiting)
    for user in (agent, customer):
        with pytest.raises(PermissionDenied):
            actions.replace_status(waiting, open_status(), actor=user)
    ticket.refresh_from_db()
    assert ticket.status == waiting
    clerk = UserFactory(username="clerk")
    clerk.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtail_tickets", codename="delete_status")
    )
    inactive = UserFactory(username="gone", is_superuser=True, is_active=False)
    with pytest.raises(PermissionDenied):
        actions.replace_status(waiting, open_status(), actor=inactive)
    assert actions.replace_status(waiting, open_status(), actor=fresh(clerk)) == 1


def test_replace_status_rolls_back_the_batch_that_fails(
    support, customer, administrator, replacement_batch, monkeypatch
):
    waiting = Status.objects.get(name="Answer")
    tickets = [make_ticket(customer, support) for _index in range(3)]
    for ticket in tickets:
        actions.change_ticket(ticket, status=waiting)
    apply = actions._apply_changes

    def fail_on_the_third(locked, values, **kwargs):
        if locked.pk == tickets[2].pk:
            raise RuntimeError("database went away")
        return apply(locked, values, **kwargs)

    monkeypatch.setattr(actions, "_apply_changes", fail_on_the_third)
    with pytest.raises(RuntimeError):
        actions.replace_status(waiting, open_status(), actor=administrator)
    statuses = [Ticket.objects.get(pk=t.pk).status for t in tickets]
    # the first batch is done, whole; the failed one changed nothing
    assert statuses == [open_status(), open_status(), waiting]
    assert Status.objects.filter(pk=waiting.pk).exists()
    monkeypatch.setattr(actions, "_apply_changes", apply)
    assert actions.replace_status(waiting, open_status(), actor=administrator) == 1
    assert not Status.objects.filter(pk=waiting.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_administrators_deleting_one_status_at_once():
    """Two deletions of the same status race on their own connections: every ticket moves
    once, to one replacement; the status is deleted once; the other gets a clear error."""
    import threading

    from django.db import connections

    assert connection.vendor == "postgresql"
    support = TicketTypeFactory(name="Race")
    user = UserFactory(username="racer")
    waiting = Status.objects.create(name="Waiting for parts")
    tickets = [make_ticket(user, support) for _index in range(30)]
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(status=waiting)
    targets = [Status.objects.get(name="In progress"), Status.objects.get(name="Report")]
    start = threading.Barrier(2)
    results: list = []
    lock = threading.Lock()

    def worker(target):
        try:
            start.wait(timeout=30)
            outcome = actions.replace_status(Status.objects.get(pk=waiting.pk), target)
        except BaseException as exc:  # reported below, the thread must not die silently
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    errors = [r for r in results if isinstance(r, BaseException)]
    counts = [r for r in results if isinstance(r, int)]
    # one deletes the status (having moved the tickets, or finding them moved by the
    # other); the other is told it is gone
    assert len(counts) == 1 and counts[0] in (0, 30)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), errors
    assert "already been deleted" in " ".join(errors[0].messages)
    assert not Status.objects.filter(pk=waiting.pk).exists()
    moved = Ticket.objects.filter(pk__in=[t.pk for t in tickets])
    assert moved.filter(status__in=targets).count() == 30
    entries = TicketLogEntry.objects.filter(
        ticket_id__in=[t.pk for t in tickets], action="wagtail_tickets.changed"
    )
    assert entries.count() == 30


# bulk_change ---------------------------------------------------------------------------


@pytest.fixture
def bulk_world(support, customer, agent):
    """Three Support tickets the agent manages, one of a type they do not, and a colleague
    who is an agent of Support only."""
    other = TicketTypeFactory(name="Other")
    grant(customer, other, Level.WRITE, group_name="Customers")
    colleague = UserFactory(username="colleague", first_name="Col", last_name="League")
    grant(colleague, support, Level.MANAGE, group_name="Agents")
    mine = [make_ticket(customer, support, subject=f"Support {n}") for n in range(3)]
    foreign = make_ticket(customer, other, subject="Not the agent's")
    return {"mine": mine, "foreign": foreign, "colleague": fresh(colleague), "other": other}


def test_bulk_change_changes_each_managed_ticket_with_its_own_history_and_event(
    bulk_world, agent, events
):
    mine, foreign = bulk_world["mine"], bulk_world["foreign"]
    waiting = Status.objects.get(name="In progress")
    ids = [t.pk for t in mine] + [foreign.pk, 999_999]
    result = actions.bulk_change(ids, actor=agent, field="status", value=waiting)
    assert result == actions.BulkResult(changed=3, unchanged=0, skipped=2, refused=0)
    for ticket in mine:
        ticket.refresh_from_db()
        assert ticket.status == waiting
        assert log_actions(ticket.pk)[-1] == "wagtail_tickets.changed"
    foreign.refresh_from_db()
    assert foreign.status == open_status()
    assert log_actions(foreign.pk) == ["wagtail_tickets.opened"]
    changed = [e for e in events if e.kind == EventKind.CHANGED]
    assert sorted(e.ticket.pk for e in changed) == sorted(t.pk for t in mine)
    # again: nothing changes, no history, no event
    events.clear()
    again = actions.bulk_change(ids, actor=agent, field="status", value=waiting)
    assert again == actions.BulkResult(changed=0, unchanged=3, skipped=2, refused=0)
    assert events == []


def test_bulk_assign_refuses_tickets_whose_type_the_assignee_does_not_serve(
    bulk_world, agent, support, events
):
    colleague, other = bulk_world["colleague"], bulk_world["other"]
    grant(agent, other, Level.MANAGE, group_name="Other agents")
    agent = fresh(agent)
    ids = [t.pk for t in bulk_world["mine"]] + [bulk_world["foreign"].pk]
    result = actions.bulk_change(ids, actor=agent, field="assignee", value=colleague)
    assert result == actions.BulkResult(changed=3, unchanged=0, skipped=0, refused=1)
    assert Ticket.objects.filter(assignee=colleague).count() == 3
    assert {e.kind for e in events if e.kind != EventKind.OPENED} == {EventKind.ASSIGNED}
    # and back to nobody
    result = actions.bulk_change(ids, actor=agent, field="assignee", value=None)
    assert result.changed == 3 and result.unchanged == 1
    assert not Ticket.objects.filter(assignee__isnull=False).exists()


def test_bulk_close_closes_open_tickets_and_counts_closed_ones(bulk_world, agent, events):
    first, second, third = bulk_world["mine"]
    actions.close_ticket(first, actor=agent)
    result = actions.bulk_change([first.pk, second.pk, third.pk], actor=agent, field="close")
    assert result == actions.BulkResult(changed=2, unchanged=1, skipped=0, refused=0)
    assert set(
        Ticket.objects.values_list("status__is_closed", flat=True).filter(
            pk__in=[first.pk, second.pk, third.pk]
        )
    ) == {True}
    assert log_actions(second.pk)[-1] == "wagtail_tickets.closed"
    assert [e.ticket.pk for e in events if e.kind == EventKind.CLOSED] == [
        first.pk,
        second.pk,
        third.pk,
    ]


def test_bulk_change_saves_nothing_when_one_ticket_fails(bulk_world, agent, monkeypatch):
    """One transaction: an error on the third ticket leaves the first two as they were."""
    urgent = PriorityFactory(name="Bulk urgent")
    real = actions.change_ticket
    calls = []

    def failing(ticket, **kwargs):
        calls.append(ticket.pk)
        if len(calls) == 3:
            raise ValidationError("broken")
        return real(ticket, **kwargs)

    monkeypatch.setattr(actions, "change_ticket", failing)
    ids = [t.pk for t in bulk_world["mine"]]
    with pytest.raises(ValidationError):
        actions.bulk_change(ids, actor=agent, field="priority", value=urgent)
    assert len(calls) == 3
    assert not Ticket.objects.filter(priority=urgent).exists()
    for pk in ids:
        assert log_actions(pk) == ["wagtail_tickets.opened"]


def test_bulk_change_takes_known_fields_only(bulk_world, agent):
    for field in ("subject", "ticket_type", "target_date", ""):
        with pytest.raises(TypeError):
            actions.bulk_change([bulk_world["mine"][0].pk], actor=agent, field=field, value=None)


def test_bulk_change_queries_grow_with_the_tickets_changed_not_the_ids_given(bulk_world, agent):
    """Ids of no ticket or of others' types cost nothing per id."""
    waiting = Status.objects.get(name="In progress")
    unknown = list(range(900_000, 900_400))
    with CaptureQueriesContext(connection) as few:
        actions.bulk_change(
            unknown + [bulk_world["foreign"].pk], actor=agent, field="status", value=waiting
        )
    assert len(few) <= 4
