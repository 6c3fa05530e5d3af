"""Private links: the only key to a ticket opened without an account.

A token is 256 random bits (``secrets``), shown once to the visitor and put into mail links;
the database keeps only its SHA-256. A lookup hashes the presented token, finds the row by
that hash and compares the hashes again with ``hmac.compare_digest``, so neither the stored
value nor the comparison gives an attacker anything to measure or steal.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator

from ..models import ExternalAccess, Ticket

TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")

# A token chosen before a ticket exists (the external form), given to the first ticket that
# asks for a link while it is set: the confirmation page and mail then share one link.
_prepared: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "wagtail_tickets_prepared_token", default=None
)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def looks_like_token(token: str) -> bool:
    return bool(TOKEN_PATTERN.match(token or ""))


def attach(ticket: Ticket, token: str) -> str:
    """Store ``token`` (hashed) as a private link of ``ticket``; idempotent."""
    ExternalAccess.objects.get_or_create(token_hash=token_hash(token), defaults={"ticket": ticket})
    return token


def issue_token(ticket: Ticket) -> str:
    """A private link for ``ticket``: the prepared token when one waits for this ticket,
    else a new one. The raw token is returned once and never stored."""
    prepared = _prepared.get()
    if prepared is not None and prepared.get("ticket_id") in (None, ticket.pk):
        prepared["ticket_id"] = ticket.pk
        return attach(ticket, prepared["token"])
    return attach(ticket, new_token())


@contextlib.contextmanager
def prepared_token(token: str) -> Iterator[None]:
    """While active, the first ticket asking for a link (e.g. the notifier rendering the
    confirmation mail of a ticket being opened) gets ``token``."""
    reset = _prepared.set({"token": token, "ticket_id": None})
    try:
        yield
    finally:
        _prepared.reset(reset)


def ticket_for_token(token: str) -> Ticket | None:
    """The ticket a private link opens, or ``None`` (the caller answers 404)."""
    if not looks_like_token(token):
        return None
    presented = token_hash(token)
    access = (
        ExternalAccess.objects.select_related("ticket__status", "ticket__ticket_type")
        .filter(token_hash=presented)
        .first()
    )
    if access is None or not hmac.compare_digest(access.token_hash, presented):
        return None
    return access.ticket
