"""The external page caps open tickets per address, in any case: an index on the
upper-cased address of open tickets answers it without reading the ticket table."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_tickets", "0010_customer_area_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                django.db.models.functions.text.Upper("requester_email"),
                condition=models.Q(("is_open", True)),
                name="wt_ticket_open_email",
            ),
        ),
    ]
