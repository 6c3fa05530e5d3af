"""Secrets at rest: mailbox passwords, OAuth2 client secrets and tokens.

They are stored encrypted with Fernet (AES in CBC mode with an HMAC, from the
``cryptography`` package) under keys derived from ``ENCRYPTION_KEYS`` (newest first; by
default the site's ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``). A value is always written
with the newest key and read with any of them (``MultiFernet``), so a key is rotated by
putting the new one first, running ``manage.py rotate_ticket_secrets`` and then dropping
the old one.

``EncryptedTextField`` does this in the model field itself: Python code sees the clear
value, the database only ``fernet:<token>``. A value that cannot be decrypted (its key was
dropped) reads as empty, which the mailbox screens show as "no password stored" and the
importer as "needs the password (or a sign-in) again", rather than failing every page.
"""

from __future__ import annotations

import base64
import logging
from functools import lru_cache

from django.db import models

from .. import conf

logger = logging.getLogger("wagtail_tickets.mail")

PREFIX = "fernet:"
# Frozen: a stored value depends on it (the data migration that encrypted the clear-text
# passwords holds a copy of this derivation).
_SALT = b"wagtail-tickets/secrets"
_INFO = b"fernet key"


class EncryptionUnavailable(RuntimeError):
    """The ``cryptography`` package is missing."""


def derive_key(secret: str) -> bytes:
    """A Fernet key (32 bytes, URL-safe base64) derived from one configured key with
    HKDF-SHA256, so any string of enough entropy can serve as a key."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        secret.encode("utf-8")
    )
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]):
    try:
        from cryptography.fernet import Fernet, MultiFernet
    except ImportError:  # pragma: no cover - a required dependency
        raise EncryptionUnavailable(
            "wagtail-tickets needs the 'cryptography' package to store mailbox secrets: "
            "pip install cryptography"
        ) from None
    return MultiFernet([Fernet(derive_key(key)) for key in keys])


def fernet():
    """The ``MultiFernet`` of the configured keys, newest first."""
    return _fernet(conf.encryption_keys())


def encrypt(value: str) -> str:
    """``fernet:<token>`` for a non-empty value; the empty string stays empty (so "no
    password" is visible without a key)."""
    if not value:
        return ""
    if value.startswith(PREFIX):  # already stored form: never encrypt twice
        return value
    return PREFIX + fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(stored: str | None) -> str:
    """The clear value of a stored one. Clear text written before encryption existed is
    returned as it is; a token no configured key opens reads as empty."""
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        return stored
    from cryptography.fernet import InvalidToken

    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError):
        logger.warning(
            "A stored mailbox secret cannot be decrypted with the configured "
            "ENCRYPTION_KEYS; it is treated as missing."
        )
        return ""


class EncryptedTextField(models.TextField):
    """A text column holding ``fernet:<token>``; Python code reads and writes the clear
    value. Migrations see a plain ``TextField`` (the column is one), so they never import
    this module."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value)

    def to_python(self, value):
        if value is None or not isinstance(value, str):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(str(value))

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs
