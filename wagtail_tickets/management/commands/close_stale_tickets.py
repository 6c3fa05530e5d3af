"""``manage.py close_stale_tickets``: run the daily auto-close now (see ``autoclose``)."""

from django.core.management.base import BaseCommand

from wagtail_tickets.autoclose import close_stale_tickets


class Command(BaseCommand):
    help = "Close tickets whose last message is from staff and older than the auto-close days."

    def handle(self, *args, **options):
        closed = close_stale_tickets()
        self.stdout.write(f"Closed {closed} ticket(s).")
