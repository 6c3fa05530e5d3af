"""``manage.py send_demo_mail``: drop a mail into the demo mailbox, as if a customer had
written to the Support address, so the demo shows mail becoming a ticket.

The mail is put straight into the mailbox's IMAP folder with APPEND (the demo has no SMTP
server receiving mail); ``import_ticket_mail`` or the 5-minute schedule then imports it.
"""

from __future__ import annotations

import imaplib
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from django.core.management.base import BaseCommand, CommandError

from wagtail_tickets.mail.imap import ImapConnection, ImapError
from wagtail_tickets.management.commands.tickets_demo import DEMO_MAILBOX
from wagtail_tickets.models import Mailbox


def demo_mail(sender: str, subject: str, body: str, to: str) -> bytes:
    """A plain-text mail as a mail program would send it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body)
    return message.as_bytes()


def quoted(folder: str) -> str:
    """An IMAP quoted string (imaplib sends the folder name as given)."""
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Command(BaseCommand):
    help = (
        "Put a mail into the demo Support mailbox (IMAP APPEND); import_ticket_mail turns "
        "it into a ticket."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--from",
            dest="sender",
            default="customer@example.com",
            help="Sender address (default customer@example.com, the demo customer Carla).",
        )
        parser.add_argument("--subject", default="Scanner does not start")
        parser.add_argument(
            "--body",
            default="Hello,\n\nour scanner shows a red light and does not start.\n\nCarla",
        )
        parser.add_argument(
            "--mailbox",
            default=DEMO_MAILBOX["name"],
            help="The mailbox (its name) to put the mail into; default: the demo mailbox.",
        )

    def handle(self, *args, sender: str, subject: str, body: str, mailbox: str, **options):
        found = Mailbox.objects.filter(name=mailbox).first()
        if found is None:
            raise CommandError(f"No mailbox named {mailbox!r}: run manage.py tickets_demo first.")
        raw = demo_mail(sender, subject, body, to=found.username)
        try:
            with ImapConnection(found) as connection:
                typ, data = connection.client.append(
                    quoted(found.folder),
                    None,
                    imaplib.Time2Internaldate(time.time()),
                    raw,
                )
        except ImapError as exc:
            raise CommandError(
                f"{exc} (is the demo's IMAP server running? python3 dev.py demo starts it)"
            ) from None
        except (imaplib.IMAP4.error, OSError) as exc:
            raise CommandError(f"{found.address_label}: append failed: {exc}") from None
        if typ != "OK":
            raise CommandError(f"{found.address_label}: append refused: {data!r}")
        self.stdout.write(
            f"Mail {subject!r} from {sender} is in {found.address_label}. Import it now with "
            "manage.py import_ticket_mail (the schedule does it every 5 minutes)."
        )
