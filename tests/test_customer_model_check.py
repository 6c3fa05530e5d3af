"""wagtail_tickets.E301: the customer model is the one the database's tickets were built
with (a model chosen after the first migrate is named, with what to do)."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from wagtail_tickets.checks import check_customer_model_history

pytestmark = pytest.mark.django_db


def errors(databases=("default",)):
    return [m for m in check_customer_model_history(None, databases=list(databases))]


def test_the_configured_model_passes(django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert errors() == []


def test_only_with_a_database():
    assert check_customer_model_history(None) == []
    assert check_customer_model_history(None, databases=None) == []


def test_a_model_chosen_after_the_first_migrate_is_named(settings):
    settings.WAGTAIL_TICKETS_CUSTOMER_MODEL = "auth.User"
    (error,) = errors()
    assert error.id == "wagtail_tickets.E301" and error.level == checks.ERROR
    assert "'auth.User'" in error.msg and "'testapp.Company'" in error.msg
    assert "testapp_company" in error.msg
    assert "back to 'testapp.Company'" in error.hint
    assert "migrate wagtail_tickets zero" in error.hint


def test_the_customer_app_migrated_after_ours_is_named():
    recorder = MigrationRecorder(connection)
    ours = recorder.migration_qs.get(app="wagtail_tickets", name="0001_initial").applied
    recorder.migration_qs.filter(app="testapp").update(applied=ours + datetime.timedelta(days=1))
    (error,) = errors()
    assert error.id == "wagtail_tickets.E301"
    assert "before the app 'testapp'" in error.msg
    assert "InconsistentMigrationHistory" in error.msg


def test_the_customer_app_never_migrated_is_named():
    MigrationRecorder(connection).migration_qs.filter(app="testapp").delete()
    (error,) = errors()
    assert "before the app 'testapp'" in error.msg


def test_a_database_without_our_tables_says_nothing():
    MigrationRecorder(connection).migration_qs.filter(app="wagtail_tickets").delete()
    assert errors() == []


def test_check_with_the_database_reports_it(settings):
    """What ``migrate`` and ``check --database default`` run, before Django's own
    InconsistentMigrationHistory."""
    settings.WAGTAIL_TICKETS_CUSTOMER_MODEL = "auth.User"
    with pytest.raises(SystemCheckError, match="wagtail_tickets.E301"):
        call_command("check", database=["default"])
    call_command("check")  # without a database it is not asked


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.django_db(databases=[])
def test_the_documented_way_to_another_customer_model(tmp_path):
    """The installation guide's steps, on a database of its own: migrate with one customer
    model, then with another (refused, E301), back to zero with the first, and migrate
    with the second."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "TEST_DATABASE_NAME")
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'site.sqlite3'}"

    def manage(settings: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "django", *args, f"--settings={settings}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    first = manage("tests.settings", "migrate", "--noinput")
    assert first.returncode == 0, first.stderr[-3000:]
    refused = manage("tests.settings_user_customer", "migrate", "--noinput")
    assert refused.returncode != 0
    assert "wagtail_tickets.E301" in refused.stderr
    assert "back to 'testapp.Company'" in refused.stderr
    undone = manage("tests.settings", "migrate", "wagtail_tickets", "zero", "--noinput")
    assert undone.returncode == 0, undone.stderr[-3000:]
    again = manage("tests.settings_user_customer", "migrate", "--noinput")
    assert again.returncode == 0, again.stderr[-3000:]
    checked = manage("tests.settings_user_customer", "check", "--database", "default")
    assert checked.returncode == 0, checked.stderr[-3000:]
