"""Who may receive which mail. Every address that reaches a header passes ``clean_address``.

Rules: requester and CC addresses get customer mail; the type's "email to" list gets "ticket
created for agent"; the assignee hears about customer answers. Never: an agent without
manage level on the ticket's type, the author of a change about their own change (the
caller drops them), the same address twice in one mail. Automatic mail quotes a message
only to its proven author (``wrote_message``; the notifier's ``quotes_message`` applies it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from .. import permissions
from ..conf import language_codes
from ..sanitize import clean_subject

_UNSAFE = re.compile(r"[\x00-\x20\x7f<>\"'(),;:\[\]\\]")


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""
    user: object = None
    language: str = ""

    @property
    def key(self) -> str:
        return self.email.lower()


def clean_address(value: str) -> str:
    """A single plain address, or ``""``: no display name, no control characters (CR/LF
    header injection), no second address hidden inside."""
    value = (value or "").strip()
    if not value or len(value) > 254 or value.count("@") != 1 or _UNSAFE.search(value):
        return ""
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def clean_display_name(value: str) -> str:
    """A display name fit for a header: one line, bounded."""
    return clean_subject(value or "", 100)


def user_language(user) -> str:
    """The language a user chose for their ticket mail (``TicketProfile.language``), when
    it is one of the site's languages."""
    if user is None:
        return ""
    try:
        code = user.ticket_profile.language
    except Exception:  # no profile yet
        return ""
    return code if code in language_codes() else ""


def unique(recipients: Iterable[Recipient], exclude: Iterable[str] = ()) -> list[Recipient]:
    """Valid recipients, each address once (case-insensitive), without ``exclude``."""
    seen = {address.lower() for address in exclude if address}
    result = []
    for recipient in recipients:
        address = clean_address(recipient.email)
        if not address or address.lower() in seen:
            continue
        seen.add(address.lower())
        result.append(
            Recipient(
                email=address,
                name=clean_display_name(recipient.name),
                user=recipient.user,
                language=recipient.language,
            )
        )
    return result


def customer_recipients(ticket) -> list[Recipient]:
    """The requester (their account's current address, else the one on the ticket) and
    the ticket's CC addresses (extra contacts included)."""
    requester = ticket.requester
    people = []
    if requester is not None and requester.is_active:
        people.append(
            Recipient(
                email=requester.email or ticket.requester_email,
                name=ticket.requester_display_name,
                user=requester,
                language=user_language(requester),
            )
        )
    elif requester is None:
        people.append(Recipient(email=ticket.requester_email, name=ticket.requester_name))
    people.extend(Recipient(email=address) for address in ticket.cc_list)
    return unique(people)


# the one rule of who answers a ticket as staff (inactive users never do)
is_agent_of = permissions.is_agent_of


def type_list_recipients(ticket) -> list[Recipient]:
    """The type's "email to" list. An address that belongs to a user account goes out only
    when that user is an agent of the type; other addresses (team lists) always."""
    return listed_recipients(ticket.ticket_type.email_to.splitlines(), ticket)


def listed_recipients(lines: Iterable[str], ticket) -> list[Recipient]:
    """Addresses a site's administrators listed (the type's "email to", the escalation
    addresses): an address that belongs to a user account goes out only when that user
    is an agent of the ticket's type; other addresses (team lists) always."""
    addresses = [a for a in (clean_address(line.strip()) for line in lines) if a]
    if not addresses:
        return []
    users_by_address: dict[str, list] = {}
    any_of = Q()
    for address in addresses:
        any_of |= Q(email__iexact=address)
    query = get_user_model()._default_manager.filter(any_of)
    for user in query:
        users_by_address.setdefault(user.email.lower(), []).append(user)
    people = []
    for address in addresses:
        owners = users_by_address.get(address.lower(), [])
        if owners:
            agents = [user for user in owners if is_agent_of(user, ticket)]
            if not agents:
                continue
            people.append(
                Recipient(
                    email=address,
                    name=agents[0].get_full_name(),
                    user=agents[0],
                    language=user_language(agents[0]),
                )
            )
        else:
            people.append(Recipient(email=address))
    return unique(people)


def escalation_recipients(ticket, addresses: Iterable[str] = ()) -> list[Recipient]:
    """Who hears that a service-level target is due soon or breached: the assignee while
    an agent of the type, else every agent of the type; and the ``addresses`` of the
    ``SLA_ESCALATION_EMAILS`` option (``listed_recipients``)."""
    people = assignee_recipients(ticket)
    if not people:
        people = [
            Recipient(
                email=agent.email,
                name=agent.get_full_name(),
                user=agent,
                language=user_language(agent),
            )
            for agent in permissions.agents_for_types([ticket.ticket_type_id]).select_related(
                "ticket_profile"
            )
        ]
    return unique([*people, *listed_recipients(addresses, ticket)])


def assignee_recipients(ticket) -> list[Recipient]:
    """The assignee, while they are still an agent of the ticket's type."""
    assignee = ticket.assignee
    if not is_agent_of(assignee, ticket):
        return []
    return unique(
        [
            Recipient(
                email=assignee.email,
                name=assignee.get_full_name(),
                user=assignee,
                language=user_language(assignee),
            )
        ]
    )


def wrote_message(recipient: Recipient, message) -> bool:
    """Whether ``recipient`` is the proven author of ``message``: the active account that
    wrote it (signed in, or a mail sender the importer matched to an account). An address
    typed into a form or a mail's From without an account proves nothing: whoever typed it
    need not own it, so mail to it must not quote what they wrote."""
    user = recipient.user
    author_id = getattr(message, "author_id", None)
    return bool(
        user is not None
        and author_id is not None
        and getattr(user, "is_active", False)
        and author_id == user.pk
    )
