"""The default notifier. Hosts swap it with ``WAGTAIL_TICKETS["NOTIFIER"]`` (subclass it and
override what should differ), the way django-allauth lets hosts swap its adapter."""

from __future__ import annotations

from django.contrib import messages
from django.utils.translation import gettext as _

from .events import Event, EventKind


class Notifier:
    """Tells people about ticket events.

    ``notify`` runs inside the action's transaction, after the change is written: what it
    records (on-screen confirmations now, queued mail with the mail outbox) is part of
    the same change.
    """

    def notify(self, event: Event) -> None:
        self.confirm(event)

    # On-screen confirmations through Django's messages framework (A9).

    def confirmation_text(self, event: Event) -> str:
        number = event.ticket.number
        texts = {
            EventKind.OPENED: _("Ticket #%(number)s has been opened."),
            EventKind.REPLIED: _("Your reply to ticket #%(number)s has been added."),
            EventKind.NOTE: _("Internal note added to ticket #%(number)s."),
            EventKind.CLOSED: _("Ticket #%(number)s has been closed."),
            EventKind.REOPENED: _("Ticket #%(number)s has been reopened."),
            EventKind.CHANGED: _("Ticket #%(number)s has been updated."),
            EventKind.CLAIMED: _("You have claimed ticket #%(number)s."),
            EventKind.ASSIGNED: _("Ticket #%(number)s has been assigned."),
        }
        return texts[event.kind] % {"number": number}

    def confirm(self, event: Event) -> None:
        request = event.request
        if request is None or not hasattr(request, "_messages"):
            return
        messages.success(request, self.confirmation_text(event))
