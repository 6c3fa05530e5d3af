"""Which service-level policy a ticket falls under: the first active policy, in the
administrators' order, whose every set condition matches (type, priority, customer
record, customer tier). Read when ``actions`` store due times, never when a page shows."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import CustomerTier, SlaPolicy

CALENDARS = ("first_response_calendar", "next_response_calendar", "resolution_calendar")


@dataclass(frozen=True)
class Facts:
    """What a policy's conditions look at."""

    ticket_type_id: int | None
    priority_id: int | None
    customer_id: object | None


def active_policies() -> list[SlaPolicy]:
    """The active policies in order, with their calendars (one query)."""
    return list(
        SlaPolicy.objects.filter(active=True)
        .select_related(*CALENDARS)
        .order_by("sort_order", "pk")
    )


def tiers_of(customer_id) -> set[int]:
    """The customer tiers a customer record is in (one query)."""
    if customer_id is None:
        return set()
    field = CustomerTier._meta.get_field("customers")
    through = field.remote_field.through
    return set(
        through._default_manager.filter(
            **{field.m2m_reverse_field_name(): customer_id}
        ).values_list(field.m2m_field_name(), flat=True)
    )


def matches(policy: SlaPolicy, facts: Facts, tiers: set[int]) -> bool:
    return (
        (policy.ticket_type_id is None or policy.ticket_type_id == facts.ticket_type_id)
        and (policy.priority_id is None or policy.priority_id == facts.priority_id)
        and (policy.customer_id is None or policy.customer_id == facts.customer_id)
        and (policy.customer_tier_id is None or policy.customer_tier_id in tiers)
    )


def first_match(facts: Facts, policies: list[SlaPolicy] | None = None) -> SlaPolicy | None:
    """The first of ``policies`` (default: the active ones) matching ``facts``; at most
    two queries."""
    if policies is None:
        policies = active_policies()
    tiers = tiers_of(facts.customer_id) if any(p.customer_tier_id for p in policies) else set()
    return next((policy for policy in policies if matches(policy, facts, tiers)), None)


def policy_for(ticket) -> SlaPolicy | None:
    """The policy of a ticket as its fields are now."""
    return first_match(Facts(ticket.ticket_type_id, ticket.priority_id, ticket.customer_id))


def first_response_minutes(ticket_type, priority=None, customer=None) -> int | None:
    """The first-response target a new ticket would get, in business minutes (for "We
    usually answer within ..."); ``None`` without one."""
    policy = first_match(
        Facts(
            getattr(ticket_type, "pk", None),
            getattr(priority, "pk", None),
            getattr(customer, "pk", None),
        )
    )
    return policy.first_response_minutes if policy is not None else None
