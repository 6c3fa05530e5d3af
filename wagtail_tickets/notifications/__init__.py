"""Who is told what. Actions report each change as an ``Event``; the notifier (swappable
through ``WAGTAIL_TICKETS["NOTIFIER"]``) decides recipients, renders and queues the mail."""

from .events import Event, EventKind, notify

__all__ = ["Event", "EventKind", "notify"]
