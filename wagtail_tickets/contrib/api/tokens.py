"""Personal API tokens: made, found and revoked here, and nowhere else.

A token reads ``wt_<prefix>_<secret>``. The prefix (12 hex digits) is stored as it is and
finds the row; of the whole token only its SHA-256 digest is stored, so a copy of the
database gives nobody a usable token. The token is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from wagtail_tickets.conf import app_settings

from .models import ApiToken

TOKEN_RE = re.compile(r"^wt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
# tokens one user may hold at once: each is a key to their tickets
MAX_TOKENS_PER_USER = 20


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token, shown once


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(user, name: str, expires_in_days: int | None = None) -> NewToken:
    """A new token for ``user``; its text is in the result and nowhere else."""
    prefix = secrets.token_hex(6)
    raw = f"wt_{prefix}_{secrets.token_urlsafe(32)}"
    expires_at = None
    if expires_in_days:
        expires_at = timezone.now() + timedelta(days=expires_in_days)
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100], prefix=prefix, digest=digest(raw), expires_at=expires_at
    )
    return NewToken(token, raw)


def active_tokens(user):
    """The user's tokens that still work (revoked ones are kept out of the list)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


def may_create(user) -> bool:
    return active_tokens(user).count() < MAX_TOKENS_PER_USER


def revoke_token(user, token_id: int) -> bool:
    """Revoke one of ``user``'s own tokens; ``False`` when they have no such token."""
    return bool(active_tokens(user).filter(pk=token_id).update(revoked_at=timezone.now()))


def authenticate(raw: str):
    """The active user a usable token belongs to, or ``None``. Touches "last used" at
    most once in ``API_TOKEN_TOUCH_SECONDS``."""
    match = TOKEN_RE.match(raw or "")
    if match is None:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=match.group(1), revoked_at__isnull=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, digest(raw)):
        return None
    if not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    stale = now - timedelta(seconds=app_settings.API_TOKEN_TOUCH_SECONDS)
    if token.last_used_at is None or token.last_used_at < stale:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token
