"""Merged tickets and links between tickets, and the mail kind "merged" (a new choice of
the template and outbox kinds). A site that has templates gets the shipped texts of the new
kind; this migration carries a frozen copy of them and calls no code of the package."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The shipped templates of the new kind, added where the site has templates already (a
# new database gets every shipped template after its first migrate).
NEW_KIND_TEXTS = {
    "merged": {
        "en": (
            "",
            "{GREETING}\n\n"
            "Your ticket {ticket:ticket_number} is now part of ticket "
            "{merged_into:number} ({merged_into:subject}), which covers the same request. "
            "Its messages are there, and we continue there.\n\n"
            "Replies to earlier mail reach it too. Follow it here: {LINK}",
        ),
        "de": (
            "",
            "{GREETING}\n\n"
            "Ihr Ticket {ticket:ticket_number} gehört jetzt zum Ticket "
            "{merged_into:number} ({merged_into:subject}), das dasselbe Anliegen behandelt. "
            "Seine Nachrichten finden Sie dort, und dort geht es weiter.\n\n"
            "Antworten auf frühere E-Mails kommen ebenfalls dort an. Hier können Sie es "
            "verfolgen: {LINK}",
        ),
        "nl": (
            "",
            "{GREETING}\n\n"
            "Uw ticket {ticket:ticket_number} maakt nu deel uit van ticket "
            "{merged_into:number} ({merged_into:subject}), dat over hetzelfde verzoek gaat. "
            "De berichten staan daar, en daar gaan we verder.\n\n"
            "Antwoorden op eerdere e-mails komen daar ook aan. Volg het hier: {LINK}",
        ),
        "it": (
            "",
            "{GREETING}\n\n"
            "il suo ticket {ticket:ticket_number} fa ora parte del ticket "
            "{merged_into:number} ({merged_into:subject}), che tratta la stessa richiesta. "
            "I suoi messaggi sono lì, e continuiamo lì.\n\n"
            "Anche le risposte alle email precedenti arrivano lì. Lo segua qui: {LINK}",
        ),
    },
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
        ("wagtail_tickets", "0009_attachment_storage"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
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
                ],
                max_length=30,
                verbose_name="kind",
            ),
        ),
        migrations.CreateModel(
            name="TicketLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("related", "Related to"), ("parent", "Parent of")],
                        max_length=10,
                        verbose_name="link",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "from_ticket",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="links_out",
                        to="wagtail_tickets.ticket",
                    ),
                ),
                (
                    "to_ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="links_in",
                        to="wagtail_tickets.ticket",
                    ),
                ),
            ],
            options={
                "verbose_name": "ticket link",
                "verbose_name_plural": "ticket links",
                "ordering": ["pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("from_ticket", "to_ticket"), name="wt_link_unique"
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("kind", "parent")),
                        fields=("to_ticket",),
                        name="wt_link_one_parent",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("from_ticket", models.F("to_ticket")), _negated=True),
                        name="wt_link_not_to_itself",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="TicketMerge",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("merged_at", models.DateTimeField(auto_now_add=True, verbose_name="merged")),
                ("record", models.JSONField(blank=True, default=dict, verbose_name="what it held")),
                (
                    "merged_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="merged by",
                    ),
                ),
                (
                    "source",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="merge",
                        to="wagtail_tickets.ticket",
                        verbose_name="merged ticket",
                    ),
                ),
                (
                    "target",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="merged_sources",
                        to="wagtail_tickets.ticket",
                        verbose_name="merged into",
                    ),
                ),
            ],
            options={
                "verbose_name": "ticket merge",
                "verbose_name_plural": "ticket merges",
                "ordering": ["merged_at", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("source", models.F("target")), _negated=True),
                        name="wt_merge_not_into_itself",
                    )
                ],
            },
        ),
        migrations.RunPython(add_the_shipped_texts, remove_the_shipped_texts),
    ]
