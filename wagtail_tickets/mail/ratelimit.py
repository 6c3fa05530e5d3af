"""Per-address limit on automatic mail (E2): a robot that answers every mail without
marking it as automatic would otherwise ping-pong with our confirmations forever."""

from __future__ import annotations

import datetime

from django.utils import timezone

from ..conf import app_settings
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
