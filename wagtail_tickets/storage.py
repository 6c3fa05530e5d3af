"""Where attachment files live: one storage chosen by the ``ATTACHMENT_STORAGE`` option.

The site's public media storage is rarely the right home for customers' files (a bucket
whose objects are world-readable, a CDN in front of it), so attachments and personal-data
archives may use their own entry of Django's ``STORAGES``, for example a private S3 bucket
through django-storages. Downloads stay permission-checked either way (``downloads``).

The model fields get ``attachment_storage``; the object it returns looks up the configured
backend on every call, so a changed ``STORAGES`` (or the option) applies without reloading
the models, and migrations never record a backend.
"""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any

from django.core.files.storage import Storage, storages

from .conf import app_settings


def backend() -> Storage:
    """The storage backend attachments use now: ``STORAGES[ATTACHMENT_STORAGE]``."""
    return storages[app_settings.ATTACHMENT_STORAGE]


class AttachmentStorage(Storage):
    """Hands every storage operation to ``backend()``."""

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        return backend().save(name, content, max_length=max_length)

    def open(self, name: str, mode: str = "rb") -> IO:
        return backend().open(name, mode)

    def delete(self, name: str) -> None:
        backend().delete(name)

    def exists(self, name: str) -> bool:
        return backend().exists(name)

    def size(self, name: str) -> int:
        return backend().size(name)

    def url(self, name: str | None) -> str:
        return backend().url(name)

    def path(self, name: str) -> str:
        return backend().path(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return backend().listdir(path)

    def get_valid_name(self, name: str) -> str:
        return backend().get_valid_name(name)

    def get_alternative_name(self, file_root: str, file_ext: str) -> str:
        return backend().get_alternative_name(file_root, file_ext)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return backend().get_available_name(name, max_length=max_length)

    def generate_filename(self, filename: str) -> str:
        return backend().generate_filename(filename)

    def get_accessed_time(self, name: str) -> datetime:
        return backend().get_accessed_time(name)

    def get_created_time(self, name: str) -> datetime:
        return backend().get_created_time(name)

    def get_modified_time(self, name: str) -> datetime:
        return backend().get_modified_time(name)


_storage = AttachmentStorage()


def attachment_storage() -> Storage:
    """The ``storage`` of attachment and archive file fields (a callable, so migrations
    keep a reference to it rather than a backend)."""
    return _storage
