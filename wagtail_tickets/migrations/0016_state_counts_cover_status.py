"""The customer area's counts per state read the status from the index too: "with us"
and "waiting for your answer" are told apart by the status, which sent every open
ticket of a requester to the table."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_tickets", "0015_sla_escalation"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="ticket",
            name="wt_ticket_requester_state",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="wt_ticket_customer_state",
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["requester", "is_open"],
                include=("ticket_type", "status"),
                name="wt_ticket_requester_state",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["customer", "is_open"],
                include=("ticket_type", "requester", "status"),
                name="wt_ticket_customer_state",
            ),
        ),
    ]
