"""The reply as the customer will get it: the workspace's "Preview the mail" renders the
default reply kind for the text in the reply box through the notifier (its ``plan``,
``get_template`` and ``render``, as the admin's email template preview does), with a
message that is never saved. Nothing is stored, queued or sent."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..models import Message, Ticket
from ..models.tickets import display_name_for
from ..notifications import Event, EventKind
from ..notifications.events import get_notifier
from ..notifications.kinds import EmailKind
from ..notifications.rendering import RenderedMail
from ..sanitize import clean_html, html_to_text

KIND = EmailKind.DEFAULT_REPLY


@dataclass
class ReplyPreview:
    """The mail of a reply, or why there is none (``note``)."""

    rendered: RenderedMail | None = None
    recipients: list[str] = field(default_factory=list)
    language: str = ""
    note: str = ""


def unsaved_reply(ticket: Ticket, user, body_html: str) -> Message:
    """The agent's reply as ``actions.add_reply`` would store it, without storing it."""
    body = clean_html(body_html or "")
    return Message(
        ticket=ticket,
        author=user,
        author_name=display_name_for(user),
        author_email=getattr(user, "email", "") or "",
        is_staff=True,
        is_internal=False,
        body_html=body,
        body_text=html_to_text(body),
        source=Message.Source.ADMIN,
    )


def preview_reply(ticket: Ticket, user, body_html: str, *, internal: bool = False) -> ReplyPreview:
    """The default reply mail for ``body_html``, in the language of its first recipient
    (the requester), as the notifier would build it for ``user``'s reply now."""
    if internal:
        return ReplyPreview(note=_("Internal notes are not mailed: only agents see them."))
    notifier = get_notifier()
    event = Event(
        EventKind.REPLIED, ticket, actor=user, message=unsaved_reply(ticket, user, body_html)
    )
    people = dict(notifier.plan(event)).get(KIND)
    if people is None:
        return ReplyPreview(note=_("No mail goes to the customer for this reply."))
    if not people:
        return ReplyPreview(note=_("Nobody gets this mail: the ticket has no address to write to."))
    language = next(iter(notifier.by_language(people)))
    template = notifier.get_template(KIND, ticket.ticket_type, language)
    if template is None:
        return ReplyPreview(
            note=_("The default reply mail is switched off: the customer gets no mail.")
        )
    if ticket.requester_id is None:
        # the real mail carries a private link issued when it is sent; none is issued here
        link = _("(the private link to the ticket)")
    else:
        link = notifier.link_for(KIND, event)
    return ReplyPreview(
        rendered=notifier.render(template, event, language, link),
        recipients=[person.email for person in people],
        language=language,
    )
