"""Permission-checked attachment downloads.

A file is served only when its ticket is in the user's ``customer_tickets`` and its message
is in ``visible_messages`` (files of internal notes stay with the agents). It is always a
download, never rendered by the browser: content types that a browser would run as a page
are replaced, and ``nosniff`` stops guessing.
"""

from __future__ import annotations

import re

from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from .. import permissions
from ..models import Attachment
from .base import customer_view, get_customer_ticket

SAFE_FALLBACK = "application/octet-stream"
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_ACTIVE = re.compile(r"html|svg|xml|javascript|ecmascript|x-shockwave")


def served_content_type(stored: str) -> str:
    """The Content-Type a download is served with: the stored type when it is a plain,
    passive one; ``application/octet-stream`` for HTML, SVG, XML, scripts or garbage."""
    value = (stored or "").strip().lower()
    if not _CONTENT_TYPE.match(value) or _ACTIVE.search(value):
        return SAFE_FALLBACK
    return value


@customer_view
@require_http_methods(["GET", "HEAD"])
def attachment(request: HttpRequest, number: str, pk: int) -> FileResponse:
    ticket = get_customer_ticket(request, number)
    item = get_object_or_404(
        Attachment.objects.filter(message__in=permissions.visible_messages(request.user, ticket)),
        pk=pk,
    )
    return download_response(item)


def download_response(item: Attachment) -> FileResponse:
    """The file as a download that no browser renders (shared with the external page)."""
    try:
        handle = item.file.open("rb")
    except (OSError, ValueError) as exc:
        raise Http404("The file is no longer available.") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=item.filename or "file",
        content_type=served_content_type(item.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
