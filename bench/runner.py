"""``bench/run``: measures every performance scenario against the benchmark database and
writes the table of docs/PERFORMANCE.md.

Pages are requested over HTTP from a real WSGI server (gunicorn, one sync worker, started
here on 127.0.0.1) after warm-up requests. ``bench.middleware`` reports each request's
server time, its number of queries and its slowest ("main") query; that query is then run
alone, straight through psycopg, to give the floor the page cannot beat. Mail import and
auto-close are measured by ``bench.mail_import`` and ``bench.autoclose``, the sanitiser on
hostile HTML by ``bench.sanitize``.

``--smoke`` is the CI run: a fresh 10,000-ticket database, fewer repetitions, and a
failure only on errors or query counts over budget, never on time.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import budgets, sections

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "bench" / ".data.json"
REPORT = ROOT / "docs" / "PERFORMANCE.md"
SMOKE_DATABASE = "postgres://postgres@127.0.0.1:5432/wagtail_tickets_bench_smoke"
SMOKE_TICKETS = 10_000
SMOKE_MANIFEST = ROOT / "bench" / ".smoke-data.json"
FULL_SCALE = 1_000_000


@dataclass(frozen=True)
class Page:
    """A page scenario: who asks for what, its time budget (median, ms, on the reference
    CPU) and the most queries it may run. ``in_frame``: a whole admin page, drawn inside
    Wagtail's admin frame (``bench.budgets``)."""

    scenario: str
    budget_ms: float
    max_queries: int
    user: str  # a manifest key naming the username
    url: Callable[[dict], str]
    post: Callable[[dict], dict] | None = None
    in_frame: bool = False


def _admin(name: str, *args, **query) -> Callable[[dict], str]:
    def build(manifest: dict) -> str:
        from django.urls import reverse

        values = [manifest[a] if isinstance(a, str) and a in manifest else a for a in args]
        params = {k: manifest.get(v, v) if isinstance(v, str) else v for k, v in query.items()}
        url = reverse(name, args=values)
        return f"{url}?{urllib.parse.urlencode(params)}" if params else url

    return build


def _new_ticket_form(manifest: dict) -> dict:
    return {
        "type": manifest["type_id"],
        "subject": "Invoice 4711 is missing the discount",
        "body": "<div>Hello, the invoice we received today lacks the agreed discount.</div>",
        "cc": "",
    }


PAGES = [
    Page(
        "agent inbox, first page, default view with status counters",
        50,
        23,
        "inbox_agent_username",
        _admin("wagtail_tickets_inbox:index"),
        in_frame=True,
    ),
    Page(
        "inbox filtered by status",
        50,
        23,
        "agent_username",
        _admin("wagtail_tickets_inbox:index", status="open_status_id"),
        in_frame=True,
    ),
    Page(
        "inbox filtered by type",
        50,
        23,
        "agent_username",
        _admin("wagtail_tickets_inbox:index", ticket_type="type_id"),
        in_frame=True,
    ),
    Page(
        "inbox filtered by assignee",
        50,
        23,
        "agent_username",
        _admin("wagtail_tickets_inbox:index", assignee="agent_id"),
        in_frame=True,
    ),
    Page(
        "inbox filtered by priority",
        50,
        23,
        "agent_username",
        _admin("wagtail_tickets_inbox:index", priority="priority_id"),
        in_frame=True,
    ),
    Page(
        "inbox search by ticket number",
        50,
        23,
        "agent_username",
        _admin("wagtail_tickets_inbox:index", q="ticket_number"),
        in_frame=True,
    ),
    Page(
        "inbox search in subject and message text (common word)",
        200,
        25,
        "agent_username",
        _admin("wagtail_tickets_inbox:index", q="common_word"),
        in_frame=True,
    ),
    Page(
        "inbox search in subject and message text (rare word)",
        200,
        25,
        "agent_username",
        _admin("wagtail_tickets_inbox:index", q="rare_word"),
        in_frame=True,
    ),
    # What the inbox asks for once it is open: ticking a filter or typing in the search
    # box refreshes the listing alone, from its results URL.
    Page(
        "inbox filtered by status, live refresh of the listing",
        50,
        18,
        "agent_username",
        _admin("wagtail_tickets_inbox:index_results", status="open_status_id"),
    ),
    Page(
        "inbox search by ticket number, live refresh of the listing",
        20,
        18,
        "agent_username",
        _admin("wagtail_tickets_inbox:index_results", q="ticket_number"),
    ),
    Page(
        "My Tickets for a customer with 10,000 tickets",
        30,
        12,
        "hotuser_username",
        _admin("wagtail_tickets:my_tickets"),
    ),
    Page(
        "company tickets for a customer record with 100,000 tickets",
        50,
        12,
        "hotuser_username",
        _admin("wagtail_tickets:my_tickets", scope="company"),
    ),
    Page(
        "ticket page with 500 messages (customer)",
        100,
        16,
        "big_ticket_requester_username",
        _admin("wagtail_tickets:detail", "big_ticket_number"),
    ),
    Page(
        "ticket page with 500 messages (agent workspace)",
        100,
        40,
        "agent_username",
        _admin("wagtail_tickets_inbox:edit", "big_ticket_id"),
        in_frame=True,
    ),
    Page(
        "customer tab on a customer record with 100,000 tickets",
        50,
        30,
        "agent_username",
        _admin("wagtail_tickets_customer_tickets:index", "hot_customer_id"),
        in_frame=True,
    ),
    Page(
        "API ticket list, first page (agent of every type)",
        50,
        14,
        "agent_username",
        _admin("wagtail_tickets_api:tickets"),
    ),
    Page(
        "API ticket list, first page (agent of one type)",
        50,
        14,
        "one_type_agent_username",
        _admin("wagtail_tickets_api:tickets"),
    ),
    Page(
        "API ticket list, open tickets assigned to the agent",
        50,
        14,
        "agent_username",
        _admin("wagtail_tickets_api:tickets", state="open", assigned="mine"),
    ),
    Page(
        "API ticket list for a customer with 10,000 tickets",
        30,
        14,
        "hotuser_username",
        _admin("wagtail_tickets_api:tickets", scope="mine"),
    ),
    Page(
        "API messages of a ticket with 500 messages, first page (agent)",
        100,
        14,
        "agent_username",
        _admin("wagtail_tickets_api:messages", "big_ticket_id"),
    ),
    Page(
        "reports, last 30 days",
        500,
        30,
        "agent_username",
        _admin("wagtail_tickets_reports:index", period="30d"),
        in_frame=True,
    ),
    Page(
        "reports, last 12 months",
        500,
        30,
        "agent_username",
        _admin("wagtail_tickets_reports:index", period="12m"),
        in_frame=True,
    ),
    Page(
        "open a ticket through the web form (mail queued)",
        40,
        40,
        "normal_username",
        _admin("wagtail_tickets:create"),
        post=_new_ticket_form,
    ),
]


# Wagtail's admin frame alone (``bench/urls.py``): not a scenario, the floor every admin
# page above stands on, measured in the same run
FRAME = Page(
    "Wagtail's admin frame alone (sidebar and header, nothing in it)",
    0,
    12,
    "agent_username",
    _admin("bench_admin_frame"),
)


# Server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn on 127.0.0.1, stopped on exit (and by its own timeout if we die)."""

    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings")
        env["BENCH_DATABASE_URL"] = database_url
        env["PYTHONPATH"] = str(ROOT)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "bench.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--timeout",
                "600",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start within 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# Requests -----------------------------------------------------------------------------


@dataclass
class Sample:
    status: int
    server_ms: float
    queries: int
    main_query_ms: float
    main_query: str
    location: str = ""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def session_cookie(username: str) -> str:
    """A logged-in session made directly in the session store (no login round trip)."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    user = get_user_model()._default_manager.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    csrf = _get_new_csrf_string()
    return f"sessionid={session.session_key}; csrftoken={csrf}"


def fetch(port: int, path: str, cookie: str, form: dict | None = None) -> Sample:
    headers = {"Cookie": cookie, "Host": "127.0.0.1"}
    data = None
    if form is not None:
        csrf = cookie.split("csrftoken=")[1]
        headers["X-CSRFToken"] = csrf
        headers["Referer"] = f"http://127.0.0.1:{port}{path}"
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data, headers)
    try:
        response = OPENER.open(request, timeout=120)
    except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
        response = error
    response.read()
    head = response.headers
    encoded = head.get("X-Bench-Main-Query", "")
    return Sample(
        status=response.status,
        server_ms=float(head.get("X-Bench-Time", "nan")),
        queries=int(head.get("X-Bench-Queries", "-1")),
        main_query_ms=float(head.get("X-Bench-Main-Query-Time", "nan")),
        main_query=json.loads(base64.b64decode(encoded)) if encoded else "",
        location=head.get("Location", ""),
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def time_query_alone(sql: str, repeat: int) -> float:
    """Median time (ms) of the page's main query run alone, outside Django."""
    from django.db import connection

    if sql.lstrip().upper().startswith("DECLARE"):  # a server-side cursor's query
        sql = sql[sql.upper().index(" FOR SELECT ") + len(" FOR ") :]
    if not sql or not sql.lstrip().upper().startswith("SELECT"):
        return float("nan")
    timings = []
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute(sql)  # warm
        raw.fetchall()
        for _ in range(repeat):
            started = time.perf_counter()
            raw.execute(sql)
            raw.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def measure_page(page: Page, manifest: dict, port: int, repeat: int):
    """Warm up, then time ``repeat`` requests. An admin page drawn in the frame alternates
    with a request for the frame alone, so both are timed at the same machine speed."""
    from bench.results import Result

    cookie = session_cookie(manifest[page.user])
    path = page.url(manifest)
    form = page.post(manifest) if page.post else None
    expected = 302 if form is not None else 200
    frame_path = FRAME.url(manifest) if page.in_frame else None
    frame_times: list[float] = []
    samples: list[Sample] = []
    errors: list[str] = []
    for attempt in range(3 + repeat):
        if frame_path is not None:
            frame_sample = fetch(port, frame_path, cookie)
            if attempt >= 3 and frame_sample.status == 200:
                frame_times.append(frame_sample.server_ms)
        sample = fetch(port, path, cookie, form)
        if sample.status != expected:
            errors.append(f"HTTP {sample.status} for {path} (expected {expected})")
            break
        if form is not None and "/new/" in sample.location:
            errors.append("the new-ticket form was refused")
            break
        if attempt >= 3:
            samples.append(sample)
    if not samples:
        return Result(page.scenario, f"<= {page.budget_ms:g} ms", "error", False, errors=errors)
    times = [s.server_ms for s in samples]
    median = statistics.median(times)
    queries = max(s.queries for s in samples)
    typical = min(samples, key=lambda s: abs(s.server_ms - median))
    main_ms = time_query_alone(typical.main_query, repeat)
    if queries > page.max_queries:
        errors.append(f"{queries} queries, budget {page.max_queries}")
    return Result(
        page.scenario,
        f"<= {page.budget_ms:g} ms",
        f"{median:.1f} ms (p95 {percentile(times, 0.95):.1f})",
        not errors,
        queries=queries,
        query_budget=page.max_queries,
        main_query_ms=main_ms,
        errors=errors,
        median_ms=median,
        budget_ms=page.budget_ms,
        in_frame=page.in_frame,
        frame_ms=statistics.median(frame_times) if frame_times else None,
    )


def delete_bench_tickets(subject: str) -> None:
    """Remove the tickets the web-form scenario opened, with what came with them."""
    from wagtail_tickets.models import OutgoingMail, PendingNotification, Ticket

    tickets = Ticket.objects.filter(subject=subject)
    PendingNotification.objects.filter(ticket__in=tickets).delete()
    OutgoingMail.objects.filter(ticket__in=tickets).delete()
    tickets.delete()


# Report -------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f"{memory_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "unknown"
    return f"{os.cpu_count()} cores ({cpu}), {memory} RAM, {platform.system()}"


def cpu_reference() -> float:
    """Milliseconds of a fixed pure-Python loop (best of three): how fast this machine's
    CPU was at the time, for comparing runs. On a shared machine it moves by tens of
    percent within minutes, and every page time with it."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(2_000_000):
            total += number
        best = min(best, time.perf_counter() - started)
    return best * 1000


def write_report(
    path: Path,
    results: list,
    manifest: dict,
    versions: str,
    steadiness: str = "",
    frame=None,
) -> None:
    header = (
        "| scenario | budget | measured (median, p95) | on the reference CPU | "
        "queries (budget) | main query alone | relative budget | within budget |\n"
        "|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for r in results:
        queries = "" if r.queries is None else str(r.queries)
        if r.queries is not None and r.query_budget is not None:
            queries += f" ({r.query_budget})"
        main = f"{r.main_query_ms:.1f} ms" if r.main_query_ms is not None else ""
        scaled = f"{r.scaled_ms:.1f} ms" if r.scaled_ms is not None else ""
        if r.scaled_rate is not None:
            scaled = f"{r.scaled_rate:.0f}/s"
        relative = r.relative + (" **over**" if r.relative_ok is False else "")
        verdict = "yes" if r.ok else "**no**"
        notes = f" {r.notes}" if r.notes else ""
        errors = f" errors: {'; '.join(r.errors)}" if r.errors else ""
        rows.append(
            f"| {r.scenario} | {r.budget} | {r.measured}{notes}{errors} | {scaled} | {queries} "
            f"| {main} | {relative} | {verdict} |"
        )
    intro = (ROOT / "bench" / "report_intro.md").read_text()
    text = intro.format(
        date=time.strftime("%Y-%m-%d"),
        machine=machine(),
        steadiness=steadiness,
        versions=versions,
        tickets=f"{manifest['tickets']:,}",
        messages=f"{manifest['messages']:,}",
        size=f"{manifest.get('database_size_bytes', 0) / 1024**3:.1f} GiB",
        generated=f"{manifest.get('duration_s', 0) / 60:.1f} minutes",
        reference=f"{budgets.REFERENCE_LOOP_MS:g} ms",
    )
    missed = [r.scenario for r in results if not r.ok]
    summary = [f"Within their budgets: {len(results) - len(missed)} of {len(results)} scenarios."]
    if missed:
        summary.append("Over budget: " + "; ".join(missed) + ".")
    if frame is not None and not frame.errors:
        summary.append(
            f"For reference, {frame.scenario} took "
            f"{frame.measured} in this run, with {frame.queries} queries: every admin page "
            "above includes it."
        )
    table = header + "\n".join(rows) + "\n"
    others = sections.kept(path)
    path.write_text(
        text + "\n" + table + "\n" + "\n\n".join(summary) + "\n" + ("\n" + others if others else "")
    )


# Main ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="the CI run at 10,000 tickets")
    parser.add_argument(
        "--generate", type=int, metavar="TICKETS", help="generate the data first (e.g. 1000000)"
    )
    parser.add_argument("--repeat", type=int, default=20, help="measured requests per page")
    parser.add_argument(
        "--only",
        help="only the scenarios whose names contain one of these comma-separated texts",
    )
    parser.add_argument(
        "--autoclose-limit",
        type=int,
        metavar="TICKETS",
        help="close only this many of the stale tickets (all of them take ~20 minutes)",
    )
    parser.add_argument("--output", type=Path, help=f"report file (default {REPORT})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.smoke:
        os.environ["BENCH_DATABASE_URL"] = SMOKE_DATABASE
        from bench import generate

        os.environ["BENCH_MANIFEST"] = str(SMOKE_MANIFEST)
        generate.main(
            ["--tickets", str(SMOKE_TICKETS), "--database-url", SMOKE_DATABASE]
            + ["--manifest", str(SMOKE_MANIFEST)]
        )
        args.repeat = min(args.repeat, 5)
    elif args.generate:
        from bench import generate

        generate.main(["--tickets", str(args.generate)])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django import get_version
    from django.conf import settings
    from django.db import connection
    from wagtail import __version__ as wagtail_version

    from bench import autoclose, helpcentre, mail_import, presence
    from bench import sanitize as sanitizer

    manifest_path = Path(os.environ.get("BENCH_MANIFEST", MANIFEST))
    if not manifest_path.exists():
        print("No benchmark data: run bench/generate.py first.", file=sys.stderr)
        return 2
    manifest = json.loads(manifest_path.read_text())
    add_scenario_users(manifest)
    full = manifest["tickets"] >= FULL_SCALE
    database_url = settings.BENCH_DATABASE_URL
    results = []
    reference = [cpu_reference()]
    frame = None
    with Server(database_url) as server:
        if selected(args, FRAME.scenario):
            frame = measure_page(FRAME, manifest, server.port, args.repeat)
            print(f"{frame.scenario}: {frame.measured}, {frame.queries} queries "
                  f"{' '.join(frame.errors)}", flush=True)  # fmt: skip
        for page in PAGES:
            if not selected(args, page.scenario):
                continue
            reference.append(cpu_reference())
            result = measure_page(page, manifest, server.port, args.repeat)
            if page.post:
                delete_bench_tickets(page.post(manifest)["subject"])
            results.append(result)
            print(
                f"{result.scenario}: {result.measured}, {result.queries} queries, "
                f"main query {result.main_query_ms or 0:.1f} ms {' '.join(result.errors)}",
                flush=True,
            )
    loop_ms = statistics.median(reference)
    frame_ms = frame.median_ms if frame is not None and not frame.errors else None
    for result in results:
        budgets.judge(result, loop_ms=loop_ms, frame_ms=frame_ms, full=full)
    reference.append(cpu_reference())
    limits = {
        mail_import: 2_000 if args.smoke else None,
        autoclose: 2_000 if args.smoke else args.autoclose_limit,
        sanitizer: 1 if args.smoke else None,  # the smoke run times fewer rounds
        helpcentre: 1 if args.smoke else None,  # fewer suggestions timed
        presence: 15 if args.smoke else None,  # seconds of 50 agents pinging
    }
    for module, limit in limits.items():
        if not selected(args, module.__name__):
            continue
        for result in module.measure(manifest, limit=limit):
            reference.append(cpu_reference())
            budgets.judge_rate(result, loop_ms=statistics.median(reference), full=full)
            results.append(result)
            print(
                f"{result.scenario}: {result.measured} {'ok' if result.ok else 'OVER'}", flush=True
            )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    versions = (
        f"Python {platform.python_version()}, Django {get_version()}, "
        f"Wagtail {wagtail_version}, PostgreSQL {postgres}"
    )
    reference.append(cpu_reference())
    steadiness = (
        f"{min(reference):.0f} to {max(reference):.0f} ms (median {loop_ms:.0f} ms) for a "
        "fixed Python loop, measured before each page and after the run"
    )
    print(f"CPU reference: {steadiness}")
    output = args.output or (None if args.smoke else REPORT)
    # a run of some scenarios only writes a report where it is told to, never the docs'
    if output is not None and (not args.only or args.output):
        write_report(output, results, manifest, versions, steadiness, frame)
        print(f"wrote {output}")
    failures = [r for r in results if r.errors or (full and not r.ok)]
    if frame is not None and frame.errors:
        failures.append(frame)
    for result in failures:
        print(f"FAILED: {result.scenario}: {result.measured} {'; '.join(result.errors)}")
    return 1 if failures else 0


def selected(args: argparse.Namespace, name: str) -> bool:
    """Whether ``--only`` (comma-separated parts of names) lets this scenario run."""
    return not args.only or any(part.strip() in name for part in args.only.split(","))


def add_scenario_users(manifest: dict) -> None:
    """Usernames the page scenarios log in as, derived from the manifest's ids."""
    from django.contrib.auth import get_user_model

    from wagtail_tickets.models import Ticket

    users = get_user_model()._default_manager
    big = Ticket.objects.select_related("requester").get(pk=manifest["big_ticket_id"])
    manifest["big_ticket_requester_username"] = big.requester.get_username()
    # the default view is measured for an agent who never saved a filtered view
    manifest["inbox_agent_username"] = (
        users.filter(is_staff=True, ticket_inbox_preference__isnull=True)
        .exclude(username=manifest["agent_username"])
        .exclude(is_superuser=True)
        .order_by("username")
        .values_list("username", flat=True)
        .first()
    )
    manifest["one_type_agent_username"] = one_type_agent(manifest["type_id"])


def one_type_agent(type_id: int) -> str:
    """An agent of one type only (the benchmark's agents manage every type): made once,
    in a group of its own."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from wagtail_tickets.models import TypePermission

    group, _created = Group.objects.get_or_create(name="Bench agents of one type")
    TypePermission.objects.update_or_create(
        group=group, ticket_type_id=type_id, defaults={"level": TypePermission.Level.MANAGE}
    )
    user, _created = get_user_model()._default_manager.get_or_create(
        username="bench-one-type-agent", defaults={"is_staff": True}
    )
    user.groups.add(group)
    return user.get_username()


if __name__ == "__main__":
    sys.exit(main())
