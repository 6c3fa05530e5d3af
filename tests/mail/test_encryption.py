"""Secrets at rest: mailbox passwords, client secrets and tokens are in the database only as
Fernet tokens; any configured key reads them, the first writes them; the data migration
encrypts passwords stored in clear text before it."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from tests.factories import MailboxFactory
from wagtail_tickets import migrations
from wagtail_tickets.mail import encryption
from wagtail_tickets.models import Mailbox, OAuthApplication

pytestmark = pytest.mark.django_db

PASSWORD = "imap-Pa55-clear"
CLIENT_SECRET = "client-secret-Zq9"
REFRESH = "refresh-token-8s7d6f"
ACCESS = "access-token-1a2b3c"


def raw(table_model, pk, column):
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column)} FROM {quote(table_model._meta.db_table)} WHERE id = %s", [pk]
        )
        return cursor.fetchone()[0]


def dump() -> str:
    """Every text value of the two tables, as a database dump would show them."""
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in (Mailbox, OAuthApplication):
            cursor.execute(f"SELECT * FROM {quote(model._meta.db_table)}")
            found.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(found)


@pytest.fixture
def secrets_stored():
    app = OAuthApplication.objects.create(
        name="Entra", provider="microsoft", client_id="cid", client_secret=CLIENT_SECRET
    )
    mailbox = MailboxFactory(password=PASSWORD)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        oauth_application=app,
        oauth_refresh_token=REFRESH,
        oauth_access_token=ACCESS,
        oauth_expires_at=timezone.now(),
    )
    return mailbox, app


def test_a_dump_shows_no_secret_in_clear(secrets_stored):
    mailbox, app = secrets_stored
    text = dump()
    for secret in (PASSWORD, CLIENT_SECRET, REFRESH, ACCESS):
        assert secret not in text
    assert raw(Mailbox, mailbox.pk, "password").startswith("fernet:")
    mailbox = Mailbox.objects.get(pk=mailbox.pk)
    assert (mailbox.password, mailbox.oauth_refresh_token, mailbox.oauth_access_token) == (
        PASSWORD,
        REFRESH,
        ACCESS,
    )
    assert OAuthApplication.objects.get(pk=app.pk).client_secret == CLIENT_SECRET


def test_the_same_value_encrypts_differently_and_empty_stays_empty():
    assert encryption.encrypt("x") != encryption.encrypt("x")
    assert encryption.encrypt("") == "" and encryption.decrypt("") == ""
    stored = encryption.encrypt("x")
    assert encryption.encrypt(stored) == stored  # never twice


def test_rotating_the_key_keeps_every_mailbox_working(secrets_stored, settings):
    mailbox, app = secrets_stored
    before = raw(Mailbox, mailbox.pk, "password")
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "ENCRYPTION_KEYS": ["new-key-1"]}
    # the old key (SECRET_KEY) is gone: nothing can be read, and it reads as missing
    assert Mailbox.objects.get(pk=mailbox.pk).password == ""
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "ENCRYPTION_KEYS": ["new-key-1", settings.SECRET_KEY],
    }
    assert Mailbox.objects.get(pk=mailbox.pk).password == PASSWORD
    call_command("rotate_ticket_secrets", stdout=open("/dev/null", "w"))
    after = raw(Mailbox, mailbox.pk, "password")
    assert after != before and after.startswith("fernet:")
    # only the new key now: everything still opens
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "ENCRYPTION_KEYS": ["new-key-1"]}
    mailbox = Mailbox.objects.get(pk=mailbox.pk)
    assert (mailbox.password, mailbox.oauth_refresh_token, mailbox.oauth_access_token) == (
        PASSWORD,
        REFRESH,
        ACCESS,
    )
    assert OAuthApplication.objects.get(pk=app.pk).client_secret == CLIENT_SECRET


def test_secret_key_fallbacks_read_old_values(secrets_stored, settings):
    mailbox, _app = secrets_stored
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-newer-secret-key-for-the-site"
    settings.SECRET_KEY_FALLBACKS = [old]
    assert Mailbox.objects.get(pk=mailbox.pk).password == PASSWORD


def test_the_migration_encrypts_clear_text_passwords():
    mailbox = MailboxFactory(password="will-be-overwritten")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:  # as a database before the migration held it
        cursor.execute(
            f"UPDATE {quote(Mailbox._meta.db_table)} SET password = %s WHERE id = %s",
            ["old-clear-password", mailbox.pk],
        )
    assert Mailbox.objects.get(pk=mailbox.pk).password == "old-clear-password"
    name = next(Path(migrations.__file__).parent.glob("*_mailbox_sign_in.py")).stem
    migration = importlib.import_module(f"wagtail_tickets.migrations.{name}")

    # the models as the migration sees them (its password is a plain text column)
    state_apps = MigrationLoader(connection).project_state(("wagtail_tickets", name)).apps

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.encrypt_passwords(state_apps, editor)
    assert "old-clear-password" not in raw(Mailbox, mailbox.pk, "password")
    assert Mailbox.objects.get(pk=mailbox.pk).password == "old-clear-password"
    migration.encrypt_passwords(state_apps, editor)  # twice changes nothing
    assert Mailbox.objects.get(pk=mailbox.pk).password == "old-clear-password"
    migration.decrypt_passwords(state_apps, editor)
    assert raw(Mailbox, mailbox.pk, "password") == "old-clear-password"
