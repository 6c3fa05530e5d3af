"""Rebuild the words the article suggestions read, from the live articles."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from wagtail_tickets.contrib.helpcentre.suggestions import rebuild


class Command(BaseCommand):
    help = "Rebuild the help centre's suggestion index from the live articles."

    def handle(self, *args, **options) -> None:
        count = rebuild()
        self.stdout.write(_("%(count)d articles indexed for suggestions.") % {"count": count})
