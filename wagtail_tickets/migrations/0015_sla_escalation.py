"""Escalation of service levels: the ledger of warnings and breaches (``SlaEscalation``)
and the mail kind "sla_escalation" (a new choice of the template and outbox kinds). A site
that has templates gets the shipped texts of the new kind (a new database gets every
shipped template after its first migrate); this migration carries a frozen copy of them
and calls no code of the package."""

import django.db.models.deletion
from django.db import migrations, models

NEW_KIND_TEXTS = {
    "sla_escalation": {
        "en": (
            "{sla:target} {sla:state}: {ticket:subject}",
            "{GREETING}\n\n"
            "Ticket {ticket:ticket_number}: {sla:target} {sla:state}.\n"
            "Due: {sla:due}\n\n"
            "Subject: {ticket:subject}\n"
            "From: {ticket:first_name} {ticket:last_name} <{ticket:email}>\n"
            "Type: {ticket:type}\nStatus: {ticket:status}\nPriority: {ticket:priority}\n\n"
            "{LINK}",
        ),
        "de": (
            "{sla:target} {sla:state}: {ticket:subject}",
            "{GREETING}\n\n"
            "Ticket {ticket:ticket_number}: {sla:target} {sla:state}.\n"
            "Fällig: {sla:due}\n\n"
            "Betreff: {ticket:subject}\n"
            "Von: {ticket:first_name} {ticket:last_name} <{ticket:email}>\n"
            "Typ: {ticket:type}\nStatus: {ticket:status}\nPriorität: {ticket:priority}\n\n"
            "{LINK}",
        ),
        "nl": (
            "{sla:target} {sla:state}: {ticket:subject}",
            "{GREETING}\n\n"
            "Ticket {ticket:ticket_number}: {sla:target} {sla:state}.\n"
            "Uiterlijk: {sla:due}\n\n"
            "Onderwerp: {ticket:subject}\n"
            "Van: {ticket:first_name} {ticket:last_name} <{ticket:email}>\n"
            "Type: {ticket:type}\nStatus: {ticket:status}\nPrioriteit: {ticket:priority}\n\n"
            "{LINK}",
        ),
        "it": (
            "{sla:target} {sla:state}: {ticket:subject}",
            "{GREETING}\n\n"
            "Ticket {ticket:ticket_number}: {sla:target} {sla:state}.\n"
            "Scadenza: {sla:due}\n\n"
            "Oggetto: {ticket:subject}\n"
            "Da: {ticket:first_name} {ticket:last_name} <{ticket:email}>\n"
            "Tipo: {ticket:type}\nStato: {ticket:status}\nPriorità: {ticket:priority}\n\n"
            "{LINK}",
        ),
    }
}


def add_the_shipped_texts(apps, schema_editor):
    EmailTemplate = apps.get_model("wagtail_tickets", "EmailTemplate")
    templates = EmailTemplate.objects.using(schema_editor.connection.alias)
    if not templates.exists():
        return
    for kind, languages in NEW_KIND_TEXTS.items():
        for language, (subject, body) in languages.items():
            templates.get_or_create(
                kind=kind,
                ticket_type=None,
                language=language,
                defaults={"subject": subject, "body": body, "active": True},
            )


def remove_the_shipped_texts(apps, schema_editor):
    EmailTemplate = apps.get_model("wagtail_tickets", "EmailTemplate")
    templates = EmailTemplate.objects.using(schema_editor.connection.alias)
    templates.filter(kind__in=list(NEW_KIND_TEXTS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_tickets", "0014_sla"),
    ]

    operations = [
        migrations.AlterField(
            model_name="emailtemplate",
            name="kind",
            field=models.CharField(
                choices=[
                    ("default_reply", "Default reply (an agent answers the customer)"),
                    ("auto_reply", "Auto reply (the customer opened a ticket)"),
                    ("created_for_customer", "Ticket created for customer (an agent opened it)"),
                    ("created_for_agent", "Ticket created, for agents (the type's list)"),
                    ("claimed", "Ticket claimed (to the customer)"),
                    ("status_changed", "Status changed (to the customer)"),
                    ("fields_changed", "Fields changed (to the customer)"),
                    ("customer_replied", "Customer replied (to the assignee)"),
                    ("assigned", "Ticket assigned (to the new assignee)"),
                    ("merged", "Ticket merged (to the customer)"),
                    ("rating_request", "Rating request (the ticket was closed)"),
                    (
                        "sla_escalation",
                        "Service level due soon or breached (to the assignee or the type's agents)",
                    ),
                ],
                max_length=30,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="outgoingmail",
            name="kind",
            field=models.CharField(
                choices=[
                    ("default_reply", "Default reply (an agent answers the customer)"),
                    ("auto_reply", "Auto reply (the customer opened a ticket)"),
                    ("created_for_customer", "Ticket created for customer (an agent opened it)"),
                    ("created_for_agent", "Ticket created, for agents (the type's list)"),
                    ("claimed", "Ticket claimed (to the customer)"),
                    ("status_changed", "Status changed (to the customer)"),
                    ("fields_changed", "Fields changed (to the customer)"),
                    ("customer_replied", "Customer replied (to the assignee)"),
                    ("assigned", "Ticket assigned (to the new assignee)"),
                    ("merged", "Ticket merged (to the customer)"),
                    ("rating_request", "Rating request (the ticket was closed)"),
                    (
                        "sla_escalation",
                        "Service level due soon or breached (to the assignee or the type's agents)",
                    ),
                ],
                max_length=30,
                verbose_name="kind",
            ),
        ),
        migrations.CreateModel(
            name="SlaEscalation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("target", models.CharField(max_length=20, verbose_name="target")),
                (
                    "stage",
                    models.CharField(
                        choices=[("warning", "Due soon"), ("breach", "Breached")],
                        max_length=10,
                        verbose_name="stage",
                    ),
                ),
                ("started_at", models.DateTimeField(verbose_name="target started")),
                ("due_at", models.DateTimeField(verbose_name="due")),
                ("fire_at", models.DateTimeField(verbose_name="fires at")),
                (
                    "state",
                    models.CharField(
                        choices=[("planned", "Planned"), ("sent", "Sent"), ("skipped", "Skipped")],
                        default="planned",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                ("claim", models.CharField(blank=True, editable=False, max_length=32)),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent")),
                (
                    "ticket",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="wagtail_tickets.ticket",
                        verbose_name="ticket",
                    ),
                ),
            ],
            options={
                "verbose_name": "SLA escalation",
                "verbose_name_plural": "SLA escalations",
                "indexes": [
                    models.Index(
                        condition=models.Q(("state", "planned")),
                        fields=["fire_at"],
                        name="wt_escalation_planned",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("ticket", "target", "stage", "started_at"),
                        name="wt_escalation_once",
                    )
                ],
            },
        ),
        migrations.RunPython(add_the_shipped_texts, remove_the_shipped_texts),
    ]
