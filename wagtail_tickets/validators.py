"""Input rules shared by every form that accepts addresses or files (customer area,
external page, admin). Each raises ``ValidationError`` with a message fit for the user."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .conf import app_settings
from .sanitize import clean_filename

_SEPARATORS = re.compile(r"[,;\n]")
_FORBIDDEN_IN_ADDRESS = re.compile(r"[\r\x00-\x1f\x7f<>\"'()\[\]\\\s]")


def parse_cc_addresses(raw: str) -> list[str]:
    """Split CC input on commas, semicolons and new lines; validate each address.

    Each entry must be one plain address: display names, quoting, control characters (CR/LF
    header injection) or several addresses hidden in one entry are refused.
    """
    if not raw or not raw.strip():
        return []
    if "\r" in raw.replace("\r\n", "\n"):
        raise ValidationError(_("CC addresses must not contain line breaks inside an entry."))
    addresses: list[str] = []
    for entry in _SEPARATORS.split(raw.replace("\r\n", "\n")):
        entry = entry.strip()
        if not entry:
            continue
        if _FORBIDDEN_IN_ADDRESS.search(entry) or entry.count("@") != 1 or len(entry) > 254:
            raise ValidationError(
                _("“%(entry)s” is not a single email address.") % {"entry": entry}
            )
        try:
            validate_email(entry)
        except ValidationError:
            raise ValidationError(
                _("“%(entry)s” is not a valid email address.") % {"entry": entry}
            ) from None
        if entry.lower() not in {a.lower() for a in addresses}:
            addresses.append(entry)
    if len(addresses) > app_settings.MAX_CC:
        raise ValidationError(
            ngettext(
                "At most %(max)d CC address is allowed.",
                "At most %(max)d CC addresses are allowed.",
                app_settings.MAX_CC,
            )
            % {"max": app_settings.MAX_CC}
        )
    return addresses


def validate_uploads(files: Sequence[UploadedFile]) -> None:
    """Count, size and extension limits, checked from the upload's metadata before any
    file content is read."""
    if len(files) > app_settings.MAX_ATTACHMENTS:
        raise ValidationError(
            ngettext(
                "You can attach at most %(max)d file.",
                "You can attach at most %(max)d files.",
                app_settings.MAX_ATTACHMENTS,
            )
            % {"max": app_settings.MAX_ATTACHMENTS}
        )
    errors: list[ValidationError] = []
    blocked = set(app_settings.BLOCKED_ATTACHMENT_EXTENSIONS)
    for upload in files:
        name = clean_filename(upload.name or "")
        if upload.size is None or upload.size > app_settings.MAX_ATTACHMENT_SIZE:
            errors.append(
                ValidationError(
                    _("“%(name)s” is larger than %(max)s.")
                    % {"name": name, "max": filesizeformat(app_settings.MAX_ATTACHMENT_SIZE)}
                )
            )
        elif upload.size == 0:
            errors.append(ValidationError(_("“%(name)s” is empty.") % {"name": name}))
        elif name.rsplit(".", 1)[-1].lower() in blocked and "." in name:
            errors.append(
                ValidationError(_("Files like “%(name)s” cannot be attached.") % {"name": name})
            )
    if errors:
        raise ValidationError(errors)
