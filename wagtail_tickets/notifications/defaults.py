"""The email templates a fresh install ships with, in English, German, Dutch and Italian.

The first ``migrate`` of a database installs them (``wagtail_tickets.db.install``'s
receiver); ``manage.py install_email_templates`` adds any that are missing later (for
example after an administrator deleted one by mistake). Existing templates are never
overwritten by either. When the shipped texts change, a data migration carries the old and
the new texts and replaces a template only where its subject and text are still exactly an
old shipped text: a template nobody edited follows the package, an edited one stays.

Mail that goes out by itself greets with ``{GREETING}`` ("Hello Carla," or, without a name,
"Hello,", in the mail's language: ``Notifier.greeting``). Mail an agent typed
(``default_reply``, ``created_for_customer``) is the agent's own text, who greets and signs
in it: the template adds the ticket's reference and link only.
"""

from __future__ import annotations

DEFAULT_TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    # kind -> language -> (subject, body); an empty subject uses the subject option.
    "auto_reply": {
        "en": (
            "",
            "{GREETING}\n\n"
            "Thank you for your message. We have received your request and opened ticket "
            "{ticket:ticket_number}. We will get back to you as soon as possible.\n\n"
            "Your message:\n{MESSAGE}\n\n"
            "Follow the ticket here: {LINK}",
        ),
        "de": (
            "",
            "{GREETING}\n\n"
            "vielen Dank für Ihre Nachricht. Wir haben Ihre Anfrage erhalten und das Ticket "
            "{ticket:ticket_number} eröffnet. Wir melden uns so bald wie möglich.\n\n"
            "Ihre Nachricht:\n{MESSAGE}\n\n"
            "Hier können Sie das Ticket verfolgen: {LINK}",
        ),
        "nl": (
            "",
            "{GREETING}\n\n"
            "Bedankt voor uw bericht. We hebben uw verzoek ontvangen en ticket "
            "{ticket:ticket_number} aangemaakt. We nemen zo snel mogelijk contact met u op.\n\n"
            "Uw bericht:\n{MESSAGE}\n\n"
            "Volg het ticket hier: {LINK}",
        ),
        "it": (
            "",
            "{GREETING}\n\n"
            "grazie per il suo messaggio. Abbiamo ricevuto la sua richiesta e aperto il ticket "
            "{ticket:ticket_number}. La ricontatteremo il prima possibile.\n\n"
            "Il suo messaggio:\n{MESSAGE}\n\n"
            "Segua il ticket qui: {LINK}",
        ),
    },
    # Typed by an agent, who greets and signs in their own text: the mail adds the link (the
    # layout's footer the ticket's number), and no second greeting or signature.
    "default_reply": {
        "en": (
            "",
            "{MESSAGE}\n\n---\nReply to this email or follow the ticket here: {LINK}",
        ),
        "de": (
            "",
            "{MESSAGE}\n\n---\n"
            "Antworten Sie auf diese E-Mail oder verfolgen Sie das Ticket hier: {LINK}",
        ),
        "nl": (
            "",
            "{MESSAGE}\n\n---\nBeantwoord deze e-mail of volg het ticket hier: {LINK}",
        ),
        "it": (
            "",
            "{MESSAGE}\n\n---\nRisponda a questa email o segua il ticket qui: {LINK}",
        ),
    },
    "created_for_customer": {
        "en": (
            "",
            "{MESSAGE}\n\n---\nTicket {ticket:ticket_number} was opened for you. "
            "Reply to this email or follow the ticket here: {LINK}",
        ),
        "de": (
            "",
            "{MESSAGE}\n\n---\nDas Ticket {ticket:ticket_number} wurde für Sie eröffnet. "
            "Antworten Sie auf diese E-Mail oder verfolgen Sie das Ticket hier: {LINK}",
        ),
        "nl": (
            "",
            "{MESSAGE}\n\n---\nTicket {ticket:ticket_number} is voor u aangemaakt. "
            "Beantwoord deze e-mail of volg het ticket hier: {LINK}",
        ),
        "it": (
            "",
            "{MESSAGE}\n\n---\nIl ticket {ticket:ticket_number} è stato aperto per lei. "
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
            "{GREETING}\n\n"
            "{AGENT} is now taking care of your ticket {ticket:ticket_number}.\n\n{LINK}",
        ),
        "de": (
            "",
            "{GREETING}\n\n"
            "{AGENT} kümmert sich jetzt um Ihr Ticket {ticket:ticket_number}.\n\n{LINK}",
        ),
        "nl": (
            "",
            "{GREETING}\n\n{AGENT} behandelt nu uw ticket {ticket:ticket_number}.\n\n{LINK}",
        ),
        "it": (
            "",
            "{GREETING}\n\n"
            "{AGENT} si sta ora occupando del suo ticket {ticket:ticket_number}.\n\n{LINK}",
        ),
    },
    "status_changed": {
        "en": (
            "",
            "{GREETING}\n\n"
            "The status of your ticket {ticket:ticket_number} is now: {ticket:status}.\n\n"
            "{LINK}",
        ),
        "de": (
            "",
            "{GREETING}\n\n"
            "der Status Ihres Tickets {ticket:ticket_number} ist jetzt: {ticket:status}.\n\n"
            "{LINK}",
        ),
        "nl": (
            "",
            "{GREETING}\n\n"
            "De status van uw ticket {ticket:ticket_number} is nu: {ticket:status}.\n\n{LINK}",
        ),
        "it": (
            "",
            "{GREETING}\n\n"
            "lo stato del suo ticket {ticket:ticket_number} è ora: {ticket:status}.\n\n{LINK}",
        ),
    },
    "fields_changed": {
        "en": (
            "",
            "{GREETING}\n\nYour ticket {ticket:ticket_number} was updated:\n{CHANGES}\n\n{LINK}",
        ),
        "de": (
            "",
            "{GREETING}\n\nIhr Ticket {ticket:ticket_number} wurde geändert:\n{CHANGES}\n\n{LINK}",
        ),
        "nl": (
            "",
            "{GREETING}\n\nUw ticket {ticket:ticket_number} is gewijzigd:\n{CHANGES}\n\n{LINK}",
        ),
        "it": (
            "",
            "{GREETING}\n\n"
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
    "assigned": {
        "en": (
            "Assigned to you: {ticket:subject}",
            "{GREETING}\n\n{AGENT} assigned ticket {ticket:ticket_number} to you.\n\n"
            "Subject: {ticket:subject}\n"
            "From: {ticket:first_name} {ticket:last_name} <{ticket:email}>\n"
            "Type: {ticket:type}\nStatus: {ticket:status}\nPriority: {ticket:priority}\n\n"
            "{LINK}",
        ),
        "de": (
            "Ihnen zugewiesen: {ticket:subject}",
            "{GREETING}\n\n{AGENT} hat Ihnen das Ticket {ticket:ticket_number} zugewiesen.\n\n"
            "Betreff: {ticket:subject}\n"
            "Von: {ticket:first_name} {ticket:last_name} <{ticket:email}>\n"
            "Typ: {ticket:type}\nStatus: {ticket:status}\nPriorität: {ticket:priority}\n\n"
            "{LINK}",
        ),
        "nl": (
            "Aan u toegewezen: {ticket:subject}",
            "{GREETING}\n\n{AGENT} heeft ticket {ticket:ticket_number} aan u toegewezen.\n\n"
            "Onderwerp: {ticket:subject}\n"
            "Van: {ticket:first_name} {ticket:last_name} <{ticket:email}>\n"
            "Type: {ticket:type}\nStatus: {ticket:status}\nPrioriteit: {ticket:priority}\n\n"
            "{LINK}",
        ),
        "it": (
            "Assegnato a lei: {ticket:subject}",
            "{GREETING}\n\n{AGENT} le ha assegnato il ticket {ticket:ticket_number}.\n\n"
            "Oggetto: {ticket:subject}\n"
            "Da: {ticket:first_name} {ticket:last_name} <{ticket:email}>\n"
            "Tipo: {ticket:type}\nStato: {ticket:status}\nPriorità: {ticket:priority}\n\n"
            "{LINK}",
        ),
    },
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
    "rating_request": {
        "en": (
            "How did we do? {ticket:subject}",
            "{GREETING}\n\n"
            "Your ticket {ticket:ticket_number} is closed. How satisfied are you with our "
            "answer? One click is enough, and you may add a comment on the page it opens:\n\n"
            "Good: {RATING_GOOD}\n"
            "Okay: {RATING_OKAY}\n"
            "Bad: {RATING_BAD}\n\n"
            "Thank you for your feedback.",
        ),
        "de": (
            "Wie waren wir? {ticket:subject}",
            "{GREETING}\n\n"
            "Ihr Ticket {ticket:ticket_number} ist geschlossen. Wie zufrieden sind Sie mit "
            "unserer Antwort? Ein Klick genügt, und auf der Seite, die sich öffnet, können Sie "
            "einen Kommentar hinzufügen:\n\n"
            "Gut: {RATING_GOOD}\n"
            "In Ordnung: {RATING_OKAY}\n"
            "Schlecht: {RATING_BAD}\n\n"
            "Vielen Dank für Ihre Rückmeldung.",
        ),
        "nl": (
            "Hoe hebben we het gedaan? {ticket:subject}",
            "{GREETING}\n\n"
            "Uw ticket {ticket:ticket_number} is gesloten. Hoe tevreden bent u met ons "
            "antwoord? Eén klik is genoeg, en op de pagina die opent kunt u een opmerking "
            "toevoegen:\n\n"
            "Goed: {RATING_GOOD}\n"
            "Redelijk: {RATING_OKAY}\n"
            "Slecht: {RATING_BAD}\n\n"
            "Bedankt voor uw reactie.",
        ),
        "it": (
            "Come è andata? {ticket:subject}",
            "{GREETING}\n\n"
            "il suo ticket {ticket:ticket_number} è chiuso. Quanto è soddisfatto della nostra "
            "risposta? Basta un clic, e nella pagina che si apre può aggiungere un "
            "commento:\n\n"
            "Buona: {RATING_GOOD}\n"
            "Discreta: {RATING_OKAY}\n"
            "Scarsa: {RATING_BAD}\n\n"
            "Grazie per il suo riscontro.",
        ),
    },
    # To the assignee (else the type's agents) and the policy's escalation addresses:
    # {sla:target} and {sla:state} read "First response" and "due soon" / "breached".
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
