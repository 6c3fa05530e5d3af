"""``manage.py recompute_sla_due_times``: give open tickets the due times of the current
service-level policies, in batches (``actions.recompute_sla``); ``--queue`` hands the
work to the task queue instead."""

from django.core.management.base import BaseCommand, CommandError

from wagtail_tickets import actions, tasks


class Command(BaseCommand):
    help = "Recompute the service-level due times of open tickets after a policy change."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=tasks.SLA_RECOMPUTE_BATCH, help="Tickets per batch."
        )
        parser.add_argument(
            "--queue", action="store_true", help="Queue the work for the task workers."
        )

    def handle(self, *args, batch_size: int, queue: bool, **options):
        if not 1 <= batch_size <= 10_000:
            raise CommandError("--batch-size must be between 1 and 10000.")
        if queue:
            if not tasks.queue_sla_recompute():
                raise CommandError("The task queue is not reachable.")
            self.stdout.write("Queued.")
            return
        total, after = 0, 0
        while True:
            count, last = actions.recompute_sla(after=after, limit=batch_size)
            total += count
            if last is None:
                break
            after = last
        self.stdout.write(f"Recomputed the due times of {total} open ticket(s).")
