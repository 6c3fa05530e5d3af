"""Hours logged per day and author, kept by the database next to the other daily report
totals (PostgreSQL): see ``wagtail_tickets.report_days``."""

from django.db import migrations

from wagtail_tickets import report_days


def build(apps, schema_editor):
    report_days.add_hours(schema_editor.connection)


def drop(apps, schema_editor):
    report_days.remove_hours(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("wagtail_tickets", "0013_report_days"),
    ]

    operations = [
        migrations.RunPython(build, drop, elidable=False),
    ]
