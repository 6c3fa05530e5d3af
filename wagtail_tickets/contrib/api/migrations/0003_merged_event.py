"""The webhook event "ticket.merged" (a new choice of the delivery log)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_tickets_api", "0002_pause_and_order"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhookdelivery",
            name="event",
            field=models.CharField(
                choices=[
                    ("ticket.opened", "Ticket opened"),
                    ("message.added", "Message added"),
                    ("ticket.changed", "Ticket changed"),
                    ("ticket.closed", "Ticket closed"),
                    ("ticket.reopened", "Ticket reopened"),
                    ("ticket.merged", "Ticket merged"),
                ],
                max_length=32,
                verbose_name="event",
            ),
        ),
    ]
