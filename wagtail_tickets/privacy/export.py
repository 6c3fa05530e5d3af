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
from ..storage import attachment_storage
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


# how long an administrator's archive waits to be downloaded
ARCHIVE_DAYS = 7
ARCHIVE_FOLDER = "wagtail_tickets/privacy"


def request_export(person: Person, *, requested_by, full: bool = False):
    """A request for an archive the administrator downloads when the task has made it."""
    from ..models import PersonalDataRequest

    return PersonalDataRequest.objects.create(
        action=PersonalDataRequest.Action.EXPORT,
        subject=person.as_json(),
        subject_kind=person.kind,
        include_internal=full,
        requested_by=requested_by,
    )


def run_export(request_id: int):
    """Write the archive of an export request to the storage; the request then forgets
    the person. None when the request is done already or unknown."""
    import tempfile
    import uuid

    from django.core.files import File

    from ..models import PersonalDataRequest

    State = PersonalDataRequest.State
    request = (
        PersonalDataRequest.objects.filter(pk=request_id, action=PersonalDataRequest.Action.EXPORT)
        .exclude(state=State.DONE)
        .first()
    )
    if request is None:
        return None
    PersonalDataRequest.objects.filter(pk=request.pk).update(
        state=State.RUNNING, started_at=timezone.now()
    )
    person = Person.from_json(request.subject)
    with tempfile.TemporaryFile() as out:
        counts = write_archive(person, out, full=request.include_internal)
        out.seek(0)
        name = attachment_storage().save(f"{ARCHIVE_FOLDER}/{uuid.uuid4().hex}.zip", File(out))
    request.archive.name = name
    request.progress = counts
    request.state = State.DONE
    request.subject = {}
    request.finished_at = timezone.now()
    request.expires_at = request.finished_at + datetime.timedelta(days=ARCHIVE_DAYS)
    request.save()
    return request


def remove_expired_archives(now: datetime.datetime | None = None) -> int:
    """Delete the archives nobody downloaded in time (the daily privacy task calls this)."""
    from ..models import PersonalDataRequest

    now = now or timezone.now()
    expired = PersonalDataRequest.objects.filter(expires_at__lte=now).exclude(archive="")
    count = 0
    for request in expired.iterator():
        try:
            request.archive.storage.delete(request.archive.name)
        except OSError:
            pass
        PersonalDataRequest.objects.filter(pk=request.pk).update(archive="")
        count += 1
    return count
