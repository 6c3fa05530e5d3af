"""Signals sent after the change is committed (never for a rolled-back change).

All send ``sender=Ticket`` and ``ticket=...``, ``actor=...`` (a user or ``None`` for the
system); ``message_added`` adds ``message``, ``ticket_changed`` adds ``changes`` (a dict of
field name to ``(old, new)`` display strings), ``ticket_rated`` adds ``rating`` (the
``Rating`` as it is now) and ``created`` (``False`` when a rating was changed),
``sla_breached`` adds ``target`` (``"first_response"``, ``"next_response"`` or
``"resolution"``) and ``due_at`` (sent once per target's run, by the escalation scan;
``actor`` is ``None``).
"""

from django.dispatch import Signal

ticket_opened = Signal()
message_added = Signal()
ticket_changed = Signal()
ticket_closed = Signal()
ticket_reopened = Signal()
ticket_deleted = Signal()
ticket_rated = Signal()
ticket_merged = Signal()
ticket_split = Signal()
ticket_linked = Signal()
ticket_unlinked = Signal()
sla_breached = Signal()
