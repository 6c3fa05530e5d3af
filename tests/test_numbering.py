"""Ticket numbers: format, periods, restarts, the startup check, and uniqueness under
concurrency on PostgreSQL."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection, connections
from django.utils import timezone

from tests.factories import TicketTypeFactory, UserFactory, make_ticket
from wagtail_tickets import checks
from wagtail_tickets.models import NumberSequence, Ticket
from wagtail_tickets.numbering import format_fields, next_number, period_key


def at(year: int, month: int = 6, day: int = 15) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 12, 0))


@pytest.fixture
def number_format(settings):
    def use(fmt: str) -> None:
        settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "NUMBER_FORMAT": fmt}

    return use


@pytest.mark.parametrize(
    "fmt, fields",
    [
        ("{year2}{seq:04d}", {"year2", "seq"}),
        ("{year}-{month:02d}-{seq}", {"year", "month", "seq"}),
        ("T{seq:06d}", {"seq"}),
        ("{seq}", {"seq"}),
    ],
)
def test_format_fields(fmt, fields):
    assert format_fields(fmt) == fields


@pytest.mark.parametrize(
    "fmt, message",
    [
        ("{year}{month}", "needs {seq}"),
        ("{seq}{day}", "unknown field(s) in number format: day"),
        ("{seq}{ticket.pk}", "unknown field"),
        ("", "needs {seq}"),
    ],
)
def test_broken_formats_are_refused(fmt, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        format_fields(fmt)


def test_unbalanced_braces_are_refused():
    with pytest.raises(ValueError):
        format_fields("{seq")


@pytest.mark.parametrize(
    "fmt, key",
    [
        ("{year2}{seq:04d}", "2026"),
        ("{year}/{seq}", "2026"),
        ("{year}{month:02d}{seq:03d}", "2026-03"),
        ("{month}-{seq}", "2026-03"),
        ("T{seq:06d}", "all"),
    ],
)
def test_period_key(fmt, key):
    assert period_key(fmt, at(2026, 3)) == key


@pytest.mark.django_db
def test_default_format_is_short_and_readable():
    first = next_number(at(2026))
    second = next_number(at(2026))
    assert (first, second) == ("260001", "260002")


@pytest.mark.django_db
def test_a_number_taken_inside_a_transaction_needs_no_savepoint():
    """Opening a ticket takes its number inside the action's transaction; the counter's
    two statements need no savepoint of their own there (two statements fewer)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    next_number(at(2026))  # the period's counter exists now
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        assert next_number(at(2026)) == "260002"
    sql = [q["sql"] for q in captured.captured_queries]
    assert not [s for s in sql if "SAVEPOINT" in s.upper()], sql
    assert next_number(at(2026)) == "260003"  # and outside a transaction it still works


@pytest.mark.django_db
def test_a_number_is_one_statement_on_postgresql():
    """The counter is raised and read back in one ``UPDATE ... RETURNING`` there (the mail
    import opens many tickets in a row); other databases update, then read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    next_number(at(2026))
    with CaptureQueriesContext(connection) as captured:
        assert next_number(at(2026)) == "260002"
    assert len(captured.captured_queries) == (1 if connection.vendor == "postgresql" else 2)
    assert next_number(at(2026)) == "260003"


@pytest.mark.django_db
def test_sequence_restarts_each_year(number_format):
    number_format("{year2}{seq:04d}")
    assert next_number(at(2026)) == "260001"
    assert next_number(at(2026)) == "260002"
    assert next_number(at(2027)) == "270001"
    assert next_number(at(2026)) == "260003"
    assert dict(NumberSequence.objects.values_list("key", "value")) == {"2026": 3, "2027": 1}


@pytest.mark.django_db
def test_monthly_format_restarts_each_month(number_format):
    number_format("{year}-{month:02d}-{seq:03d}")
    assert next_number(at(2026, 1)) == "2026-01-001"
    assert next_number(at(2026, 1)) == "2026-01-002"
    assert next_number(at(2026, 2)) == "2026-02-001"


@pytest.mark.django_db
def test_format_without_period_never_restarts(number_format):
    number_format("T{seq:05d}")
    assert next_number(at(2026)) == "T00001"
    assert next_number(at(2031)) == "T00002"


@pytest.mark.django_db
def test_period_follows_local_time(settings):
    """New Year's Eve 23:30 UTC is already the next year in Amsterdam (TIME_ZONE)."""
    settings.TIME_ZONE = "Europe/Amsterdam"
    moment = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)
    assert next_number(moment) == "270001"


@pytest.mark.django_db
def test_opened_tickets_get_consecutive_numbers(number_format):
    number_format("N{seq}")
    kind = TicketTypeFactory()
    user = UserFactory()
    numbers = [make_ticket(user, kind, subject=f"t{i}").number for i in range(3)]
    assert numbers == ["N1", "N2", "N3"]


@pytest.mark.django_db
def test_number_taken_by_hand_is_skipped(number_format):
    """An old number (other format, import) already in use: open_ticket takes the next."""
    number_format("N{seq}")
    kind = TicketTypeFactory()
    user = UserFactory()
    first = make_ticket(user, kind)
    Ticket.objects.filter(pk=first.pk).update(number="N2")
    second = make_ticket(user, kind)
    assert second.number == "N3"


def test_system_check_reports_broken_format(settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "NUMBER_FORMAT": "{year}{day}"}
    errors = checks.check_number_format(None)
    assert [e.id for e in errors] == ["wagtail_tickets.E001"]
    assert "day" in errors[0].msg
    with pytest.raises(SystemCheckError, match="wagtail_tickets.E001"):
        call_command("check")


def test_system_check_accepts_good_format(settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "NUMBER_FORMAT": "{year}-{seq:05d}"}
    assert checks.check_number_format(None) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_openers_get_distinct_numbers():
    """50 tickets from 10 threads, each on its own database connection."""
    assert connection.vendor == "postgresql"
    kind = TicketTypeFactory(name="Concurrent")
    users = [UserFactory(username=f"racer{i}") for i in range(10)]
    start = threading.Barrier(len(users))
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(user):
        try:
            start.wait(timeout=30)
            for i in range(5):
                ticket = make_ticket(user, kind, subject=f"{user.username} {i}")
                with lock:
                    numbers.append(ticket.number)
        except BaseException as exc:  # reported below, the thread must not die silently
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert len(numbers) == 50
    assert len(set(numbers)) == 50
    assert Ticket.objects.filter(ticket_type=kind).count() == 50
    stored = set(Ticket.objects.filter(ticket_type=kind).values_list("number", flat=True))
    assert stored == set(numbers)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_numbers_taken_outside_keep_no_lock_for_the_callers_transaction():
    """A long transaction opening tickets (a group of mail) takes its numbers inside
    ``actions.batch(numbers_outside=True)``: another opener meanwhile (of another type: one
    of the same type waits for the counters both count in) neither waits nor gets the same
    number, and a rolled-back ticket leaves only a gap."""
    from django.db import transaction

    from wagtail_tickets import actions

    kind, user = TicketTypeFactory(name="Outside"), UserFactory()
    web = TicketTypeFactory(name="Web")
    first = make_ticket(user, kind).number
    other: dict = {}

    def open_elsewhere():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
            other["number"] = make_ticket(user, web).number
        except BaseException as exc:  # noqa: BLE001 (reported below)
            other["error"] = exc
        finally:
            connections.close_all()

    with pytest.raises(RuntimeError), actions.batch(numbers_outside=True), transaction.atomic():
        inside = make_ticket(user, kind).number
        thread = threading.Thread(target=open_elsewhere)
        thread.start()
        thread.join(timeout=30)
        raise RuntimeError("the group fails: its ticket is rolled back")
    assert "error" not in other, other.get("error")
    numbers = [first, inside, other["number"]]
    assert len(set(numbers)) == 3
    assert not Ticket.objects.filter(number=inside).exists()
    assert next_number() not in numbers  # the counter went on, past the gap


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_taken_outside_the_other_opener_would_wait():
    """The case above without ``numbers_outside``: the counter stays locked until the
    caller's transaction ends, and the other opener waits that long (what the mail import's
    groups must not do to web users)."""
    from django.db import transaction

    kind, user = TicketTypeFactory(name="Inside"), UserFactory()
    web = TicketTypeFactory(name="Web")
    make_ticket(user, kind)
    other: dict = {}

    def open_elsewhere():
        try:
            other["number"] = make_ticket(user, web).number
        except BaseException as exc:  # noqa: BLE001 (reported below)
            other["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=open_elsewhere)
    with transaction.atomic():
        make_ticket(user, kind)
        thread.start()
        thread.join(timeout=1.5)
        waited = thread.is_alive() and "number" not in other
    thread.join(timeout=30)
    assert waited
    assert "error" not in other, other.get("error")
    assert other["number"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_numbers_are_not_taken_outside_a_transaction_the_caller_is_in():
    """Inside a caller's transaction (a test's) the counter row it wrote is locked against
    any other connection until it ends: a number taken there would wait for ever."""
    from wagtail_tickets import actions

    make_ticket(UserFactory(), TicketTypeFactory())  # the counter row, not yet committed
    with actions.batch(numbers_outside=True) as batch:
        assert batch.number_connection is None
        first, second = next_number(), next_number()
    assert int(second) == int(first) + 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "utc", "expected"),
    [
        # the local new year comes before UTC's east of Greenwich and after it west of it
        ("Europe/Berlin", datetime.datetime(2026, 12, 31, 23, 30), "270001"),
        ("Europe/Berlin", datetime.datetime(2026, 12, 31, 22, 59), "260001"),
        ("America/New_York", datetime.datetime(2027, 1, 1, 4, 59), "260001"),
        ("America/New_York", datetime.datetime(2027, 1, 1, 5, 0), "270001"),
        ("Pacific/Kiritimati", datetime.datetime(2026, 12, 31, 10, 0), "270001"),
    ],
)
def test_the_year_of_a_number_is_the_local_year(settings, zone, utc, expected):
    settings.TIME_ZONE = zone
    moment = utc.replace(tzinfo=datetime.UTC)
    assert next_number(moment) == expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_web_opener_waiting_for_a_mail_group_never_blocks_its_numbers():
    """A mail import group (a long transaction, numbers taken outside) holds the ticket
    counters of its type; a web user opening a ticket of that type waits for them. That
    opener must not hold the number counter meanwhile: the group's next number would wait
    for the opener, which waits for the group, a deadlock the database cannot see (found
    by the scale-out load run)."""
    from django.db import transaction

    from wagtail_tickets import actions

    kind, user = TicketTypeFactory(name="Shared"), UserFactory()
    make_ticket(user, kind)  # the counters exist, committed
    web: dict = {}

    def open_from_the_web():  # a request: no transaction of its own around the action
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SET lock_timeout = '30s'")
            web["number"] = make_ticket(user, kind, subject="from the web").number
        except BaseException as exc:  # noqa: BLE001 (reported below)
            web["error"] = exc
        finally:
            connections.close_all()

    def opener_is_waiting(probe) -> bool:
        with probe.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
            return cursor.fetchone()[0] > 0

    thread = threading.Thread(target=open_from_the_web)
    with actions.batch(numbers_outside=True) as group, transaction.atomic():
        first = make_ticket(user, kind, subject="mail one").number
        with group.number_connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")
        thread.start()
        probe = connections.create_connection("default")
        try:
            deadline = time.monotonic() + 20
            while not (waiting := opener_is_waiting(probe)) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            probe.close()
        assert waiting, "the web opener never waited for the group's counters"
        second = make_ticket(user, kind, subject="mail two").number  # no lock timeout
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert "error" not in web, web.get("error")
    assert len({first, second, web["number"]}) == 3
