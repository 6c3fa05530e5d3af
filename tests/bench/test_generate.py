"""The benchmark generator at a tiny scale: its invariants hold and the app keeps working
on the loaded data (a new ticket gets a fresh id and number)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
TICKETS = 2000
SCRATCH_DB = "wagtail_tickets_bench_test"
OPEN_ONE = """
import django
django.setup()
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail_tickets import actions
from wagtail_tickets.conf import app_settings
from wagtail_tickets.models import NumberSequence, TicketType
from wagtail_tickets.numbering import period_key
key = period_key(app_settings.NUMBER_FORMAT, timezone.localtime())
before = NumberSequence.objects.get(key=key).value
user = get_user_model().objects.get(username={username!r})
ticket = actions.open_ticket(ticket_type=TicketType.objects.get(pk={type_id}),
    subject="Opened after the load", body_html="<p>Hello</p>", actor=user, requester=user)
print(ticket.pk, ticket.number, before, NumberSequence.objects.get(key=key).value)
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """Run the generator into a scratch database; yields (url, manifest); drops it after."""
    from bench.pgload import drop_database

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = urlsplit(base)._replace(path="/" + SCRATCH_DB).geturl()
    manifest = tmp_path_factory.mktemp("bench") / "data.json"
    try:
        subprocess.run(
            [
                sys.executable,
                "bench/generate.py",
                "--tickets",
                str(TICKETS),
                "--seed",
                "7",
                "--database-url",
                url,
                "--manifest",
                str(manifest),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        yield url, json.loads(manifest.read_text())
    finally:
        drop_database(url)


def one(conn, query: str, *params):
    return conn.execute(query, params).fetchone()[0]


COUNTS = {
    "tickets": "SELECT count(*) FROM wagtail_tickets_ticket",
    "messages": "SELECT count(*) FROM wagtail_tickets_message",
    "closed": "SELECT count(*) FROM wagtail_tickets_ticket t JOIN wagtail_tickets_status s "
    "ON s.id = t.status_id WHERE s.is_closed AND t.closed_at IS NOT NULL",
    "hotuser": "SELECT count(*) FROM wagtail_tickets_ticket t JOIN auth_user u "
    "ON u.id = t.requester_id WHERE u.username = 'hotuser'",
    "hot_customer": "SELECT count(*) FROM wagtail_tickets_ticket t JOIN crm_customer c "
    "ON c.id = t.customer_id WHERE c.name = 'Hot Customer'",
    "big_ticket": "SELECT count(*) FROM wagtail_tickets_message m JOIN wagtail_tickets_ticket t "
    "ON t.id = m.ticket_id JOIN auth_user u ON u.id = t.requester_id "
    "WHERE t.id = %(big)s AND u.username = 'hotuser'",
    "numbers": "SELECT count(DISTINCT number) FROM wagtail_tickets_ticket",
}


def test_counts_and_shares(loaded):
    url, data = loaded
    with psycopg.connect(url) as conn:
        counts = {
            name: conn.execute(query, {"big": data["big_ticket_id"]}).fetchone()[0]
            for name, query in COUNTS.items()
        }
    assert counts["tickets"] == counts["numbers"] == TICKETS
    assert counts["messages"] == data["messages"]
    assert 4 * TICKETS < counts["messages"] < 6 * TICKETS
    assert abs(counts["closed"] / TICKETS - 0.7) < 0.02
    assert counts["hotuser"] == TICKETS // 100
    assert counts["hot_customer"] == TICKETS // 10
    assert counts["big_ticket"] == 500


def test_stale_tickets_are_the_auto_close_candidates(loaded):
    url, data = loaded
    with psycopg.connect(url) as conn:
        candidates = one(
            conn,
            "SELECT count(*) FROM wagtail_tickets_ticket t JOIN wagtail_tickets_status s "
            "ON s.id = t.status_id WHERE NOT s.is_closed AND t.last_message_by_staff "
            "AND t.last_message_at < now() - interval '14 days'",
        )
        older = one(
            conn,
            "SELECT count(*) FROM wagtail_tickets_ticket t JOIN wagtail_tickets_status s "
            "ON s.id = t.status_id WHERE NOT s.is_closed AND t.last_message_by_staff "
            "AND t.last_message_at < now() - interval '30 days'",
        )
    assert candidates == older == data["stale_tickets"] == TICKETS // 10


def test_tickets_agree_with_their_messages(loaded):
    url, _ = loaded
    with psycopg.connect(url) as conn:
        assert (
            one(
                conn,
                """
            WITH m AS (
                SELECT ticket_id,
                    max(created_at) FILTER (WHERE NOT is_internal) AS last_at,
                    min(created_at) FILTER (WHERE is_staff AND NOT is_internal) AS first_staff,
                    max(created_at) AS newest, min(created_at) AS oldest,
                    (array_agg(is_staff ORDER BY created_at DESC, id DESC)
                        FILTER (WHERE NOT is_internal))[1] AS last_by_staff
                FROM wagtail_tickets_message GROUP BY ticket_id)
            SELECT count(*) FROM wagtail_tickets_ticket t JOIN m ON m.ticket_id = t.id
            WHERE t.last_message_at <> m.last_at
                OR t.first_response_at IS DISTINCT FROM m.first_staff
                OR t.last_message_by_staff <> m.last_by_staff
                OR m.oldest <> t.created_at OR m.newest > t.updated_at
            """,
            )
            == 0
        )


def test_search_words_are_what_the_database_would_collect(loaded):
    """The generator writes each ticket's search words itself; they must equal what the
    message trigger (``wagtail_tickets.db.search_vector``) would have collected."""
    url, _ = loaded
    with psycopg.connect(url) as conn:
        differing = one(
            conn,
            """
            SELECT count(*) FROM wagtail_tickets_ticket t
            JOIN (SELECT ticket_id,
                    strip(to_tsvector('simple', string_agg(body_text, ' '))) AS words
                FROM wagtail_tickets_message GROUP BY ticket_id) m ON m.ticket_id = t.id
            WHERE t.search_vector IS DISTINCT FROM m.words
            """,
        )
        rare = one(
            conn,
            "SELECT count(*) FROM wagtail_tickets_ticket "
            "WHERE search_vector @@ plainto_tsquery('simple', 'quokkazine')",
        )
    assert differing == 0
    assert rare > 0


def test_the_app_opens_a_ticket_with_a_fresh_number(loaded):
    url, data = loaded
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "BENCH_DATABASE_URL": url}
    script = OPEN_ONE.format(username=data["hotuser_username"], type_id=data["type_id"])
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    pk, number, before, after = result.stdout.split()[-4:]
    # the first number taken was free: the counter moved by one, no retry past a taken one
    assert int(after) == int(before) + 1
    assert int(pk) == TICKETS + 1
    with psycopg.connect(url) as conn:
        taken = one(conn, "SELECT count(*) FROM wagtail_tickets_ticket WHERE number = %s", number)
        distinct = one(conn, "SELECT count(DISTINCT number) FROM wagtail_tickets_ticket")
    assert taken == 1 and distinct == TICKETS + 1
