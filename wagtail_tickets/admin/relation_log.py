"""How the history reads merges, splits and links ("Merged into #12"), for the workspace
and Wagtail's site history. Registered by ``hooks.register_ticket_log_actions``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import LogFormatter


def _data(entry) -> dict:
    return entry.data if isinstance(entry.data, dict) else {}


class MergedFormatter(LogFormatter):
    label = gettext_lazy("Merge ticket")

    def format_message(self, log_entry):
        return _("Merged into #%(number)s") % {"number": _data(log_entry).get("into", "?")}


class MergedHereFormatter(LogFormatter):
    label = gettext_lazy("Merge tickets into this one")

    def format_message(self, log_entry):
        numbers = ", ".join(f"#{n}" for n in _data(log_entry).get("sources") or [])
        return _("Merged %(numbers)s into this ticket") % {"numbers": numbers}


class SplitFormatter(LogFormatter):
    label = gettext_lazy("Split ticket")

    def format_message(self, log_entry):
        data = _data(log_entry)
        return _("Moved %(count)s message(s) to the new ticket #%(number)s") % {
            "count": data.get("messages", 0),
            "number": data.get("to", "?"),
        }


def _role(data: dict) -> str:
    number = data.get("other", "?")
    role = data.get("kind")
    if role == "parent":
        return _("#%(number)s (its parent)") % {"number": number}
    if role == "child":
        return _("#%(number)s (its child)") % {"number": number}
    return _("#%(number)s (related)") % {"number": number}


class LinkedFormatter(LogFormatter):
    label = gettext_lazy("Link tickets")

    def format_message(self, log_entry):
        return _("Linked to %(ticket)s") % {"ticket": _role(_data(log_entry))}


class UnlinkedFormatter(LogFormatter):
    label = gettext_lazy("Unlink tickets")

    def format_message(self, log_entry):
        return _("Link to %(ticket)s removed") % {"ticket": _role(_data(log_entry))}


FORMATTERS = {
    "wagtail_tickets.merged": MergedFormatter,
    "wagtail_tickets.merged_here": MergedHereFormatter,
    "wagtail_tickets.split": SplitFormatter,
    "wagtail_tickets.linked": LinkedFormatter,
    "wagtail_tickets.unlinked": UnlinkedFormatter,
}


def register_log_actions(actions) -> None:
    for action, formatter in FORMATTERS.items():
        actions.register_action(action)(formatter)
