"""What the workspace page shows of the other agents on its ticket and of the send check
(``sendcheck``): the context of its presence list and of its form's ``seen`` fields, and
the page that stops a reply because the conversation changed meanwhile. The ping itself is
``presence``."""

from __future__ import annotations

from django.contrib import messages
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import presence, sendcheck
from ..conf import app_settings
from ..models import Ticket


def workspace_context(view, ticket: Ticket, seen: sendcheck.Seen | None = None) -> dict:
    """What the workspace page shows of presence and the send check. Read before the
    conversation, so the page shows at least what ``seen`` says it saw. The page's own
    tab is recorded at once: other agents see it before its first ping."""
    user = view.request.user
    context = {"seen": seen or sendcheck.current(ticket)}
    if not presence.enabled():
        return context
    now = timezone.now()
    tab = presence.new_tab()
    presence.sweep(now)
    presence.record(user, ticket, tab, now=now)
    context["presence"] = {
        "tab": tab,
        "others": presence.others(user, ticket, now),
        "interval": app_settings.PRESENCE_PING_SECONDS,
        "ping_url": view.url("presence", ticket.pk),
        "leave_url": view.url("presence_leave", ticket.pk),
    }
    return context


def conversation_changed(view, form, fields_form, changed: sendcheck.ConversationChanged):
    """The workspace again, the reply still in its box: what came meanwhile, and a button
    that sends it now that the agent has seen it (the page's ``seen`` is the new one)."""
    view.keep_draft(fields_form)
    messages.warning(
        view.request, _("Your reply was not sent: the conversation changed while you wrote it.")
    )
    return view.render_to_response(
        view.get_context_data(
            reply_form=form,
            change_form=fields_form,
            seen=changed.now,
            send_conflict={
                "messages": changed.new,
                "files_dropped": bool(view.request.FILES),
                "send_status": form.cleaned_data.get("send_status"),
            },
        ),
        status=409,
    )
