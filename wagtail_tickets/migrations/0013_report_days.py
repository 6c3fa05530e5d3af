"""Daily report totals kept by the database (PostgreSQL): see ``wagtail_tickets.report_days``.
Nothing happens on other databases, whose reports read the tickets."""

from django.db import migrations

from wagtail_tickets import report_days


def build(apps, schema_editor):
    report_days.ensure(schema_editor.connection)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        report_days.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("wagtail_tickets", "0012_listing_indexes_with_id"),
    ]

    operations = [
        migrations.RunPython(build, drop, elidable=False),
    ]
