"""The messages of a fetched group are imported in one transaction, and when anything in
it fails, one by one: a bad message still goes to the quarantine alone, nothing is
imported twice, and only what committed leaves the server."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CompanyFactory, UserFactory
from tests.mail import corpus
from wagtail_tickets import actions, permissions
from wagtail_tickets.mail import importer
from wagtail_tickets.mail.importer import import_mailbox
from wagtail_tickets.models import (
    InboundMessage,
    Message,
    PendingNotification,
    QuarantinedMessage,
    Ticket,
)
from wagtail_tickets.notifications import sending

pytestmark = pytest.mark.django_db


def run(mailbox):
    report = import_mailbox(mailbox)
    assert not report.error, report.error
    return report


def ready_for_the_next_run(mailbox):
    mailbox.refresh_from_db()
    mailbox.locked_until = None  # a dead worker's lease would expire; do not wait for it
    mailbox.save(update_fields=["locked_until"])


@pytest.fixture
def together(monkeypatch):
    """Each call of ``_import_together`` with the number of messages it was given, and
    whether it kept them."""
    calls: list[tuple[int, bool]] = []
    real = importer._import_together

    def counted(items, *args, **kwargs):
        try:
            outcomes = real(items, *args, **kwargs)
        except Exception:
            calls.append((len(items), False))
            raise
        calls.append((len(items), True))
        return outcomes

    monkeypatch.setattr(importer, "_import_together", counted)
    return calls


def fails_once_on(monkeypatch, subject, error):
    """``_change_ticket`` raises ``error()`` the first time it meets ``subject``."""
    real = importer._change_ticket
    failed = []

    def change(parsed, *args, **kwargs):
        if parsed.subject == subject and not failed:
            failed.append(subject)
            error()
        return real(parsed, *args, **kwargs)

    monkeypatch.setattr(importer, "_change_ticket", change)
    return failed


def test_a_group_is_imported_in_one_transaction(imap, mailbox, together):
    imap.append(*(corpus.plain(subject=f"mail {n}") for n in range(4)))
    report = run(mailbox)
    assert (report.imported, report.quarantined) == (4, 0)
    assert together == [(4, True)]
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        f"mail {n}" for n in range(4)
    ]
    ledger = InboundMessage.objects.order_by("uid")
    assert [e.outcome for e in ledger] == ["opened"] * 4
    assert [e.ticket.subject for e in ledger] == [f"mail {n}" for n in range(4)]
    assert all(e.ticket_message.ticket_id == e.ticket_id for e in ledger)
    assert PendingNotification.objects.count() == 4
    assert imap.messages() == []


def test_a_transaction_holds_at_most_ten_messages(imap, mailbox, together):
    """Web users opening a ticket wait for the counters a transaction of mail holds: a
    fetched group of 25 is imported in transactions of 10, 10 and 5."""
    imap.append(*(corpus.plain(subject=f"mail {n}") for n in range(25)))
    assert run(mailbox).imported == 25
    assert together == [(10, True), (10, True), (5, True)]
    assert InboundMessage.objects.filter(outcome="opened").count() == 25
    assert imap.messages() == []


def test_replies_and_ignored_mail_in_one_group(imap, mailbox, together):
    """A reply to a ticket opened earlier in the same group finds it; an auto-reply is
    recorded as ignored with its reason."""
    imap.append(
        corpus.plain(subject="Printer", message_id="<first@customer.example>"),
        corpus.auto_reply(),
        corpus.plain(subject="Re: Printer", in_reply_to="<first@customer.example>"),
    )
    report = run(mailbox)
    assert (report.imported, report.replies, report.ignored) == (1, 1, 1)
    assert together == [(3, True)]
    ticket = Ticket.objects.get()
    assert ticket.messages.count() == 2
    ignored = InboundMessage.objects.get(outcome="ignored")
    assert ignored.reason and ignored.ticket is None
    assert InboundMessage.objects.get(outcome="reply").ticket == ticket


def test_a_bad_message_goes_to_the_quarantine_alone(imap, mailbox, together):
    """One that cannot be parsed never joins the group; the others are imported together."""
    imap.append(corpus.plain(subject="one"), corpus.plain(subject="two"), corpus.no_sender())
    report = run(mailbox)
    assert (report.imported, report.quarantined) == (2, 1)
    assert together == [(2, True)]
    assert QuarantinedMessage.objects.count() == 1
    assert InboundMessage.objects.count() == 3
    assert imap.messages() == []


def test_a_message_that_fails_in_the_group_is_quarantined_and_the_others_imported_once(
    imap, mailbox, together, monkeypatch
):
    def refuse():
        raise ValueError("this message breaks the ticket change")

    real = importer._change_ticket

    def change(parsed, *args, **kwargs):
        if parsed.subject == "bad":
            refuse()
        return real(parsed, *args, **kwargs)

    monkeypatch.setattr(importer, "_change_ticket", change)
    imap.append(*(corpus.plain(subject=s) for s in ("one", "bad", "three")))
    report = run(mailbox)
    assert (report.imported, report.quarantined) == (2, 1)
    assert together == [(3, False)]  # rolled back whole, then one by one
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["one", "three"]
    assert "breaks the ticket change" in QuarantinedMessage.objects.get().reason
    assert InboundMessage.objects.count() == 3
    assert Message.objects.count() == 2
    assert PendingNotification.objects.count() == 2  # none left by the rolled back group
    assert imap.messages() == []


def test_a_duplicate_of_an_earlier_message_in_a_group(imap, mailbox, together):
    """Its ledger key is taken: the group's claim fails, and one by one the copy is found
    to be a duplicate while the others are imported."""
    first = corpus.plain(subject="first", message_id="<once@customer.example>")
    imap.append(first)
    assert run(mailbox).imported == 1
    imap.append(corpus.plain(subject="before"), first, corpus.plain(subject="after"))
    report = run(mailbox)
    assert (report.imported, report.ignored) == (2, 1)
    assert together == [(3, False)]
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["after", "before", "first"]
    assert InboundMessage.objects.count() == 3
    assert imap.messages() == []


def test_two_copies_in_one_group_are_imported_once(imap, mailbox, together):
    copy = corpus.plain(subject="twice", message_id="<twice@customer.example>")
    imap.append(copy, copy)
    report = run(mailbox)
    assert (report.imported, report.ignored) == (1, 1)
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1
    assert imap.messages() == []


def test_a_database_error_half_way_rolls_back_everything_then_one_by_one_succeeds(
    imap, mailbox, together, monkeypatch
):
    def database_error():
        # a real error of the database, which on PostgreSQL aborts the transaction
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_here")

    failed = fails_once_on(monkeypatch, "two", database_error)
    imap.append(*(corpus.plain(subject=s) for s in ("one", "two", "three")))
    report = run(mailbox)
    assert failed == ["two"]
    assert (report.imported, report.quarantined) == (3, 0)
    assert together == [(3, False)]
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["one", "three", "two"]
    assert Message.objects.count() == 3 and InboundMessage.objects.count() == 3
    assert PendingNotification.objects.count() == 3
    assert imap.messages() == []


def test_the_lease_lost_after_a_group_stops_the_run(imap, mailbox, together, monkeypatch):
    """The group that committed leaves the server; the next groups wait for the worker
    that holds the lease now."""
    monkeypatch.setattr(importer, "FETCH_GROUP_MESSAGES", 2)
    monkeypatch.setattr(importer._Lease, "keep", lambda self: False)
    imap.append(*(corpus.plain(subject=f"mail {n}") for n in range(5)))
    report = run(mailbox)
    assert report.imported == 2
    assert together == [(2, True)]
    assert len(imap.messages()) == 3
    monkeypatch.undo()
    ready_for_the_next_run(mailbox)
    assert run(mailbox).imported == 3
    assert Ticket.objects.count() == 5 and InboundMessage.objects.count() == 5


def test_the_lease_lost_while_a_failed_group_goes_one_by_one(imap, mailbox, together, monkeypatch):
    fails_once_on(monkeypatch, "mail 2", lambda: 1 / 0)
    checks = []

    def keep(self):
        checks.append(1)
        return False

    monkeypatch.setattr(importer._Lease, "keep", keep)
    imap.append(*(corpus.plain(subject=f"mail {n}") for n in range(4)))
    report = run(mailbox)
    assert together == [(4, False)]
    assert report.imported == 1 and len(checks) == 1  # stopped after the first message
    assert len(imap.messages()) == 3
    assert InboundMessage.objects.count() == 1


def test_only_committed_messages_leave_the_server(imap, mailbox, together, monkeypatch):
    """A group commits; then the worker dies on a message that goes alone (it has files):
    exactly the committed messages are removed."""
    real_import = importer.import_raw

    def dies(*args, **kwargs):
        raise KeyboardInterrupt("worker killed")

    monkeypatch.setattr(importer, "import_raw", dies)
    imap.append(
        corpus.plain(subject="one"),
        corpus.plain(subject="two"),
        corpus.multipart_with_attachments(),
        corpus.plain(subject="four"),
    )
    with pytest.raises(KeyboardInterrupt):
        import_mailbox(mailbox)
    assert together == [(2, True)]
    left = imap.messages()
    assert len(left) == 2 and b"Screenshot and invoice" in left[0] and b"four" in left[1]
    monkeypatch.setattr(importer, "import_raw", real_import)
    ready_for_the_next_run(mailbox)
    report = run(mailbox)
    assert report.imported == 2
    assert Ticket.objects.count() == 4 and InboundMessage.objects.count() == 4
    assert imap.messages() == []


def test_senders_are_looked_up_once_per_group(imap, mailbox, together):
    """Accounts and their customer records: one query each for the group, not one each
    per message."""
    company = CompanyFactory()
    users = [UserFactory(email=f"user{n}@customer.example") for n in range(3)]
    company.users.add(users[0])
    imap.append(
        *(
            corpus.plain(sender=f"User {n} <USER{n}@customer.example>", subject=f"mail {n}")
            for n in range(3)
        )
    )
    with CaptureQueriesContext(connection) as captured:
        run(mailbox)
    sql = [q["sql"] for q in captured.captured_queries]
    assert len([s for s in sql if 'FROM "auth_user"' in s]) == 1, sql
    assert len([s for s in sql if 'FROM "testapp_company"' in s]) == 1, sql
    by_subject = {t.subject: t for t in Ticket.objects.all()}
    for n in range(3):
        assert by_subject[f"mail {n}"].requester == users[n]
    assert by_subject["mail 0"].customer == company
    assert by_subject["mail 1"].customer is None


def test_an_address_shared_by_two_accounts_recognises_nobody_in_a_group(imap, mailbox):
    UserFactory(email="shared@customer.example")
    UserFactory(email="Shared@Customer.example")
    imap.append(
        corpus.plain(sender="S <shared@customer.example>", subject="one"),
        corpus.plain(subject="two"),
    )
    run(mailbox)
    assert Ticket.objects.get(subject="one").requester is None


def test_the_queries_of_a_group_grow_by_a_few_per_message(imap, mailbox, settings):
    """Per new ticket: its number, the ticket, its message, the history line, the
    external page's options (the sender has no account), the pending notification and the
    service-level policy that applies (two reads); the number takes two statements
    outside PostgreSQL. The ledger, the senders and the commit are once per group."""
    per_message = 8 if connection.vendor == "postgresql" else 9

    def queries(count: int) -> int:
        imap.append(*(corpus.plain(subject=f"mail {n}") for n in range(count)))
        with CaptureQueriesContext(connection) as captured:
            assert run(mailbox).imported == count
        ready_for_the_next_run(mailbox)
        return len(captured.captured_queries)

    queries(2)  # the counter of ticket numbers exists from now on
    small, large = queries(4), queries(importer.TOGETHER_MESSAGES)
    grown = importer.TOGETHER_MESSAGES - 4
    assert large - small <= grown * per_message, (small, large)


def test_a_group_of_ten_takes_few_queries(imap, mailbox, django_assert_max_num_queries):
    per_message = 8 if connection.vendor == "postgresql" else 9
    imap.append(corpus.plain(subject="first"))
    run(mailbox)  # the counter of ticket numbers exists from now on
    ready_for_the_next_run(mailbox)
    imap.append(*(corpus.plain(subject=f"mail {n}") for n in range(10)))
    with django_assert_max_num_queries(15 + 10 * per_message):
        assert run(mailbox).imported == 10


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_notifications_of_a_group_are_queued_in_one_insert(imap, mailbox, monkeypatch):
    """With a real (not synchronous) django-q2 database queue: one task per pending
    notification, written together after the commit."""
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    monkeypatch.setattr(Conf, "SYNC", False)
    imap.append(*(corpus.plain(subject=f"mail {n}") for n in range(3)))
    with CaptureQueriesContext(connection) as captured:
        run(mailbox)
    inserts = [q["sql"] for q in captured.captured_queries if "INSERT" in q["sql"]]
    assert len([s for s in inserts if "django_q_ormq" in s]) == 1
    tasks = [SignedPackage.loads(row.payload) for row in OrmQ.objects.all()]
    assert sorted(t["args"][0] for t in tasks) == sorted(
        PendingNotification.objects.values_list("pk", flat=True)
    )
    assert {t["func"] for t in tasks} == {"wagtail_tickets.tasks.build_notification"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_tasks_queued_together_are_not_queued_when_the_transaction_rolls_back(monkeypatch):
    from django.db import transaction
    from django_q.conf import Conf
    from django_q.models import OrmQ

    monkeypatch.setattr(Conf, "SYNC", False)
    with actions.batch(hold_tasks=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            transaction.on_commit(lambda: sending.enqueue("wagtail_tickets.tasks.send_mail", 1))
            raise RuntimeError
        transaction.on_commit(lambda: sending.enqueue("wagtail_tickets.tasks.send_mail", 2))
        assert not OrmQ.objects.exists()  # held until the block ends
    assert OrmQ.objects.count() == 1


def test_customer_records_of_many_users_in_one_query(django_assert_num_queries):
    first, second = CompanyFactory(name="A first"), CompanyFactory(name="B second")
    both, one, none = UserFactory(), UserFactory(), UserFactory()
    first.users.add(both)
    second.users.add(both, one)
    users = [both, one, none]
    with django_assert_num_queries(1):
        permissions.prefetch_customers(users)
    with django_assert_num_queries(0):
        found = [permissions.customer_for(user) for user in users]
    expected = [
        permissions.customer_for(UserFactory._meta.model.objects.get(pk=u.pk)) for u in users
    ]
    assert found == expected and found[2] is None and found[1] == second
