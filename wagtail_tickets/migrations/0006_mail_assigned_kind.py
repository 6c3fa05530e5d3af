"""The mail kind "assigned" (a new choice of the template and outbox kinds); the shipped
texts no longer greet twice in mail an agent typed, and automatic mail greets with
{GREETING}. Templates still exactly as shipped follow the new texts; this migration
carries frozen copies of both, and calls no code of the package."""

from django.db import migrations, models


# The shipped texts this migration replaces, each with its successor: (subject, text)
# before -> after. A template is replaced only while it is exactly the old text.
CHANGED_TEXTS = {
    "auto_reply": {
        "en": (
            (
                "",
                "Hello {contact:first_name},\n"
                "\n"
                "Thank you for your message. We have received your request and opened "
                "ticket {ticket:ticket_number}. We will get back to you as soon as "
                "possible.\n"
                "\n"
                "Your message:\n"
                "{MESSAGE}\n"
                "\n"
                "Follow the ticket here: {LINK}",
            ),
            (
                "",
                "{GREETING}\n"
                "\n"
                "Thank you for your message. We have received your request and opened "
                "ticket {ticket:ticket_number}. We will get back to you as soon as "
                "possible.\n"
                "\n"
                "Your message:\n"
                "{MESSAGE}\n"
                "\n"
                "Follow the ticket here: {LINK}",
            ),
        ),
        "de": (
            (
                "",
                "Hallo {contact:first_name},\n"
                "\n"
                "vielen Dank für Ihre Nachricht. Wir haben Ihre Anfrage erhalten und "
                "das Ticket {ticket:ticket_number} eröffnet. Wir melden uns so bald "
                "wie möglich.\n"
                "\n"
                "Ihre Nachricht:\n"
                "{MESSAGE}\n"
                "\n"
                "Hier können Sie das Ticket verfolgen: {LINK}",
            ),
            (
                "",
                "{GREETING}\n"
                "\n"
                "vielen Dank für Ihre Nachricht. Wir haben Ihre Anfrage erhalten und "
                "das Ticket {ticket:ticket_number} eröffnet. Wir melden uns so bald "
                "wie möglich.\n"
                "\n"
                "Ihre Nachricht:\n"
                "{MESSAGE}\n"
                "\n"
                "Hier können Sie das Ticket verfolgen: {LINK}",
            ),
        ),
        "nl": (
            (
                "",
                "Beste {contact:first_name},\n"
                "\n"
                "Bedankt voor uw bericht. We hebben uw verzoek ontvangen en ticket "
                "{ticket:ticket_number} aangemaakt. We nemen zo snel mogelijk contact "
                "met u op.\n"
                "\n"
                "Uw bericht:\n"
                "{MESSAGE}\n"
                "\n"
                "Volg het ticket hier: {LINK}",
            ),
            (
                "",
                "{GREETING}\n"
                "\n"
                "Bedankt voor uw bericht. We hebben uw verzoek ontvangen en ticket "
                "{ticket:ticket_number} aangemaakt. We nemen zo snel mogelijk contact "
                "met u op.\n"
                "\n"
                "Uw bericht:\n"
                "{MESSAGE}\n"
                "\n"
                "Volg het ticket hier: {LINK}",
            ),
        ),
        "it": (
            (
                "",
                "Gentile {contact:first_name},\n"
                "\n"
                "grazie per il suo messaggio. Abbiamo ricevuto la sua richiesta e "
                "aperto il ticket {ticket:ticket_number}. La ricontatteremo il prima "
                "possibile.\n"
                "\n"
                "Il suo messaggio:\n"
                "{MESSAGE}\n"
                "\n"
                "Segua il ticket qui: {LINK}",
            ),
            (
                "",
                "{GREETING}\n"
                "\n"
                "grazie per il suo messaggio. Abbiamo ricevuto la sua richiesta e "
                "aperto il ticket {ticket:ticket_number}. La ricontatteremo il prima "
                "possibile.\n"
                "\n"
                "Il suo messaggio:\n"
                "{MESSAGE}\n"
                "\n"
                "Segua il ticket qui: {LINK}",
            ),
        ),
    },
    "default_reply": {
        "en": (
            (
                "",
                "Hello {contact:first_name},\n"
                "\n"
                "{MESSAGE}\n"
                "\n"
                "Kind regards,\n"
                "{AGENT}\n"
                "\n"
                "Reply to this email or follow the ticket here: {LINK}",
            ),
            ("", "{MESSAGE}\n\n---\nReply to this email or follow the ticket here: {LINK}"),
        ),
        "de": (
            (
                "",
                "Hallo {contact:first_name},\n"
                "\n"
                "{MESSAGE}\n"
                "\n"
                "Mit freundlichen Grüßen\n"
                "{AGENT}\n"
                "\n"
                "Antworten Sie auf diese E-Mail oder verfolgen Sie das Ticket hier: "
                "{LINK}",
            ),
            (
                "",
                "{MESSAGE}\n"
                "\n"
                "---\n"
                "Antworten Sie auf diese E-Mail oder verfolgen Sie das Ticket hier: "
                "{LINK}",
            ),
        ),
        "nl": (
            (
                "",
                "Beste {contact:first_name},\n"
                "\n"
                "{MESSAGE}\n"
                "\n"
                "Met vriendelijke groet,\n"
                "{AGENT}\n"
                "\n"
                "Beantwoord deze e-mail of volg het ticket hier: {LINK}",
            ),
            ("", "{MESSAGE}\n\n---\nBeantwoord deze e-mail of volg het ticket hier: {LINK}"),
        ),
        "it": (
            (
                "",
                "Gentile {contact:first_name},\n"
                "\n"
                "{MESSAGE}\n"
                "\n"
                "Cordiali saluti,\n"
                "{AGENT}\n"
                "\n"
                "Risponda a questa email o segua il ticket qui: {LINK}",
            ),
            ("", "{MESSAGE}\n\n---\nRisponda a questa email o segua il ticket qui: {LINK}"),
        ),
    },
    "created_for_customer": {
        "en": (
            (
                "",
                "Hello {contact:first_name},\n"
                "\n"
                "{AGENT} has opened ticket {ticket:ticket_number} for you:\n"
                "\n"
                "{MESSAGE}\n"
                "\n"
                "Reply to this email or follow the ticket here: {LINK}",
            ),
            (
                "",
                "{MESSAGE}\n"
                "\n"
                "---\n"
                "Ticket {ticket:ticket_number} was opened for you. Reply to "
                "this email or follow the ticket here: {LINK}",
            ),
        ),
        "de": (
            (
                "",
                "Hallo {contact:first_name},\n"
                "\n"
                "{AGENT} hat das Ticket {ticket:ticket_number} für Sie "
                "eröffnet:\n"
                "\n"
                "{MESSAGE}\n"
                "\n"
                "Antworten Sie auf diese E-Mail oder verfolgen Sie das "
                "Ticket hier: {LINK}",
            ),
            (
                "",
                "{MESSAGE}\n"
                "\n"
                "---\n"
                "Das Ticket {ticket:ticket_number} wurde für Sie eröffnet. "
                "Antworten Sie auf diese E-Mail oder verfolgen Sie das "
                "Ticket hier: {LINK}",
            ),
        ),
        "nl": (
            (
                "",
                "Beste {contact:first_name},\n"
                "\n"
                "{AGENT} heeft ticket {ticket:ticket_number} voor u "
                "aangemaakt:\n"
                "\n"
                "{MESSAGE}\n"
                "\n"
                "Beantwoord deze e-mail of volg het ticket hier: {LINK}",
            ),
            (
                "",
                "{MESSAGE}\n"
                "\n"
                "---\n"
                "Ticket {ticket:ticket_number} is voor u aangemaakt. "
                "Beantwoord deze e-mail of volg het ticket hier: {LINK}",
            ),
        ),
        "it": (
            (
                "",
                "Gentile {contact:first_name},\n"
                "\n"
                "{AGENT} ha aperto per lei il ticket "
                "{ticket:ticket_number}:\n"
                "\n"
                "{MESSAGE}\n"
                "\n"
                "Risponda a questa email o segua il ticket qui: {LINK}",
            ),
            (
                "",
                "{MESSAGE}\n"
                "\n"
                "---\n"
                "Il ticket {ticket:ticket_number} è stato aperto per lei. "
                "Risponda a questa email o segua il ticket qui: {LINK}",
            ),
        ),
    },
    "claimed": {
        "en": (
            (
                "",
                "Hello {contact:first_name},\n"
                "\n"
                "{AGENT} is now taking care of your ticket {ticket:ticket_number}.\n"
                "\n"
                "{LINK}",
            ),
            (
                "",
                "{GREETING}\n"
                "\n"
                "{AGENT} is now taking care of your ticket {ticket:ticket_number}.\n"
                "\n"
                "{LINK}",
            ),
        ),
        "de": (
            (
                "",
                "Hallo {contact:first_name},\n"
                "\n"
                "{AGENT} kümmert sich jetzt um Ihr Ticket {ticket:ticket_number}.\n"
                "\n"
                "{LINK}",
            ),
            (
                "",
                "{GREETING}\n"
                "\n"
                "{AGENT} kümmert sich jetzt um Ihr Ticket {ticket:ticket_number}.\n"
                "\n"
                "{LINK}",
            ),
        ),
        "nl": (
            (
                "",
                "Beste {contact:first_name},\n"
                "\n"
                "{AGENT} behandelt nu uw ticket {ticket:ticket_number}.\n"
                "\n"
                "{LINK}",
            ),
            ("", "{GREETING}\n\n{AGENT} behandelt nu uw ticket {ticket:ticket_number}.\n\n{LINK}"),
        ),
        "it": (
            (
                "",
                "Gentile {contact:first_name},\n"
                "\n"
                "{AGENT} si sta ora occupando del suo ticket {ticket:ticket_number}.\n"
                "\n"
                "{LINK}",
            ),
            (
                "",
                "{GREETING}\n"
                "\n"
                "{AGENT} si sta ora occupando del suo ticket {ticket:ticket_number}.\n"
                "\n"
                "{LINK}",
            ),
        ),
    },
    "status_changed": {
        "en": (
            (
                "",
                "Hello {contact:first_name},\n"
                "\n"
                "The status of your ticket {ticket:ticket_number} is now: "
                "{ticket:status}.\n"
                "\n"
                "{LINK}",
            ),
            (
                "",
                "{GREETING}\n"
                "\n"
                "The status of your ticket {ticket:ticket_number} is now: "
                "{ticket:status}.\n"
                "\n"
                "{LINK}",
            ),
        ),
        "de": (
            (
                "",
                "Hallo {contact:first_name},\n"
                "\n"
                "der Status Ihres Tickets {ticket:ticket_number} ist jetzt: "
                "{ticket:status}.\n"
                "\n"
                "{LINK}",
            ),
            (
                "",
                "{GREETING}\n"
                "\n"
                "der Status Ihres Tickets {ticket:ticket_number} ist jetzt: "
                "{ticket:status}.\n"
                "\n"
                "{LINK}",
            ),
        ),
        "nl": (
            (
                "",
                "Beste {contact:first_name},\n"
                "\n"
                "De status van uw ticket {ticket:ticket_number} is nu: "
                "{ticket:status}.\n"
                "\n"
                "{LINK}",
            ),
            (
                "",
                "{GREETING}\n"
                "\n"
                "De status van uw ticket {ticket:ticket_number} is nu: "
                "{ticket:status}.\n"
                "\n"
                "{LINK}",
            ),
        ),
        "it": (
            (
                "",
                "Gentile {contact:first_name},\n"
                "\n"
                "lo stato del suo ticket {ticket:ticket_number} è ora: "
                "{ticket:status}.\n"
                "\n"
                "{LINK}",
            ),
            (
                "",
                "{GREETING}\n"
                "\n"
                "lo stato del suo ticket {ticket:ticket_number} è ora: "
                "{ticket:status}.\n"
                "\n"
                "{LINK}",
            ),
        ),
    },
    "fields_changed": {
        "en": (
            (
                "",
                "Hello {contact:first_name},\n"
                "\n"
                "Your ticket {ticket:ticket_number} was updated:\n"
                "{CHANGES}\n"
                "\n"
                "{LINK}",
            ),
            (
                "",
                "{GREETING}\n"
                "\n"
                "Your ticket {ticket:ticket_number} was updated:\n"
                "{CHANGES}\n"
                "\n"
                "{LINK}",
            ),
        ),
        "de": (
            (
                "",
                "Hallo {contact:first_name},\n"
                "\n"
                "Ihr Ticket {ticket:ticket_number} wurde geändert:\n"
                "{CHANGES}\n"
                "\n"
                "{LINK}",
            ),
            (
                "",
                "{GREETING}\n"
                "\n"
                "Ihr Ticket {ticket:ticket_number} wurde geändert:\n"
                "{CHANGES}\n"
                "\n"
                "{LINK}",
            ),
        ),
        "nl": (
            (
                "",
                "Beste {contact:first_name},\n"
                "\n"
                "Uw ticket {ticket:ticket_number} is gewijzigd:\n"
                "{CHANGES}\n"
                "\n"
                "{LINK}",
            ),
            (
                "",
                "{GREETING}\n\nUw ticket {ticket:ticket_number} is gewijzigd:\n{CHANGES}\n\n{LINK}",
            ),
        ),
        "it": (
            (
                "",
                "Gentile {contact:first_name},\n"
                "\n"
                "il suo ticket {ticket:ticket_number} è stato aggiornato:\n"
                "{CHANGES}\n"
                "\n"
                "{LINK}",
            ),
            (
                "",
                "{GREETING}\n"
                "\n"
                "il suo ticket {ticket:ticket_number} è stato aggiornato:\n"
                "{CHANGES}\n"
                "\n"
                "{LINK}",
            ),
        ),
    },
}

# The shipped templates of the new kind, added where the site has templates already (a
# new database gets every shipped template after its first migrate).
NEW_KIND_TEXTS = {
    "assigned": {
        "en": (
            "Assigned to you: {ticket:subject}",
            "{GREETING}\n"
            "\n"
            "{AGENT} assigned ticket {ticket:ticket_number} to you.\n"
            "\n"
            "Subject: {ticket:subject}\n"
            "From: {ticket:first_name} {ticket:last_name} <{ticket:email}>\n"
            "Type: {ticket:type}\n"
            "Status: {ticket:status}\n"
            "Priority: {ticket:priority}\n"
            "\n"
            "{LINK}",
        ),
        "de": (
            "Ihnen zugewiesen: {ticket:subject}",
            "{GREETING}\n"
            "\n"
            "{AGENT} hat Ihnen das Ticket {ticket:ticket_number} zugewiesen.\n"
            "\n"
            "Betreff: {ticket:subject}\n"
            "Von: {ticket:first_name} {ticket:last_name} <{ticket:email}>\n"
            "Typ: {ticket:type}\n"
            "Status: {ticket:status}\n"
            "Priorität: {ticket:priority}\n"
            "\n"
            "{LINK}",
        ),
        "nl": (
            "Aan u toegewezen: {ticket:subject}",
            "{GREETING}\n"
            "\n"
            "{AGENT} heeft ticket {ticket:ticket_number} aan u toegewezen.\n"
            "\n"
            "Onderwerp: {ticket:subject}\n"
            "Van: {ticket:first_name} {ticket:last_name} <{ticket:email}>\n"
            "Type: {ticket:type}\n"
            "Status: {ticket:status}\n"
            "Prioriteit: {ticket:priority}\n"
            "\n"
            "{LINK}",
        ),
        "it": (
            "Assegnato a lei: {ticket:subject}",
            "{GREETING}\n"
            "\n"
            "{AGENT} le ha assegnato il ticket {ticket:ticket_number}.\n"
            "\n"
            "Oggetto: {ticket:subject}\n"
            "Da: {ticket:first_name} {ticket:last_name} <{ticket:email}>\n"
            "Tipo: {ticket:type}\n"
            "Stato: {ticket:status}\n"
            "Priorità: {ticket:priority}\n"
            "\n"
            "{LINK}",
        ),
    }
}


def _normalised(text: str) -> str:
    # the admin's text box sends CRLF line ends: a template saved unchanged is still untouched
    return (text or "").replace("\r\n", "\n")


def _is(template, texts) -> bool:
    subject, body = texts
    return _normalised(template.subject) == subject and _normalised(template.body) == body


def follow_the_shipped_texts(apps, schema_editor):
    """Shipped templates nobody edited (still exactly a former shipped text) take the new
    text; edited ones stay as they are. A site that has templates gets those of the new kind
    (a new database gets every shipped template after its first migrate)."""
    EmailTemplate = apps.get_model("wagtail_tickets", "EmailTemplate")
    templates = EmailTemplate.objects.using(schema_editor.connection.alias)
    for kind, languages in CHANGED_TEXTS.items():
        for language, (old, new) in languages.items():
            for template in templates.filter(kind=kind, language=language, ticket_type=None):
                if _is(template, old):
                    template.subject, template.body = new
                    template.save(update_fields=["subject", "body", "updated_at"])
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


def back_to_the_former_texts(apps, schema_editor):
    EmailTemplate = apps.get_model("wagtail_tickets", "EmailTemplate")
    templates = EmailTemplate.objects.using(schema_editor.connection.alias)
    for kind, languages in CHANGED_TEXTS.items():
        for language, (old, new) in languages.items():
            for template in templates.filter(kind=kind, language=language, ticket_type=None):
                if _is(template, new):
                    template.subject, template.body = old
                    template.save(update_fields=["subject", "body", "updated_at"])
    for kind, languages in NEW_KIND_TEXTS.items():
        for language, texts in languages.items():
            for template in templates.filter(kind=kind, language=language, ticket_type=None):
                if _is(template, texts):
                    template.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_tickets", "0005_search_address_parts"),
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
                ],
                max_length=30,
                verbose_name="kind",
            ),
        ),
        migrations.RunPython(follow_the_shipped_texts, back_to_the_former_texts),
    ]
