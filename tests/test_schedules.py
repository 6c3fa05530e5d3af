"""The django-q2 schedules exist after migrate, once, and keep an administrator's edits."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from wagtail_tickets.schedules import ensure_schedules
from wagtail_tickets.tasks import SCHEDULES

pytestmark = pytest.mark.django_db

IMPORT = "wagtail_tickets.tasks.import_ticket_mail"
AUTO_CLOSE = "wagtail_tickets.tasks.close_stale_tickets"


def test_migrate_registered_the_schedules():
    """The test database was built by ``migrate``: its post_migrate hook ran."""
    imports = Schedule.objects.get(func=IMPORT)
    assert imports.schedule_type == Schedule.MINUTES and imports.minutes == 5
    assert imports.repeats == -1
    daily = Schedule.objects.get(func=AUTO_CLOSE)
    assert daily.minutes == 24 * 60
    assert Schedule.objects.count() == len(SCHEDULES)


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
    assert Schedule.objects.count() == len(SCHEDULES)


def test_post_migrate_runs_the_registration():
    Schedule.objects.all().delete()
    call_command("migrate", "wagtail_tickets", verbosity=0)
    assert set(Schedule.objects.values_list("func", flat=True)) == {f for _n, f, _m in SCHEDULES}


def test_scheduled_import_task_runs(db):
    from wagtail_tickets.tasks import import_ticket_mail

    assert import_ticket_mail() == []  # no mailbox configured: nothing to do, no error
