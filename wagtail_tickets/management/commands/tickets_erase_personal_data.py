"""``manage.py tickets_erase_personal_data``: anonymise or delete a person's data now
(see ``wagtail_tickets.privacy.erasure``); ``--resume`` carries on a request that
stopped."""

from django.core.management.base import BaseCommand, CommandError

from wagtail_tickets.models import PersonalDataRequest
from wagtail_tickets.privacy.erasure import request_erasure, run_erasure
from wagtail_tickets.privacy.person import person_from_options


class Command(BaseCommand):
    help = "Anonymise or delete a person's data (a user, a customer record or an address)."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="", help="a bare address (guests)")
        parser.add_argument("--user", default="", help="a user name or a user id")
        parser.add_argument("--customer", default="", help="a customer record's id")
        parser.add_argument(
            "--mode",
            choices=["anonymise", "delete"],
            default="anonymise",
            help="anonymise keeps the tickets; delete removes the person's tickets",
        )
        parser.add_argument("--resume", type=int, help="the id of a request that stopped")

    def handle(self, *args, **options):
        if options["resume"]:
            if not PersonalDataRequest.objects.filter(pk=options["resume"]).exists():
                raise CommandError(f"no request {options['resume']}")
            request_id = options["resume"]
        else:
            try:
                person = person_from_options(
                    email=options["email"], user=options["user"], customer=options["customer"]
                )
            except (LookupError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
            request_id = request_erasure(person, options["mode"]).pk
        request = run_erasure(request_id)
        if request is None:
            self.stdout.write(f"Request {request_id} is done already.")
            return
        summary = ", ".join(f"{k} {v}" for k, v in sorted(request.progress.items()))
        self.stdout.write(f"Request {request.pk} done: {summary or 'nothing found'}.")
