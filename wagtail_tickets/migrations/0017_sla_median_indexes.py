"""The reports' service-level medians read the tickets that have a final duration from
an index of their own instead of every ticket opened in the period."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_tickets", "0016_state_counts_cover_status"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(
                    ("first_response_at__isnull", False),
                    ("sla_first_response_seconds__isnull", False),
                ),
                fields=["created_at", "ticket_type", "sla_first_response_seconds"],
                name="wt_ticket_sla_first_response",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(
                    ("is_open", False), ("sla_resolution_seconds__isnull", False)
                ),
                fields=["created_at", "ticket_type", "sla_resolution_seconds"],
                name="wt_ticket_sla_resolution",
            ),
        ),
    ]
