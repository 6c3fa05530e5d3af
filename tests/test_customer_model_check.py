"""wagtail_tickets.E301: the customer model is the one the database's tickets were built
with (a model chosen after the first migrate is named, with what to do)."""

from __future__ import annotations

import datetime

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
