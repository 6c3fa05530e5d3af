"""Limits on the request body of every view that accepts files (customer area, external
page, agent workspace), applied before the body is read.

A form's own validation (``validators.validate_uploads``) sees a file only once Django has
parsed the whole request, and Django parses by writing every file to a temporary file
first. So the views call :func:`receive` before anything touches ``request.POST`` or
``request.FILES``:

- a declared ``Content-Length`` over :func:`request_body_limit` is refused unread (413);
- otherwise an :class:`UploadLimitHandler` goes in front of Django's upload handlers: it
  passes on at most ``MAX_ATTACHMENT_SIZE`` bytes of a file and at most ``MAX_ATTACHMENTS``
  files, and stops the whole upload once more file content arrives than that many files
  can hold (a body that lies about its length, or a server that passes more than declared);
- Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``, ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` and
  ``DATA_UPLOAD_MAX_NUMBER_FILES`` still cap the text fields and the parts while parsing;
  breaking them is answered with the form page and a clear message, not a bare error.

A file that was not passed on stays in ``request.FILES`` as a :class:`RefusedUpload`, with no
content, so the form refuses it with its usual message ("larger than 10 MB", "at most 10
files") and the rest of what the user typed is kept.

Views protected by Django's CSRF check must run it after :func:`receive`: the check reads
``request.POST``, after which the upload handlers can no longer be changed. They are
marked ``csrf_exempt`` and call the check themselves through ``csrf_protect`` (Django's
documented way, "Modifying upload handlers on the fly").

The web server in front should cap the body size as well: under ASGI, Django reads the
whole body before any view runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from io import BytesIO

from django import forms
from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import (
    FileUploadHandler,
    SkipFile,
    StopFutureHandlers,
    StopUpload,
)
from django.http import HttpRequest, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .conf import app_settings

logger = logging.getLogger(__name__)

# Room in a body for what is not file content: each file part's boundary and headers (its
# name and type), and the boundaries and headers of the form's other fields.
PART_OVERHEAD = 2 * 1024
FORM_OVERHEAD = 64 * 1024
# UTF-8 takes at most four bytes a character.
BYTES_PER_CHARACTER = 4


def files_limit() -> int:
    """The most file content one message can carry: every file at its largest."""
    return app_settings.MAX_ATTACHMENTS * app_settings.MAX_ATTACHMENT_SIZE


def text_limit() -> int:
    """The most text the other fields can carry: Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``,
    which caps them while parsing; where a site turned that off, the longest message and
    subject in UTF-8."""
    cap = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if cap is not None:
        return int(cap)
    characters = app_settings.MAX_BODY_LENGTH + app_settings.MAX_SUBJECT_LENGTH
    return characters * BYTES_PER_CHARACTER


def request_body_limit() -> int:
    """The largest request body an upload form accepts: the files, room for their part
    headers, and the text fields."""
    return (
        files_limit() + app_settings.MAX_ATTACHMENTS * PART_OVERHEAD + text_limit() + FORM_OVERHEAD
    )


def declared_length(request: HttpRequest) -> int:
    """The body size the client declared (0 when absent or not a number, as Django reads
    it: such a body is not read at all)."""
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except (TypeError, ValueError):
        return 0


class RefusedUpload(UploadedFile):
    """A file of the request that was not read, in ``request.FILES`` in its place so that
    the form refuses it. ``size`` is what arrived of a file over the limit (more than
    ``MAX_ATTACHMENT_SIZE``), or ``None`` for a file over ``MAX_ATTACHMENTS``: either way
    ``validate_uploads`` refuses it. It holds no content."""

    def __init__(self, field_name: str, name: str, content_type: str, size: int | None):
        super().__init__(BytesIO(), name=name, content_type=content_type, size=size)
        self.field_name = field_name


class UploadLimitHandler(FileUploadHandler):
    """Counts the files and bytes of a multipart body as Django parses it; goes first in
    ``request.upload_handlers``, so the handlers that write files (memory, temporary file)
    only ever get what is within the limits.

    - a file past ``max_file_size`` (or declaring a larger size in its part header):
      skipped (``SkipFile``: what was written of it is closed and deleted, the rest is
      not stored) and remembered in ``skipped``;
    - a file past ``max_files``: taken over by this handler (``StopFutureHandlers``), its
      content dropped, and a :class:`RefusedUpload` returned for it;
    - file content past ``max_total`` in all, counting what this handler saw of files it
      refused: the upload stops (``StopUpload``) without reading further, and ``stopped``
      is set. (The parser reads past the rest of a skipped file uncounted; the declared
      length, checked first, bounds it.)
    """

    def __init__(
        self,
        request: HttpRequest | None = None,
        *,
        max_file_size: int,
        max_files: int,
        max_total: int,
    ) -> None:
        super().__init__(request)
        self.max_file_size = max_file_size
        self.max_files = max_files
        self.max_total = max_total
        self.files_seen = 0
        self.total = 0
        self.current_size = 0
        self.too_large = False
        self.taken_over = False
        self.skipped: list[RefusedUpload] = []
        self.stopped = False

    def new_file(
        self,
        field_name: str,
        file_name: str,
        content_type: str,
        content_length: int | None,
        charset: str | None = None,
        content_type_extra: dict | None = None,
    ) -> None:
        super().new_file(
            field_name, file_name, content_type, content_length, charset, content_type_extra
        )
        self.files_seen += 1
        self.current_size = 0
        self.too_large = content_length is not None and content_length > self.max_file_size
        # Skipping here would close the file the next handlers completed last, not this
        # one; a file too many is taken over instead, one too large skipped at its first
        # chunk (an empty one is stored empty, and the form refuses it as empty).
        self.taken_over = self.files_seen > self.max_files
        if self.taken_over:
            raise StopFutureHandlers

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.total += len(raw_data)
        self.current_size += len(raw_data)
        if not self.taken_over and (self.too_large or self.current_size > self.max_file_size):
            size = max(self.current_size, self.content_length or 0)
            self.skipped.append(self._refused(size))
            raise SkipFile
        if self.total > self.max_total:
            self.stopped = True
            raise StopUpload(connection_reset=True)
        return None if self.taken_over else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.taken_over:
            return None  # the next handler returns the stored file
        self.taken_over = False
        return self._refused(None)

    def _refused(self, size: int | None) -> RefusedUpload:
        return RefusedUpload(self.field_name, self.file_name, self.content_type, size)


@dataclass(frozen=True)
class Refusal:
    """Why a request's form data was not accepted, and the status to answer with."""

    message: str
    status: int


def too_large() -> Refusal:
    count = app_settings.MAX_ATTACHMENTS
    return Refusal(
        ngettext(
            "What you sent is too large (more than %(total)s). You can attach %(count)d "
            "file of at most %(size)s.",
            "What you sent is too large (more than %(total)s). You can attach up to "
            "%(count)d files of at most %(size)s each.",
            count,
        )
        % {
            "total": filesizeformat(request_body_limit()),
            "count": count,
            "size": filesizeformat(app_settings.MAX_ATTACHMENT_SIZE),
        },
        413,
    )


def _text_too_long() -> Refusal:
    return Refusal(_("The text you sent is too long. Please shorten it and send it again."), 413)


def _unreadable() -> Refusal:
    return Refusal(_("The form could not be read. Please reload the page and send it again."), 400)


def receive(request: HttpRequest) -> Refusal | None:
    """Parse a POST's form data within the limits; ``None`` when ``request.POST`` and
    ``request.FILES`` are ready for the form, else why not (nothing of it is kept).

    Call it before anything reads ``request.POST`` or ``request.FILES``, CSRF checks
    included, and after the checks that need no body (login, permission, rate limits)."""
    if declared_length(request) > request_body_limit():
        logger.info("Upload refused unread: declared %d bytes.", declared_length(request))
        return too_large()
    if hasattr(request, "_files"):
        # parsed before the view (by a middleware of the site): too late to limit
        logger.warning("Upload limits not applied: the request body was read before the view.")
        return None
    handler = UploadLimitHandler(
        request,
        max_file_size=app_settings.MAX_ATTACHMENT_SIZE,
        max_files=app_settings.MAX_ATTACHMENTS,
        max_total=files_limit(),
    )
    request.upload_handlers.insert(0, handler)
    try:
        request.POST  # noqa: B018 (parses the body through the handlers)
        files = request.FILES
    except RequestDataTooBig:
        logger.info("Upload refused: text fields over DATA_UPLOAD_MAX_MEMORY_SIZE.")
        return _text_too_long()
    except (
        BadRequest,
        MultiPartParserError,
        TooManyFieldsSent,
        TooManyFilesSent,
        UnreadablePostError,
    ) as exc:
        logger.info("Upload refused: %s", exc.__class__.__name__)
        return _unreadable()
    if handler.stopped:
        logger.info("Upload stopped after %d bytes of files.", handler.total)
        for _name, uploads in files.lists():
            for upload in uploads:
                upload.close()
        return too_large()
    for refused in handler.skipped:
        files.appendlist(refused.field_name, refused)
    return None


def unread_form(form: forms.Form, error: ValidationError | str) -> forms.Form:
    """``form``, unbound because the request's data was not read, showing ``error`` as
    the reason (a form shown again after a refusal, with a fresh start)."""
    form.full_clean()
    form.cleaned_data = {}
    form.add_error(None, error)
    return form
