"""What the workspace shows of a ticket's merges and links (the "Linked tickets" panel),
and the form that links it: read here, where ``workspace`` may import it; the views that
change links are in ``links``."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import permissions
from ..models import Ticket, TicketLink, TicketMerge

MAX_NUMBER = 32
# links a workspace lists (a ticket with more is a project, not a ticket)
MAX_LINKS = 100


class LinkForm(forms.Form):
    """Link this ticket to another by its number."""

    number = forms.CharField(label=gettext_lazy("Ticket number"), max_length=MAX_NUMBER + 1)
    kind = forms.ChoiceField(
        label=gettext_lazy("Link"),
        choices=[
            ("related", gettext_lazy("Related to")),
            ("child", gettext_lazy("Parent of (the other ticket is a child)")),
            ("parent", gettext_lazy("Child of (the other ticket is the parent)")),
        ],
    )

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip().lstrip("#").strip()
        if not number or len(number) > MAX_NUMBER or not number.isprintable():
            raise ValidationError(_("Enter a ticket number."))
        return number


def workspace_context(ticket: Ticket, user, merge: TicketMerge | None) -> dict:
    """What the workspace shows of merges and links: ``merge``, the merge that closed this
    ticket (the workspace has read it), those merged into it, and its links with each
    other ticket's state (a parent's children with theirs). Two queries."""
    merged_here = list(
        TicketMerge.objects.filter(target_id=ticket.pk).select_related("source")[:MAX_LINKS]
    )
    rows = (
        TicketLink.objects.filter(Q(from_ticket_id=ticket.pk) | Q(to_ticket_id=ticket.pk))
        .select_related("from_ticket__status", "to_ticket__status")
        .order_by("kind", "pk")[:MAX_LINKS]
    )
    managed = permissions.agent_types(user)
    links = []
    for link in rows:
        outgoing = link.from_ticket_id == ticket.pk
        other = link.to_ticket if outgoing else link.from_ticket
        if link.kind == TicketLink.Kind.PARENT:
            role = "child" if outgoing else "parent"
        else:
            role = "related"
        links.append(
            {
                "link": link,
                "other": other,
                "role": role,
                "visible": managed is None or other.ticket_type_id in managed,
            }
        )
    open_children = sum(1 for row in links if row["role"] == "child" and row["other"].is_open)
    return {
        "merge": merge,
        "merged_here": merged_here,
        "links": links,
        "open_children": open_children,
        "link_form": LinkForm(),
    }
