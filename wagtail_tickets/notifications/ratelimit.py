"""Limits on the mail people can make the site send to addresses of their choosing.

- Automatic mail per recipient address and hour, counted in the database: a robot
  that answers every mail without marking it as automatic would otherwise ping-pong with
  our confirmations forever, and a confirmation to an address someone typed (a CC, the
  external page's email) reaches that address only so often.
- New CC addresses per person (``CC_NEW_ADDRESSES_RATE``), counted in Django's cache with
  the external page's fixed-window counters (``external.throttle``): every CC address gets
  the ticket's mail, so an account may name only so many strangers a day.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import ngettext

from ..conf import app_settings
from ..external import throttle
from ..models import AutoMailRecord

WINDOW = datetime.timedelta(hours=1)


def allow_automatic_mail(address: str, now: datetime.datetime | None = None) -> bool:
    """Whether one more automatic mail may go to ``address`` in this hour; if so, it is
    counted. ``AUTO_MAIL_LIMIT_PER_HOUR = 0`` switches the limit off."""
    limit = app_settings.AUTO_MAIL_LIMIT_PER_HOUR
    if limit <= 0 or not address:
        return True
    address = address.strip().lower()[:254]
    now = now or timezone.now()
    sent = AutoMailRecord.objects.filter(address=address, sent_at__gt=now - WINDOW).count()
    if sent >= limit:
        return False
    record = AutoMailRecord.objects.create(address=address)
    if now != record.sent_at:
        AutoMailRecord.objects.filter(pk=record.pk).update(sent_at=now)
    return True


def prune_records(now: datetime.datetime | None = None) -> int:
    """Forget records older than the window (the daily job calls this)."""
    now = now or timezone.now()
    deleted, _ = AutoMailRecord.objects.filter(sent_at__lte=now - WINDOW).delete()
    return deleted


# --- new CC addresses per person ----------------------------------------------------

_CC_SEEN = "cc-seen"  # one counter per (person, address): set once the address counted
_CC_NEW = "cc-new"  # one counter per person: the new addresses counted in the window


def _cc_person(user) -> str | None:
    """Whose quota it is; ``None`` for nobody (the system, a visitor without an account:
    the external page takes no CC addresses from them)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    return f"user:{user.pk}"


def _distinct(addresses: Iterable[str]) -> list[str]:
    """Each address once, in lower case (``Boss@X.example`` and ``boss@x.example`` are one
    address for the count)."""
    return list(dict.fromkeys(a.strip().lower() for a in addresses if a and a.strip()))


def new_cc_addresses(user, addresses: Iterable[str]) -> list[str]:
    """The ones of ``addresses`` that ``user`` has not put on a ticket in the current
    window (lower case, each once): only these count against the limit."""
    person = _cc_person(user)
    count, window = app_settings.CC_NEW_ADDRESSES_RATE
    if person is None or count <= 0:
        return []
    return [
        address
        for address in _distinct(addresses)
        if not throttle.exceeded(_CC_SEEN, f"{person} {address}", (1, window))
    ]


def check_new_cc_addresses(user, addresses: Iterable[str]) -> None:
    """Raise ``ValidationError`` (a message for the form) when putting ``addresses`` on a
    ticket would take ``user`` over ``CC_NEW_ADDRESSES_RATE``. Counts nothing: the action
    counts them with ``count_new_cc_addresses`` once the ticket is saved."""
    fresh = new_cc_addresses(user, addresses)
    if not fresh:
        return
    count, window = app_settings.CC_NEW_ADDRESSES_RATE
    # over when the addresses counted already plus the new ones pass the limit
    over = len(fresh) > count or throttle.exceeded(
        _CC_NEW, _cc_person(user), (count - len(fresh) + 1, window)
    )
    if over:
        raise ValidationError(
            ngettext(
                "You can add at most %(max)d new CC address for now. Please leave out the "
                "addresses you have not used before, or try again later.",
                "You can add at most %(max)d new CC addresses for now. Please leave out the "
                "addresses you have not used before, or try again later.",
                count,
            )
            % {"max": count},
            code="cc_rate_limit",
        )


def count_new_cc_addresses(user, addresses: Iterable[str]) -> None:
    """Count the new ones of ``addresses`` against ``user``'s limit (once each per
    window)."""
    person = _cc_person(user)
    count, window = app_settings.CC_NEW_ADDRESSES_RATE
    if person is None or count <= 0:
        return
    for address in _distinct(addresses):
        if throttle.hit(_CC_SEEN, f"{person} {address}", (1, window)):
            throttle.hit(_CC_NEW, person, (count, window))
