"""Auto-close benchmark: ``close_stale_tickets`` over the stale tickets of the benchmark
database, timing every batch transaction (the time its row locks are held). Budget: no
transaction over 1 s. The selection query's plan is checked with EXPLAIN.

Before the run the closed tickets' previous state is copied into a table of its own, so
even a run that dies half-way is put right by the next one; afterwards the tickets are put
back and the history, notifications and queued tasks of the run are deleted.

``python -m bench.autoclose [LIMIT [BATCH_SIZE]]`` runs it alone and prints the result.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path

from bench.results import Result

ROOT = Path(__file__).resolve().parents[1]
LOCK_BUDGET = 1.0  # seconds one batch transaction may hold its locks
SNAPSHOT = "bench_autoclose_snapshot"
RUN = "bench_autoclose_run"


class BatchClock:
    """Stands in for the ``transaction`` module inside ``wagtail_tickets.autoclose`` and
    times each ``atomic()`` block from its start to its commit; nothing else changes."""

    def __init__(self, real) -> None:
        self.real = real
        self.durations: list[float] = []

    def __getattr__(self, name):
        return getattr(self.real, name)

    @contextmanager
    def atomic(self, *args, **kwargs):
        started = time.perf_counter()
        with self.real.atomic(*args, **kwargs):
            # the first callback after commit: the locks are released by then
            self.real.on_commit(lambda: self.durations.append(time.perf_counter() - started))
            yield


def _execute(sql: str, params=()) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _table_exists(name: str) -> bool:
    from django.db import connection

    return name in connection.introspection.table_names()


def snapshot(stale, limit: int | None) -> tuple[int, int | None]:
    """Copy the state of the stale tickets (the first ``limit`` by id) and the run's start
    marks. Returns how many tickets and the highest id."""
    from bench import leftovers
    from wagtail_tickets.models import Ticket

    table = Ticket._meta.db_table
    sql, params = stale.order_by("pk").values("pk")[:limit].query.sql_with_params()
    _execute(
        f"CREATE TABLE {SNAPSHOT} AS SELECT t.id, t.status_id, t.closed_at, t.updated_at "
        f"FROM {table} t WHERE t.id IN ({sql})",
        params,
    )
    _execute(f"CREATE TABLE {RUN} AS SELECT now() AS since, %s::bigint AS queue_mark",
             [leftovers.queue_mark()])  # fmt: skip
    return _execute(f"SELECT count(*), max(id) FROM {SNAPSHOT}")[0]


def restore() -> None:
    """Put the snapshot's tickets back and delete what the run wrote; drop the snapshot."""
    from django.db import transaction

    from bench import leftovers
    from wagtail_tickets.models import Ticket

    if not _table_exists(SNAPSHOT):
        return
    table = Ticket._meta.db_table
    since, mark = _execute(f"SELECT since, queue_mark FROM {RUN}")[0]
    ids = [row[0] for row in _execute(f"SELECT id FROM {SNAPSHOT} ORDER BY id")]
    pending = leftovers.remove_history(ids, since)
    leftovers.drop_queued_builds(pending, mark)
    with transaction.atomic():
        _execute(
            f"UPDATE {table} t SET status_id = s.status_id, closed_at = s.closed_at, "
            f"updated_at = s.updated_at FROM {SNAPSHOT} s WHERE t.id = s.id"
        )
        _execute(f"DROP TABLE {SNAPSHOT}")
        _execute(f"DROP TABLE {RUN}")


def explain(stale, batch_size: int) -> str:
    """The plan of one batch's selection query (run, with its real timings)."""
    batch = stale.filter(pk__gt=0).order_by("pk").values_list("pk", flat=True)[:batch_size]
    return batch.explain(analyze=True)


def measure(
    manifest: dict, limit: int | None = None, batch_size: int | None = None
) -> list[Result]:
    """Close the stale tickets (at most ``limit``, in batches of ``batch_size``, by default
    the setting's) and report time, rate and the longest batch transaction."""
    from bench import leftovers
    from wagtail_tickets import autoclose
    from wagtail_tickets.conf import app_settings
    from wagtail_tickets.models import Ticket

    errors: list[str] = []
    leftovers.quiet_queue()
    restore()  # a run that died before putting its tickets back
    stale = autoclose.stale_tickets()
    batch_size = batch_size or app_settings.AUTO_CLOSE_BATCH_SIZE
    plan = explain(stale, batch_size)
    count, highest = snapshot(stale, limit)
    original_stale, clock = autoclose.stale_tickets, BatchClock(autoclose.transaction)
    autoclose.transaction = clock
    if limit is not None:
        autoclose.stale_tickets = lambda now=None: original_stale(now).filter(pk__lte=highest or 0)
    started = time.perf_counter()
    try:
        closed = autoclose.close_stale_tickets(batch_size=batch_size)
    finally:
        seconds = time.perf_counter() - started
        autoclose.transaction, autoclose.stale_tickets = clock.real, original_stale
        restore()
    if closed != count:
        errors.append(f"closed {closed} tickets, {count} were stale")
    expected = manifest.get("stale_tickets", manifest.get("stale_count"))
    if limit is None and expected is not None and expected != count:
        errors.append(f"{count} stale tickets, the manifest says {expected}")
    longest = max(clock.durations, default=0.0)
    durations = sorted(clock.durations)
    median = durations[len(durations) // 2] if durations else 0.0
    scans = f"Seq Scan on {Ticket._meta.db_table}" in plan
    notes = (
        f"{closed} tickets in {len(durations)} batches of {batch_size}: {seconds:.1f} s, "
        f"{closed / seconds if seconds else 0:.0f} tickets/s; transaction median "
        f"{median * 1000:.0f} ms, longest {longest * 1000:.0f} ms; selection plan: "
        + ("SEQUENTIAL SCAN" if scans else "index")
    )
    return [
        Result(
            scenario="Auto-close of stale tickets",
            budget=f"no transaction over {LOCK_BUDGET:.0f} s",
            measured=f"longest transaction {longest * 1000:.0f} ms, "
            f"{closed / seconds if seconds else 0:.0f} tickets/s",
            ok=longest <= LOCK_BUDGET and not errors,
            main_query_ms=_plan_ms(plan),
            notes=notes,
            errors=errors,
        )
    ]


def _plan_ms(plan: str) -> float | None:
    for line in plan.splitlines():
        if line.strip().startswith("Execution Time:"):
            return float(line.split(":")[1].split()[0])
    return None


def main(argv: list[str] | None = None) -> None:
    from bench.standalone import setup

    manifest = setup()
    args = sys.argv[1:] if argv is None else argv
    from wagtail_tickets import autoclose

    print(explain(autoclose.stale_tickets(), 100))
    limit = int(args[0]) if args else None
    batch_size = int(args[1]) if len(args) > 1 else None
    for result in measure(manifest, limit, batch_size):
        print(result)


if __name__ == "__main__":
    main()
