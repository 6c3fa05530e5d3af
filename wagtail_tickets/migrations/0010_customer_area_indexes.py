"""Indexes for the customer area's counts, and on PostgreSQL one for finding a user by email
address regardless of case (incoming mail: who sent it), which otherwise reads the whole
user table for every message."""

from django.conf import settings
from django.db import migrations, models

EMAIL_INDEX = "wt_user_email_upper"


def add_email_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    User = apps.get_model(settings.AUTH_USER_MODEL)
    names = {field.name for field in User._meta.concrete_fields}
    if "email" not in names:
        return
    quote = schema_editor.quote_name
    table, column = User._meta.db_table, User._meta.get_field("email").column
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {EMAIL_INDEX} ON {quote(table)} (UPPER({quote(column)}))"
    )


def drop_email_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {EMAIL_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ('wagtail_tickets', '0009_report_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['requester', 'is_open'], include=('ticket_type',), name='wt_ticket_requester_state'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['customer', 'is_open'], include=('ticket_type', 'requester'), name='wt_ticket_customer_state'),
        ),
        migrations.RunPython(add_email_index, drop_email_index),
    ]
