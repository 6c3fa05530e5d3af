"""How long personal data is kept: the daily task anonymises or deletes closed tickets,
deletes quarantined mail and empties the bodies of sent mail once they are older than the
site's options (``RETAIN_*`` in ``conf``; 0 keeps them). Each batch is its own short
transaction; a run that stops is finished by the next one.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from ..conf import app_settings, language_codes
from ..models import OutgoingMail, QuarantinedMessage, Ticket
from . import export
from .holders import _erase_ticket, neutral_name
from .person import Person

logger = logging.getLogger("wagtail_tickets.privacy")

BATCH_SIZE = 200


@dataclass
class RetentionReport:
    tickets: int = 0
    quarantine: int = 0
    sent_mail: int = 0
    archives: int = 0

    def line(self) -> str:
        return (
            f"retention: {self.tickets} closed tickets, {self.quarantine} quarantined mails, "
            f"{self.sent_mail} sent mail bodies, {self.archives} expired archives"
        )


def _neutral_names() -> set[str]:
    names = set()
    for code in language_codes():
        with translation.override(code):
            names.add(neutral_name())
    return names


def _cutoff(now: datetime.datetime, days: int) -> datetime.datetime:
    return now - datetime.timedelta(days=days)


def expired_tickets(now: datetime.datetime) -> Q | None:
    days = app_settings.RETAIN_CLOSED_TICKETS_DAYS
    if not days:
        return None
    return Q(is_open=False, closed_at__lte=_cutoff(now, days))


def _tickets(now: datetime.datetime, batch_size: int) -> int:
    condition = expired_tickets(now)
    if condition is None:
        return 0
    mode = app_settings.CLOSED_TICKETS_RETENTION
    rows = Ticket.objects.filter(condition)
    if mode == "anonymise":
        rows = rows.exclude(
            requester__isnull=True, requester_email="", requester_name__in=_neutral_names()
        )
    done = 0
    while True:
        with transaction.atomic():
            batch = list(rows.select_related("requester").order_by("pk")[:batch_size])
            for ticket in batch:
                # the requester's names are cut out of the agents' answers too
                person = (
                    Person.for_user(ticket.requester, by_address=False)
                    if ticket.requester is not None
                    else Person(kind="retention")
                )
                _erase_ticket(ticket, person, mode)
        done += len(batch)
        if len(batch) < batch_size:
            return done


def _quarantine(now: datetime.datetime, batch_size: int) -> int:
    days = app_settings.RETAIN_QUARANTINE_DAYS
    if not days:
        return 0
    done = 0
    while True:
        with transaction.atomic():
            pks = list(
                QuarantinedMessage.objects.filter(created_at__lte=_cutoff(now, days))
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            QuarantinedMessage.objects.filter(pk__in=pks).delete()
        done += len(pks)
        if len(pks) < batch_size:
            return done


def _sent_mail(now: datetime.datetime, batch_size: int) -> int:
    days = app_settings.RETAIN_SENT_MAIL_DAYS
    if not days:
        return 0
    rows = OutgoingMail.objects.filter(
        state=OutgoingMail.State.SENT, sent_at__lte=_cutoff(now, days)
    ).exclude(body_text="", body_html="")
    done = 0
    while True:
        pks = list(rows.order_by("pk").values_list("pk", flat=True)[:batch_size])
        OutgoingMail.objects.filter(pk__in=pks).update(body_text="", body_html="", headers={})
        done += len(pks)
        if len(pks) < batch_size:
            return done


def apply_retention(
    now: datetime.datetime | None = None, *, batch_size: int = BATCH_SIZE
) -> RetentionReport:
    """Apply every retention option once; returns (and logs) what was done."""
    now = now or timezone.now()
    report = RetentionReport(
        tickets=_tickets(now, batch_size),
        quarantine=_quarantine(now, batch_size),
        sent_mail=_sent_mail(now, batch_size),
        archives=export.remove_expired_archives(now),
    )
    logger.info("%s", report.line())
    return report
