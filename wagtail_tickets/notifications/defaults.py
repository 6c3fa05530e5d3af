"""The email templates a fresh install ships with, in English, German, Dutch and Italian.

The first ``migrate`` of a database installs them (``wagtail_tickets.db.install``'s
receiver); ``manage.py install_email_templates`` adds any that are missing later (for
example after an administrator deleted one by mistake). Existing templates are never
overwritten.
"""

from __future__ import annotations

DEFAULT_TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    # kind -> language -> (subject, body); an empty subject uses the subject option.
    "auto_reply": {
        "en": (
            "",
            "Hello {contact:first_name},\n\n"
            "Thank you for your message. We have received your request and opened ticket "
            "{ticket:ticket_number}. We will get back to you as soon as possible.\n\n"
            "Your message:\n{MESSAGE}\n\n"
            "Follow the ticket here: {LINK}",
        ),
        "de": (
            "",
            "Hallo {contact:first_name},\n\n"
            "vielen Dank für Ihre Nachricht. Wir haben Ihre Anfrage erhalten und das Ticket "
            "{ticket:ticket_number} eröffnet. Wir melden uns so bald wie möglich.\n\n"
            "Ihre Nachricht:\n{MESSAGE}\n\n"
            "Hier können Sie das Ticket verfolgen: {LINK}",
        ),
        "nl": (
            "",
            "Beste {contact:first_name},\n\n"
            "Bedankt voor uw bericht. We hebben uw verzoek ontvangen en ticket "
            "{ticket:ticket_number} aangemaakt. We nemen zo snel mogelijk contact met u op.\n\n"
            "Uw bericht:\n{MESSAGE}\n\n"
            "Volg het ticket hier: {LINK}",
        ),
        "it": (
            "",
            "Gentile {contact:first_name},\n\n"
            "grazie per il suo messaggio. Abbiamo ricevuto la sua richiesta e aperto il ticket "
            "{ticket:ticket_number}. La ricontatteremo il prima possibile.\n\n"
            "Il suo messaggio:\n{MESSAGE}\n\n"
            "Segua il ticket qui: {LINK}",
        ),
    },
    "default_reply": {
        "en": (
            "",
            "Hello {contact:first_name},\n\n{MESSAGE}\n\nKind regards,\n{AGENT}\n\n"
            "Reply to this email or follow the ticket here: {LINK}",
        ),
        "de": (
            "",
            "Hallo {contact:first_name},\n\n{MESSAGE}\n\nMit freundlichen Grüßen\n{AGENT}\n\n"
            "Antworten Sie auf diese E-Mail oder verfolgen Sie das Ticket hier: {LINK}",
        ),
        "nl": (
            "",
            "Beste {contact:first_name},\n\n{MESSAGE}\n\nMet vriendelijke groet,\n{AGENT}\n\n"
            "Beantwoord deze e-mail of volg het ticket hier: {LINK}",
        ),
        "it": (
            "",
            "Gentile {contact:first_name},\n\n{MESSAGE}\n\nCordiali saluti,\n{AGENT}\n\n"
            "Risponda a questa email o segua il ticket qui: {LINK}",
        ),
    },
    "created_for_customer": {
        "en": (
            "",
            "Hello {contact:first_name},\n\n"
            "{AGENT} has opened ticket {ticket:ticket_number} for you:\n\n{MESSAGE}\n\n"
            "Reply to this email or follow the ticket here: {LINK}",
        ),
        "de": (
            "",
            "Hallo {contact:first_name},\n\n"
            "{AGENT} hat das Ticket {ticket:ticket_number} für Sie eröffnet:\n\n{MESSAGE}\n\n"
            "Antworten Sie auf diese E-Mail oder verfolgen Sie das Ticket hier: {LINK}",
        ),
        "nl": (
            "",
            "Beste {contact:first_name},\n\n"
            "{AGENT} heeft ticket {ticket:ticket_number} voor u aangemaakt:\n\n{MESSAGE}\n\n"
            "Beantwoord deze e-mail of volg het ticket hier: {LINK}",
        ),
        "it": (
            "",
            "Gentile {contact:first_name},\n\n"
            "{AGENT} ha aperto per lei il ticket {ticket:ticket_number}:\n\n{MESSAGE}\n\n"
            "Risponda a questa email o segua il ticket qui: {LINK}",
        ),
    },
    "created_for_agent": {
        "en": (
            "New ticket: {ticket:subject}",
            "A new ticket {ticket:ticket_number} was opened by {ticket:first_name} "
            "{ticket:last_name} <{ticket:email}>.\n\n"
            "Company: {ticket:company}\n"
            "Type: {ticket:type}\nPriority: {ticket:priority}\n\n{MESSAGE}\n\n{LINK}",
        ),
        "de": (
            "Neues Ticket: {ticket:subject}",
            "Ein neues Ticket {ticket:ticket_number} wurde von {ticket:first_name} "
            "{ticket:last_name} <{ticket:email}> eröffnet.\n\n"
            "Firma: {ticket:company}\n"
            "Typ: {ticket:type}\nPriorität: {ticket:priority}\n\n{MESSAGE}\n\n{LINK}",
        ),
        "nl": (
            "Nieuw ticket: {ticket:subject}",
            "Een nieuw ticket {ticket:ticket_number} is aangemaakt door {ticket:first_name} "
            "{ticket:last_name} <{ticket:email}>.\n\n"
            "Bedrijf: {ticket:company}\n"
            "Type: {ticket:type}\nPrioriteit: {ticket:priority}\n\n{MESSAGE}\n\n{LINK}",
        ),
        "it": (
            "Nuovo ticket: {ticket:subject}",
            "Un nuovo ticket {ticket:ticket_number} è stato aperto da {ticket:first_name} "
            "{ticket:last_name} <{ticket:email}>.\n\n"
            "Azienda: {ticket:company}\n"
            "Tipo: {ticket:type}\nPriorità: {ticket:priority}\n\n{MESSAGE}\n\n{LINK}",
        ),
    },
    "claimed": {
        "en": (
            "",
            "Hello {contact:first_name},\n\n"
            "{AGENT} is now taking care of your ticket {ticket:ticket_number}.\n\n{LINK}",
        ),
        "de": (
            "",
            "Hallo {contact:first_name},\n\n"
            "{AGENT} kümmert sich jetzt um Ihr Ticket {ticket:ticket_number}.\n\n{LINK}",
        ),
        "nl": (
            "",
            "Beste {contact:first_name},\n\n"
            "{AGENT} behandelt nu uw ticket {ticket:ticket_number}.\n\n{LINK}",
        ),
        "it": (
            "",
            "Gentile {contact:first_name},\n\n"
            "{AGENT} si sta ora occupando del suo ticket {ticket:ticket_number}.\n\n{LINK}",
        ),
    },
    "status_changed": {
        "en": (
            "",
            "Hello {contact:first_name},\n\n"
            "The status of your ticket {ticket:ticket_number} is now: {ticket:status}.\n\n"
            "{LINK}",
        ),
        "de": (
            "",
            "Hallo {contact:first_name},\n\n"
            "der Status Ihres Tickets {ticket:ticket_number} ist jetzt: {ticket:status}.\n\n"
            "{LINK}",
        ),
        "nl": (
            "",
            "Beste {contact:first_name},\n\n"
            "De status van uw ticket {ticket:ticket_number} is nu: {ticket:status}.\n\n{LINK}",
        ),
        "it": (
            "",
            "Gentile {contact:first_name},\n\n"
            "lo stato del suo ticket {ticket:ticket_number} è ora: {ticket:status}.\n\n{LINK}",
        ),
    },
    "fields_changed": {
        "en": (
            "",
            "Hello {contact:first_name},\n\n"
            "Your ticket {ticket:ticket_number} was updated:\n{CHANGES}\n\n{LINK}",
        ),
        "de": (
            "",
            "Hallo {contact:first_name},\n\n"
            "Ihr Ticket {ticket:ticket_number} wurde geändert:\n{CHANGES}\n\n{LINK}",
        ),
        "nl": (
            "",
            "Beste {contact:first_name},\n\n"
            "Uw ticket {ticket:ticket_number} is gewijzigd:\n{CHANGES}\n\n{LINK}",
        ),
        "it": (
            "",
            "Gentile {contact:first_name},\n\n"
            "il suo ticket {ticket:ticket_number} è stato aggiornato:\n{CHANGES}\n\n{LINK}",
        ),
    },
    "customer_replied": {
        "en": (
            "",
            "{ticket:first_name} {ticket:last_name} replied to ticket "
            "{ticket:ticket_number}:\n\n{MESSAGE}\n\n{LINK}",
        ),
        "de": (
            "",
            "{ticket:first_name} {ticket:last_name} hat auf das Ticket "
            "{ticket:ticket_number} geantwortet:\n\n{MESSAGE}\n\n{LINK}",
        ),
        "nl": (
            "",
            "{ticket:first_name} {ticket:last_name} heeft gereageerd op ticket "
            "{ticket:ticket_number}:\n\n{MESSAGE}\n\n{LINK}",
        ),
        "it": (
            "",
            "{ticket:first_name} {ticket:last_name} ha risposto al ticket "
            "{ticket:ticket_number}:\n\n{MESSAGE}\n\n{LINK}",
        ),
    },
}


def install_default_templates(email_template_model=None) -> int:
    """Create the shipped templates that do not exist yet (for all types); returns how many
    were created. Takes the historical model when called from a migration."""
    if email_template_model is None:
        from ..models import EmailTemplate as email_template_model
    created = 0
    for kind, languages in DEFAULT_TEMPLATES.items():
        for language, (subject, body) in languages.items():
            _obj, was_created = email_template_model.objects.get_or_create(
                kind=kind,
                ticket_type=None,
                language=language,
                defaults={"subject": subject, "body": body, "active": True},
            )
            created += was_created
    return created
