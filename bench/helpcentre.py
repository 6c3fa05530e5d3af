"""Help centre benchmark: article suggestions while a subject is typed, with 10,000
published articles in the suggestions' own word index (``helpcentre.suggestions``).

Each suggestion is the whole view (``helpcentre.views.suggest``: rate limit, input
cleaning, the search, the articles' URLs, JSON) called with a request from Django's
``RequestFactory``, for subjects drawn from the support vocabulary of ``bench.textgen``
(two to eight words, as people type them), after warm-up calls. Budget: the 95th
percentile at most 50 ms, and a constant number of queries per suggestion.

The articles are made once (``ensure_articles``) under a help centre page of their own and
stay in the database for later runs. ``python -m bench.helpcentre [--database-url URL]``
runs it alone: it migrates that database (by default a SQLite file in the temporary
folder; or PostgreSQL), fills it and prints the figures. ``bench/run`` runs it against the
benchmark database.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.results import Result

ARTICLES = 10_000
BUDGET_MS = 50.0
SAMPLES = 200
SMOKE_SAMPLES = 40
WARM_UP = 20
BENCH_SLUG = "bench-help-centre"
ROOT = Path(__file__).resolve().parent.parent


def _words() -> list[str]:
    from bench.textgen import vocabulary

    return vocabulary()[:600]


def ensure_articles(count: int = ARTICLES, seed: int = 21) -> int:
    """Publish ``count`` articles under the benchmark's help centre (made when missing)."""
    from django.db import transaction
    from wagtail.models import Page

    from wagtail_tickets.contrib.helpcentre.models import HelpArticlePage, HelpCentrePage

    centre = HelpCentrePage.objects.filter(slug=BENCH_SLUG).first()
    if centre is None:
        home = Page.objects.filter(depth=2).first() or Page.get_first_root_node()
        centre = HelpCentrePage(title="Benchmark help centre", slug=BENCH_SLUG)
        home.add_child(instance=centre)
    have = HelpArticlePage.objects.child_of(centre).count()
    rng = random.Random(seed + have)
    words = _words()
    for start in range(have, count, 500):
        with transaction.atomic():
            for number in range(start, min(start + 500, count)):
                title = " ".join(rng.choices(words, k=rng.randint(3, 7))).capitalize()
                summary = " ".join(rng.choices(words, k=18))
                text = " ".join(rng.choices(words, k=rng.randint(60, 200)))
                article = HelpArticlePage(
                    title=f"{title} {number}",
                    slug=f"article-{number}",
                    summary=summary,
                    body=[("paragraph", f"<p>{text}</p>")],
                )
                centre.add_child(instance=article)
        print(f"  {min(start + 500, count)} articles", file=sys.stderr, flush=True)
    return HelpArticlePage.objects.live().count()


def _ensure_index(articles: int) -> None:
    """Rebuild the suggestion index when pages were made without it (an older run)."""
    from wagtail_tickets.contrib.helpcentre.models import SuggestionWord
    from wagtail_tickets.contrib.helpcentre.suggestions import rebuild

    if SuggestionWord.objects.values("article_id").distinct().count() < articles:
        rebuild()


def _subjects(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    words = _words()
    return [" ".join(rng.choices(words, k=rng.randint(2, 8))) for _ in range(count)]


def time_suggestions(samples: int) -> tuple[list[float], set[int], int]:
    """Milliseconds of each suggestion, the query counts seen, results returned."""
    from django.db import connection
    from django.test import RequestFactory, override_settings
    from django.test.utils import CaptureQueriesContext

    from wagtail_tickets.contrib.helpcentre.views import suggest

    factory = RequestFactory()
    options = {"HELPCENTRE_SUGGESTIONS_PER_ADDRESS": (0, 60)}  # no limit while measured
    timings: list[float] = []
    queries: set[int] = set()
    found = 0
    with override_settings(WAGTAIL_TICKETS=options):
        for number, subject in enumerate(_subjects(WARM_UP + samples)):
            request = factory.get("/help-centre/suggest/", {"q": subject})
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = suggest(request)
                elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"suggest answered {response.status_code}")
            if number >= WARM_UP:
                timings.append(elapsed)
                queries.add(len(captured.captured_queries))
                found += response.content.count(b'"id"')
    return timings, queries, found


def measure(manifest: dict | None = None, limit: int | None = None) -> list[Result]:
    """One result: suggestions over 10,000 articles in the configured database."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", "wagtail_tickets_helpcentre", verbosity=0)  # an older database
    # the smoke run checks errors and queries, never time: a tenth of the articles will do
    articles = ensure_articles(ARTICLES // 10 if limit else ARTICLES)
    _ensure_index(articles)
    timings, queries, found = time_suggestions(SMOKE_SAMPLES if limit else SAMPLES)
    ordered = sorted(timings)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    median = statistics.median(ordered)
    errors = [] if len(queries) <= 2 else [f"query counts vary: {sorted(queries)}"]
    return [
        Result(
            scenario=f"Help centre: article suggestion while typing a subject "
            f"({articles:,} articles, {connection.vendor})",
            budget=f"95th percentile ≤ {BUDGET_MS:.0f} ms",
            measured=f"median {median:.1f} ms, 95th percentile {p95:.1f} ms, "
            f"max {ordered[-1]:.1f} ms, {max(queries)} queries",
            ok=p95 <= BUDGET_MS,
            queries=max(queries),
            notes=f"{found / len(timings):.1f} articles suggested on average",
            errors=errors,
            median_ms=median,
        )
    ]


def section(result: Result, vendor: str) -> str:
    """The section of docs/PERFORMANCE.md this run writes (one per database kind)."""
    return (
        f"## Help centre suggestions ({vendor})\n\n"
        f"Measured with `python -m bench.helpcentre` ({__doc__.splitlines()[0].rstrip('.')}): "
        f"the whole suggestion view, {SAMPLES} subjects of two to eight support words after "
        f"{WARM_UP} warm-up calls, on {machine()}.\n\n"
        "| scenario | budget | measured | ok |\n|---|---|---|---|\n"
        f"| {result.scenario} | {result.budget} | {result.measured}; {result.notes} | "
        f"{'yes' if result.ok else 'no'} |\n"
    )


def machine() -> str:
    import platform

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return f"{platform.machine()} with {os.cpu_count()} cores (load average {load:.1f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(tempfile.gettempdir()) / "wagtail_tickets_bench_help.sqlite3"
    parser.add_argument("--database-url", default=f"sqlite:///{default}")
    parser.add_argument(
        "--write", action="store_true", help="Put the figures into docs/PERFORMANCE.md."
    )
    args = parser.parse_args(argv)
    os.environ["BENCH_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    failed = False
    for result in measure():
        print(f"{result.scenario}: {result.measured} ({result.notes}) "
              f"{'ok' if result.ok else 'OVER'} {' '.join(result.errors)}")  # fmt: skip
        failed = failed or not result.ok or bool(result.errors)
        if args.write:
            from django.db import connection

            from bench import sections

            vendor = connection.vendor
            sections.replace(
                ROOT / "docs/PERFORMANCE.md", f"help-centre-{vendor}", section(result, vendor)
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
