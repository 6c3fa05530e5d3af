"""Every place the helpdesk keeps a person's data, one ``Holder`` each: how to find the
rows about a person (export) and how to erase them, one batch at a time (erasure).

Adding a model that stores a user, an address or a name is one entry in ``HOLDERS`` (or
one line in ``NOT_PERSONAL`` with the reason it holds nobody's data);
``tests/privacy/test_holders.py`` fails for a model field that is in neither.

An ``erase`` function works on at most ``limit`` rows in the caller's transaction and
returns how many it touched; rows it has handled no longer match, so running it again
after a crash carries on where it stopped, and a finished step touches nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..db import search_vector
from ..models import (
    Attachment,
    AutoMailRecord,
    ExternalAccess,
    InboundMessage,
    InboxPreference,
    Message,
    OutgoingMail,
    PendingNotification,
    QuarantinedMessage,
    Rating,
    ReplyDraft,
    Ticket,
    TicketLogEntry,
    TicketPresence,
    TicketProfile,
    TicketVisit,
)
from .person import Person

ANONYMISE = "anonymise"
DELETE = "delete"


def neutral_name() -> str:
    return _("Anonymised")


def neutral_body() -> str:
    return _("This message was removed to protect its author's personal data.")


def neutral_subject() -> str:
    return _("Anonymised ticket")


REMOVED = "[…]"


@dataclass(frozen=True)
class Holder:
    key: str  # its name in the export and in a request's progress
    model: str  # "app_label.ModelName"
    fields: tuple[str, ...]  # the fields that hold personal data
    find: Callable[[Person, bool], QuerySet | None]  # rows about the person (full export?)
    erase: Callable[[Person, str, int], int]  # one batch of at most ``limit`` rows
    export_fields: tuple[str, ...] = ()
    # extra work on each of the person's tickets before it is anonymised or deleted
    for_ticket: Callable[[Ticket, Person, str], None] | None = None

    @property
    def model_class(self):
        return apps.get_model(self.model)


# --- helpers -----------------------------------------------------------------------


def scrubber(terms: Iterable[str]) -> Callable[[str], str]:
    """A function that replaces every term (any case) in a text with ``REMOVED``."""
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    return lambda text: pattern.sub(REMOVED, text) if isinstance(text, str) else text


def scrub_json(value, scrub: Callable[[str], str]):
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [scrub_json(v, scrub) for v in value]
    if isinstance(value, dict):
        return {k: scrub_json(v, scrub) for k, v in value.items()}
    return value


def discard_files(names: list[tuple[object, str]]) -> None:
    """Remove stored files once the transaction that dropped their rows commits."""

    def run():
        for storage, name in names:
            try:
                storage.delete(name)
            except OSError:
                pass

    transaction.on_commit(run)


def _attachment_files(queryset) -> list[tuple[object, str]]:
    storage = Attachment._meta.get_field("file").storage
    return [(storage, name) for name in queryset.values_list("file", flat=True) if name]


def rebuild_words(ticket_ids: Iterable[int]) -> None:
    """Collect the search words of these tickets again from their messages as they are
    now (the trigger only adds the words of new messages)."""
    ids = sorted(set(ticket_ids))
    if not ids or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(search_vector.REBUILD + " AND ticket.id = ANY(%s)", [ids])
        cursor.execute(
            f"UPDATE {Ticket._meta.db_table} SET search_vector = NULL "
            "WHERE id = ANY(%s) AND NOT EXISTS (SELECT 1 FROM "
            f"{Message._meta.db_table} m WHERE m.ticket_id = {Ticket._meta.db_table}.id)",
            [ids],
        )


def _none(queryset) -> QuerySet:
    return queryset.none()


def _filter(model, q: Q | None) -> QuerySet:
    return model.objects.filter(q) if q is not None else model.objects.none()


def _batch_pks(queryset, limit: int) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:limit])


def holders() -> list[Holder]:
    """The holders of the installed apps, in the order an erasure works through them."""
    installed = {config.label for config in apps.get_app_configs()}
    return [h for h in HOLDERS if h.model.split(".")[0] in installed]


# --- tickets ----------------------------------------------------------------------


def their_tickets(person: Person) -> QuerySet:
    return _filter(Ticket, person.ticket_q())


def _find_tickets(person: Person, full: bool) -> QuerySet:
    return their_tickets(person).select_related("ticket_type", "status", "priority", "category")


def _erase_ticket(ticket: Ticket, person: Person, mode: str) -> None:
    for holder in holders():
        if holder.for_ticket is not None:
            holder.for_ticket(ticket, person, mode)
    OutgoingMail.objects.filter(ticket=ticket).delete()
    PendingNotification.objects.filter(ticket=ticket).delete()
    InboundMessage.objects.filter(ticket=ticket).update(sender="", subject="")
    if mode == DELETE:
        discard_files(_attachment_files(Attachment.objects.filter(message__ticket=ticket)))
        TicketLogEntry.objects.filter(ticket_id=ticket.pk).delete()
        number, pk = ticket.number, ticket.pk
        ticket.delete()
        TicketLogEntry.objects.create(
            ticket_id=pk,
            content_type=ContentType.objects.get_for_model(Ticket),
            label=f"#{number}",
            action="wagtail_tickets.deleted",
            data={"number": number, "personal_data_erased": True},
            timestamp=timezone.now(),
            deleted=True,
        )
        return
    scrub = scrubber(
        [
            *person.terms,
            ticket.subject,
            ticket.requester_name,
            ticket.requester_email,
            *ticket.cc_list,
        ]
    )
    theirs = Message.objects.filter(ticket=ticket, is_staff=False)
    gone = Attachment.objects.filter(message__in=theirs)
    discard_files(_attachment_files(gone))
    gone.delete()
    theirs.update(
        author=None,
        author_name=neutral_name(),
        author_email="",
        body_html=f"<p>{neutral_body()}</p>",
        body_text=neutral_body(),
        message_id="",
    )
    for message in Message.objects.filter(ticket=ticket, is_staff=True).only(
        "pk", "body_html", "body_text", "author_name"
    ):
        html, text = scrub(message.body_html), scrub(message.body_text)
        if (html, text) != (message.body_html, message.body_text):
            Message.objects.filter(pk=message.pk).update(body_html=html, body_text=text)
    for entry in TicketLogEntry.objects.filter(ticket_id=ticket.pk).only("pk", "data", "user_id"):
        TicketLogEntry.objects.filter(pk=entry.pk).update(
            data=scrub_json(entry.data, scrub),
            label=f"#{ticket.number}",
            user_id=None
            if entry.user_id is not None and entry.user_id == person.user_id
            else entry.user_id,
        )
    ReplyDraft.objects.filter(ticket=ticket).delete()
    ExternalAccess.objects.filter(ticket=ticket).delete()
    changes = {
        "requester": None,
        "requester_name": neutral_name(),
        "requester_email": "",
        "cc": "",
        "subject": neutral_subject(),
    }
    if person.customer_id is not None and str(ticket.customer_id) == person.customer_id:
        changes["customer"] = None
    Ticket.objects.filter(pk=ticket.pk).update(**changes)
    rebuild_words([ticket.pk])


def _erase_tickets(person: Person, mode: str, limit: int) -> int:
    tickets = list(their_tickets(person).order_by("pk")[:limit])
    for ticket in tickets:
        _erase_ticket(ticket, person, mode)
    return len(tickets)


# --- CC lists of other tickets ---------------------------------------------------------


def _find_cc(person: Person, full: bool) -> QuerySet:
    q = person.line_q("cc")
    if q is None:
        return Ticket.objects.none()
    return Ticket.objects.filter(q).exclude(pk__in=their_tickets(person).values("pk"))


def _erase_cc(person: Person, mode: str, limit: int) -> int:
    q = person.line_q("cc")
    if q is None:
        return 0
    emails = set(person.address_emails)
    rows = list(Ticket.objects.filter(q).order_by("pk").only("pk", "cc")[:limit])
    for ticket in rows:
        kept = [line for line in ticket.cc_list if line.lower() not in emails]
        Ticket.objects.filter(pk=ticket.pk).update(cc="\n".join(kept))
    return len(rows)


# --- messages --------------------------------------------------------------------------


def _find_messages(person: Person, full: bool) -> QuerySet:
    q = Q(ticket__in=their_tickets(person).values("pk"))
    if person.author_q() is not None:
        q |= person.author_q()
    rows = Message.objects.filter(q)
    if not full:
        rows = rows.filter(is_internal=False)
    return rows.select_related("ticket")


def _erase_messages(person: Person, mode: str, limit: int) -> int:
    """The person's messages on tickets of others (their own tickets are done)."""
    q = person.author_q()
    if q is None:
        return 0
    rows = list(Message.objects.filter(q).order_by("pk").values_list("pk", "ticket_id")[:limit])
    pks = [pk for pk, _ticket in rows]
    gone = Attachment.objects.filter(message_id__in=pks)
    discard_files(_attachment_files(gone))
    gone.delete()
    Message.objects.filter(pk__in=pks).update(
        author=None,
        author_name=neutral_name(),
        author_email="",
        body_html=f"<p>{neutral_body()}</p>",
        body_text=neutral_body(),
        message_id="",
    )
    rebuild_words(ticket for _pk, ticket in rows)
    return len(rows)


def _find_attachments(person: Person, full: bool) -> QuerySet:
    return Attachment.objects.filter(message__in=_find_messages(person, full).values("pk"))


def _erase_nothing(person: Person, mode: str, limit: int) -> int:
    """Handled with the rows it belongs to (a message's files go with the message)."""
    return 0


# --- outbox, inbound mail, rate limits -----------------------------------------------------


def _outbox_q(person: Person) -> Q | None:
    q = Q()
    for field_name in ("to", "cc"):
        part = person.line_q(field_name)
        if part is not None:
            q |= part
    part = person.field_q("reply_to")
    if part is not None:
        q |= part
    return q or None


def _find_outbox(person: Person, full: bool) -> QuerySet:
    """Mail sent to the person; a full export adds every mail about their tickets."""
    q = _outbox_q(person)
    addressed = Q()
    for email in person.emails:
        addressed |= Q(to__icontains=email) | Q(cc__icontains=email)
    mine = Q(ticket__in=their_tickets(person).values("pk"))
    if not full:
        mine &= addressed if addressed else Q(pk__in=[])
    return OutgoingMail.objects.filter(mine | q if q is not None else mine)


def _erase_outbox(person: Person, mode: str, limit: int) -> int:
    q = _outbox_q(person)
    if q is None:
        return 0
    pks = _batch_pks(OutgoingMail.objects.filter(q), limit)
    OutgoingMail.objects.filter(pk__in=pks).delete()
    return len(pks)


def _sender_q(person: Person) -> Q | None:
    return person.field_q("sender")


def _find_ledger(person: Person, full: bool) -> QuerySet:
    q = _sender_q(person)
    mine = Q(ticket__in=their_tickets(person).values("pk"))
    return InboundMessage.objects.filter(mine | q if q is not None else mine)


def _erase_ledger(person: Person, mode: str, limit: int) -> int:
    q = _sender_q(person)
    if q is None:
        return 0
    pks = _batch_pks(InboundMessage.objects.filter(q), limit)
    InboundMessage.objects.filter(pk__in=pks).update(sender="", subject="")
    return len(pks)


def _find_quarantine(person: Person, full: bool) -> QuerySet:
    return _filter(QuarantinedMessage, _sender_q(person))


def _erase_quarantine(person: Person, mode: str, limit: int) -> int:
    pks = _batch_pks(_filter(QuarantinedMessage, _sender_q(person)), limit)
    QuarantinedMessage.objects.filter(pk__in=pks).delete()
    return len(pks)


def _find_automail(person: Person, full: bool) -> QuerySet:
    return _filter(AutoMailRecord, person.field_q("address"))


def _erase_automail(person: Person, mode: str, limit: int) -> int:
    pks = _batch_pks(_find_automail(person, True), limit)
    AutoMailRecord.objects.filter(pk__in=pks).delete()
    return len(pks)


# --- history and the user's own rows -------------------------------------------------------


def _user_q(person: Person, field_name: str = "user_id") -> Q | None:
    return Q(**{field_name: person.user_id}) if person.user_id is not None else None


def _find_history(person: Person, full: bool) -> QuerySet:
    q = _user_q(person)
    if full:
        mine = Q(ticket_id__in=their_tickets(person).values("pk"))
        q = mine | q if q is not None else mine
    return _filter(TicketLogEntry, q)


def _erase_history(person: Person, mode: str, limit: int) -> int:
    pks = _batch_pks(_filter(TicketLogEntry, _user_q(person)), limit)
    TicketLogEntry.objects.filter(pk__in=pks).update(user=None)
    return len(pks)


def _user_rows(model, field_name: str = "user_id"):
    def find(person: Person, full: bool) -> QuerySet:
        return _filter(model, _user_q(person, field_name))

    def erase(person: Person, mode: str, limit: int) -> int:
        pks = _batch_pks(find(person, True), limit)
        model.objects.filter(pk__in=pks).delete()
        return len(pks)

    return find, erase


def _erase_pending(person: Person, mode: str, limit: int) -> int:
    pks = _batch_pks(_filter(PendingNotification, _user_q(person, "actor_id")), limit)
    PendingNotification.objects.filter(pk__in=pks).update(actor=None)
    return len(pks)


# --- the REST API's rows (when the API app is installed) -----------------------------------


def _api_tokens():
    return apps.get_model("wagtail_tickets_api", "ApiToken")


def _deliveries():
    return apps.get_model("wagtail_tickets_api", "WebhookDelivery")


def _find_tokens(person: Person, full: bool) -> QuerySet:
    return _filter(_api_tokens(), _user_q(person))


def _erase_tokens(person: Person, mode: str, limit: int) -> int:
    pks = _batch_pks(_find_tokens(person, True), limit)
    _api_tokens().objects.filter(pk__in=pks).delete()
    return len(pks)


def _deliveries_q(person: Person) -> Q | None:
    q = Q()
    for email in person.address_emails:
        q |= Q(payload__icontains=email)
    return q or None


def _erase_deliveries(person: Person, mode: str, limit: int) -> int:
    pks = _batch_pks(_filter(_deliveries(), _deliveries_q(person)), limit)
    _deliveries().objects.filter(pk__in=pks).delete()
    return len(pks)


def _deliveries_of_ticket(ticket: Ticket, person: Person, mode: str) -> None:
    _deliveries().objects.filter(ticket_number=ticket.number).delete()


def _find_ratings(person: Person, full: bool) -> QuerySet:
    q = _user_q(person, "rated_by_id")
    mine = Q(ticket_id__in=their_tickets(person).values("pk"))
    return _filter(Rating, mine | q if q is not None else mine)


def _erase_ratings(person: Person, mode: str, limit: int) -> int:
    """The score stays (it is about the answer, not the person); who rated and what they
    wrote go."""
    pks = _batch_pks(_find_ratings(person, True).exclude(comment="", rated_by=None), limit)
    Rating.objects.filter(pk__in=pks).update(comment="", rated_by=None)
    return len(pks)


def _rating_of_ticket(ticket: Ticket, person: Person, mode: str) -> None:
    Rating.objects.filter(ticket=ticket).update(comment="", rated_by=None)


_find_profile, _erase_profile = _user_rows(TicketProfile)
_find_drafts, _erase_drafts = _user_rows(ReplyDraft)
_find_visits, _erase_visits = _user_rows(TicketVisit)
_find_presence, _erase_presence = _user_rows(TicketPresence)
_find_inbox_pref, _erase_inbox_pref = _user_rows(InboxPreference)


HOLDERS: list[Holder] = [
    # the person's tickets first: each is finished whole (its messages, files, history,
    # mail) before the rows found by address or account
    Holder(
        "tickets",
        "wagtail_tickets.Ticket",
        ("requester", "requester_name", "requester_email", "customer", "cc", "subject"),
        _find_tickets,
        _erase_tickets,
        (
            "number",
            "subject",
            "requester_name",
            "requester_email",
            "cc",
            "ticket_type__name",
            "status__name",
            "priority__name",
            "category__name",
            "created_at",
            "updated_at",
            "closed_at",
            "target_date",
        ),
    ),
    Holder("cc", "wagtail_tickets.Ticket", ("cc",), _find_cc, _erase_cc, ("number", "cc")),
    Holder(
        "messages",
        "wagtail_tickets.Message",
        ("author", "author_name", "author_email", "body_html", "body_text", "message_id"),
        _find_messages,
        _erase_messages,
        (
            "ticket__number",
            "author_name",
            "author_email",
            "is_staff",
            "is_internal",
            "body_html",
            "body_text",
            "source",
            "created_at",
        ),
    ),
    Holder(
        "attachments",
        "wagtail_tickets.Attachment",
        ("file", "filename"),
        _find_attachments,
        _erase_nothing,
        ("message_id", "filename", "content_type", "size", "created_at"),
    ),
    Holder(
        "outbox",
        "wagtail_tickets.OutgoingMail",
        ("to", "cc", "reply_to", "subject", "body_text", "body_html", "headers"),
        _find_outbox,
        _erase_outbox,
        (
            "ticket__number",
            "kind",
            "to",
            "cc",
            "subject",
            "body_text",
            "state",
            "created_at",
            "sent_at",
        ),
    ),
    Holder(
        "received_mail",
        "wagtail_tickets.InboundMessage",
        ("sender", "subject"),
        _find_ledger,
        _erase_ledger,
        ("ticket__number", "sender", "subject", "outcome", "reason", "created_at"),
    ),
    Holder(
        "quarantine",
        "wagtail_tickets.QuarantinedMessage",
        ("sender", "subject", "raw"),
        _find_quarantine,
        _erase_quarantine,
        ("sender", "subject", "reason", "size", "created_at"),
    ),
    Holder(
        "rate_limits",
        "wagtail_tickets.AutoMailRecord",
        ("address",),
        _find_automail,
        _erase_automail,
        ("address", "sent_at"),
    ),
    Holder(
        "history",
        "wagtail_tickets.TicketLogEntry",
        ("user", "data", "label"),
        _find_history,
        _erase_history,
        ("ticket_id", "action", "label", "data", "timestamp"),
    ),
    Holder(
        "ratings",
        "wagtail_tickets.Rating",
        ("rated_by", "comment"),
        _find_ratings,
        _erase_ratings,
        ("ticket__number", "score", "comment", "via", "created_at", "updated_at"),
        for_ticket=_rating_of_ticket,
    ),
    Holder(
        "profile",
        "wagtail_tickets.TicketProfile",
        ("user", "display_name"),
        _find_profile,
        _erase_profile,
        ("display_name", "language"),
    ),
    Holder(
        "reply_drafts",
        "wagtail_tickets.ReplyDraft",
        ("user", "body"),
        _find_drafts,
        _erase_drafts,
        ("ticket__number", "body", "internal", "updated_at"),
    ),
    Holder(
        "ticket_visits",
        "wagtail_tickets.TicketVisit",
        ("user",),
        _find_visits,
        _erase_visits,
        ("ticket__number", "seen_at"),
    ),
    Holder(
        "ticket_presence",
        "wagtail_tickets.TicketPresence",
        ("user",),
        _find_presence,
        _erase_presence,
        ("ticket__number", "seen_at", "writing"),
    ),
    Holder(
        "inbox_preference",
        "wagtail_tickets.InboxPreference",
        ("user",),
        _find_inbox_pref,
        _erase_inbox_pref,
        ("query", "updated_at"),
    ),
    Holder(
        "notifications",
        "wagtail_tickets.PendingNotification",
        ("actor", "changes"),
        lambda person, full: PendingNotification.objects.none(),
        _erase_pending,
    ),
    Holder(
        "api_tokens",
        "wagtail_tickets_api.ApiToken",
        ("user", "name"),
        _find_tokens,
        _erase_tokens,
        ("name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"),
    ),
    Holder(
        "webhook_deliveries",
        "wagtail_tickets_api.WebhookDelivery",
        ("payload", "response_body", "ticket_number"),
        lambda person, full: _deliveries().objects.none(),
        _erase_deliveries,
        for_ticket=_deliveries_of_ticket,
    ),
]

# Fields that look personal and are not, with the reason (the coverage test reads this).
NOT_PERSONAL: dict[str, str] = {
    "wagtail_tickets.Ticket.assignee": "the agent's account; set empty when it is deleted",
    "wagtail_tickets.Rating.agent": "the agent the rating credits; set empty when deleted",
    "wagtail_tickets.TicketMerge.merged_by": "the agent who merged; set empty when deleted",
    "wagtail_tickets.TicketLink.created_by": "the agent who linked; set empty when deleted",
    "wagtail_tickets.TicketLogEntry.revision": "Wagtail's revisions; tickets have none",
    "wagtail_tickets.Mailbox.username": "the helpdesk's own mailbox account",
    "wagtail_tickets.MailSettings.sender_email": "the helpdesk's own sender address",
    "wagtail_tickets.MailSettings.sender_name": "the helpdesk's own sender name",
    "wagtail_tickets.SignInState.user_id": "a mailbox sign-in in progress; expires",
    "wagtail_tickets.OutgoingMail.from_email": "the helpdesk's own sender address",
    "wagtail_tickets.PersonalDataRequest.requested_by": "who asked: the audit record",
    "wagtail_tickets.PersonalDataRequest.subject": "emptied when the request is done",
    "wagtail_tickets.InboundMessage.mailbox": "the helpdesk's own mailbox",
    "wagtail_tickets.TicketType.email_to": "the helpdesk's own addresses for a type",
    "wagtail_tickets.TicketType.sender_name": "the helpdesk's own sender name",
    "wagtail_tickets.TicketType.sender_email": "the helpdesk's own sender address",
    "wagtail_tickets.OAuthApplication.authorize_url": "a mail provider's address",
    "wagtail_tickets.SlaPolicy.customer": "an administrator's condition naming a customer "
    "record, no data of it; the policy is deleted with the record",
}
