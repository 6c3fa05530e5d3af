"""The listing indexes end with the id, the inbox's tie-break, so PostgreSQL reads a page
straight from the index instead of sorting every ticket of the newest moment; the foreign
keys these indexes lead lose their own single-column index (one less to write per ticket)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from wagtail_tickets import derived
from wagtail_tickets.conf import get_customer_model_string


def set_triggers_aside(apps, schema_editor):
    """SQLite rebuilds the ticket table to alter its columns, which a trigger on another
    table naming it does not survive."""
    if schema_editor.connection.vendor == "sqlite":
        derived.uninstall(schema_editor.connection)


def put_triggers_back(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        derived.install(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(get_customer_model_string()),
        ('wagtail_tickets', '0011_external_email_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(set_triggers_aside, put_triggers_back),
        migrations.RemoveIndex(
            model_name='ticket',
            name='wt_ticket_requester_upd',
        ),
        migrations.RemoveIndex(
            model_name='ticket',
            name='wt_ticket_customer_upd',
        ),
        migrations.RemoveIndex(
            model_name='ticket',
            name='wt_ticket_type_upd',
        ),
        migrations.RemoveIndex(
            model_name='ticket',
            name='wt_ticket_status_upd',
        ),
        migrations.RemoveIndex(
            model_name='ticket',
            name='wt_ticket_assignee_upd',
        ),
        migrations.RemoveIndex(
            model_name='ticket',
            name='wt_ticket_priority_upd',
        ),
        migrations.AlterField(
            model_name='ticket',
            name='assignee',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tickets_assigned', to=settings.AUTH_USER_MODEL, verbose_name='assignee'),
        ),
        migrations.AlterField(
            model_name='ticket',
            name='customer',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=get_customer_model_string(), verbose_name='customer'),
        ),
        migrations.AlterField(
            model_name='ticket',
            name='priority',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tickets', to='wagtail_tickets.priority', verbose_name='priority'),
        ),
        migrations.AlterField(
            model_name='ticket',
            name='requester',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tickets_requested', to=settings.AUTH_USER_MODEL, verbose_name='requester'),
        ),
        migrations.AlterField(
            model_name='ticket',
            name='status',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='wagtail_tickets.status', verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='ticket',
            name='ticket_type',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='wagtail_tickets.tickettype', verbose_name='type'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['requester', '-updated_at', '-id'], name='wt_ticket_requester_upd'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['customer', '-updated_at', '-id'], name='wt_ticket_customer_upd'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['ticket_type', '-updated_at', '-id'], name='wt_ticket_type_upd'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['status', '-updated_at', '-id'], name='wt_ticket_status_upd'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['assignee', '-updated_at', '-id'], name='wt_ticket_assignee_upd'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['priority', '-updated_at', '-id'], name='wt_ticket_priority_upd'),
        ),
        migrations.RunPython(put_triggers_back, set_triggers_aside),
    ]
