"""The search indexes merge their pending entries in small steps (PostgreSQL): see
``wagtail_tickets.derived.GIN_PENDING_KB``."""

from django.db import migrations

from wagtail_tickets import derived


def limit(apps, schema_editor):
    derived.limit_pending_words(schema_editor.connection)


def default(apps, schema_editor):
    derived.limit_pending_words(schema_editor.connection, limit=False)


class Migration(migrations.Migration):

    dependencies = [
        ("wagtail_tickets", "0014_report_hours"),
    ]

    operations = [
        migrations.RunPython(limit, default, elidable=False),
    ]
