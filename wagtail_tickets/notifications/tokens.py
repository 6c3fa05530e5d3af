"""Signed Message-IDs: every outgoing mail names its ticket (and message) in a token signed
with the site's ``SECRET_KEY``. A reply's ``In-Reply-To`` / ``References`` carry the
token back, so inbound mail can be trusted to belong to that ticket; a stranger cannot forge
one for a ticket they never received mail about.

Format: ``<wt.T<ticket>.M<message>.N<nonce>.<signature>@<domain>>``; only characters allowed
in the left part of a Message-ID (letters, digits, ``.``, ``_``, ``-``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.core import signing

SALT = "wagtail_tickets.message-id"
PREFIX = "wt"
_SIGNER_SEP = "."
_TOKEN = re.compile(
    r"<?(wt\.T(\d{1,19})\.M(\d{1,19})\.N([0-9a-f]{1,32})\.([A-Za-z0-9_-]{20,100}))@"
)
_DOMAIN = re.compile(r"[^A-Za-z0-9.-]")


@dataclass(frozen=True)
class MessageRef:
    """What a verified token says: the ticket and the message (0: none) it was about."""

    ticket_id: int
    message_id: int


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, sep=_SIGNER_SEP)


def _domain(domain: str) -> str:
    return _DOMAIN.sub("", domain or "")[:200] or "localhost"


def make_message_id(ticket_id: int, message_id: int | None, domain: str, nonce: str = "") -> str:
    """A new signed Message-ID (angle brackets included). ``nonce`` makes it unique per
    mail; pass ``"0"`` for the ticket's fixed thread root."""
    nonce = nonce or secrets.token_hex(8)
    value = f"{PREFIX}.T{int(ticket_id)}.M{int(message_id or 0)}.N{nonce}"
    return f"<{_signer().sign(value)}@{_domain(domain)}>"


def thread_root_id(ticket_id: int, domain: str) -> str:
    """The ticket's first Message-ID, the same for every mail of the ticket: every mail
    refers to it in ``References``, which threads them together in mail clients."""
    return make_message_id(ticket_id, 0, domain, nonce="0")


def verify_message_id(value: str) -> MessageRef | None:
    """The ticket (and message) named by one signed Message-ID, or ``None`` if ``value`` is
    not ours or the signature does not match."""
    match = _TOKEN.search(value or "")
    if not match:
        return None
    try:
        _signer().unsign(match.group(1))
    except signing.BadSignature:
        return None
    return MessageRef(ticket_id=int(match.group(2)), message_id=int(match.group(3)))


def find_signed_reference(header_values: Iterable[str]) -> MessageRef | None:
    """The first verified token in ``In-Reply-To`` / ``References`` values (pass In-Reply-To
    first). Unsigned or forged ids are skipped."""
    for value in header_values:
        for candidate in re.findall(r"<[^<>\s]{1,998}>", value or ""):
            ref = verify_message_id(candidate)
            if ref is not None:
                return ref
    return None


# --- rating links ------------------------------------------------------------------------
# The Good / Okay / Bad links of a rating request name the ticket in a value signed with the
# site's ``SECRET_KEY`` and the time it was made: nobody can rate a ticket whose mail they
# never received, and a link stops working ``RATING_DAYS`` after it was sent.

RATING_SALT = "wagtail_tickets.rating-link"
_RATING_TOKEN = re.compile(r"^\d{1,19}\.[0-9A-Za-z]{1,12}\.[A-Za-z0-9_-]{20,100}$")


class RatingLinkExpired(Exception):
    """A genuine rating link, older than its days: the page says so instead of a 404."""


def _rating_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=RATING_SALT, sep=_SIGNER_SEP)


def make_rating_token(ticket_id: int) -> str:
    """The signed part of a ticket's rating links (``links.rating_url``)."""
    return _rating_signer().sign(str(int(ticket_id)))


def read_rating_token(token: str, max_age_days: int) -> int | None:
    """The ticket id of a rating link, ``None`` for anything not signed by us; raises
    ``RatingLinkExpired`` for a genuine link older than ``max_age_days``."""
    if not _RATING_TOKEN.match(token or ""):
        return None
    signer = _rating_signer()
    try:
        return int(signer.unsign(token, max_age=max(max_age_days, 0) * 86400))
    except signing.SignatureExpired:
        raise RatingLinkExpired from None
    except (signing.BadSignature, ValueError):
        return None
