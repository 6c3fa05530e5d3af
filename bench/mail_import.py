"""Mail import benchmark: N messages of about 20 KB spread over one mailbox per core, each
on its own local IMAP server, and the scheduled import task run for every mailbox at once
by one worker process each until the folders are empty. Budget: 100 messages/s. What the
run created is removed afterwards and the tickets it answered are put back, so the
benchmark database stays reusable.

``python -m bench.mail_import [N]`` runs it alone and prints the result.
"""

from __future__ import annotations

import imaplib
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.mail_corpus import Reply, corpus
from bench.results import Result

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 100.0  # messages per second
DEFAULT_COUNT = 500
IMAP_USER = "support@bench.example"
IMAP_PASSWORD = "bench-imap-password"


@contextmanager
def imap_server() -> Iterator[int]:
    """The mail tests' pymap server in its own process (it uses the second core, as a real
    mail server would); it exits when its standard input closes, so it stops with us."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.mail.imap_server", str(port), IMAP_USER, IMAP_PASSWORD],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        if process.stdout.readline().strip() != b"ready":
            raise RuntimeError("the IMAP server did not start")
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield port
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def append(port: int, messages: list[bytes]) -> None:
    client = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    try:
        client.login(IMAP_USER, IMAP_PASSWORD)
        for raw in messages:
            typ, data = client.append('"INBOX"', None, None, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND failed: {data!r}")
    finally:
        client.logout()


def _window(queryset, size: int, rnd: random.Random) -> list:
    """``size`` rows from a random place in a large table (an index range, not a sort)."""
    bounds = queryset.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), queryset.order_by("-pk").values_list("pk", flat=True).first()
    if low is None:
        return []
    start = rnd.randint(low, max(low, high - size * 20))
    rows = list(queryset.filter(pk__gte=start).order_by("pk")[:size])
    return rows if len(rows) >= size else list(queryset.order_by("pk")[:size])


def customers(count: int, rnd: random.Random) -> list[str]:
    """``Name <address>`` of registered, active customers (not staff)."""
    from email.utils import formataddr

    from django.contrib.auth import get_user_model

    users = (
        get_user_model()
        ._default_manager.filter(is_active=True, is_staff=False, is_superuser=False)
        .exclude(email="")
    )
    rows = _window(users.values("pk", "first_name", "last_name", "email"), count, rnd)
    return [formataddr((f"{r['first_name']} {r['last_name']}".strip(), r["email"])) for r in rows]


def replies(count: int, rnd: random.Random) -> list[Reply]:
    """Answers of requesters to their tickets: half by the subject's ticket number, half by
    our signed Message-ID; one in ten to a closed ticket (which reopens it)."""
    from wagtail_tickets.models import Ticket
    from wagtail_tickets.notifications.tokens import make_message_id

    tickets = Ticket.objects.exclude(requester_email="").values(
        "pk", "number", "subject", "requester_email"
    )
    closed = count // 10
    rows = _window(tickets.filter(status__is_closed=False), count - closed, rnd)
    rows += _window(tickets.filter(status__is_closed=True), closed, rnd)
    found = []
    for index, row in enumerate(rows):
        reference = make_message_id(row["pk"], 0, "tickets.example") if index % 2 else ""
        found.append(Reply(row["number"], row["subject"], row["requester_email"], reference))
    return found


class QueryCounter:
    """Counts the queries the import sends (an execute wrapper: no debug cursor)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def run_import(mailbox, expected: int) -> tuple[float, float, int, list[str]]:
    """Run the scheduled task until the ledger holds ``expected`` rows or a run imports
    nothing more. Returns the seconds, this process's CPU seconds, the queries and the
    task's progress lines."""
    from django.db import connection

    from wagtail_tickets.models import InboundMessage
    from wagtail_tickets.tasks import import_ticket_mail

    counter, lines, done = QueryCounter(), [], 0
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        while done < expected:
            lines += import_ticket_mail(mailbox.pk)
            now_done = InboundMessage.objects.filter(mailbox=mailbox).count()
            if now_done == done:
                break
            done = now_done
    return time.perf_counter() - started, time.process_time() - cpu, counter.count, lines


def _number_sequences() -> list:
    from wagtail_tickets.models import NumberSequence

    return list(NumberSequence.objects.all())


def clean_up(mailbox, touched: list[dict], since, sequences: list, queue_mark: int) -> None:
    """Remove the tickets, messages, files, ledger, history and queued mail of the run, and
    put back the answered tickets and the number counters."""
    from django.db import transaction
    from django.db.models import Q

    from bench import leftovers
    from wagtail_tickets.models import (
        Attachment,
        InboundMessage,
        Message,
        NumberSequence,
        QuarantinedMessage,
        Ticket,
    )

    ledger = InboundMessage.objects.filter(mailbox=mailbox)
    opened = list(
        ledger.filter(outcome="opened").exclude(ticket=None).values_list("ticket_id", flat=True)
    )
    answers = list(
        ledger.exclude(outcome="opened")
        .exclude(ticket_message=None)
        .values_list("ticket_message_id", flat=True)
    )
    with transaction.atomic():
        files = list(
            Attachment.objects.filter(Q(message__ticket__in=opened) | Q(message__in=answers))
        )
        pending = leftovers.remove_history([t["pk"] for t in touched], since, all_of=opened)
        leftovers.drop_queued_builds(pending, queue_mark)
        ledger.delete()
        QuarantinedMessage.objects.filter(mailbox=mailbox).delete()
        Message.objects.filter(pk__in=answers).delete()
        Ticket.objects.filter(pk__in=opened).delete()
        leftovers.restore_tickets(touched)
        for sequence in sequences:
            NumberSequence.objects.filter(pk=sequence.pk).update(value=sequence.value)
        NumberSequence.objects.exclude(pk__in=[s.pk for s in sequences]).delete()
        mailbox.delete()
        transaction.on_commit(lambda: [a.file.delete(save=False) for a in files])


def _import_worker(mailbox_pk: int, expected: int, results) -> None:
    """One worker process: import one mailbox to the end (a forked child opens its own
    database connection)."""
    from django.db import connections

    from wagtail_tickets.models import Mailbox

    try:
        results.put((mailbox_pk, run_import(Mailbox.objects.get(pk=mailbox_pk), expected)))
    except Exception as exc:  # reported by the parent as the run's error
        results.put((mailbox_pk, exc))
    finally:
        connections.close_all()


def import_in_parallel(mailboxes: list, expected: list[int]) -> tuple[float, list]:
    """Import every mailbox at once, one worker process each, as several qcluster workers
    would. Returns the wall-clock seconds until the last one finished and each worker's
    ``run_import`` figures (or its exception)."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # a forked child must not share the parent's connection
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [
        context.Process(target=_import_worker, args=(mailbox.pk, count, queue))
        for mailbox, count in zip(mailboxes, expected, strict=True)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    figures = dict(queue.get(timeout=3600) for _ in workers)
    seconds = time.perf_counter() - started
    for worker in workers:
        worker.join(timeout=60)
    return seconds, [figures[mailbox.pk] for mailbox in mailboxes]


def measure(
    manifest: dict,
    limit: int | None = None,
    count: int = DEFAULT_COUNT,
    workers: int | None = None,
) -> list[Result]:
    """Import ``count`` messages (no more than ``limit``, the smoke run's cap) spread over
    ``workers`` mailboxes (default: one per core), each on its own IMAP server and imported
    by its own worker process at the same time, and report messages/s."""
    from contextlib import ExitStack

    from django.db.models import Count
    from django.utils import timezone

    from bench import leftovers
    from wagtail_tickets.models import InboundMessage, Mailbox, TicketType

    count = min(count, limit or count)
    workers = max(1, workers or os.cpu_count() or 1)
    leftovers.quiet_queue()
    rnd = random.Random(count)
    errors: list[str] = []
    ticket_type = TicketType.objects.order_by("pk").first()
    wanted = replies(count // 5, rnd)
    messages, kinds = corpus(count, to=IMAP_USER, customers=customers(300, rnd), replies=wanted)
    touched = leftovers.ticket_state(
        t["pk"] for t in _ticket_pks([r.number for r in wanted[: kinds["replies"]]])
    )
    size = sum(len(m) for m in messages) // max(1, len(messages))
    shares = [messages[index::workers] for index in range(workers)]
    with ExitStack() as servers:
        ports = [servers.enter_context(imap_server()) for _ in shares]
        for port, share in zip(ports, shares, strict=True):
            append(port, share)
        since, sequences, mark = timezone.now(), _number_sequences(), leftovers.queue_mark()
        mailboxes = [
            Mailbox.objects.create(
                name=f"Benchmark {uuid.uuid4().hex[:8]}",
                ticket_type=ticket_type,
                host="127.0.0.1",
                port=port,
                security=Mailbox.Security.NONE,
                username=IMAP_USER,
                password=IMAP_PASSWORD,
            )
            for port in ports
        ]
        cpu = queries = 0.0
        lines: list[str] = []
        try:
            seconds, figures = import_in_parallel(mailboxes, [len(share) for share in shares])
            for figure in figures:
                if isinstance(figure, BaseException):
                    errors.append(f"a worker failed: {figure!r}")
                    continue
                _seconds, worker_cpu, worker_queries, worker_lines = figure
                cpu += worker_cpu
                queries += worker_queries
                lines += worker_lines
            outcomes = dict(
                InboundMessage.objects.filter(mailbox__in=mailboxes)
                .values_list("outcome")
                .annotate(n=Count("pk"))
            )
        finally:
            for mailbox in mailboxes:
                clean_up(mailbox, touched, since, sequences, mark)
    expected = {"opened": count - kinds["replies"], "reply": kinds["replies"]}
    if outcomes != expected:
        errors.append(f"outcomes {outcomes}, expected {expected}")
    errors += [line for line in lines if "(error:" in line]
    rate = count / seconds
    notes = (
        f"{count} messages of {size / 1000:.1f} KB avg ({kinds['new_known']} new from "
        f"customers, {kinds['new_unknown']} from unknown senders, {kinds['replies']} replies) "
        f"in {workers} mailboxes imported by {workers} workers at once; {seconds:.1f} s "
        f"({cpu / count * 1000:.0f} ms CPU per message in the importer), "
        f"{queries / count:.0f} queries per message"
    )
    return [
        Result(
            scenario=f"Mail import (IMAP, 20 KB messages, {workers} workers)",
            budget=f">= {BUDGET:.0f} msg/s",
            measured=f"{rate:.0f} msg/s",
            ok=rate >= BUDGET and not errors,
            queries=round(queries / count),
            rate=rate,
            rate_budget=BUDGET,
            notes=notes,
            errors=errors,
        )
    ]


def _ticket_pks(numbers: list[str]) -> list[dict]:
    from wagtail_tickets.models import Ticket

    return list(Ticket.objects.filter(number__in=numbers).values("pk"))


def main(argv: list[str] | None = None) -> None:
    from bench.standalone import setup

    manifest = setup()
    args = sys.argv[1:] if argv is None else argv
    for result in measure(manifest, count=int(args[0]) if args else DEFAULT_COUNT):
        print(result)


if __name__ == "__main__":
    main()
