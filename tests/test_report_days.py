"""The daily report totals the database keeps (``wagtail_tickets.db.daily_totals``,
PostgreSQL): whatever way a ticket changes they equal a recount from the tickets, and a
report read from them equals the report read from the tickets."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import (
    StatusFactory,
    TicketTypeFactory,
    UserFactory,
    make_agent,
    make_ticket,
)
from wagtail_tickets import actions
from wagtail_tickets.admin.reports import queries as report_queries
from wagtail_tickets.admin.reports.queries import Period
from wagtail_tickets.db import daily_totals as report_days
from wagtail_tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def kept() -> dict[str, set[tuple]]:
    """The totals as the triggers kept them, rows that net to nothing left out."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT day, ticket_type_id, status_id, opened, answered, waited_us "
            f"FROM {report_days.OPENED} WHERE opened <> 0 OR answered <> 0 OR waited_us <> 0"
        )
        opened = set(cursor.fetchall())
        cursor.execute(
            f"SELECT day, ticket_type_id, assignee_id, closed, took_us "
            f"FROM {report_days.CLOSED} WHERE closed <> 0 OR took_us <> 0"
        )
        closed = set(cursor.fetchall())
        cursor.execute(
            f"SELECT day, author_id, logged, hours FROM {report_days.HOURS} "
            "WHERE logged <> 0 OR hours <> 0"
        )
        hours = set(cursor.fetchall())
    return {"opened": opened, "closed": closed, "hours": hours}


def recounted() -> dict[str, set[tuple]]:
    report_days.rebuild(connection)
    return kept()


@pytest.fixture
def world():
    first, second = TicketTypeFactory(), TicketTypeFactory()
    agent = make_agent(first)
    customer = UserFactory()
    tickets = [make_ticket(customer, first) for _ in range(3)] + [make_ticket(customer, second)]
    return {"types": (first, second), "agent": agent, "customer": customer, "tickets": tickets}


@pytest.mark.postgres
def test_the_migration_keeps_the_totals_in_the_site_zone():
    assert report_days.installed_zone(connection) == "Europe/Amsterdam"
    assert report_days.zone() == "Europe/Amsterdam"


@pytest.mark.postgres
def test_every_change_of_a_ticket_keeps_the_totals_right(world):
    first, second = world["types"]
    agent = world["agent"]
    one, two, three, four = world["tickets"]
    assert kept()["opened"] and kept() == recounted()

    actions.add_reply(one, actor=agent, body_html="<p>On it</p>")  # first answer
    actions.change_ticket(two, assignee=agent)
    actions.close_ticket(two, actor=None)
    actions.close_ticket(three, actor=None)
    actions.reopen_ticket(three, actor=None)
    actions.change_ticket(four, ticket_type=first)  # moved to another type
    actions.change_ticket(one, status=StatusFactory(name="Waiting"))
    before = kept()
    assert before == recounted()

    # changes behind the actions' back: a bulk update, a back-dated ticket, a deletion
    Ticket.objects.filter(pk__in=[one.pk, four.pk]).update(assignee=agent)
    Ticket.objects.filter(pk=two.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    Ticket.objects.filter(pk=four.pk).update(ticket_type=second)
    actions.close_ticket(Ticket.objects.get(pk=four.pk), actor=None)
    Ticket.objects.filter(pk=three.pk).delete()
    after = kept()
    assert after != before
    assert after == recounted()


@pytest.mark.postgres
def test_every_change_of_logged_hours_keeps_the_totals_right(world):
    agent, other = world["agent"], make_agent(world["types"][0])
    one, two = world["tickets"][:2]
    logged = actions.add_reply(one, actor=agent, body_html="<p>a</p>", hours=Decimal("1.25"))
    actions.add_reply(one, actor=other, body_html="<p>b</p>", hours=Decimal("0.50"))
    actions.add_reply(two, actor=agent, body_html="<p>c</p>", hours=Decimal("2.00"))
    actions.add_reply(two, actor=agent, body_html="<p>no hours</p>")
    assert len(kept()["hours"]) == 2 and kept() == recounted()
    before = kept()

    Message.objects.filter(pk=logged.pk).update(hours=Decimal("3.75"))
    Message.objects.filter(pk=logged.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    Message.objects.filter(ticket=two, hours__isnull=True).update(hours=Decimal("0.25"))
    Message.objects.filter(ticket=two, hours=Decimal("2.00")).update(hours=None)
    other.delete()  # the messages keep their hours, without an author
    assert kept() != before and kept() == recounted()
    assert any(row[1] == 0 for row in kept()["hours"])

    Ticket.objects.filter(pk=one.pk).delete()  # its messages go with it
    assert kept() == recounted()
    Message.objects.all().delete()
    assert kept()["hours"] == set()


@pytest.mark.postgres
def test_the_hours_of_a_report_over_every_type_come_from_the_totals(world, monkeypatch):
    first, _second = world["types"]
    one, four = world["tickets"][0], world["tickets"][3]
    actions.add_reply(one, actor=world["agent"], body_html="<p>a</p>", hours=Decimal("1.25"))
    actions.add_reply(four, actor=None, body_html="<p>b</p>", hours=Decimal("0.50"))
    today = timezone.localdate()
    period = Period(today - datetime.timedelta(days=29), today, "day")
    everything = reports_agree(Ticket.objects.all(), None, period)
    assert everything.totals["hours"] == Decimal("1.75")
    only_first = reports_agree(
        Ticket.objects.filter(ticket_type=first), frozenset({first.pk}), period
    )
    assert only_first.totals["hours"] == Decimal("1.25")

    def unread(*args):
        raise AssertionError("the hours were read from the messages")

    monkeypatch.setattr(report_queries, "hours_rows", unread)
    with report_queries.analytics() as session:
        report = report_queries.build(Ticket.objects.all(), period, session, types=None)
    assert report.totals["hours"] == Decimal("1.75")


@pytest.mark.postgres
def test_a_day_is_a_day_of_the_site_zone(world):
    """23:30 UTC on 1 March is 00:30 on 2 March in Amsterdam."""
    ticket = world["tickets"][0]
    late = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=late)
    days = {row[0] for row in kept()["opened"] if row[1] == ticket.ticket_type_id}
    assert datetime.date(2026, 3, 2) in days
    assert datetime.date(2026, 3, 1) not in days


def reports_agree(tickets, types, period: Period) -> report_queries.Report:
    with report_queries.analytics() as session:
        from_days = report_queries.build(tickets, period, session, types=types)
    with report_queries.analytics() as session:
        from_tickets = report_queries.build(tickets, period, session)
    assert from_days == from_tickets
    return from_days


@pytest.mark.postgres
@pytest.mark.parametrize("granularity", ["day", "week", "month"])
def test_a_report_from_the_totals_equals_one_from_the_tickets(world, granularity):
    first, second = world["types"]
    one, two, three, four = world["tickets"]
    actions.add_reply(one, actor=world["agent"], body_html="<p>On it</p>")
    actions.change_ticket(two, assignee=world["agent"])
    actions.close_ticket(two, actor=None)
    actions.close_ticket(four, actor=None)
    Ticket.objects.filter(pk=three.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=20)
    )
    today = timezone.localdate()
    period = Period(today - datetime.timedelta(days=60), today, granularity)
    assert report_queries.days_serve(connection.alias)

    everything = reports_agree(Ticket.objects.all(), None, period)
    assert everything.totals["opened"] == 4
    assert everything.totals["closed"] == 2
    assert everything.first_response.count == 1
    only_first = reports_agree(
        Ticket.objects.filter(ticket_type=first), frozenset({first.pk}), period
    )
    assert only_first.totals["opened"] == 3
    assert only_first.totals["closed"] == 1
    nothing = reports_agree(Ticket.objects.none(), frozenset(), period)
    assert nothing.totals["opened"] == 0


@pytest.mark.postgres
def test_a_report_in_another_zone_reads_the_tickets(world):
    with timezone.override("Asia/Tokyo"):
        assert not report_queries.days_serve(connection.alias)
    assert report_queries.days_serve(connection.alias)


@pytest.mark.postgres
def test_a_new_site_zone_rebuilds_the_totals(world, settings):
    ticket = world["tickets"][0]
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    )
    settings.TIME_ZONE = "UTC"
    try:
        assert report_days.ensure(connection) is True
        assert report_days.installed_zone(connection) == "UTC"
        days = {row[0] for row in kept()["opened"] if row[1] == ticket.ticket_type_id}
        assert datetime.date(2026, 3, 1) in days
        assert report_days.ensure(connection) is False  # already kept in UTC
    finally:
        report_days.forget()


@pytest.mark.postgres
def test_without_a_usable_zone_the_totals_are_dropped(world, settings):
    settings.USE_TZ = False
    try:
        assert report_days.ensure(connection) is False
        assert report_days.installed_zone(connection) is None
        assert report_days.zone() is None
        assert not report_queries.days_serve(connection.alias)
    finally:
        report_days.forget()


@pytest.mark.parametrize(
    "name",
    ["Europe/Amsterdam'; DROP TABLE wagtail_tickets_ticket; --", "Not/A_Zone", "", "../../etc"],
)
def test_a_zone_name_is_never_pasted_into_sql_unchecked(settings, name):
    settings.TIME_ZONE = name
    assert report_days.site_zone() is None
    if not report_days._ZONE_NAME.match(name):
        with pytest.raises(ValueError):
            report_days.install(connection, name)


def test_other_databases_keep_no_totals():
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL keeps them")
    assert report_days.ensure(connection) is False
    assert report_days.zone() is None
    assert not report_queries.days_serve(connection.alias)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_opposite_changes_at_the_same_time_do_not_deadlock():
    """Two connections move tickets of one type and day between the same two statuses in
    opposite directions, each change in its own transaction: the totals' rows are taken in
    key order, so neither waits for the other for ever, and the totals stay right."""
    import threading

    from django.db import connections, transaction

    from tests.factories import open_status

    kind = TicketTypeFactory()
    customer = UserFactory()
    first, second = open_status(), StatusFactory(name="Waiting")
    left = [make_ticket(customer, kind).pk for _ in range(3)]
    right = [make_ticket(customer, kind).pk for _ in range(3)]
    Ticket.objects.filter(pk__in=right).update(status=second)
    errors: list[BaseException] = []
    start = threading.Barrier(2, timeout=10)

    def flip(ids, there, back):
        try:
            start.wait()
            for round_ in range(30):
                target = there if round_ % 2 == 0 else back
                for pk in ids:
                    with transaction.atomic():
                        Ticket.objects.filter(pk=pk).update(status=target)
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections["default"].close()

    workers = [
        threading.Thread(target=flip, args=(left, second, first)),
        threading.Thread(target=flip, args=(right, first, second)),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert kept() == recounted()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_emptying_the_ticket_table_empties_the_totals(world):
    """``flush`` and the test database's resets TRUNCATE, which fires no row trigger."""
    assert kept()["opened"]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE wagtail_tickets_ticket CASCADE")
    assert kept() == {"opened": set(), "closed": set(), "hours": set()}
