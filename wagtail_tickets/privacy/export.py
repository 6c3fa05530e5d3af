"""Export of a person's data (the right of access): one ZIP archive with ``data.json``
(one list per holder, see ``holders``), the files of their messages under
``attachments/`` and the raw quarantined mail under ``mail/``.

Internal notes and the tickets' history are only in a full export, which administrators
may ask for.
"""

from __future__ import annotations

import datetime
import json
import zipfile
from typing import IO

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from ..models import Attachment, QuarantinedMessage
from ..sanitize import clean_filename
from . import holders as holder_registry
from .person import Person

# rows read from the database at a time
CHUNK = 500
ARCHIVE_FORMAT = 1


def _rows(holder, person: Person, full: bool):
    queryset = holder.find(person, full)
    if queryset is None or not holder.export_fields:
        return []
    fields = ("pk", *holder.export_fields)
    return [
        {("id" if k == "pk" else k.replace("__", "_")): v for k, v in row.items()}
        for row in queryset.order_by("pk").values(*fields).iterator(chunk_size=CHUNK)
    ]


def write_archive(person: Person, out: IO[bytes], *, full: bool = False) -> dict[str, int]:
    """Write the archive to ``out``; returns the rows of each holder."""
    data: dict[str, object] = {
        "format": ARCHIVE_FORMAT,
        "created_at": timezone.now().isoformat(),
        "full": full,
    }
    counts: dict[str, int] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for holder in holder_registry.holders():
            rows = _rows(holder, person, full)
            if not holder.export_fields:
                continue
            data[holder.key] = rows
            counts[holder.key] = len(rows)
        attachment_ids = [row["id"] for row in data.get("attachments", [])]
        storage = Attachment._meta.get_field("file").storage
        for attachment in Attachment.objects.filter(pk__in=attachment_ids).iterator(CHUNK):
            name = f"attachments/{attachment.pk}-{clean_filename(attachment.filename)}"
            try:
                with storage.open(attachment.file.name, "rb") as source:
                    archive.writestr(name, source.read())
            except OSError:
                continue  # a file missing from the storage: its row is in data.json
        quarantine_ids = [row["id"] for row in data.get("quarantine", [])]
        for pk, raw in QuarantinedMessage.objects.filter(pk__in=quarantine_ids).values_list(
            "pk", "raw"
        ):
            archive.writestr(f"mail/quarantine-{pk}.eml", bytes(raw))
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
    return counts


def archive_name(now: datetime.datetime | None = None) -> str:
    return f"personal-data-{(now or timezone.now()):%Y%m%d-%H%M%S}.zip"
