"""Rate limits of the external page, kept in Django's cache (use a shared cache such as
Redis when several processes serve the site, so they count together).

The client address is ``REMOTE_ADDR`` unless the request comes from one of the host's own
proxies (``EXTERNAL_TRUSTED_PROXIES``): only then is the forwarded-for header read, from the
right, skipping trusted proxies, so a visitor cannot pick their own address by sending the
header themselves.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from functools import lru_cache

from django.core.cache import cache
from django.http import HttpRequest

from ..conf import app_settings

KEY_PREFIX = "wagtail_tickets:external"


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _parse(value: str):
    try:
        return ipaddress.ip_address(value.strip().split("%", 1)[0])
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The visitor's address, trusting forwarded headers only from trusted proxies."""
    remote = _parse(request.META.get("REMOTE_ADDR", ""))
    networks = _networks(app_settings.EXTERNAL_TRUSTED_PROXIES)
    if not _trusted(remote, networks):
        return str(remote) if remote is not None else "unknown"
    forwarded = request.META.get(app_settings.EXTERNAL_CLIENT_ADDRESS_HEADER, "")
    hops = [_parse(part) for part in forwarded.split(",") if part.strip()]
    for hop in reversed(hops):
        if hop is None:
            break
        if not _trusted(hop, networks):
            return str(hop)
    return str(remote)


def _key(scope: str, value: str, window: int) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"{KEY_PREFIX}:{scope}:{digest}:{int(time.time()) // window}"


def hit(scope: str, value: str, limit: tuple[int, int]) -> bool:
    """Count one attempt for ``value`` in ``scope``; ``False`` when it goes over the limit
    of ``(count, seconds)`` (fixed windows)."""
    count, window = limit
    if count <= 0:
        return True
    key = _key(scope, value, window)
    if cache.add(key, 1, timeout=window + 1):
        return 1 <= count
    try:
        return cache.incr(key) <= count
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return True


def exceeded(scope: str, value: str, limit: tuple[int, int]) -> bool:
    """Whether ``value`` is already over its limit, without counting an attempt."""
    count, window = limit
    if count <= 0:
        return False
    return (cache.get(_key(scope, value, window)) or 0) >= count


def allow_submission(request: HttpRequest) -> bool:
    """One form submission from this client address."""
    return hit("address", client_address(request), app_settings.EXTERNAL_RATE_PER_ADDRESS)


def allow_new_ticket_for(email: str) -> bool:
    """One new ticket for this email address."""
    return hit("email", email, app_settings.EXTERNAL_RATE_PER_EMAIL)


def token_lookups_blocked(request: HttpRequest) -> bool:
    return exceeded(
        "token-miss", client_address(request), app_settings.EXTERNAL_TOKEN_MISSES_PER_ADDRESS
    )


def count_token_miss(request: HttpRequest) -> None:
    hit("token-miss", client_address(request), app_settings.EXTERNAL_TOKEN_MISSES_PER_ADDRESS)
