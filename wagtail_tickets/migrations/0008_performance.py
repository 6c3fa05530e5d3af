"""Performance at a million tickets: partial indexes on open tickets (``Ticket.is_open``),
per-(type, status) ticket counters and, on PostgreSQL, full-text search of ticket messages.
The triggers that keep them are in ``wagtail_tickets.derived``."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from wagtail_tickets import derived


def install(apps, schema_editor):
    derived.install(schema_editor.connection)
    derived.rebuild(schema_editor.connection)


def uninstall(apps, schema_editor):
    derived.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('wagtail_tickets', '0007_pending_notification_link'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TicketCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('count', models.BigIntegerField(default=0)),
            ],
            options={
                'verbose_name': 'ticket counter',
                'verbose_name_plural': 'ticket counters',
            },
        ),
        migrations.AddField(
            model_name='ticket',
            name='is_open',
            field=models.BooleanField(default=True, editable=False, verbose_name='open'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['priority', '-updated_at'], name='wt_ticket_priority_upd'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['created_at'], name='wt_ticket_created'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('closed_at__isnull', False)), fields=['closed_at'], name='wt_ticket_closed'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('is_open', True)), fields=['-updated_at', '-id'], name='wt_ticket_open_upd'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('is_open', True)), fields=['assignee'], name='wt_ticket_open_assignee'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('is_open', True)), fields=['target_date'], name='wt_ticket_open_target'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('is_open', True), ('last_message_by_staff', True)), fields=['last_message_at'], name='wt_ticket_open_awaiting'),
        ),
        migrations.AddField(
            model_name='ticketcounter',
            name='status',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='wagtail_tickets.status'),
        ),
        migrations.AddField(
            model_name='ticketcounter',
            name='ticket_type',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='wagtail_tickets.tickettype'),
        ),
        migrations.AddConstraint(
            model_name='ticketcounter',
            constraint=models.UniqueConstraint(fields=('ticket_type', 'status'), name='wt_counter_unique'),
        ),
        migrations.RunPython(install, uninstall),
    ]
