"""The IMAP side of the import: messages fetched in bounded groups, one round trip per
group, and removed from the server only after their transaction committed."""

from __future__ import annotations

import pytest

from tests.mail import corpus
from wagtail_tickets.mail import importer
from wagtail_tickets.mail.imap import ImapConnection, _literals, _uid_set
from wagtail_tickets.mail.importer import fetch_groups, import_mailbox
from wagtail_tickets.models import InboundMessage, Ticket

MiB = 1024 * 1024


def test_uid_sets_join_runs():
    assert _uid_set([3]) == "3"
    assert _uid_set([1, 2, 3, 7, 9, 10]) == "1:3,7,9:10"
    assert _uid_set([]) == ""


def test_fetch_groups_are_bounded_in_count_and_bytes(monkeypatch):
    monkeypatch.setattr(importer, "FETCH_GROUP_MESSAGES", 3)
    monkeypatch.setattr(importer, "FETCH_GROUP_BYTES", 10 * MiB)
    uids = list(range(1, 8))
    assert fetch_groups(uids, dict.fromkeys(uids, 1000)) == [[1, 2, 3], [4, 5, 6], [7]]
    sizes = {1: 4 * MiB, 2: 4 * MiB, 3: 4 * MiB, 4: 30 * MiB, 5: 1000}
    assert fetch_groups([1, 2, 3, 4, 5], sizes) == [[1, 2], [3], [4], [5]]
    # a size the server did not tell counts as large: that message comes alone
    assert fetch_groups([1, 2, 3], {1: 10, 3: 10}) == [[1], [2], [3]]
    assert fetch_groups([], {}) == []


def test_fetch_answers_are_read_with_the_uid_before_or_after_the_body():
    data = [
        (b"1 (UID 11 BODY[] {5}", b"first"),
        b")",
        (b"2 (BODY[] {6}", b"second"),
        b" UID 12)",
        b"3 (FLAGS (\\Seen) UID 13)",  # an unsolicited update, no body
        (b"4 (UID 14 BODY[] {5}", b"third"),
        b")",
    ]
    assert list(_literals(data)) == [(11, b"first"), (12, b"second"), (14, b"third")]


@pytest.mark.django_db
def test_messages_are_fetched_and_removed_a_group_at_a_time(imap, mailbox, monkeypatch):
    monkeypatch.setattr(importer, "FETCH_GROUP_MESSAGES", 4)
    imap.append(*(corpus.plain(subject=f"mail {n}") for n in range(10)))
    commands: list[str] = []
    original_open = ImapConnection.open

    def counting_open(self):
        original_open(self)
        uid = self.client.uid

        def counted(command, *args):
            commands.append(f"{command} {args[-1] if command == 'FETCH' else ''}".strip())
            return uid(command, *args)

        self.client.uid = counted

    monkeypatch.setattr(ImapConnection, "open", counting_open)
    report = import_mailbox(mailbox)
    assert not report.error and report.imported == 10
    assert imap.messages() == []
    assert commands.count("FETCH (BODY.PEEK[])") == 3  # 4 + 4 + 2 messages
    assert commands.count("FETCH (RFC822.SIZE)") == 1
    assert commands.count("STORE") == 3
    assert Ticket.objects.count() == 10


@pytest.mark.django_db
def test_a_worker_killed_in_a_shared_transaction_keeps_nothing_of_it(imap, mailbox, monkeypatch):
    """Messages imported together commit together: a worker killed half-way through them
    leaves every one on the server, none in the ledger, and the next run imports each once."""
    imap.append(*(corpus.plain(subject=f"mail {n}") for n in range(3)))
    real_change = importer._change_ticket
    calls = []

    def dies_on_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("worker killed")
        return real_change(*args, **kwargs)

    monkeypatch.setattr(importer, "_change_ticket", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        import_mailbox(mailbox)
    assert len(calls) == 2  # the first ticket was made, then rolled back with the rest
    assert not Ticket.objects.exists() and not InboundMessage.objects.exists()
    assert len(imap.messages()) == 3
    monkeypatch.setattr(importer, "_change_ticket", real_change)
    mailbox.refresh_from_db()
    mailbox.locked_until = None  # the dead worker's lease would expire; do not wait for it
    mailbox.save(update_fields=["locked_until"])
    report = import_mailbox(mailbox)
    assert report.imported == 3
    assert imap.messages() == []
    assert Ticket.objects.count() == 3 and InboundMessage.objects.count() == 3


@pytest.mark.django_db
def test_a_group_stopped_half_way_removes_only_what_committed(imap, mailbox, monkeypatch):
    """A worker killed in the middle of a group of messages imported one by one (each
    carries a file): the messages it imported leave the server, the others stay for the
    next run, and nothing is imported twice."""
    imap.append(*(corpus.multipart_with_attachments() for _n in range(3)))
    real_import = importer.import_raw
    calls = []

    def dies_on_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("worker killed")
        return real_import(*args, **kwargs)

    monkeypatch.setattr(importer, "import_raw", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        import_mailbox(mailbox)
    assert Ticket.objects.count() == 1
    assert len(imap.messages()) == 2
    monkeypatch.setattr(importer, "import_raw", real_import)
    mailbox.refresh_from_db()
    mailbox.locked_until = None  # the dead worker's lease would expire; do not wait for it
    mailbox.save(update_fields=["locked_until"])
    report = import_mailbox(mailbox)
    assert report.imported == 2
    assert imap.messages() == []
    assert Ticket.objects.count() == 3 and InboundMessage.objects.count() == 3


@pytest.mark.django_db
def test_a_message_that_vanished_before_the_fetch_is_skipped(imap, mailbox, monkeypatch):
    imap.append(corpus.plain(subject="stays"), corpus.plain(subject="gone"))
    original = ImapConnection.fetch_many

    def lose_the_last(self, uids):
        found = original(self, uids)
        found.pop(max(found))
        return found

    monkeypatch.setattr(ImapConnection, "fetch_many", lose_the_last)
    report = import_mailbox(mailbox)
    assert report.imported == 1
    assert Ticket.objects.get().subject == "stays"
    assert len(imap.messages()) == 1  # not removed: it was never imported
