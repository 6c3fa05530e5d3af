"""The shape of a support desk's history, as COPY text rows (no Django, no database).

Tickets are planned first (who asked, when, which ones stay open or go stale), then walked
once in creation order: each ticket's conversation is written to the message stream at
once and its summary columns (last message, first response, updated) come from that same
conversation, so tickets and messages always agree.
"""

from __future__ import annotations

import datetime
import heapq
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .textgen import RARE_WORD, Corpus

DAY = 86_400
HISTORY_DAYS = 3 * 365
STALE_AGE = 31 * DAY  # stale: the staff's last message is older than this
AUTO_CLOSE_AGE = 14 * DAY  # no other open ticket may wait on the customer this long
MAX_MESSAGES = 150
BIG_TICKET_MESSAGES = 500
NULL = "\\N"


@dataclass(frozen=True)
class Scale:
    tickets: int
    users: int
    customers: int
    hot_users: int

    @classmethod
    def for_tickets(cls, tickets: int) -> Scale:
        users = max(200, tickets // 50)
        return cls(tickets, users, max(20, tickets // 500), max(5, users // 400))


@dataclass
class World:
    """Ids made by the ORM setup and the user load, plus the labels rows repeat."""

    agents: list[tuple[int, str, str]]  # id, name, email
    users: list[tuple[int, str, str, int]]  # id, name, email, customer id
    hot_user_ids: list[int]  # the hot customer's users; the first is "hotuser"
    type_ids: list[int]
    open_status_ids: list[int]  # Open, In progress, Report, Answer
    closed_status_id: int
    priority_ids: list[int]  # Low, Normal, High, Urgent
    category_ids: list[int]
    rate_ids: list[int]


@dataclass
class Stats:
    tickets: int = 0
    messages: int = 0
    closed: int = 0
    stale: int = 0
    rare_messages: int = 0
    big_ticket: int = 0
    per_requester: dict[int, int] = field(default_factory=dict)


class Clock:
    """Unix seconds to timestamptz text, through per-day and per-second tables."""

    def __init__(self, start: int, end: int):
        self.base = start // DAY
        epoch = datetime.date(1970, 1, 1)
        self.days = [
            (epoch + datetime.timedelta(days=day)).isoformat() + " "
            for day in range(self.base, end // DAY + 2)
        ]
        self.seconds = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(DAY)]

    def __call__(self, ts: int) -> str:
        return self.days[ts // DAY - self.base] + self.seconds[ts % DAY]


def recent_first_sample(rng: random.Random, candidates: list[int], ages: list[int], k: int):
    """``k`` candidates, drawn with weights that favour young tickets (weighted sampling
    without replacement by random keys)."""

    def key(index: int) -> float:
        weight = math.exp(-ages[index] / (45 * DAY)) + 0.03
        return rng.random() ** (1.0 / weight)

    return heapq.nlargest(k, candidates, key=key)


class Plan:
    """Per-ticket decisions drawn in bulk before the walk."""

    def __init__(self, rng: random.Random, scale: Scale, world: World, now: int):
        n = scale.tickets
        start = now - HISTORY_DAYS * DAY
        span = now - start
        # density grows towards today: more tickets recently
        self.created = sorted(start + int(span * math.sqrt(rng.random())) for _ in range(n))
        ages = [now - ts for ts in self.created]

        hot_user, *hot_others = world.hot_user_ids
        hot_set = set(world.hot_user_ids)
        normal = [user for user in world.users if user[0] not in hot_set]
        n_hotuser, n_hot = n // 100, n // 10
        activity = [rng.lognormvariate(0, 1) for _ in normal]
        requesters = [hot_user] * n_hotuser
        requesters += rng.choices(hot_others, k=n_hot - n_hotuser)
        requesters += [u[0] for u in rng.choices(normal, weights=activity, k=n - n_hot)]
        rng.shuffle(requesters)
        self.requester = requesters

        # 0 closed, 1 open, 2 stale (open, waiting on the customer for over 30 days)
        self.kind = [0] * n
        old = [i for i in range(n) if ages[i] > 45 * DAY]
        for i in rng.sample(old, min(len(old), n // 10)):
            self.kind[i] = 2
        rest = [i for i in range(n) if self.kind[i] == 0]
        for i in recent_first_sample(rng, rest, ages, n // 5):
            self.kind[i] = 1

        self.big = self._big_ticket(rng, hot_user, ages)
        self.rare = set(rng.sample(range(n), max(1, n // 10_000)))
        agent_weights = [1 / (i + 1) ** 0.7 for i in range(len(world.agents))]
        self.assignee = [
            None if rng.random() < 0.1 else agent
            for agent in rng.choices(world.agents, weights=agent_weights, k=n)
        ]
        self.agent_weights = agent_weights
        self.type_id = rng.choices(world.type_ids, weights=[30, 20, 12, 10, 8, 6, 5, 4, 3, 2], k=n)
        self.priority_id = rng.choices(world.priority_ids, weights=[15, 65, 15, 5], k=n)
        category_weights = [20, 30, 20, 15, 10, 5][: len(world.category_ids) + 1]
        self.category_id = rng.choices([None, *world.category_ids], weights=category_weights, k=n)

    def _big_ticket(self, rng: random.Random, hot_user: int, ages: list[int]) -> int:
        """A closed ticket of hotuser's, old enough for 500 messages over 300 days."""
        old = [
            i
            for i, user in enumerate(self.requester)
            if user == hot_user and self.kind[i] == 0 and ages[i] > 320 * DAY
        ]
        if not old:  # tiny scales: any ticket of hotuser's, made closed and old enough
            old = [i for i, user in enumerate(self.requester) if user == hot_user]
        big = rng.choice(old)
        self.kind[big] = 0
        return big


class Walk:
    """Writes messages while walking the plan; keeps ticket rows for a second COPY."""

    def __init__(
        self,
        rng: random.Random,
        plan: Plan,
        world: World,
        corpus: Corpus,
        now: int,
        number: Callable[[int], str],
        message_extra: str = "",
        ticket_extra: str = "",
        open_column: bool = False,
        words_column: bool = False,
    ):
        self.rng, self.plan, self.world, self.corpus, self.now = rng, plan, world, corpus, now
        self.number = number
        self.message_extra, self.ticket_extra = message_extra, ticket_extra
        # the derived is_open column, when the schema has it, is written right here: fixing
        # it later would rewrite most of the table
        self.open_values = ("\tf", "\tt", "\tt") if open_column else ("", "", "")
        # likewise the ticket's search words (PostgreSQL's trigger-kept search_vector)
        self.words_column = words_column
        self.clock = Clock(now - HISTORY_DAYS * DAY - DAY, now + DAY)
        self.users = {user[0]: user for user in world.users}
        self.ticket_rows: list[str] = []
        self.stats = Stats(tickets=len(plan.created))

    def message_chunks(self, chunk_rows: int = 5000) -> Iterator[str]:
        buffer: list[str] = []
        for index in range(len(self.plan.created)):
            buffer += self._ticket(index)
            if len(buffer) >= chunk_rows:
                yield "".join(buffer)
                buffer.clear()
        if buffer:
            yield "".join(buffer)

    def _timeline(self, index: int, count: int) -> tuple[int, int]:
        """The first and last message times of a ticket."""
        rng, now, kind = self.rng, self.now, self.plan.kind[index]
        created = self.plan.created[index]
        if count == 1:
            return created, created
        if index == self.plan.big:
            return created, min(created + 300 * DAY, now - DAY)
        life = int(count * rng.expovariate(1 / (1.2 * DAY)))
        if kind == 2:
            last = min(created + life, now - STALE_AGE - int(rng.random() * 20 * DAY))
        elif kind == 1 and count % 2 == 0:
            # the staff answered last: recently, or the ticket would be stale
            last = min(max(created + life, now - int(rng.random() * 13 * DAY)), now)
        elif kind == 1:
            last = min(created + life, now)
        else:
            last = min(created + life, now - 3600)
        return created, max(last, created)

    def _count(self, index: int) -> int:
        if index == self.plan.big:
            return BIG_TICKET_MESSAGES
        count = 1 + int(math.log(1.0 - self.rng.random()) / math.log(0.8))
        count = min(count, MAX_MESSAGES)
        if self.plan.kind[index] == 2 and count % 2:
            count += 1  # a stale ticket ends with the staff's answer
        return count

    def _ticket(self, index: int) -> list[str]:
        rng, plan, world, corpus, clock = self.rng, self.plan, self.world, self.corpus, self.clock
        stats = self.stats
        ticket_id = index + 1
        count = self._count(index)
        created, last = self._timeline(index, count)
        gaps = [rng.expovariate(1.0) for _ in range(count - 1)]
        scale = (last - created) / (sum(gaps) or 1.0)
        requester = self.users[plan.requester[index]]
        assignee = plan.assignee[index]
        rows: list[str] = []
        words: set[str] = set()
        at = float(created)
        first_response = NULL
        last_public, last_by_staff = created, False
        for position in range(count):
            if position:
                at += gaps[position - 1] * scale
            ts = int(at) if position < count - 1 else last
            staff = position % 2 == 1
            internal = staff and position < count - 1 and rng.random() < 0.08
            if staff:
                author = assignee or rng.choices(world.agents, weights=plan.agent_weights)[0]
                source, message_id = "admin", ""
                if not internal and rng.random() < 0.25:
                    hours = rng.choice(("0.25", "0.50", "0.75", "1.00", "1.50", "2.00"))
                    rate = str(rng.choice(world.rate_ids))
                else:
                    hours = rate = NULL
            else:
                author = requester
                hours = rate = NULL
                if rng.random() < 0.3:
                    source = "email"
                    message_id = f"<{ticket_id}.{position}.{stats.messages}@mail.example>"
                else:
                    source, message_id = "web", ""
            length = min(20_000, int(rng.lognormvariate(6.2, 0.95)))
            text, html = corpus.body(length)
            if position == 0 and index in plan.rare:
                text += " " + RARE_WORD + "."
                html = html[:-4] + " " + RARE_WORD + ".</p>"
                stats.rare_messages += 1
            stats.messages += 1
            if self.words_column:
                words.update(search_words(text))
            stamp = clock(ts)
            rows.append(
                f"{stats.messages}\t{ticket_id}\t{author[0]}\t{author[1]}\t{author[2]}\t"
                f"{'t' if staff else 'f'}\t{'t' if internal else 'f'}\t{html}\t{text}\t"
                f"{source}\t{message_id}\t{hours}\t{rate}\t{stamp}{self.message_extra}\n"
            )
            if not internal:
                last_public, last_by_staff = ts, staff
                if staff and first_response == NULL:
                    first_response = stamp
        self._ticket_row(index, created, last, last_public, last_by_staff, first_response, words)
        return rows

    def _ticket_row(self, index, created, last, last_public, last_by_staff, first_response, words):
        rng, plan, world, clock, stats = self.rng, self.plan, self.world, self.clock, self.stats
        kind = plan.kind[index]
        if kind == 0:
            closed_at = min(last + int(rng.expovariate(1 / DAY)), self.now)
            status, updated, closed = world.closed_status_id, closed_at, clock(closed_at)
            stats.closed += 1
        else:
            weights = (10, 20, 0, 70) if kind == 2 else (40, 35, 10, 15)
            status = rng.choices(world.open_status_ids, weights=weights)[0]
            updated, closed = last, NULL
            if kind == 2:
                stats.stale += 1
        if index == plan.big:
            stats.big_ticket = index + 1
        requester_id = plan.requester[index]
        stats.per_requester[requester_id] = stats.per_requester.get(requester_id, 0) + 1
        _, name, email, customer_id = self.users[requester_id]
        assignee = plan.assignee[index]
        category = plan.category_id[index]
        vector = "\t" + " ".join(words) if self.words_column else ""
        self.ticket_rows.append(
            f"{index + 1}\t{self.number(index)}\t{plan.type_id[index]}\t{self.corpus.subject()}\t"
            f"{status}\t{plan.priority_id[index]}\t{NULL if category is None else category}\t"
            f"{requester_id}\t{name}\t{email}\t{customer_id}\t"
            f"{NULL if assignee is None else assignee[0]}\t\t{clock(created)}\t{clock(updated)}\t"
            f"{closed}\t{NULL}\t{first_response}\t{clock(last_public)}\t"
            f"{'t' if last_by_staff else 'f'}{self.open_values[kind]}{self.ticket_extra}"
            f"{vector}\n"
        )


def search_words(text: str) -> set[str]:
    """The lexemes ``strip(to_tsvector('simple', text))`` gives for the generated text
    (lowercase words; a hyphenated word also as its parts), so the COPY can write the
    search words instead of the database computing them for every ticket afterwards."""
    words = set()
    for token in text.replace("\\n", " ").replace(".", " ").lower().split():
        words.add(token)
        if "-" in token:
            words.update(token.split("-"))
    return words


MESSAGE_COLUMNS = (
    "id ticket_id author_id author_name author_email is_staff is_internal body_html "
    "body_text source message_id hours rate_id created_at"
).split()
TICKET_COLUMNS = (
    "id number ticket_type_id subject status_id priority_id category_id requester_id "
    "requester_name requester_email customer_id assignee_id cc created_at updated_at "
    "closed_at target_date first_response_at last_message_at last_message_by_staff"
).split()
