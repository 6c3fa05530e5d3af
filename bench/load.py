"""The load itself, phase by phase (Django set up with ``bench.settings``, database migrated).

COPY runs with ``session_replication_role = replica`` so no trigger fires (the app's
counters are rebuilt once at the end instead), and into freshly truncated tables with
FREEZE, so the rows are visible to index-only scans without rewriting every page.
"""

from __future__ import annotations

import datetime
import random
import time
import zoneinfo

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection

from wagtail_tickets.conf import app_settings
from wagtail_tickets.db.install import rebuild_counters
from wagtail_tickets.models import Message, NumberSequence, Ticket
from wagtail_tickets.numbering import format_fields, period_key

from . import people, pgload
from .synth import MESSAGE_COLUMNS, TICKET_COLUMNS, Plan, Scale, Walk
from .textgen import COMMON_WORD, RARE_WORD, Corpus

TICKETS = Ticket._meta.db_table
MESSAGES = Message._meta.db_table


def extra_columns(model, known: list[str]) -> tuple[list[str], str]:
    """Model columns the generator does not fill (added by later migrations), with their
    field defaults as a COPY text suffix."""
    fields = [f for f in model._meta.concrete_fields if f.column not in known]
    suffix = "".join("\t" + people.copy_text(f.get_default()) for f in fields)
    return [f.column for f in fields], suffix


class Load:
    def __init__(self, url: str, tickets: int, rng: random.Random, timings):
        self.url, self.rng, self.timings = url, rng, timings
        self.scale = Scale.for_tickets(tickets)
        self.now = int(time.time())
        self.password_hash = make_password(people.PASSWORD)

    def run(self) -> dict:
        timings, scale = self.timings, self.scale
        with timings("setup (ORM)"):
            setup = people.configure(self.password_hash)
        connection.close()
        with psycopg.connect(self.url) as conn:
            conn.execute("SET session_replication_role = replica")
            conn.execute("SET synchronous_commit = off")
            with timings("users and customers"):
                now = datetime.datetime.fromtimestamp(self.now, datetime.UTC)
                users, hot_ids, hot_customer = people.load_customers(
                    conn, self.rng, scale, self.password_hash, setup["customers_group"], now
                )
                conn.commit()
            world = people.world(users, hot_ids, setup["agents"])
            connection.close()
            with timings("plan"):
                plan = Plan(self.rng, scale, world, self.now)
                corpus = Corpus(self.rng, words=min(1_000_000, max(100_000, scale.tickets * 10)))
                numbers, sequences = self.numbers(plan.created)
            with timings("drop indexes"):
                restore = pgload.strip_table(conn, MESSAGES)
                restore = pgload.strip_table(conn, TICKETS) + restore
                conn.execute(f'TRUNCATE "{TICKETS}", "{MESSAGES}" CASCADE')
            walk = self.walk(plan, world, corpus, numbers)
            with timings("copy messages"):
                pgload.copy_rows(
                    conn,
                    MESSAGES,
                    MESSAGE_COLUMNS + self.message_extra,
                    walk.message_chunks(),
                    freeze=True,
                )
            with timings("copy tickets"):
                rows = walk.ticket_rows
                chunks = ("".join(rows[i : i + 10_000]) for i in range(0, len(rows), 10_000))
                columns = TICKET_COLUMNS + self.ticket_extra + ["search_vector"] * walk.words_column
                pgload.copy_rows(conn, TICKETS, columns, chunks, freeze=True)
                conn.commit()
                del walk.ticket_rows
        with psycopg.connect(self.url, autocommit=True) as conn:
            self.rebuild_indexes(conn, restore)
            with timings("counters"):
                rebuilt = self.rebuild_counters()
            connection.close()
            self.vacuum(conn)
            size = pgload.database_size(conn)
        self.number_sequences(sequences)
        return self.manifest(walk, world, plan, numbers, hot_customer, size, rebuilt)

    def walk(self, plan: Plan, world, corpus: Corpus, numbers: list[str]) -> Walk:
        self.message_extra, message_suffix = extra_columns(Message, MESSAGE_COLUMNS)
        open_column = any(f.column == "is_open" for f in Ticket._meta.concrete_fields)
        known = TICKET_COLUMNS + ["is_open"] * open_column
        self.ticket_extra, ticket_suffix = extra_columns(Ticket, known)
        self.ticket_extra = ["is_open"] * open_column + self.ticket_extra
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_name = %s AND column_name = %s",
                [TICKETS, "search_vector"],
            )
            words_column = cursor.fetchone() is not None
        return Walk(
            self.rng,
            plan,
            world,
            corpus,
            self.now,
            numbers.__getitem__,
            message_extra=message_suffix,
            ticket_extra=ticket_suffix,
            open_column=open_column,
            words_column=words_column,
        )

    def numbers(self, created: list[int]) -> tuple[list[str], dict[str, int]]:
        """Ticket numbers in creation order, per numbering period as the app makes them
        (local time), and the last value of each period's counter."""
        fmt = app_settings.NUMBER_FORMAT
        format_fields(fmt)
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        sequences: dict[str, int] = {}
        numbers = []
        for ts in created:
            local = datetime.datetime.fromtimestamp(ts, zone)
            key = period_key(fmt, local)
            value = sequences[key] = sequences.get(key, 0) + 1
            numbers.append(
                fmt.format(seq=value, year=local.year, year2=local.year % 100, month=local.month)
            )
        return numbers, sequences

    def rebuild_indexes(self, conn: psycopg.Connection, restore: list[str]) -> None:
        with self.timings("rebuild indexes and keys"):
            conn.execute("SET maintenance_work_mem = '1GB'")
            conn.execute("SET max_parallel_maintenance_workers = 2")
            for statement in restore:
                conn.execute(statement)

    def vacuum(self, conn: psycopg.Connection) -> None:
        """After everything else wrote: index-only scans need the visibility map."""
        with self.timings("vacuum analyze"):
            conn.execute(f'VACUUM (ANALYZE) "{TICKETS}", "{MESSAGES}"')
            conn.execute("ANALYZE")
        with self.timings("sequences"):
            pgload.reset_sequences(conn)

    def number_sequences(self, sequences: dict[str, int]) -> None:
        NumberSequence.objects.bulk_create(
            [NumberSequence(key=key, value=value) for key, value in sequences.items()]
        )

    def rebuild_counters(self) -> bool:
        rebuild_counters()
        return True

    def manifest(self, walk, world, plan, numbers, hot_customer, size, rebuilt) -> dict:
        stats = walk.stats
        hot = set(world.hot_user_ids)
        normal = {u: n for u, n in stats.per_requester.items() if u not in hot}
        mean = sum(normal.values()) / len(normal)
        normal_user = min(normal, key=lambda u: (abs(normal[u] - mean), u))
        usernames = dict(
            get_user_model()
            ._default_manager.filter(pk__in=[normal_user, world.hot_user_ids[0]])
            .values_list("pk", "username")
        )
        agent_id = world.agents[0][0]
        return {
            "tickets": stats.tickets,
            "messages": stats.messages,
            "closed_tickets": stats.closed,
            "stale_tickets": stats.stale,
            "database_size_bytes": size,
            "agent_username": "agent01",
            "agent_id": agent_id,
            "password": people.PASSWORD,
            "hotuser_username": usernames[world.hot_user_ids[0]],
            "hotuser_id": world.hot_user_ids[0],
            "hotuser_tickets": stats.per_requester.get(world.hot_user_ids[0], 0),
            "normal_username": usernames[normal_user],
            "normal_user_tickets": normal[normal_user],
            "hot_customer_id": hot_customer,
            "hot_customer_tickets": sum(stats.per_requester.get(u, 0) for u in hot),
            "big_ticket_id": stats.big_ticket,
            "big_ticket_number": numbers[stats.big_ticket - 1],
            "big_ticket_messages": 500,
            "ticket_number": numbers[len(numbers) // 2],
            "ticket_id": len(numbers) // 2 + 1,
            "open_status_id": world.open_status_ids[0],
            "closed_status_id": world.closed_status_id,
            "type_id": world.type_ids[0],
            "priority_id": world.priority_ids[1],
            "common_word": COMMON_WORD,
            "rare_word": RARE_WORD,
            "rare_word_messages": stats.rare_messages,
            "counters_rebuilt": rebuilt,
        }
