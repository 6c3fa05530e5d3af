"""Indexes the reports read alone (index-only scans): tickets opened, closed and still open
in a period, and messages with logged hours."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('wagtail_tickets', '0008_performance'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='message',
            index=models.Index(condition=models.Q(('hours__isnull', False)), fields=['ticket', 'author', 'rate', 'author_name', 'created_at', 'hours'], name='wt_message_report_hours'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['created_at', 'ticket_type', 'status', 'first_response_at'], name='wt_ticket_report_opened'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('is_open', False)), fields=['closed_at', 'ticket_type', 'assignee', 'created_at'], name='wt_ticket_report_closed'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('is_open', True)), fields=['ticket_type', 'assignee', 'target_date'], name='wt_ticket_report_open'),
        ),
    ]
