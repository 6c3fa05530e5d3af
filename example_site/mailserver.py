"""A local IMAP server for the demo mailbox (and for the mail tests): pymap's in-memory
backend on 127.0.0.1, with one login.

``python example_site/mailserver.py`` serves the demo mailbox on 127.0.0.1:1143 (login
``support@demo.example`` / ``demo-password``) until it is stopped; ``dev.py demo`` starts it.
Mail lives in memory only: it is gone when the server stops, which suits a demo mailbox whose
messages the importer removes anyway.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
from argparse import Namespace
from contextlib import AsyncExitStack

HOST = "127.0.0.1"
DEMO_PORT = 1143
DEMO_USER = "support@demo.example"
DEMO_PASSWORD = "demo-password"


def port_is_free(port: int, host: str = HOST) -> bool:
    """True when nothing listens on ``host:port`` (so a demo server may take it)."""
    with socket.socket() as probe:
        # connections of a server that just stopped may linger in TIME_WAIT: they do not
        # listen, and the server itself binds with SO_REUSEADDR too
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


async def serve(
    port: int,
    user: str,
    password: str,
    cert: str | None = None,
    key: str | None = None,
    ready_message: str = "ready",
) -> None:
    """Serve IMAP on 127.0.0.1:``port`` until cancelled; with ``cert`` and ``key`` it offers
    STARTTLS and refuses to log in before it. Prints ``ready_message`` once it listens."""
    from pymap.backend.dict import DictBackend
    from pymap.imap import IMAPService
    from pysasl.hashing import Cleartext

    args = Namespace(
        debug=False,
        host=[HOST],
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
    # a local server with one known login: cheap password checks instead of 500,000 PBKDF2
    # rounds per login
    backend, config = await DictBackend.init(args, hash_context=Cleartext())
    config.apply_context()
    service = IMAPService(backend, config)
    async with AsyncExitStack() as stack:
        await backend.start(stack)
        await service.start(stack)
        print(ready_message, flush=True)
        while True:
            await asyncio.sleep(3600)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="IMAP server of the demo mailbox.")
    parser.add_argument("--port", type=int, default=DEMO_PORT)
    parser.add_argument("--user", default=DEMO_USER)
    parser.add_argument("--password", default=DEMO_PASSWORD)
    options = parser.parse_args(argv)
    message = (
        f"demo mailbox: IMAP on {HOST}:{options.port}, login {options.user} "
        "(mail is kept in memory until this server stops)"
    )
    # stop on Ctrl-C or SIGTERM even when started with SIGINT ignored (a background job)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        asyncio.run(serve(options.port, options.user, options.password, ready_message=message))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
