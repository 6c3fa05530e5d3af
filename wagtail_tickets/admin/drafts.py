"""Reply drafts: an agent's unsent reply on one ticket and the field changes meant to go
with it, kept on the server (``ReplyDraft``) so that a reload, a saved field or another
device finds them again. The workspace restores a draft when it opens, keeps one whenever
its form reaches the server without sending the reply, and removes it when the reply is
sent or the agent discards it; the page saves it meanwhile (``workspace.DraftView``)."""

from __future__ import annotations

from ..models import ReplyDraft, Ticket
from ..sanitize import clean_html, is_blank


def load(user, ticket: Ticket) -> ReplyDraft | None:
    """The agent's draft on the ticket, if any (one query)."""
    return ReplyDraft.objects.filter(user=user, ticket=ticket).first()


def keep(user, ticket: Ticket, *, body: str, internal: bool, changes: dict) -> bool:
    """Store the draft (one upsert), its text sanitised as a message's would be; a draft
    with neither text nor changes is removed instead. Returns whether one is kept."""
    body = clean_html(body or "")
    if is_blank(body) and not changes:
        discard(user, ticket)
        return False
    ReplyDraft.objects.bulk_create(
        [
            ReplyDraft(
                user=user,
                ticket=ticket,
                body="" if is_blank(body) else body,
                internal=internal,
                changes=changes,
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "ticket"],
        update_fields=["body", "internal", "changes", "updated_at"],
    )
    return True


def discard(user, ticket: Ticket) -> None:
    """Remove the agent's draft on the ticket (sent or thrown away)."""
    ReplyDraft.objects.filter(user=user, ticket=ticket).delete()
