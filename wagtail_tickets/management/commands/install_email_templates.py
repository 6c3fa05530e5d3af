"""``manage.py install_email_templates``: add the shipped email templates (en, de, nl, it)
that are missing. The first ``migrate`` installs them on a new database; this brings back
any an administrator deleted. Existing templates are never changed."""

from django.core.management.base import BaseCommand

from wagtail_tickets.notifications.defaults import install_default_templates


class Command(BaseCommand):
    help = "Add the shipped email templates that are missing (existing ones stay as they are)."

    def handle(self, *args, **options):
        created = install_default_templates()
        self.stdout.write(f"{created} email template(s) added.")
