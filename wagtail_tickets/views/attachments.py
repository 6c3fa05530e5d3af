"""Permission-checked attachment downloads in the customer area.

A file is served only when its ticket is in the user's ``customer_tickets`` and its message
is in ``visible_messages`` (files of internal notes stay with the agents); how it is served
(always a download, never rendered by the browser) is ``downloads.download_response``.
"""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from .. import permissions
from ..downloads import download_response
from ..models import Attachment
from .base import customer_view, get_customer_ticket


@customer_view
@require_http_methods(["GET", "HEAD"])
def attachment(request: HttpRequest, number: str, pk: int) -> FileResponse:
    ticket = get_customer_ticket(request, number)
    item = get_object_or_404(
        Attachment.objects.filter(message__in=permissions.visible_messages(request.user, ticket)),
        pk=pk,
    )
    return download_response(item)
