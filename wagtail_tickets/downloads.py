"""Attachment downloads: how every view that hands out a file streams it (the customer
area, the external page's private link and the agents' workspace).

Which file a user may have is the caller's question (``permissions``); this module decides
how it is served: always as a download, never rendered by the browser. Content types a
browser would run as a page are replaced, ``nosniff`` stops guessing, and a sandboxing
Content-Security-Policy covers a browser that opens it anyway.
"""

from __future__ import annotations

import re

from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

from .conf import app_settings
from .models import Attachment
from .storage import backend

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


def download_response(item: Attachment) -> HttpResponse:
    """The file as a download that no browser renders; 404 when the stored file is gone.
    With ``ATTACHMENT_SIGNED_URL_SECONDS`` and a storage that signs URLs, a redirect to a
    short-lived signed URL that makes the storage serve it the same way."""
    if app_settings.ATTACHMENT_SIGNED_URL_SECONDS:
        signed = _signed_redirect(item)
        if signed is not None:
            return signed
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


def _signed_redirect(item: Attachment) -> HttpResponse | None:
    """A redirect to the storage's signed URL, or None when the storage does not sign."""
    storage = backend()
    if not getattr(storage, "querystring_auth", False):
        return None
    url = storage.url(
        item.file.name,
        parameters={
            "ResponseContentDisposition": content_disposition_header(True, item.filename or "file"),
            "ResponseContentType": served_content_type(item.content_type),
        },
        expire=app_settings.ATTACHMENT_SIGNED_URL_SECONDS,
    )
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
