"""Create and fill the benchmark database: ``python bench/generate.py --tickets 1000000``.

The database is dropped and migrated afresh; configuration goes through the ORM, the bulk
(users, customer records, tickets, messages) through COPY with the big tables' indexes and
foreign keys set aside, then rebuilt. A manifest (``bench/.data.json``) tells the scenarios
which users, tickets and words to use.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wagtail_tickets_bench"
MANIFEST = ROOT / "bench" / ".data.json"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class Timings:
    """Wall time per phase, printed as each one ends."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self.started = time.monotonic()

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.monotonic()
        yield
        self.phases[name] = round(time.monotonic() - start, 1)
        print(f"{name:<28} {self.phases[name]:8.1f} s", flush=True)

    @property
    def total(self) -> float:
        return round(time.monotonic() - self.started, 1)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
        help="default: $BENCH_DATABASE_URL, else " + DEFAULT_URL,
    )
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    os.environ["BENCH_DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from bench import pgload

    timings = Timings()
    with timings("create database"):
        pgload.recreate_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    with timings("migrate"):
        call_command("migrate", verbosity=0, interactive=False, skip_checks=True)
    from bench.load import Load

    load = Load(args.database_url, args.tickets, random.Random(args.seed), timings)
    manifest = load.run()
    manifest.update(
        generated_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        duration_s=timings.total,
        phases_s=timings.phases,
        database_url=args.database_url,
        seed=args.seed,
    )
    args.manifest.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"{'total':<28} {timings.total:8.1f} s; manifest {args.manifest}")
    return manifest


if __name__ == "__main__":
    main()
