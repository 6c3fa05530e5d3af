"""Attachment downloads: how every view that hands out a file streams it (the customer
area, the external page's private link and the agents' workspace).

Which file a user may have is the caller's question (``permissions``); this module decides
how it is served: always as a download, never rendered by the browser. Content types a
browser would run as a page are replaced, ``nosniff`` stops guessing, and a sandboxing
Content-Security-Policy covers a browser that opens it anyway.
"""

from __future__ import annotations

import re

from django.http import FileResponse, Http404

from .models import Attachment

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


def download_response(item: Attachment) -> FileResponse:
    """The file as a download that no browser renders; 404 when the stored file is gone."""
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
