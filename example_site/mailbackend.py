"""The demo's mail backend: each message is written to a file in ``EMAIL_FILE_PATH`` (as
Django's file backend does) and the console shows one line per message, so the demo's
startup mail does not bury what the demo prints. ``dev.py demo`` chooses it through
``DEMO_MAIL_DIR``."""

from __future__ import annotations

import sys

from django.core.mail.backends.filebased import EmailBackend as FileBackend


class EmailBackend(FileBackend):
    def write_message(self, message) -> None:
        super().write_message(message)
        to = ", ".join(message.to) or "-"
        sys.stdout.write(f"mail to {to}: {message.subject} (in {self._fname})\n")
        sys.stdout.flush()
