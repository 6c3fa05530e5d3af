"""Satisfaction ratings: the ``Rating`` model, a type's "ask for a rating", and the mail
kind "rating request" with its shipped texts (a frozen copy: migrations do not import the
package), added where the site has templates already (a new database gets every shipped
template after its first migrate)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


RATING_REQUEST_TEXTS = {
    "en": (
        "How did we do? {ticket:subject}",
        "{GREETING}\n\nYour ticket {ticket:ticket_number} is closed. How satisfied are you with our answer? One click is enough, and you may add a comment on the page it opens:\n\nGood: {RATING_GOOD}\nOkay: {RATING_OKAY}\nBad: {RATING_BAD}\n\nThank you for your feedback.",
    ),
    "de": (
        "Wie waren wir? {ticket:subject}",
        "{GREETING}\n\nIhr Ticket {ticket:ticket_number} ist geschlossen. Wie zufrieden sind Sie mit unserer Antwort? Ein Klick genügt, und auf der Seite, die sich öffnet, können Sie einen Kommentar hinzufügen:\n\nGut: {RATING_GOOD}\nIn Ordnung: {RATING_OKAY}\nSchlecht: {RATING_BAD}\n\nVielen Dank für Ihre Rückmeldung.",
    ),
    "nl": (
        "Hoe hebben we het gedaan? {ticket:subject}",
        "{GREETING}\n\nUw ticket {ticket:ticket_number} is gesloten. Hoe tevreden bent u met ons antwoord? Eén klik is genoeg, en op de pagina die opent kunt u een opmerking toevoegen:\n\nGoed: {RATING_GOOD}\nRedelijk: {RATING_OKAY}\nSlecht: {RATING_BAD}\n\nBedankt voor uw reactie.",
    ),
    "it": (
        "Come è andata? {ticket:subject}",
        "{GREETING}\n\nil suo ticket {ticket:ticket_number} è chiuso. Quanto è soddisfatto della nostra risposta? Basta un clic, e nella pagina che si apre può aggiungere un commento:\n\nBuona: {RATING_GOOD}\nDiscreta: {RATING_OKAY}\nScarsa: {RATING_BAD}\n\nGrazie per il suo riscontro.",
    ),
}


def add_the_shipped_texts(apps, schema_editor):
    EmailTemplate = apps.get_model("wagtail_tickets", "EmailTemplate")
    templates = EmailTemplate.objects.using(schema_editor.connection.alias)
    if not templates.exists():
        return
    for language, (subject, body) in RATING_REQUEST_TEXTS.items():
        templates.get_or_create(
            kind="rating_request",
            ticket_type=None,
            language=language,
            defaults={"subject": subject, "body": body, "active": True},
        )


def remove_the_shipped_texts(apps, schema_editor):
    EmailTemplate = apps.get_model("wagtail_tickets", "EmailTemplate")
    templates = EmailTemplate.objects.using(schema_editor.connection.alias)
    templates.filter(kind="rating_request").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_tickets", "0012_mailbox_receive"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="tickettype",
            name="asks_for_rating",
            field=models.BooleanField(
                default=False,
                help_text="When an agent closes a ticket of this type, or it is closed automatically, its requester is mailed a request to rate the answer (good, okay or bad).",
                verbose_name="ask for a rating",
            ),
        ),
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
                ],
                max_length=30,
                verbose_name="kind",
            ),
        ),
        migrations.CreateModel(
            name="Rating",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "score",
                    models.CharField(
                        choices=[("good", "Good"), ("okay", "Okay"), ("bad", "Bad")],
                        max_length=10,
                        verbose_name="rating",
                    ),
                ),
                ("comment", models.TextField(blank=True, verbose_name="comment")),
                (
                    "via",
                    models.CharField(
                        choices=[
                            ("mail_link", "Link in the rating request mail"),
                            ("customer_area", "Customer area"),
                            ("private_link", "Private link of the external page"),
                        ],
                        max_length=20,
                        verbose_name="rated through",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="rated at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="changed at")),
                (
                    "agent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="agent",
                    ),
                ),
                (
                    "rated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="rated by",
                    ),
                ),
                (
                    "ticket",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rating",
                        to="wagtail_tickets.ticket",
                        verbose_name="ticket",
                    ),
                ),
                (
                    "ticket_type",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="wagtail_tickets.tickettype",
                        verbose_name="ticket type",
                    ),
                ),
            ],
            options={
                "verbose_name": "satisfaction rating",
                "verbose_name_plural": "satisfaction ratings",
                "indexes": [
                    models.Index(fields=["created_at"], name="wt_rating_created"),
                    models.Index(fields=["agent", "created_at"], name="wt_rating_agent"),
                    models.Index(fields=["score", "ticket"], name="wt_rating_score"),
                ],
            },
        ),
        migrations.RunPython(add_the_shipped_texts, remove_the_shipped_texts),
    ]
