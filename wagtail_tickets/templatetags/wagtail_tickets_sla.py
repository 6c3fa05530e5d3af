"""``{% expected_response form %}``: on the new-ticket forms of the customer area and the
external page, the first-response time the service-level policies promise ("We usually
answer within 4 business hours"), read with the same matching ``actions`` use
(``sla.policies``). Nothing is shown where no policy gives a first-response target.
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext, ngettext

from .. import permissions
from ..sla import policies

register = template.Library()


def business_time(minutes: int) -> str:
    """ "4 business hours", "90 business minutes", "1 business hour and 30 minutes"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return ngettext("%(count)s business minute", "%(count)s business minutes", rest) % {
            "count": rest
        }
    text = ngettext("%(count)s business hour", "%(count)s business hours", hours) % {"count": hours}
    if rest:
        text = gettext("%(hours)s and %(minutes)s min") % {"hours": text, "minutes": rest}
    return text


@register.inclusion_tag("wagtail_tickets/includes/expected_response.html", takes_context=True)
def expected_response(context, form) -> dict:
    """The promise for every type the form offers: one sentence when they agree, else one
    line per type. The customer record is the signed-in user's (none on the external
    page for visitors)."""
    field = form.fields.get("type") if form is not None else None
    if field is None:
        return {"sentence": "", "per_type": []}
    request = context.get("request")
    customer = permissions.customer_for(getattr(request, "user", None))
    active = policies.active_policies()  # read once for every type
    found = []
    for ticket_type in field.queryset:
        facts = policies.Facts(ticket_type.pk, None, getattr(customer, "pk", None))
        policy = policies.first_match(facts, active) if active else None
        found.append((ticket_type, policy.first_response_minutes if policy else None))
    minutes = {value for _type, value in found}
    if not found or minutes == {None}:
        return {"sentence": "", "per_type": []}
    if len(minutes) == 1:
        (only,) = minutes
        sentence = gettext("We usually answer within %(time)s.") % {"time": business_time(only)}
        return {"sentence": sentence, "per_type": []}
    return {
        "sentence": gettext("We usually answer within:"),
        "per_type": [
            (ticket_type.name, business_time(value))
            for ticket_type, value in found
            if value is not None
        ],
    }
