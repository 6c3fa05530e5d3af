"""A customer's own data, downloaded from their profile page (the right of access)."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..external import throttle
from ..privacy.export import archive_name, write_archive
from ..privacy.person import Person
from .base import customer_view

# archives one account may download: each reads every row about them
EXPORT_RATE = (3, 3600)


@customer_view
@require_POST
def my_data(request: HttpRequest) -> HttpResponse:
    """The archive of the signed-in user's data: rows linked to their account only (an
    address typed into a profile proves nothing), internal notes never."""
    if not throttle.hit("personal-data", f"user:{request.user.pk}", EXPORT_RATE):
        messages.error(
            request, _("You have downloaded your data several times; please try again later.")
        )
        return redirect("wagtail_tickets:profile")
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    write_archive(Person.for_user(request.user, by_address=False), out, full=False)
    out.seek(0)
    response = FileResponse(
        out, as_attachment=True, filename=archive_name(), content_type="application/zip"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
