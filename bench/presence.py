"""Presence benchmark: 50 agents with ticket workspaces open, five on each of ten tickets
(the 500-message ticket among them), each page pinging every ``PRESENCE_PING_SECONDS`` as
the workspace does (a fifth of them writing), against gunicorn with one sync worker for
``DURATION_S`` seconds. It reports what one ping costs (server time, queries, database
time) and what the whole desk costs per second: the share of one web worker and the
database time. The rows it writes are removed afterwards.

``python -m bench.presence [SECONDS]`` runs it alone and prints the result.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.results import Result

ROOT = Path(__file__).resolve().parents[1]
AGENTS = 50
PER_TICKET = 5
WRITING_SHARE = 0.2
DURATION_S = 60
QUERY_BUDGET = 10  # the admin's own five, then types, ticket, upsert, others, new messages
PING_BUDGET_MS = 15.0  # median server time of one ping
# the whole desk, on the reference CPU: at most these shares of one web worker and of one
# database core
WORKER_BUDGET = 0.25
DATABASE_BUDGET = 0.10


def _desk(manifest: dict) -> list[tuple[str, int, dict]]:
    """(username, ticket id, the page's ``seen`` fields) of each agent's open workspace."""
    from django.contrib.auth import get_user_model

    from wagtail_tickets import sendcheck
    from wagtail_tickets.models import Ticket

    agents = list(
        get_user_model()
        ._default_manager.filter(username__startswith="agent")
        .order_by("username")
        .values_list("username", flat=True)[:AGENTS]
    )
    count = -(-len(agents) // PER_TICKET)
    tickets = [manifest["big_ticket_id"]] + list(
        Ticket.objects.exclude(pk=manifest["big_ticket_id"])
        .order_by("-pk")
        .values_list("pk", flat=True)[: count - 1]
    )
    seen = {}
    for pk in tickets:
        now = sendcheck.current(Ticket(pk=pk))
        seen[pk] = {"seen_message": str(now.last_message), "seen_count": str(now.count)}
    return [
        (name, tickets[i // PER_TICKET], seen[tickets[i // PER_TICKET]])
        for i, name in enumerate(agents)
    ]


@dataclass
class Ping:
    status: int
    server_ms: float
    database_ms: float
    queries: int


def _ping(port: int, path: str, cookie: str, form: dict) -> Ping:
    """One ping as the page sends it (form fields, the CSRF token), with the server's
    figures from ``bench.middleware``."""
    csrf = cookie.split("csrftoken=")[1]
    data = dict(form, csrfmiddlewaretoken=csrf)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        urllib.parse.urlencode(data).encode(),
        {
            "Cookie": cookie,
            "Host": "127.0.0.1",
            "Referer": f"http://127.0.0.1:{port}{path}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    try:
        response = urllib.request.urlopen(request, timeout=60)
    except urllib.error.HTTPError as error:
        response = error
    response.read()
    head = response.headers
    return Ping(
        response.status,
        float(head.get("X-Bench-Time", "nan")),
        float(head.get("X-Bench-Database-Time", "nan")),
        int(head.get("X-Bench-Queries", "-1")),
    )


def measure(manifest: dict, limit: int | None = None) -> list[Result]:
    """Run the desk for ``limit`` seconds (default ``DURATION_S``) and judge it."""
    from django.urls import reverse

    from bench.budgets import scaled
    from bench.runner import Server, cpu_reference, fetch, session_cookie
    from wagtail_tickets import presence
    from wagtail_tickets.conf import app_settings
    from wagtail_tickets.models import TicketPresence

    duration = limit or DURATION_S
    every = app_settings.PRESENCE_PING_SECONDS or 5
    desk = _desk(manifest)
    cookies = {name: session_cookie(name) for name, _pk, _seen in desk}
    samples: list = []
    errors: list[str] = []
    lock = threading.Lock()
    loops = [cpu_reference()]
    with Server(os.environ.get("BENCH_DATABASE_URL") or _database_url()) as server:
        # the floor every admin request stands on, in the same run, for comparison
        frame_path = reverse("bench_admin_frame")
        frame_cookie = cookies[desk[0][0]]
        frame = [fetch(server.port, frame_path, frame_cookie).server_ms for _ in range(23)][3:]

        def agent(name: str, pk: int, seen: dict, offset: float, writing: bool) -> None:
            path = reverse("wagtail_tickets_inbox:presence", args=[pk])
            form = {"tab": presence.new_tab(), "writing": "1" if writing else "", **seen}
            next_at = started + offset
            while next_at < started + duration:
                time.sleep(max(0.0, next_at - time.monotonic()))
                sent = time.monotonic()
                sample = _ping(server.port, path, cookies[name], form)
                round_trip = (time.monotonic() - sent) * 1000
                with lock:
                    if sample.status != 200:
                        errors.append(f"HTTP {sample.status} for {path}")
                    samples.append((sample, round_trip))
                next_at += every

        rng = random.Random(1)
        started = time.monotonic() + 1
        threads = [
            threading.Thread(
                target=agent,
                args=(name, pk, seen, rng.uniform(0, every), rng.random() < WRITING_SHARE),
                daemon=True,
            )
            for name, pk, seen in desk
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(duration + 60)
        elapsed = time.monotonic() - started
    loops.append(cpu_reference())
    loop_ms = statistics.median(loops)
    TicketPresence.objects.all().delete()
    if not samples:
        return [Result("presence ping", "", "error", False, errors=errors[:3] or ["no pings"])]
    server_ms = [s.server_ms for s, _rt in samples]
    db_ms = [s.database_ms for s, _rt in samples]
    trips = [rt for _s, rt in samples]
    queries = max(s.queries for s, _rt in samples)
    median = statistics.median(server_ms)
    p95 = sorted(server_ms)[int(0.95 * (len(server_ms) - 1))]
    frame_ms = statistics.median(frame)
    if queries > QUERY_BUDGET:
        errors.append(f"{queries} queries, budget {QUERY_BUDGET}")
    rate = len(samples) / elapsed
    # the desk's nominal rate times the mean ping, on the reference CPU (``bench.budgets``):
    # on a loaded machine the one worker falls behind and fewer pings get through
    nominal = len(desk) / every
    factor = scaled(1.0, loop_ms)
    worker_share = statistics.fmean(server_ms) * factor * nominal / 1000
    database_share = statistics.fmean(db_ms) * factor * nominal / 1000
    ping = Result(
        f"presence ping of one agent ({len(desk)} agents, {PER_TICKET} per ticket)",
        f"<= {PING_BUDGET_MS:g} ms",
        f"{median:.1f} ms (p95 {p95:.1f}), {median * factor:.1f} ms on the reference CPU; "
        f"database {statistics.median(db_ms):.1f} ms; Wagtail's admin frame alone "
        f"{frame_ms:.1f} ms in the same run",
        not errors and median * factor <= PING_BUDGET_MS,
        queries=queries,
        query_budget=QUERY_BUDGET,
        errors=list(errors[:3]),
        median_ms=median,
        budget_ms=PING_BUDGET_MS,
    )
    load = Result(
        f"{len(desk)} agents on the desk, each page pinging every {every} s",
        f"<= {WORKER_BUDGET:.0%} of one web worker, <= {DATABASE_BUDGET:.0%} of the database",
        f"{nominal:.0f} pings/s ({rate:.1f} served): {worker_share:.1%} of one web worker, "
        f"database "
        f"{database_share * 1000:.0f} ms/s ({database_share:.1%}), on the reference CPU; "
        f"round trip median {statistics.median(trips):.0f} ms (CPU loop {loop_ms:.0f} ms)",
        not errors and worker_share <= WORKER_BUDGET and database_share <= DATABASE_BUDGET,
        errors=list(errors[:3]),
    )
    return [ping, load]


def _database_url() -> str:
    from django.conf import settings

    return settings.BENCH_DATABASE_URL


if __name__ == "__main__":
    import json

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from bench.runner import MANIFEST

    manifest_path = Path(os.environ.get("BENCH_MANIFEST", MANIFEST))
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else None
    for result in measure(json.loads(manifest_path.read_text()), limit=seconds):
        print(f"{result.scenario}: {result.measured} queries {result.queries} "
              f"{'ok' if result.ok else 'OVER'} {' '.join(result.errors)}")  # fmt: skip
