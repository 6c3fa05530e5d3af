"""Who may show the external page in an iframe.

Only views wrapped in ``framable`` may be framed, and only by the origins of
``EXTERNAL_FRAME_ANCESTORS`` (CSP ``frame-ancestors``, which every current browser honours);
they are exempted from Django's ``X-Frame-Options`` because that header cannot name another
origin. Every other view keeps ``XFrameOptionsMiddleware``'s protection.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps

from django.core.checks import Error, Tags, register
from django.views.decorators.clickjacking import xframe_options_exempt

from ..conf import app_settings

_KEYWORDS = {"'self'", "'none'"}
_SOURCE = re.compile(
    r"^(https?|\*)://(\*\.)?[A-Za-z0-9.-]+(:(\d{1,5}|\*))?/?$|^https?:$|^\*$", re.ASCII
)


def valid_source(source: str) -> bool:
    """A host source of CSP: a keyword, a scheme or an origin; nothing that could end the
    directive (``;``, ``,``) or start another header line."""
    return source in _KEYWORDS or bool(_SOURCE.match(source))


def frame_ancestors() -> str:
    sources = [s for s in app_settings.EXTERNAL_FRAME_ANCESTORS if valid_source(s)]
    if "'none'" in sources or not sources:
        return "frame-ancestors 'none'"
    return "frame-ancestors " + " ".join(dict.fromkeys(sources))


def framable(view: Callable) -> Callable:
    """Let the allowed origins frame this view (and no one else)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = frame_ancestors()
        return response

    return xframe_options_exempt(wrapper)


@register(Tags.security)
def check_frame_ancestors(app_configs, **kwargs):
    bad = [s for s in app_settings.EXTERNAL_FRAME_ANCESTORS if not valid_source(s)]
    if bad:
        return [
            Error(
                f"WAGTAIL_TICKETS['EXTERNAL_FRAME_ANCESTORS'] has invalid entries: {bad!r}",
                hint="A tuple of origins such as ('\\'self\\'', 'https://www.example.com').",
                id="wagtail_tickets.E101",
            )
        ]
    return []
