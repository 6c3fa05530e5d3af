"""Private links: the only key to a ticket opened without an account.

A token is 256 random bits (``secrets``), shown once to the visitor and put into mail links;
the database keeps only its SHA-256. A lookup hashes the presented token, finds the row by
that hash and compares the hashes again with ``hmac.compare_digest``, so neither the stored
value nor the comparison gives an attacker anything to measure or steal.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from ..models import ExternalAccess, Ticket

TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def looks_like_token(token: str) -> bool:
    """The shape of ``new_token()``'s tokens, the whole string (a trailing new line too
    is refused)."""
    return bool(TOKEN_PATTERN.fullmatch(token or ""))


def attach(ticket: Ticket, token: str) -> str:
    """Store ``token`` (hashed) as a private link of ``ticket``; idempotent."""
    ExternalAccess.objects.get_or_create(token_hash=token_hash(token), defaults={"ticket": ticket})
    return token


def issue_token(ticket: Ticket) -> str:
    """A new private link for ``ticket``. The raw token is returned once and never stored.
    (The external page chooses its visitor's token before the ticket exists and hands it
    to ``actions.open_ticket(link_token=...)``, which attaches it.)"""
    return attach(ticket, new_token())


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
