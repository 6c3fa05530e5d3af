"""actions.batch: the one context that changes how actions behave (savepoints, the
connection numbers are taken on, held tasks), and the private link the external page hands
to open_ticket as an argument."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.factories import TicketTypeFactory, UserFactory, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.external import token as tokens
from wagtail_tickets.models import ExternalAccess, Ticket
from wagtail_tickets.notifications import sending

pytestmark = pytest.mark.django_db


def savepoints_taken(work) -> int:
    with CaptureQueriesContext(connection) as captured:
        work()
    return len([q for q in captured.captured_queries if q["sql"].upper().startswith("SAVEPOINT")])


def test_outside_a_batch_the_defaults_hold():
    current = actions.current_batch()
    assert current.savepoints is True
    assert current.number_connection is None and current.held_tasks is None


def test_actions_in_a_batch_without_savepoints_take_none():
    kind, user = TicketTypeFactory(), UserFactory()
    make_ticket(user, kind)  # the number counter exists

    def in_batch():
        with actions.batch(atomic=True, savepoints=False):
            make_ticket(user, kind)
            make_ticket(user, kind)

    def in_transaction():
        with transaction.atomic():
            make_ticket(user, kind)
            make_ticket(user, kind)

    def empty():
        with transaction.atomic():
            pass

    # (the test runs in a transaction of its own: the block's one is a savepoint too)
    assert savepoints_taken(in_batch) == savepoints_taken(empty)
    assert savepoints_taken(in_transaction) > savepoints_taken(empty)  # the default
    assert Ticket.objects.count() == 5


def test_a_batch_ends_its_policies_even_when_its_block_fails():
    with pytest.raises(RuntimeError), actions.batch(savepoints=False, hold_tasks=True):
        raise RuntimeError
    assert actions.current_batch() == actions.Batch()


def test_a_batch_inside_another_keeps_the_outer_policies():
    with actions.batch(savepoints=False, hold_tasks=True) as outer:
        with actions.batch() as inner:
            assert inner.savepoints is False
            assert inner.held_tasks is outer.held_tasks
        with actions.batch(savepoints=True) as inner:
            assert inner.savepoints is True
        assert actions.current_batch() is outer


def test_held_tasks_of_an_inner_batch_go_with_the_outer_one(monkeypatch):
    sent: list = []
    monkeypatch.setattr(sending, "enqueue_many", lambda tasks: sent.append(list(tasks)))
    with actions.batch(hold_tasks=True):
        with actions.batch(hold_tasks=True):
            sending.enqueue("wagtail_tickets.tasks.send_mail", 1)
        assert sent == []  # the inner batch hands over nothing of its own
        sending.enqueue("wagtail_tickets.tasks.send_mail", 2)
        assert sent == []
    assert sent == [
        [("wagtail_tickets.tasks.send_mail", (1,)), ("wagtail_tickets.tasks.send_mail", (2,))]
    ]


def test_a_batch_holding_nothing_hands_over_nothing(monkeypatch):
    sent: list = []
    monkeypatch.setattr(sending, "enqueue_many", lambda tasks: sent.append(tasks))
    with actions.batch(hold_tasks=True):
        pass
    assert sent == []


def test_numbers_are_taken_on_the_callers_connection_outside_postgresql():
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL has its own tests in test_numbering.py")
    with actions.batch(numbers_outside=True) as current:
        assert current.number_connection is None


def test_the_link_token_handed_to_open_ticket_is_the_tickets_private_link():
    raw = tokens.new_token()
    ticket = make_ticket(None, TicketTypeFactory(), requester_email="v@example.org", link_token=raw)
    assert tokens.ticket_for_token(raw) == ticket
    assert ExternalAccess.objects.get().token_hash == tokens.token_hash(raw)


@pytest.mark.parametrize(
    "link_token",
    [
        "short",
        "A" * 42,
        "A" * 44,
        "A" * 42 + "=",
        "A" * 42 + "\n",
        "A" * 43 + "\n",
        "\n" + "A" * 43,
        "Ä" * 43,
        "A" * 21 + " " + "A" * 21,
    ],
)
def test_a_link_token_not_made_by_new_token_is_refused_and_nothing_is_saved(link_token):
    with pytest.raises(ValueError):
        make_ticket(
            None, TicketTypeFactory(), requester_email="v@example.org", link_token=link_token
        )
    assert not Ticket.objects.exists() and not ExternalAccess.objects.exists()


def test_a_ticket_of_an_account_gets_no_private_link():
    with pytest.raises(ValueError):
        make_ticket(UserFactory(), TicketTypeFactory(), link_token=tokens.new_token())
    assert not Ticket.objects.exists() and not ExternalAccess.objects.exists()
