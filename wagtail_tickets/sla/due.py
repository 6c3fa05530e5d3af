"""The service-level times stored on a ticket, and how each change moves them.

``actions`` call ``start`` for a new ticket and ``update`` after every change that can
affect a target; both only set fields on the ticket object, and the action saves them
(``FIELDS``) with its own write. Nothing here runs when a page is shown.

Each target (first response, next response, resolution) counts business seconds on its
calendar up to ``sla_clock_at``; its due time is where the rest of its target falls on
that calendar. Counting per target (rather than keeping only a due time) is what lets a
pause, a resume and a change of policy move the due time without losing time already
spent:

- a pause (the status waits for the customer) stops the counting of running targets;
  the customer's next message, or a status that no longer waits, resumes them with the
  time they had left;
- a new policy (type, priority or customer changed; ``recompute_sla_due_times`` after a
  policy edit) keeps each target's counted seconds and applies its new target and
  calendar; a target already past its new limit is due at the time of the change;
- a target ends ``met`` when it is done within its business time, else ``breached``.

A target without a limit still counts (``running`` with no due time) for first response
and resolution: the reports read the business time to first response and resolution of
every ticket from ``sla_first_response_seconds`` and ``sla_resolution_seconds``.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from ..models import SlaPolicy, SlaState
from . import calendars, hours, policies

FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION = "first_response", "next_response", "resolution"
TARGETS = (FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION)
State = SlaState
ACTIVE = (State.RUNNING, State.PAUSED)
PARTS = ("due_at", "started_at", "state", "seconds")

# every ticket field this module writes: actions add them to their save
FIELDS = [
    "sla_policy",
    "sla_clock_at",
    "sla_paused_at",
    "sla_next_due_at",
    "sla_next_due_target",
    *(f"sla_{target}_{part}" for target in TARGETS for part in PARTS),
]

_LABELS = {
    FIRST_RESPONSE: _("First response"),
    NEXT_RESPONSE: _("Next response"),
    RESOLUTION: _("Resolution"),
}


def target_label(target: str):
    """The target's name as people read it."""
    return _LABELS[target]


def target_seconds(policy: SlaPolicy | None, target: str) -> int | None:
    """The target's business time in seconds; ``None`` when the policy sets none."""
    minutes = getattr(policy, f"{target}_minutes", None) if policy is not None else None
    return minutes * 60 if minutes else None


def target_spec(policy: SlaPolicy | None, target: str) -> hours.CalendarSpec:
    """The calendar a target counts on: the policy's, else the default calendar."""
    calendar = getattr(policy, f"{target}_calendar", None) if policy is not None else None
    return calendars.spec_for(calendar)


class _Ticket:
    """Reads and writes the four fields of one target on a ticket."""

    def __init__(self, ticket, target: str):
        self.ticket, self.target = ticket, target

    def __getattr__(self, part):
        return getattr(self.ticket, f"sla_{self.target}_{part}")

    def set(self, **parts) -> None:
        for part, value in parts.items():
            setattr(self.ticket, f"sla_{self.target}_{part}", value)


class _Specs:
    """Calendar specs of one computation (the default calendar is read at most once)."""

    def __init__(self):
        self._default: hours.CalendarSpec | None = None

    def __call__(self, policy: SlaPolicy | None, target: str) -> hours.CalendarSpec:
        calendar = getattr(policy, f"{target}_calendar", None) if policy is not None else None
        if calendar is not None:
            return calendars.spec_for(calendar)
        if self._default is None:
            self._default = calendars.spec_for(None)
        return self._default


def _due(spec: hours.CalendarSpec, now: datetime.datetime, total: int, counted: int):
    return hours.add_business_seconds(spec, now, total - counted) if total > counted else now


def _begin(ticket, target: str, policy, specs: _Specs, now) -> None:
    row = _Ticket(ticket, target)
    total = target_seconds(policy, target)
    if total is None and target == NEXT_RESPONSE:
        row.set(state=State.NONE, due_at=None, started_at=None, seconds=None)
        return
    due = hours.add_business_seconds(specs(policy, target), now, total) if total else None
    row.set(state=State.RUNNING, started_at=now, seconds=0, due_at=due)


def _complete(ticket, target: str, policy) -> None:
    row = _Ticket(ticket, target)
    total = target_seconds(policy, target)
    if total is None or row.due_at is None:
        row.set(state=State.NONE)
    else:
        row.set(state=State.MET if (row.seconds or 0) <= total else State.BREACHED)


def _pause(ticket, now) -> None:
    for target in TARGETS:
        row = _Ticket(ticket, target)
        if row.state == State.RUNNING:
            row.set(state=State.PAUSED)
    ticket.sla_paused_at = now


def _resume(ticket, policy, specs: _Specs, now) -> None:
    paused_at = ticket.sla_paused_at
    for target in TARGETS:
        row = _Ticket(ticket, target)
        if row.state != State.PAUSED:
            continue
        total = target_seconds(policy, target)
        due = row.due_at
        if total and not (due is not None and paused_at is not None and due <= paused_at):
            due = _due(specs(policy, target), now, total, row.seconds or 0)
        row.set(state=State.RUNNING, due_at=due if total else None)
    ticket.sla_paused_at = None


def _apply_policy(ticket, policy, specs: _Specs, now) -> None:
    """Give the running and paused targets the limits of a policy (a new one, or the
    same one edited)."""
    ticket.sla_policy = policy
    for target in TARGETS:
        row = _Ticket(ticket, target)
        if row.state not in ACTIVE:
            continue
        total = target_seconds(policy, target)
        if total is None:
            if target == NEXT_RESPONSE:
                row.set(state=State.NONE, due_at=None, started_at=None, seconds=None)
            else:
                row.set(due_at=None)
            continue
        counted = row.seconds or 0
        if counted >= total and row.due_at is not None and row.due_at <= now:
            continue  # overdue already: it stays due when it was
        row.set(due_at=_due(specs(policy, target), now, total, counted))


def _next_due(ticket) -> None:
    found = [
        (_Ticket(ticket, target).due_at, target)
        for target in TARGETS
        if _Ticket(ticket, target).state == State.RUNNING and _Ticket(ticket, target).due_at
    ]
    due, target = min(found) if found else (None, "")
    ticket.sla_next_due_at, ticket.sla_next_due_target = due, target


def _clear(ticket) -> None:
    for target in TARGETS:
        _Ticket(ticket, target).set(state=State.NONE, due_at=None, started_at=None, seconds=None)
    ticket.sla_paused_at = None


def start(ticket, now: datetime.datetime) -> list[str]:
    """Set the times of a ticket being opened (before its first save)."""
    policy = policies.policy_for(ticket)
    specs = _Specs()
    _clear(ticket)
    ticket.sla_policy = policy
    ticket.sla_clock_at = now
    if ticket.status.is_closed:
        _Ticket(ticket, FIRST_RESPONSE).set(seconds=0)
        _Ticket(ticket, RESOLUTION).set(seconds=0)
    else:
        if ticket.first_response_at is None:
            _begin(ticket, FIRST_RESPONSE, policy, specs, now)
        else:
            # an agent opened it for the customer: answered as it was written
            _Ticket(ticket, FIRST_RESPONSE).set(seconds=0)
        _begin(ticket, RESOLUTION, policy, specs, now)
        if ticket.status.waits_for_customer:
            _pause(ticket, now)
    _next_due(ticket)
    return FIELDS


def _load_policy(policy_id, known: list[SlaPolicy] | None) -> SlaPolicy | None:
    if policy_id is None:
        return None
    for policy in known or ():
        if policy.pk == policy_id:
            return policy
    return SlaPolicy.objects.select_related(*policies.CALENDARS).filter(pk=policy_id).first()


def update(
    ticket,
    now: datetime.datetime,
    *,
    customer_message: bool = False,
    staff_reply: bool = False,
    was_waiting: bool | None = None,
    closing: bool = False,
    reopening: bool = False,
    rematch: bool = False,
    known_policies: list[SlaPolicy] | None = None,
) -> list[str]:
    """Move the times of a ticket for what just happened to it (the ticket object holds
    the new state): a message of the customer or a public reply of staff, a status that
    was or was not waiting for the customer (``was_waiting``, for a status change), a
    close or a reopen, fields that choose the policy (``rematch``: type, priority,
    customer, or the policies changed; ``known_policies`` are the active ones when the
    caller has read them for many tickets). Returns the fields to save."""
    if ticket.sla_clock_at is None:
        backfill(ticket, now)
        return FIELDS
    known = known_policies
    if rematch and known is None:
        known = policies.active_policies()
    policy = _load_policy(ticket.sla_policy_id, known)
    ticket.sla_policy = policy  # with its calendars: later readers make no query
    specs = _Specs()
    clock = ticket.sla_clock_at
    for target in TARGETS:
        row = _Ticket(ticket, target)
        if row.state == State.RUNNING:
            spent = hours.business_seconds_between(specs(policy, target), clock, now)
            row.set(seconds=(row.seconds or 0) + spent)
    ticket.sla_clock_at = max(clock, now)
    if rematch:
        facts = policies.Facts(ticket.ticket_type_id, ticket.priority_id, ticket.customer_id)
        # the same policy may have new limits (``recompute_sla`` after an edit)
        policy = policies.first_match(facts, known)
        _apply_policy(ticket, policy, specs, now)
    status = ticket.status
    if closing or status.is_closed:
        for target in TARGETS:
            if _Ticket(ticket, target).state in ACTIVE:
                _complete(ticket, target, policy)
        ticket.sla_paused_at = None
        _next_due(ticket)
        return FIELDS
    if reopening:
        row = _Ticket(ticket, RESOLUTION)
        if row.started_at is not None and row.state not in ACTIVE:
            total = target_seconds(policy, RESOLUTION)
            due = _due(specs(policy, RESOLUTION), now, total, row.seconds or 0) if total else None
            row.set(state=State.RUNNING, due_at=due)
        if status.waits_for_customer:
            _pause(ticket, now)
    if staff_reply:
        for target in (FIRST_RESPONSE, NEXT_RESPONSE):
            if _Ticket(ticket, target).state in ACTIVE:
                _complete(ticket, target, policy)
    if customer_message:
        if ticket.sla_paused_at is not None:
            _resume(ticket, policy, specs, now)
        waiting_for_us = any(
            _Ticket(ticket, target).state in ACTIVE for target in (FIRST_RESPONSE, NEXT_RESPONSE)
        )
        if not waiting_for_us and ticket.first_response_at is not None:
            _begin(ticket, NEXT_RESPONSE, policy, specs, now)
    if was_waiting is not None and not reopening:
        if status.waits_for_customer and not was_waiting and ticket.sla_paused_at is None:
            _pause(ticket, now)
        elif was_waiting and not status.waits_for_customer and ticket.sla_paused_at is not None:
            _resume(ticket, policy, specs, now)
    _next_due(ticket)
    return FIELDS


def backfill(ticket, now: datetime.datetime) -> list[str]:
    """Times for a ticket that has none (opened before service levels existed), from
    its dates: time it spent waiting for the customer in the past is not known, so it
    counts; a ticket waiting now is paused."""
    policy = policies.policy_for(ticket)
    specs = _Specs()
    _clear(ticket)
    ticket.sla_policy = policy
    ticket.sla_clock_at = now
    opened = ticket.created_at or now

    def counted(target: str, end) -> int:
        return hours.business_seconds_between(specs(policy, target), opened, end)

    closed = ticket.status.is_closed
    first = _Ticket(ticket, FIRST_RESPONSE)
    answered = ticket.first_response_at
    if answered is not None or closed:
        first.set(seconds=counted(FIRST_RESPONSE, answered or ticket.closed_at or now))
        first.set(due_at=_limit(specs, policy, FIRST_RESPONSE, opened))
        _complete(ticket, FIRST_RESPONSE, policy)
        first.set(started_at=opened if first.due_at else None)
    else:
        total = target_seconds(policy, FIRST_RESPONSE)
        first.set(state=State.RUNNING, started_at=opened, seconds=counted(FIRST_RESPONSE, now))
        first.set(due_at=_limit(specs, policy, FIRST_RESPONSE, opened) if total else None)
    resolution = _Ticket(ticket, RESOLUTION)
    total = target_seconds(policy, RESOLUTION)
    resolution.set(
        started_at=opened,
        seconds=counted(RESOLUTION, (ticket.closed_at or now) if closed else now),
        due_at=_limit(specs, policy, RESOLUTION, opened) if total else None,
        state=State.RUNNING,
    )
    if closed:
        _complete(ticket, RESOLUTION, policy)
    elif answered is not None and not ticket.last_message_by_staff:
        asked = ticket.last_customer_message_at or ticket.last_message_at or now
        total = target_seconds(policy, NEXT_RESPONSE)
        if total:
            spec = specs(policy, NEXT_RESPONSE)
            _Ticket(ticket, NEXT_RESPONSE).set(
                state=State.RUNNING,
                started_at=asked,
                seconds=hours.business_seconds_between(spec, asked, now),
                due_at=hours.add_business_seconds(spec, asked, total),
            )
    if not closed and ticket.status.waits_for_customer:
        _pause(ticket, now)
    _next_due(ticket)
    return FIELDS


def _limit(specs: _Specs, policy, target: str, start) -> datetime.datetime | None:
    total = target_seconds(policy, target)
    return hours.add_business_seconds(specs(policy, target), start, total) if total else None
