"""The mail server the site sends to: accepts everything and appends one line per message
(its Message-ID and first recipient) to a file, which ``verify`` counts
(``python -m bench.scaleout.smtp_sink PORT FILE``). It stops when its standard input
closes."""

from __future__ import annotations

import os
import sys
import threading
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser().parsebytes(envelope.original_content or b"")
        line = f"{headers.get('Message-ID', '').strip()}\t{envelope.rcpt_tos[0]}\n"
        with self.lock, open(self.path, "a", encoding="utf-8") as out:
            out.write(line)
        return "250 OK"


if __name__ == "__main__":
    port, path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(path), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()
    os._exit(0)
