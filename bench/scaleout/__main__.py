"""``python -m bench.scaleout``: the scale-out load run (see the package's docstring).

    python -m bench.scaleout --generate      # first time: 100,000 tickets (a minute or two)
    python -m bench.scaleout --minutes 3     # the run; its section of docs/PERFORMANCE.md

Options name the load (agents, customers, mails); the figures go into the section
"scale-out" of docs/PERFORMANCE.md unless ``--output`` names another file.
"""

from __future__ import annotations

import argparse
import imaplib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.scaleout import services

ROOT = services.ROOT
MANIFEST = ROOT / "bench" / ".scaleout-data.json"
DATABASE = "postgres://postgres@127.0.0.1:5432/wagtail_tickets_scaleout"
IMAP_USER, IMAP_PASSWORD = "support@scaleout.example", "scaleout-imap-password"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scaleout")
    parser.add_argument("--generate", action="store_true", help="make the data first")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--minutes", type=float, default=3.0, help="length of the load")
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--mails", type=int, default=150, help="most mails to deliver")
    parser.add_argument("--settle", type=float, default=300, help="seconds to wait after")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "PERFORMANCE.md")
    return parser.parse_args(argv)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


class Run:
    """The services of one run and what happened to them."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.sink = workdir / "smtp.txt"
        self.ports = {
            name: services.free_port()
            for name in ("redis", "s3", "smtp", "imap1", "imap2", "web1", "web2", "front")
        }
        self.bucket = "scaleout-tickets"
        os.environ.update(
            DJANGO_SETTINGS_MODULE=services.SETTINGS,
            BENCH_DATABASE_URL=os.environ.get("SCALEOUT_DATABASE_URL", DATABASE),
            SCALEOUT_REDIS_URL=f"redis://127.0.0.1:{self.ports['redis']}/0",
            SCALEOUT_S3_URL=f"http://127.0.0.1:{self.ports['s3']}",
            SCALEOUT_SMTP_PORT=str(self.ports["smtp"]),
            SCALEOUT_BUCKET=self.bucket,
        )
        env = services.django_env()
        self.redis = services.redis(self.ports["redis"])
        self.s3 = services.s3(self.ports["s3"])
        self.smtp = services.smtp_sink(self.ports["smtp"], self.sink)
        self.imap = [
            services.imap(self.ports[name], IMAP_USER, IMAP_PASSWORD) for name in ("imap1", "imap2")
        ]
        self.web = [services.web(self.ports[name], env) for name in ("web1", "web2")]
        self.front = services.balancer(
            self.ports["front"], [self.ports["web1"], self.ports["web2"]]
        )
        self.workers = [services.qcluster(number, env) for number in (1, 2)]
        self.events: list[str] = []
        self.started = time.monotonic()

    def all(self) -> list[services.Service]:
        return [self.redis, self.s3, self.smtp, *self.imap, *self.web, self.front, *self.workers]

    def event(self, text: str) -> None:
        line = f"{time.monotonic() - self.started:5.0f} s: {text}"
        self.events.append(line)
        print(line, flush=True)

    def stop(self) -> None:
        for service in reversed(self.all()):
            service.stop()


def create_bucket(run: Run) -> None:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=os.environ["SCALEOUT_S3_URL"],
        aws_access_key_id="scaleout",
        aws_secret_access_key="scaleout",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=run.bucket)


def make_mailboxes(run: Run) -> list:
    from wagtail_tickets.models import Mailbox, TicketType

    ticket_type = TicketType.objects.order_by("pk").first()
    Mailbox.objects.filter(name__startswith="Scale-out ").delete()
    return [
        Mailbox.objects.create(
            name=f"Scale-out {number}",
            ticket_type=ticket_type,
            host="127.0.0.1",
            port=run.ports[name],
            security=Mailbox.Security.NONE,
            username=IMAP_USER,
            password=IMAP_PASSWORD,
        )
        for number, name in ((1, "imap1"), (2, "imap2"))
    ]


def make_plan(run: Run, manifest: dict, stop: threading.Event, record):
    """Who plays: agents of every type, customers with open tickets of their own."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from bench.runner import session_cookie
    from bench.scaleout.load import Plan
    from wagtail_tickets.models import Ticket

    users = get_user_model()._default_manager
    agents = list(
        users.filter(is_staff=True, is_superuser=False)
        .order_by("pk")
        .values_list("username", flat=True)[: run.args.agents]
    )
    open_tickets = Ticket.objects.filter(is_open=True)
    customers: dict[str, list[str]] = {}
    for username, number in (
        open_tickets.exclude(requester=None)
        .filter(requester__is_staff=False)
        .order_by("-pk")
        .values_list("requester__username", "number")[:2000]
    ):
        if username != manifest.get("hotuser_username"):
            customers.setdefault(username, []).append(number)
        if len(customers) >= run.args.customers:
            break
    agent_tickets = list(open_tickets.order_by("-pk").values_list("pk", flat=True)[:2000])
    base = f"http://127.0.0.1:{run.ports['front']}"
    return Plan(
        base=base,
        stop=stop,
        record=record,
        agent_cookies=[session_cookie(name) for name in agents],
        customer_cookies=[(session_cookie(name), nums[:3]) for name, nums in customers.items()],
        agent_tickets=agent_tickets,
        type_id=manifest["type_id"],
        urls={
            "inbox": reverse("wagtail_tickets_inbox:index"),
            "workspace": lambda pk: reverse("wagtail_tickets_inbox:edit", args=[pk]),
            "my_tickets": reverse("wagtail_tickets:my_tickets"),
            "create": reverse("wagtail_tickets:create"),
            "reply": lambda number: reverse("wagtail_tickets:reply", args=[number]),
        },
    )


def prepare_mail(count: int) -> list[bytes]:
    import random

    from bench.mail_corpus import corpus
    from bench.mail_import import customers, replies

    rnd = random.Random(count)
    messages, _kinds = corpus(
        count, to=IMAP_USER, customers=customers(100, rnd), replies=replies(count // 5, rnd)
    )
    return messages


def kick_imports(mailboxes: list, run: Run, errors: list) -> None:
    """What the schedule does every few minutes, more often: queue an import per mailbox."""
    from django_q.tasks import async_task

    for mailbox in mailboxes:
        try:
            async_task("wagtail_tickets.tasks.import_ticket_mail", mailbox.pk)
        except Exception as exc:  # the broker is down (restarting): the next kick queues it
            errors.append(repr(exc))


def folder_sizes(run: Run) -> int:
    total = 0
    for service in run.imap:
        client = imaplib.IMAP4("127.0.0.1", service.port, timeout=30)
        try:
            client.login(IMAP_USER, IMAP_PASSWORD)
            typ, data = client.select("INBOX")
            total += int(data[0]) if typ == "OK" else 0
        finally:
            client.logout()
    return total


def supervise(run: Run, stop: threading.Event, mailboxes: list, kick_errors: list) -> None:
    """The load's timeline: imports queued often, one worker killed with SIGKILL at a
    third (started again five seconds later), Redis restarted at half; a worker that exits
    by itself is started again, as a process supervisor would."""
    length = run.args.minutes * 60
    began = time.monotonic()
    killed = restarted_redis = False
    next_kick = 0.0
    while (elapsed := time.monotonic() - began) < length:
        if elapsed >= next_kick:
            kick_imports(mailboxes, run, kick_errors)
            next_kick = elapsed + 10
        if not killed and elapsed >= length / 3:
            killed = True
            run.event("worker 1 killed with SIGKILL")
            run.workers[0].kill()
            time.sleep(5)
            run.workers[0].start()
            run.workers[0].restarts += 1
            run.event("worker 1 started again")
        if not restarted_redis and elapsed >= length / 2:
            restarted_redis = True
            run.event("Redis stopped (its queue is lost: it keeps nothing on disk)")
            run.redis.kill()
            time.sleep(3)
            run.redis.start()
            run.redis.restarts += 1
            run.event("Redis started again")
        for worker in run.workers:
            if not worker.alive():
                run.event(
                    f"{worker.name} exited by itself ({worker.process.returncode}): restarted"
                )
                worker.start()
                worker.restarts += 1
        time.sleep(1)
    stop.set()


def settle(run: Run, mailboxes: list, delivered: int, kick_errors: list) -> float:
    """After the load: let the workers finish what is queued and what the safety nets find
    (mail left on the servers, notifications never built or sent). Returns the seconds it
    took, or the limit."""
    from wagtail_tickets.models import InboundMessage, OutgoingMail, PendingNotification

    began = time.monotonic()
    while time.monotonic() - began < run.args.settle:
        kick_imports(mailboxes, run, kick_errors)
        time.sleep(10)
        imported = InboundMessage.objects.filter(mailbox__in=mailboxes).count()
        unsent = OutgoingMail.objects.exclude(state=OutgoingMail.State.SENT).count()
        unbuilt = PendingNotification.objects.filter(built_at__isnull=True).count()
        if imported >= delivered and not unsent and not unbuilt and folder_sizes(run) == 0:
            return time.monotonic() - began
    return time.monotonic() - began


def report(run: Run, record, checks, counts: dict) -> str:
    rows = ["| page | requests | median | p95 | errors |", "|---|---|---|---|---|"]
    for page in sorted(record.times):
        times = record.times[page]
        errors = record.errors.get(page, [])
        rows.append(
            f"| {page} | {len(times)} | {statistics.median(times):.0f} ms | "
            f"{percentile(times, 0.95):.0f} ms | {len(errors)} |"
        )
    error_samples = [
        f"{page}: {error}"
        for page, errors in sorted(record.errors.items())
        for error in sorted(set(errors))[:2]
    ]
    checks_text = "\n".join(
        f"- {'yes' if check.ok else '**no**'}: {check.what} ({check.detail})" for check in checks
    )
    events = "\n".join(f"- {line}" for line in run.events)
    samples = "".join(f"\n  - `{e[:160]}`" for e in error_samples)
    return f"""## Scale-out load run

`python -m bench.scaleout` ({time.strftime("%Y-%m-%d")}, {os.cpu_count()} cores, everything on
this one machine): PostgreSQL with {counts["tickets"]:,} tickets, Redis as the broker, an
S3-compatible server (moto) holding the attachments, two gunicorn web processes (two
workers each) behind one address, two `qcluster` workers, an SMTP sink, and two mailboxes
on two IMAP servers. For {run.args.minutes:g} minutes, {counts["agents"]} agents worked the
inbox and answered tickets, {counts["customers"]} customers opened tickets with attachments
and replied, and {counts["delivered"]} mails arrived, all at once, each person thinking
2 to 5 seconds between steps. The times are measured by the clients, through the front
address, queueing included.

{chr(10).join(rows)}

What happened on the way:

{events}

Afterwards (the queue drained in {counts["settle"]:.0f} s):

{checks_text}

Answers held by the send check because a colleague had answered the same ticket
meanwhile (409, as designed): {record.held}. Failed attempts to queue an import while Redis
was down: {counts["kick_errors"]} (the next attempt queued it). Unexpected answers:
{sum(len(e) for e in record.errors.values())}.{samples}

The machine's speed during the run: a fixed Python loop took {counts["loop"]} (45 ms on the
reference CPU); every part of the setup shared its {os.cpu_count()} cores.
"""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database = os.environ.get("SCALEOUT_DATABASE_URL", DATABASE)
    if args.generate or not MANIFEST.exists():
        # in a process of its own: it sets Django up with the benchmark's plain settings
        command = [sys.executable, "-m", "bench.generate", "--tickets", str(args.tickets)]
        command += ["--database-url", database, "--manifest", str(MANIFEST)]
        subprocess.run(command, cwd=ROOT, check=True)
    manifest = json.loads(MANIFEST.read_text())
    workdir = Path(tempfile.mkdtemp(prefix="scaleout-"))
    run = Run(args, workdir)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.utils import timezone

    from bench import sections
    from bench.runner import cpu_reference
    from bench.scaleout import load, verify

    try:
        for service in (run.redis, run.s3, run.smtp, *run.imap):
            service.start()
        create_bucket(run)
        mailboxes = make_mailboxes(run)
        messages = prepare_mail(args.mails)
        for service in (*run.web, run.front, *run.workers):
            service.start()
        run.event("every service started")
        since = timezone.now()
        stop, record = threading.Event(), load.Record()
        plan = make_plan(run, manifest, stop, record)
        delivered: list = []
        threads = [
            threading.Thread(target=load.agent, args=(plan, i), daemon=True)
            for i in range(len(plan.agent_cookies))
        ] + [
            threading.Thread(target=load.customer, args=(plan, i), daemon=True)
            for i in range(len(plan.customer_cookies))
        ]
        mail_thread = threading.Thread(
            target=lambda: delivered.extend(
                load.correspondent(
                    plan, [s.port for s in run.imap], IMAP_USER, IMAP_PASSWORD, messages
                )
            ),
            daemon=True,
        )
        for thread in [*threads, mail_thread]:
            thread.start()
        kick_errors: list = []
        loops = [cpu_reference()]
        supervise(run, stop, mailboxes, kick_errors)
        loops.append(cpu_reference())
        for thread in [*threads, mail_thread]:
            thread.join(timeout=180)
        run.event(f"load stopped; {len(delivered)} mails delivered")
        seconds = settle(run, mailboxes, len(delivered), kick_errors)
        run.event("queue drained" if seconds < args.settle else "gave up waiting")
        from wagtail_tickets.models import Ticket

        checks = [
            verify.ticket_numbers_unique(),
            verify.mail_imported_once([m.pk for m in mailboxes], len(delivered), folder_sizes(run)),
            verify.notifications_sent_once(since, run.sink),
            verify.attachments_readable(since),
        ]
        counts = {
            "tickets": Ticket.objects.count(),
            "agents": len(plan.agent_cookies),
            "customers": len(plan.customer_cookies),
            "delivered": len(delivered),
            "settle": seconds,
            "kick_errors": len(kick_errors),
            "loop": f"{min(loops):.0f} to {max(loops):.0f} ms",
        }
        text = report(run, record, checks, counts)
    finally:
        run.stop()
    print(text)
    sections.replace(args.output, "scale-out", text)
    print(f"wrote the section to {args.output}")
    return 0 if all(check.ok for check in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
