"""What an agent has seen: a ticket is new for an agent when a customer wrote after the
agent last opened it (``TicketVisit``, recorded by the workspace), or the agent never
opened it. One rule, written as a database condition, for the inbox's marker and filter
and the dashboard's counter."""

from __future__ import annotations

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q

from .models import TicketVisit


def new_for(user) -> Q:
    """The tickets with a customer message ``user`` has not seen, as a condition on
    ``Ticket``: a newest customer message, and no visit of the user at or after it."""
    seen = TicketVisit.objects.filter(
        user=user, ticket=OuterRef("pk"), seen_at__gte=OuterRef("last_customer_message_at")
    )
    return Q(last_customer_message_at__isnull=False) & ~Q(Exists(seen))


def is_new_for(user) -> ExpressionWrapper:
    """``new_for`` as a value of each row (``queryset.annotate(is_new=is_new_for(user))``)."""
    return ExpressionWrapper(new_for(user), output_field=BooleanField())
