"""The default notifier. Hosts swap it with ``WAGTAIL_TICKETS["NOTIFIER"]`` (subclass it and
override what should differ), the way django-allauth lets hosts swap its adapter::

    class MyNotifier(Notifier):
        def ticket_link(self, ticket):
            return f"https://portal.example.com/support/{ticket.number}"

What happens, in order:

1. ``notify(event)`` runs inside the action's transaction: ``confirm`` shows the on-screen
   confirmation (Django's messages framework) and ``queue`` records the event in the
   outbox (``sending.queue_event``), committed together with the change or not at all.
2. After commit a django-q2 task calls ``build(event)``, with the ticket read again: the
   recipients (``plan``) and texts (``get_template``, ``variables``, ``render``) reflect
   everything the request changed.
3. The task hands each mail to Django's configured email backend (``sending``).
"""

from __future__ import annotations

import html
import re
from collections import OrderedDict
from email.utils import formataddr, parseaddr

from django.contrib import messages
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import links, permissions
from ..conf import app_settings, default_language, default_sender, language_codes
from ..display import change_text
from ..models.links import TicketMerge
from ..models.mail import EmailTemplate, MailSettings, OutgoingMail
from ..models.ratings import Rating
from ..models.tickets import Message, display_name_for
from . import ratelimit, sending, tokens
from . import recipients as rcpt
from .events import Event, EventKind
from .kinds import (
    AGENT_KINDS,
    AUTOMATIC_KINDS,
    KINDS,
    MAIL_EVENTS,
    Audience,
    Facts,
    MailKind,
    Quoting,
)
from .rendering import RenderedMail, render_mail
from .variables import (
    MAX_SUBJECT_VALUE_LENGTH,
    as_text,
    company_values,
    contact_values,
    one_line,
    ticket_values,
)

# The kind sets come from the table of kinds (``kinds``); named here too for subclasses.
__all__ = ["AGENT_KINDS", "AUTOMATIC_KINDS", "CUSTOMER_VISIBLE_CHANGES", "MAIL_EVENTS", "Notifier"]

# Changes the customer is told about; moving types or assigning stay internal.
CUSTOMER_VISIBLE_CHANGES = ("status", "priority", "category", "target_date")
_MESSAGE_ID = re.compile(r"^<?([^<>\s]{1,250})>?$")


class Notifier:
    """Tells people about ticket events: on screen now, by mail through the outbox."""

    # --- entry point (inside the action's transaction) -------------------------------

    def notify(self, event: Event) -> None:
        self.confirm(event)
        self.queue(event)

    def queue(self, event: Event) -> None:
        """Record the event for mail. Internal notes and plain reassignments send none.

        A ticket without an account gets its private link now, inside the request: the
        external page's confirmation shows the same link as the mail, whenever a worker
        builds that mail."""
        if any(event.kind in kind.events for kind in self.kinds()):
            if not event.link and event.ticket.requester_id is None:
                event.link = self.external_link(event.ticket, token=event.link_token)
            sending.queue_event(event)

    # --- on-screen confirmations ----------------------------------------------------

    def confirmation_text(self, event: Event) -> str:
        number = event.ticket.number
        texts = {
            EventKind.OPENED: _("Ticket #%(number)s has been opened."),
            EventKind.REPLIED: _("Your reply to ticket #%(number)s has been added."),
            EventKind.NOTE: _("Internal note added to ticket #%(number)s."),
            EventKind.CLOSED: _("Ticket #%(number)s has been closed."),
            EventKind.REOPENED: _("Ticket #%(number)s has been reopened."),
            EventKind.CHANGED: _("Ticket #%(number)s has been updated."),
            EventKind.CLAIMED: _("You have claimed ticket #%(number)s."),
            EventKind.ASSIGNED: _("Ticket #%(number)s has been assigned."),
            EventKind.MERGED: _("Ticket #%(number)s has been merged."),
            EventKind.ESCALATED: _("Ticket #%(number)s needs attention."),
        }
        if event.kind == EventKind.ASSIGNED and not event.changes.get("assignee", ("", ""))[1]:
            return _("Ticket #%(number)s is now unassigned.") % {"number": number}
        return texts[event.kind] % {"number": number}

    def confirm(self, event: Event) -> None:
        request = event.request
        if request is None or not hasattr(request, "_messages"):
            return
        messages.success(request, self.confirmation_text(event))

    # --- recipients ------------------------------------------------------------------

    def plan(self, event: Event) -> list[tuple[str, list[rcpt.Recipient]]]:
        """``[(kind, recipients)]`` for an event, decided from the ticket as it is now: each
        kind of the table (``kinds``) the event sends, in the table's order, to its audience
        without the authors of the change (except a confirmation to its author)."""
        facts = Facts(
            message_shown=permissions.is_visible_to_customer(event.message),
            changes=self.visible_changes(event),
        )
        authors = self.author_addresses(event)
        audiences: dict[Audience, list[rcpt.Recipient]] = {}
        plans = []
        for kind in self.kinds():
            if not kind.applies(event, facts):
                continue
            if kind.audience not in audiences:
                audiences[kind.audience] = self.audience(kind.audience, event.ticket)
            people = audiences[kind.audience]
            plans.append((kind.code, people if kind.to_author else rcpt.unique(people, authors)))
        return plans

    def kinds(self) -> tuple[MailKind, ...]:
        """The kinds of mail there are (``kinds.KINDS``): what ``plan`` considers, what
        ``queue`` records events for and where every other method reads a kind's row."""
        return KINDS

    def kind(self, code: str) -> MailKind:
        """The row of a kind code; ``KeyError`` for a code that is not in ``kinds()``."""
        for kind in self.kinds():
            if kind.code == code:
                return kind
        raise KeyError(code)

    def audience(self, audience: Audience, ticket) -> list[rcpt.Recipient]:
        """Everybody mail to ``audience`` goes to, the authors of the change included."""
        if audience == Audience.CUSTOMERS:
            return rcpt.customer_recipients(ticket)
        if audience == Audience.TYPE_LIST:
            return rcpt.type_list_recipients(ticket)
        if audience == Audience.ESCALATION:
            return rcpt.escalation_recipients(ticket, self.escalation_addresses(ticket))
        return rcpt.assignee_recipients(ticket)

    def escalation_addresses(self, ticket) -> list[str]:
        """The extra addresses told about the ticket's service level."""
        from ..sla.escalation import escalation_addresses

        return escalation_addresses(ticket)

    def author_addresses(self, event: Event) -> set[str]:
        """Whoever made the change: they are not mailed about it."""
        addresses = {getattr(event.actor, "email", "") or ""}
        if event.message is not None:
            addresses.add(event.message.author_email or "")
            addresses.add(getattr(event.message.author, "email", "") or "")
        return {a.lower() for a in addresses if a}

    def visible_changes(self, event: Event) -> dict[str, tuple[str, str]]:
        """The changes customers are told about. A change between two statuses that mean
        the same to customers (both "With us") is not news to them."""
        changes = {k: v for k, v in event.changes.items() if k in CUSTOMER_VISIBLE_CHANGES}
        if "status" in changes:
            old, new = (self.customer_state(name) for name in changes["status"])
            if old == new:
                del changes["status"]
        return changes

    def customer_state(self, status_name: str) -> str:
        """``Status.customer_state`` of the status recorded under ``status_name`` (a
        deleted status was open)."""
        from ..models import Status

        status = Status.objects.filter(name=status_name).first() if status_name else None
        return status.customer_state if status is not None else Status.WITH_US

    # --- templates and language ------------------------------------------------------

    def mail_settings(self) -> MailSettings:
        return MailSettings.load()

    def default_language(self) -> str:
        """The template language option, else the site's ``LANGUAGE_CODE``."""
        code = self.mail_settings().template_language
        return code if code in language_codes() else default_language()

    def get_template(self, kind: str, ticket_type, language: str) -> EmailTemplate | None:
        """The template of ``kind`` for this type and language, or ``None`` (nothing is
        sent). The closest language wins (exact, "any", the default language, others),
        then the type's own over the general one. An inactive best match disables the
        kind, so a type can switch off one kind while the general template stays on."""
        default = self.default_language()
        candidates = EmailTemplate.objects.filter(kind=kind).filter(
            Q(ticket_type=ticket_type) | Q(ticket_type__isnull=True)
        )

        def rank(template: EmailTemplate) -> tuple[int, int, int]:
            if template.language == language:
                language_rank = 0
            elif template.language == "":
                language_rank = 1
            elif template.language == default:
                language_rank = 2
            else:
                language_rank = 3
            return (language_rank, 0 if template.ticket_type_id else 1, template.pk)

        ordered = sorted(candidates, key=rank)
        if not ordered or not ordered[0].active:
            return None
        return ordered[0]

    # --- links ---------------------------------------------------------------------

    def absolute(self, path: str) -> str:
        """``BASE_URL`` in front of a path (``links.absolute``)."""
        return links.absolute(path)

    def ticket_link(self, ticket) -> str:
        """{LINK} in customer mail: the ticket in the customer area, or for tickets
        without an account the external page (``external_link``)."""
        if ticket.requester_id is None:
            return self.external_link(ticket)
        return self.absolute(links.customer_ticket_url(ticket))

    def external_link(self, ticket, token: str = "") -> str:
        """The external page of a ticket opened without an account: a private link, issued
        for this mail (every link sent stays valid), or ``token`` when the external page
        chose the ticket's link as it opened it. Empty when the page is switched off."""
        return links.external_link(ticket, token=token) or ""

    def agent_link(self, ticket) -> str:
        """{LINK} in mail to agents: the ticket's workspace in the admin; the customer's
        link when the admin screens are not installed."""
        return self.absolute(links.workspace_url(ticket.pk)) or self.ticket_link(ticket)

    def link_for(self, kind: str, event: Event) -> str:
        """{LINK} of one kind of mail: the workspace in mail to agents; in customer mail
        the link fixed with the event (a private link), else ``ticket_link``."""
        if self.kind(kind).to_agents:
            return self.agent_link(event.ticket)
        return event.link or self.ticket_link(event.ticket)

    # --- variables -------------------------------------------------------------------

    def agent_name(self, event: Event) -> str:
        """{AGENT}: the answering agent, else the agent who acted, else the assignee."""
        message = event.message
        if message is not None and message.is_staff:
            return as_text(message.author_display_name)
        if event.actor is not None and rcpt.is_agent_of(event.actor, event.ticket):
            return as_text(display_name_for(event.actor))
        if event.ticket.assignee is not None:
            return as_text(display_name_for(event.ticket.assignee))
        return ""

    def changes_text(self, event: Event, customers: bool = False) -> str:
        """``{CHANGES}``: one line per change. For ``customers`` a status reads as what it
        means to them ("With us → Waiting for your answer"), as on their ticket page."""
        from ..models import Ticket
        from ..models.config import customer_state_label

        lines = []
        for name, (old, new) in self.visible_changes(event).items():
            label = str(Ticket._meta.get_field(name).verbose_name).capitalize()
            if customers and name == "status":
                old, new = (customer_state_label(self.customer_state(v)) for v in (old, new))
            else:
                old, new = change_text(name, old), change_text(name, new)
            lines.append(f"{label}: {old or '-'} → {new or '-'}")
        return "\n".join(lines)

    def variables(self, event: Event, link: str) -> dict[str, str]:
        """The flat dictionary of strings the templates are filled from."""
        ticket = event.ticket
        values: dict[str, str] = {}
        values.update(
            contact_values(
                ticket.requester, ticket.requester_name, ticket.requester_email, ticket.customer
            )
        )
        values.update(company_values(ticket.customer))
        values.update(ticket_values(ticket, ticket.requester_display_name))
        message = event.message
        shown = permissions.is_visible_to_customer(message)
        values["MESSAGE"] = message.body_text if shown else ""
        values["AGENT"] = self.agent_name(event)
        values["LINK"] = link
        values.update(self.rating_links(ticket))
        values["CHANGES"] = self.changes_text(event)
        assignee = ticket.assignee
        values["ASSIGNEE"] = as_text(display_name_for(assignee)) if assignee is not None else ""
        values["GREETING"] = self.greeting(values["contact:first_name"])
        if event.kind == EventKind.MERGED:
            values.update(self.merge_values(ticket))
        if event.kind == EventKind.ESCALATED:
            values.update(self.escalation_values(event))
        return values

    def merge_values(self, ticket) -> dict[str, str]:
        """``{merged_into:number}`` and ``{merged_into:subject}``: the ticket a merged
        ticket now lives in, as it is when the mail is built."""
        merge = TicketMerge.objects.filter(source=ticket).select_related("target").first()
        if merge is None:
            return {"merged_into:number": "", "merged_into:subject": ""}
        return {
            "merged_into:number": merge.target.number,
            "merged_into:subject": one_line(merge.target.subject, MAX_SUBJECT_VALUE_LENGTH),
        }

    def rating_links(self, ticket) -> dict[str, str]:
        """``{RATING_GOOD}``, ``{RATING_OKAY}``, ``{RATING_BAD}``: the signed pages where the
        requester confirms a rating (``links.rating_url``); empty while ratings are off."""
        if not app_settings.RATING_DAYS:
            return {f"RATING_{score.upper()}": "" for score in Rating.Score.values}
        return {
            f"RATING_{score.upper()}": self.absolute(links.rating_url(ticket, score))
            for score in Rating.Score.values
        }

    def escalation_values(self, event: Event) -> dict[str, str]:
        """``{sla:target}``, ``{sla:state}`` and ``{sla:due}``: the target the mail is about
        ("First response"), "due soon" or "breached", and its due time."""
        from ..sla.escalation import escalation_values

        return escalation_values(event)

    def greeting(self, name: str) -> str:
        """{GREETING}: "Hello Carla," in the mail's language; without a name "Hello,"
        (never "Hello ,"), a sentence of its own so that every language can word it."""
        name = name.strip()
        if not name:
            return _("Hello,")
        return _("Hello %(name)s,") % {"name": name}

    def audience_of(self, kind: str) -> Audience:
        try:
            return self.kind(kind).audience
        except KeyError:  # a kind a template still names, no longer in the table
            return Audience.CUSTOMERS

    def greeting_name(self, kind: str, event: Event, values: dict[str, str]) -> str:
        """Whom {GREETING} greets: the requester in customer mail, the assignee in mail to
        the assignee, nobody by name in mail to a list."""
        audience = self.audience_of(kind)
        if audience == Audience.CUSTOMERS:
            return values.get("contact:first_name", "")
        assignee = event.ticket.assignee
        if audience == Audience.ASSIGNEE and assignee is not None:
            return one_line(getattr(assignee, "first_name", "") or display_name_for(assignee))
        return ""

    # --- rendering and headers -------------------------------------------------------

    def render(
        self, template: EmailTemplate, event: Event, language: str, link: str, quoted: bool = True
    ) -> RenderedMail:
        """Subject, text and HTML of one mail. ``quoted=False`` (``quotes_message``):
        ``{MESSAGE}`` is the neutral ``unquoted_text`` in both parts, whatever the template."""
        message = event.message
        shown = permissions.is_visible_to_customer(message)
        with translation.override(language):
            values = self.variables(event, link)
            values["GREETING"] = self.greeting(self.greeting_name(template.kind, event, values))
            if self.audience_of(template.kind) == Audience.CUSTOMERS:
                # customers are told whose turn it is, never the team's status names
                values["ticket:status"] = event.ticket.status.customer_label
                values["CHANGES"] = self.changes_text(event, customers=True)
            message_html = message.body_html if shown else ""
            if shown and not quoted:
                values["MESSAGE"] = self.unquoted_text()
                message_html = "<p>" + html.escape(values["MESSAGE"]) + "</p>"
        return render_mail(
            subject_template=template.subject
            or self.mail_settings().subject_template
            or "{ticket:subject}",
            body_template=template.body,
            values=values,
            message_html=message_html,
            ticket_number=event.ticket.number,
            link=link,
            language=language,
        )

    def unquoted_text(self) -> str:
        """``{MESSAGE}`` for a recipient who may not see the message (``quotes_message``)."""
        return _("A new message was added: follow the link to read it.")

    def sender(self, ticket) -> str:
        """From: the type's alternative sender, else the default sender option, else the
        site's ``DEFAULT_FROM_EMAIL``."""
        options = self.mail_settings()
        fallback_name, fallback_address = default_sender()
        address = (
            rcpt.clean_address(ticket.ticket_type.sender_email)
            or rcpt.clean_address(options.sender_email)
            or rcpt.clean_address(fallback_address)
            or "webmaster@localhost"
        )
        name = ticket.ticket_type.sender_name or options.sender_name or fallback_name
        return formataddr((rcpt.clean_display_name(name), address))

    def reply_to_address(self, ticket) -> str | None:
        """Reply-To: the address of the type's active IMAP mailbox (its ``email``,
        ``address`` or user name, whichever is an address), so answers come back as
        ticket mail; ``None`` when the type has no mailbox."""
        manager = getattr(ticket.ticket_type, "mailboxes", None)
        if manager is None:
            return None
        for mailbox in manager.filter(active=True):
            for attr in ("email", "address", "email_address", "username"):
                address = rcpt.clean_address(str(getattr(mailbox, attr, "") or ""))
                if address:
                    return address
        return None

    def parent_message_id(self, event: Event) -> str:
        """The customer's latest mail on the ticket (what this mail answers), if any."""
        message = event.message
        if message is not None and message.message_id:
            value = message.message_id
        else:
            value = (
                permissions.customer_visible_messages(event.ticket)
                .exclude(message_id="")
                .order_by("-created_at", "-pk")
                .values_list("message_id", flat=True)
                .first()
            ) or ""
        match = _MESSAGE_ID.match(value.strip())
        return f"<{match.group(1)}>" if match else ""

    def headers(self, kind: str, event: Event, domain: str) -> dict[str, str]:
        root = tokens.thread_root_id(event.ticket.pk, domain)
        parent = self.parent_message_id(event)
        headers = {
            "In-Reply-To": parent or root,
            "References": " ".join(part for part in (root, parent) if part),
        }
        if self.kind(kind).automatic:
            headers["Auto-Submitted"] = "auto-generated"
            headers["X-Auto-Response-Suppress"] = "All"
        return headers

    # --- building (in the task, after commit) ----------------------------------------

    def build(self, event: Event) -> list[OutgoingMail]:
        """The unsaved outbox rows for an event: one per kind, language and whether the mail
        quotes the message (``quotes_message``)."""
        mails = []
        templates: dict[tuple[str, str], EmailTemplate | None] = {}
        for kind, people in self.plan(event):
            for quoted, audience in self.split_by_quoting(kind, event, people):
                for language, group in self.by_language(audience).items():
                    if (kind, language) not in templates:
                        templates[kind, language] = self.get_template(
                            kind, event.ticket.ticket_type, language
                        )
                    template = templates[kind, language]
                    if template is None:
                        continue
                    if self.capped(kind, event) or (
                        not quoted and self.capped_unquoted(kind, event)
                    ):
                        group = self.within_rate_limit(group)
                    if group:
                        mails.append(
                            self.compose(kind, template, event, language, group, quoted=quoted)
                        )
        return mails

    def quotes_message(self, kind: str, event: Event, person: rcpt.Recipient) -> bool:
        """Whether ``person``'s mail may carry the message of the event (``{MESSAGE}``).

        The one place of the rule, so no template can bring the body back: mail that goes
        out by itself (automatic kinds) would otherwise relay whatever someone writes to
        every address they name (CC addresses, an address typed on the external page). So
        automatic customer mail quotes the message only to its proven author
        (``recipients.wrote_message``); the others get the subject, number and link and a
        neutral line. Mail to agents (addresses chosen by administrators) and an agent's
        own answer, which a person wrote and sent, keep the message."""
        message = event.message
        if not permissions.is_visible_to_customer(message):
            return True  # nothing to quote
        quoting = self.kind(kind).quoting
        if quoting == Quoting.EVERYONE or (quoting == Quoting.AGENT_MESSAGE and message.is_staff):
            return True
        return rcpt.wrote_message(person, message)

    def split_by_quoting(
        self, kind: str, event: Event, people: list[rcpt.Recipient]
    ) -> list[tuple[bool, list[rcpt.Recipient]]]:
        """``[(quoted, recipients)]``: who gets the message quoted, who does not."""
        quoted = [p for p in people if self.quotes_message(kind, event, p)]
        others = [p for p in people if p not in quoted]
        return [(flag, group) for flag, group in ((True, quoted), (False, others)) if group]

    def capped(self, kind: str, event: Event) -> bool:
        """Whether the per-address cap applies: to automatic customer mail that answers an
        inbound email (where a robot could start a loop). Mail caused by people (web,
        agents' changes) and mail to agents is never dropped, except as ``capped_unquoted``
        says."""
        message = event.message
        return (
            self.automatic_to_customers(kind)
            and message is not None
            and message.source == Message.Source.EMAIL
        )

    def capped_unquoted(self, kind: str, event: Event) -> bool:
        """Whether the per-address cap applies to the recipients who did not write the
        message: automatic customer mail about a customer's or visitor's message (the
        confirmation of a new ticket) is what anyone can make the site send to addresses of
        their choosing, so one address gets only so many of them an hour."""
        message = event.message
        return self.automatic_to_customers(kind) and message is not None and not message.is_staff

    def automatic_to_customers(self, kind: str) -> bool:
        """Mail that goes out by itself to addresses customers gave: what the caps limit."""
        spec = self.kind(kind)
        return spec.automatic and not spec.to_agents

    def within_rate_limit(self, people: list[rcpt.Recipient]) -> list[rcpt.Recipient]:
        """Who may get one more automatic mail this hour: the per-address cap breaks
        loops with robots that answer without marking their mail as automatic."""
        return [person for person in people if ratelimit.allow_automatic_mail(person.email)]

    def by_language(self, people: list[rcpt.Recipient]) -> dict[str, list[rcpt.Recipient]]:
        default = self.default_language()
        groups: OrderedDict[str, list[rcpt.Recipient]] = OrderedDict()
        for person in people:
            groups.setdefault(person.language or default, []).append(person)
        return groups

    def compose(self, kind, template, event, language, people, quoted=True) -> OutgoingMail:
        ticket = event.ticket
        link = self.link_for(kind, event)
        rendered = self.render(template, event, language, link, quoted=quoted)
        from_email = self.sender(ticket)
        domain = parseaddr(from_email)[1].rpartition("@")[2]
        requester_address = (
            getattr(ticket.requester, "email", "") or ticket.requester_email or ""
        ).lower()
        main = [p for p in people if p.key == requester_address] or people[:1]
        copies = [p for p in people if p not in main]
        if self.kind(kind).to_agents:
            main, copies = people, []
        return OutgoingMail(
            ticket=ticket,
            kind=kind,
            language=language,
            from_email=from_email,
            to="\n".join(formataddr((p.name, p.email)) if p.name else p.email for p in main),
            cc="\n".join(p.email for p in copies),
            reply_to=self.reply_to_address(ticket) or "",
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            message_id=tokens.make_message_id(ticket.pk, getattr(event.message, "pk", 0), domain),
            headers=self.headers(kind, event, domain),
            next_attempt_at=timezone.now(),
        )
