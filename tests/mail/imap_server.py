"""A real IMAP server for the tests: pymap's in-memory backend on 127.0.0.1.

Run as ``python -m tests.mail.imap_server PORT USER PASSWORD [CERT KEY]``; with a
certificate it offers STARTTLS and refuses to log in before it. It serves until its standard
input closes, so it stops by itself when the test process ends, however that happens.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from argparse import Namespace
from contextlib import AsyncExitStack


def _watch_stdin() -> None:
    sys.stdin.read()
    os._exit(0)


async def serve(
    port: int, user: str, password: str, cert: str | None = None, key: str | None = None
) -> None:
    from pymap.backend.dict import DictBackend
    from pymap.imap import IMAPService
    from pysasl.hashing import Cleartext

    args = Namespace(
        debug=False,
        host=["127.0.0.1"],
        port=str(port),
        cert=cert,
        key=key,
        tls=cert is not None,
        inherited_sockets=None,
        proxy_protocol=None,
        passlib_cfg=None,
        demo_data=False,
        demo_user=user,
        demo_password=password,
        skip_services=[],
    )
    # a test server: cheap password checks instead of 500,000 PBKDF2 rounds per login
    backend, config = await DictBackend.init(args, hash_context=Cleartext())
    config.apply_context()
    service = IMAPService(backend, config)
    async with AsyncExitStack() as stack:
        await backend.start(stack)
        await service.start(stack)
        print("ready", flush=True)
        while True:
            await asyncio.sleep(3600)


if __name__ == "__main__":
    threading.Thread(target=_watch_stdin, daemon=True).start()
    port_arg, user_arg, password_arg, *tls_files = sys.argv[1:6]
    asyncio.run(serve(int(port_arg), user_arg, password_arg, *tls_files))
