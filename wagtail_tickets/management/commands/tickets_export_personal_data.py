"""``manage.py tickets_export_personal_data``: one ZIP archive of everything the helpdesk
holds about a person (see ``wagtail_tickets.privacy.export``)."""

from django.core.management.base import BaseCommand, CommandError

from wagtail_tickets.privacy.export import write_archive
from wagtail_tickets.privacy.person import person_from_options


class Command(BaseCommand):
    help = "Export a person's data (a user, a customer record or an address) as a ZIP archive."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="", help="a bare address (guests)")
        parser.add_argument("--user", default="", help="a user name or a user id")
        parser.add_argument("--customer", default="", help="a customer record's id")
        parser.add_argument("-o", "--output", required=True, help="the ZIP file to write")
        parser.add_argument(
            "--full", action="store_true", help="include internal notes and ticket history"
        )

    def handle(self, *args, **options):
        try:
            person = person_from_options(
                email=options["email"], user=options["user"], customer=options["customer"]
            )
        except (LookupError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        with open(options["output"], "wb") as out:
            counts = write_archive(person, out, full=options["full"])
        summary = ", ".join(f"{key} {count}" for key, count in counts.items() if count)
        self.stdout.write(f"Wrote {options['output']}: {summary or 'nothing found'}.")
