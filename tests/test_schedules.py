"""The django-q2 schedules exist after migrate, once, and keep an administrator's edits."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from wagtail_tickets import schedules
from wagtail_tickets.schedules import ensure_schedules
from wagtail_tickets.tasks import SCHEDULES

pytestmark = pytest.mark.django_db

IMPORT = "wagtail_tickets.tasks.import_ticket_mail"
AUTO_CLOSE = "wagtail_tickets.tasks.close_stale_tickets"


def own_schedules():
    """The app's own schedules (optional sub-apps, such as the API's, add theirs)."""
    return Schedule.objects.filter(func__startswith="wagtail_tickets.tasks.")


def test_migrate_registered_the_schedules():
    """The test database was built by ``migrate``: its post_migrate hook ran."""
    imports = Schedule.objects.get(func=IMPORT)
    assert imports.schedule_type == Schedule.MINUTES and imports.minutes == 5
    assert imports.repeats == -1
    daily = Schedule.objects.get(func=AUTO_CLOSE)
    assert daily.minutes == 24 * 60
    assert own_schedules().count() == len(SCHEDULES)


def test_registering_again_neither_duplicates_nor_overwrites(capsys):
    Schedule.objects.filter(func=IMPORT).update(minutes=15, name="Mail, every quarter hour")
    Schedule.objects.filter(func=AUTO_CLOSE).delete()
    result = dict(ensure_schedules())
    assert result["wagtail_tickets: close stale tickets"] is True
    assert result["wagtail_tickets: import mail"] is False
    call_command("setup_ticket_schedules")
    assert "already present, kept" in capsys.readouterr().out
    assert Schedule.objects.filter(func=IMPORT).count() == 1
    assert Schedule.objects.get(func=IMPORT).minutes == 15
    assert own_schedules().count() == len(SCHEDULES)


def test_post_migrate_runs_the_registration():
    Schedule.objects.all().delete()
    call_command("migrate", "wagtail_tickets", verbosity=0)
    assert set(own_schedules().values_list("func", flat=True)) == {f for _n, f, _m in SCHEDULES}


def test_scheduled_import_task_runs(db):
    from wagtail_tickets.tasks import import_ticket_mail

    assert import_ticket_mail() == []  # no mailbox configured: nothing to do, no error


@pytest.mark.parametrize(
    ("zone", "now_utc", "first_run_utc"),
    [
        # the night the clocks go forward: 03:00 local is 01:00 UTC, not 02:00
        (
            "Europe/Berlin",
            datetime.datetime(2026, 3, 28, 12, 0),
            datetime.datetime(2026, 3, 29, 1, 0),
        ),
        # the night they go back: 03:00 local is 02:00 UTC
        (
            "Europe/Berlin",
            datetime.datetime(2026, 10, 24, 12, 0),
            datetime.datetime(2026, 10, 25, 2, 0),
        ),
        # after tonight's run: tomorrow night
        (
            "Europe/Berlin",
            datetime.datetime(2026, 3, 29, 2, 0),
            datetime.datetime(2026, 3, 30, 1, 0),
        ),
        # just before: tonight
        (
            "Europe/Berlin",
            datetime.datetime(2026, 3, 29, 0, 59),
            datetime.datetime(2026, 3, 29, 1, 0),
        ),
        (
            "America/New_York",
            datetime.datetime(2026, 11, 1, 4, 0),
            datetime.datetime(2026, 11, 1, 8, 0),
        ),
        ("UTC", datetime.datetime(2026, 12, 31, 23, 0), datetime.datetime(2027, 1, 1, 3, 0)),
    ],
)
def test_daily_jobs_first_run_at_three_local_time_across_dst(
    settings, monkeypatch, zone, now_utc, first_run_utc
):
    settings.TIME_ZONE = zone
    utc = datetime.UTC
    monkeypatch.setattr(schedules.timezone, "now", lambda: now_utc.replace(tzinfo=utc))
    assert schedules._first_run(24 * 60).astimezone(utc) == first_run_utc.replace(tzinfo=utc)
    assert schedules._first_run(5) == now_utc.replace(tzinfo=utc)
