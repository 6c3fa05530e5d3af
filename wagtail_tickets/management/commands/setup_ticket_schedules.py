"""``manage.py setup_ticket_schedules``: create the django-q2 schedules of the package
(``migrate`` does it too). Existing schedules, and intervals edited in the admin, are kept."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from wagtail_tickets.schedules import ensure_schedules


class Command(BaseCommand):
    help = "Create the mail import, delivery and auto-close schedules if they are missing."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database=DEFAULT_DB_ALIAS, **options):
        result = ensure_schedules(database)
        if not result:
            raise CommandError("django_q is not installed or not migrated on this database.")
        for name, created in result:
            self.stdout.write(f"{name}: {'created' if created else 'already present, kept'}")
