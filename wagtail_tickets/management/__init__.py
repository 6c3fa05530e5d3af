"""Management commands of wagtail-tickets (``management/commands``)."""
