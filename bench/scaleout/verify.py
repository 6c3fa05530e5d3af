"""What must hold after the load run, whatever was killed on the way: each a short line
for the report and a verdict."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Check:
    what: str
    ok: bool
    detail: str


def ticket_numbers_unique() -> Check:
    from django.db.models import Count

    from wagtail_tickets.models import Ticket

    twice = Ticket.objects.values("number").annotate(n=Count("pk")).filter(n__gt=1).count()
    return Check("no duplicate ticket numbers", twice == 0, f"{twice} numbers held twice")


def mail_imported_once(mailbox_ids: list[int], delivered: int, folders_left: int) -> Check:
    from django.db.models import Count

    from wagtail_tickets.models import InboundMessage

    ledger = InboundMessage.objects.filter(mailbox_id__in=mailbox_ids)
    rows = ledger.count()
    doubled = (
        ledger.exclude(message_id="")
        .values("message_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    ok = rows == delivered and doubled == 0 and folders_left == 0
    detail = (
        f"{delivered} delivered to IMAP, {rows} in the import ledger, {doubled} imported twice, "
        f"{folders_left} left on the servers"
    )
    return Check("every inbound mail imported once", ok, detail)


def notifications_sent_once(since, sink: Path) -> Check:
    from wagtail_tickets.models import OutgoingMail

    mails = OutgoingMail.objects.filter(created_at__gte=since)
    states = Counter(mails.values_list("state", flat=True))
    ids = {
        f"<{mid}>" if not mid.startswith("<") else mid
        for mid in mails.values_list("message_id", flat=True)
    }
    lines = sink.read_text().splitlines() if sink.exists() else []
    received = Counter(line.split("\t", 1)[0] for line in lines)
    ours = {mid: n for mid, n in received.items() if mid in ids}
    twice = sum(1 for n in ours.values() if n > 1)
    sent = states.get(OutgoingMail.State.SENT, 0)
    ok = sent == len(ids) and len(ours) == sent and twice == 0
    detail = (
        f"{len(ids)} in the outbox ({dict(states)}), {len(ours)} distinct at the SMTP sink, "
        f"{twice} received more than once"
    )
    return Check("every notification sent once", ok, detail)


def attachments_readable(since) -> Check:
    from wagtail_tickets.models import Attachment

    total = unreadable = 0
    for attachment in Attachment.objects.filter(created_at__gte=since).iterator():
        total += 1
        try:
            with attachment.file.open("rb") as handle:
                if len(handle.read()) != attachment.size:
                    unreadable += 1
        except OSError:
            unreadable += 1
    return Check(
        "every attachment readable from object storage",
        total > 0 and unreadable == 0,
        f"{total} attachments stored during the run, {unreadable} unreadable",
    )
