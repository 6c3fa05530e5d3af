"""The names migration ``0002_default_workflow`` gives the default statuses and
priorities, marked for translation here (the migration stays frozen text).

A status or priority whose name is still one of these shows in the viewer's language
(``status_label``, ``priority_label``: ``Status.label``, ``Priority.label`` and their
``__str__``); once an administrator renames it, it shows as typed. The database and the
history keep the name as stored, so a change of language never changes data.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

# the seeded name -> its text in the viewer's language
STATUS_LABELS = {
    "Open": pgettext_lazy("ticket status", "Open"),
    "In progress": pgettext_lazy("ticket status", "In progress"),
    "Report": pgettext_lazy("ticket status", "Report"),
    "Answer": pgettext_lazy("ticket status", "Answer"),
    "Closed": pgettext_lazy("ticket status", "Closed"),
}
PRIORITY_LABELS = {
    "Low": pgettext_lazy("ticket priority", "Low"),
    "Normal": pgettext_lazy("ticket priority", "Normal"),
    "High": pgettext_lazy("ticket priority", "High"),
    "Urgent": pgettext_lazy("ticket priority", "Urgent"),
}
STATUS_NAMES = frozenset(STATUS_LABELS)
PRIORITY_NAMES = frozenset(PRIORITY_LABELS)


def status_label(name: str) -> str:
    """A status name as the viewer reads it: translated while it is a seeded name."""
    label = STATUS_LABELS.get(name)
    return name if label is None else str(label)


def priority_label(name: str) -> str:
    """A priority name as the viewer reads it: translated while it is a seeded name."""
    label = PRIORITY_LABELS.get(name)
    return name if label is None else str(label)


_LABELS = {"status": status_label, "priority": priority_label}


def change_label(field: str, value: str) -> str:
    """A value of a ticket's history or a change mail (stored as the name it had then), as
    the reader reads it: statuses and priorities through their labels, the rest as stored."""
    label = _LABELS.get(field)
    return label(value) if label and isinstance(value, str) else value
