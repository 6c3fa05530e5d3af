"""``manage.py import_ticket_mail [--mailbox ID|NAME]``: import mail into tickets now.

The django-q2 schedule runs the same import every 5 minutes; this command is for the first
setup, for cron-based hosts and for operators. One progress line per mailbox.
"""

from django.core.management.base import BaseCommand, CommandError

from wagtail_tickets.mail.importer import import_all
from wagtail_tickets.models import Mailbox


class Command(BaseCommand):
    help = "Import mail from the ticket types' IMAP mailboxes (all active ones, or one)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--mailbox", help="Only this mailbox (its id or name), even if it is inactive."
        )

    def handle(self, *args, mailbox=None, **options):
        mailbox_id = None
        if mailbox:
            found = Mailbox.objects.filter(name=mailbox).first()
            if found is None and mailbox.isdigit():
                found = Mailbox.objects.filter(pk=int(mailbox)).first()
            if found is None:
                raise CommandError(f"No mailbox with the id or name {mailbox!r}.")
            if found.receive == Mailbox.Receive.WEBHOOK:
                raise CommandError(
                    f"{found.name!r} receives its mail through the provider's webhook: "
                    "there is nothing to fetch."
                )
            mailbox_id = found.pk
        reports = import_all(mailbox_id)
        if not reports:
            self.stdout.write("No active mailbox.")
        for report in reports:
            if report.error:
                self.stderr.write(self.style.ERROR(report.line()))
            else:
                self.stdout.write(report.line())
