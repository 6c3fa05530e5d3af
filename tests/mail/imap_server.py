"""A real IMAP server for the tests: the demo's pymap server (``example_site.mailserver``)
on 127.0.0.1.

Run as ``python -m tests.mail.imap_server PORT USER PASSWORD [CERT KEY]``; with a
certificate it offers STARTTLS and refuses to log in before it. It serves until its standard
input closes, so it stops by itself when the test process ends, however that happens.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading

from example_site.mailserver import serve


def _watch_stdin() -> None:
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=_watch_stdin, daemon=True).start()
    port_arg, user_arg, password_arg, *tls_files = sys.argv[1:6]
    asyncio.run(serve(int(port_arg), user_arg, password_arg, *tls_files))
